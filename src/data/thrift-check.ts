/**
 * A walk over Thrift compact-protocol bytes (a Parquet footer) that checks every list's declared size against
 * the bytes left, before hyparquet parses them. hyparquet's reader (thrift.js) runs `new Array(listSize)` with
 * the size as read, so a footer of a few hundred bytes declaring a list of 2^25 elements makes it allocate
 * 256 MB before the first element fails to read. Every element of a list takes at least one byte, so a size
 * beyond the bytes left is refused here. Hand-written because no library offers a checking walk (hyparquet's
 * own reader is the thing being guarded); it decodes nothing, only skips.
 */

// Compact protocol element types (Thrift's TCompactProtocol).
const TRUE = 1, FALSE = 2, BYTE = 3, I16 = 4, I32 = 5, I64 = 6, DOUBLE = 7, BINARY = 8, LIST = 9, SET = 10, MAP = 11, STRUCT = 12;
/** Deeper nesting than any Parquet footer has (its deepest structs are a few levels down). */
const MAX_DEPTH = 64;

/** Returns why `bytes` is not a well-formed compact-protocol struct with honest list sizes, or null. */
export function thriftProblem(bytes: Uint8Array): string | null {
  let at = 0;
  const fail = (why: string): never => { throw new ThriftWalkError(`${why} at byte ${at}`); };
  const byte = (): number => (at < bytes.length ? bytes[at++] : fail('the bytes end inside a value'));
  const varint = (): number => {
    let v = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = byte();
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 128;
    }
    return fail('a variable-length integer longer than 10 bytes');
  };
  const skip = (n: number): void => {
    if (n > bytes.length - at) fail(`a length of ${n} with ${bytes.length - at} bytes left`);
    at += n;
  };
  const value = (type: number, depth: number): void => {
    switch (type) {
      case TRUE: case FALSE: return;
      case BYTE: skip(1); return;
      case I16: case I32: case I64: varint(); return;
      case DOUBLE: skip(8); return;
      case BINARY: skip(varint()); return;
      case LIST: case SET: {
        const head = byte();
        const size = (head >> 4) === 15 ? varint() : head >> 4;
        if (size > bytes.length - at) fail(`a list of ${size} elements with ${bytes.length - at} bytes left`);
        const elem = head & 0x0f;
        for (let i = 0; i < size; i++) value(elem === TRUE || elem === FALSE ? BYTE : elem, depth + 1);
        return;
      }
      case MAP: {
        const size = varint();
        if (size === 0) return;
        if (2 * size > bytes.length - at) fail(`a map of ${size} entries with ${bytes.length - at} bytes left`);
        const kinds = byte();
        for (let i = 0; i < size; i++) {
          value(kinds >> 4, depth + 1);
          value(kinds & 0x0f, depth + 1);
        }
        return;
      }
      case STRUCT: struct(depth + 1); return;
      default: fail(`unknown element type ${type}`);
    }
  };
  const struct = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`structs nested more than ${MAX_DEPTH} deep`);
    for (;;) {
      const head = byte();
      if (head === 0) return; // STOP
      if ((head >> 4) === 0) varint(); // a field id given in full instead of as a delta
      value(head & 0x0f, depth);
    }
  };
  try {
    struct(0);
    return null;
  } catch (e) {
    if (e instanceof ThriftWalkError) return e.message;
    throw e;
  }
}

class ThriftWalkError extends Error {}
