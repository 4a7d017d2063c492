/**
 * NumPy .npy reader and writer (browser-safe: no node:* import; the Node file layer is npy-file.ts).
 *
 * .npy layout (numpy/lib/_format_impl.py, "Format Version 1.0/2.0/3.0"): the magic `\x93NUMPY`, a major and a
 * minor version byte, the header length (uint16 LE for 1.0, uint32 LE for 2.0 and 3.0), then the header: a Python
 * dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` (latin-1, or UTF-8 for 3.0) padded
 * with spaces and a '\n' so the raw data after it starts at a multiple of 64 bytes.
 * The .npz reader (a zip of .npy entries) is npz.ts.
 *
 * The header is parsed by a small Python-literal parser, never evaluated. Decoded data is a fresh, aligned, native
 * little-endian typed array; int64 becomes float64 (exact up to 2^53) and bool becomes 0/1 bytes.
 */
import { AekitError, type AekitErrorCode } from '../errors.js';

export type NpyDType =
  | 'float32' | 'float64' | 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'uint32' | 'int64' | 'bool';

export type NpyData =
  | Float32Array | Float64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: NpyData;
}

export interface NpyHeader {
  dtype: NpyDType;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the raw data from the start of the .npy bytes. */
  dataOffset: number;
  itemSize: number;
  littleEndian: boolean;
}

/** Every malformed or unsupported file; the message is one line and names the source. An AekitError (errors.ts). */
export class NpyError extends AekitError {
  constructor(message: string, code: AekitErrorCode = 'E_FORMAT') {
    super(message, code);
    this.name = 'NpyError';
  }
}

// A crafted header can hold line breaks; messages stay one line. Exported for npz.ts only.
export const npyFail = (source: string, msg: string, code?: AekitErrorCode): never => {
  throw new NpyError(`${source}: ${msg}`.replace(/\r?\n/g, '\\n'), code);
};

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const CODES: Record<string, NpyDType> = {
  f4: 'float32', f8: 'float64', u1: 'uint8', i1: 'int8', u2: 'uint16',
  i2: 'int16', i4: 'int32', u4: 'uint32', i8: 'int64', b1: 'bool',
};
const ITEM_SIZE: Record<NpyDType, number> = {
  float32: 4, float64: 8, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, uint32: 4, int64: 8, bool: 1,
};
// Typed arrays use the platform's byte order; every browser and Node target is little-endian, but say so rather
// than assume it.
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4294967296;

type Py = string | number | boolean | null | Py[] | { [key: string]: Py };

/** Parses the Python literals numpy writes in a header: dicts, tuples, lists, strings, ints, True/False/None. */
function parsePyLiteral(text: string): Py {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const bad = (what: string): never => {
    throw new Error(`${what} at character ${i}`);
  };
  const seq = (close: string, item: () => void): void => {
    for (ws(); text[i] !== close; ws()) {
      item();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== close) bad(`expected ',' or '${close}'`);
    }
    i++;
  };
  const value = (): Py => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: { [key: string]: Py } = Object.create(null); // a '__proto__' key stays a plain key
      seq('}', () => {
        const key = value();
        if (typeof key !== 'string') bad('dict key is not a string');
        ws();
        if (text[i++] !== ':') bad("expected ':'");
        out[key as string] = value();
      });
      return out;
    }
    if (c === '(' || c === '[') {
      i++;
      const out: Py[] = [];
      seq(c === '(' ? ')' : ']', () => out.push(value()));
      return out;
    }
    if (c === "'" || c === '"') {
      let s = '';
      for (i++; text[i] !== c; i++) {
        if (i >= text.length) bad('unterminated string');
        if (text[i] === '\\') i++; // numpy's names and dtype codes need no escape beyond a quoted quote
        s += text[i];
      }
      i++;
      return s;
    }
    const m = /^(?:-?\d+L?|True|False|None)/.exec(text.slice(i, i + 40));
    if (!m) return bad(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    i += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', '')); // Python 2 numpy wrote longs as `3L`
  };
  const v = value();
  ws();
  if (i < text.length) bad('trailing text');
  return v;
}

/** Validates the magic and version and returns the data offset; needs the file's first 12 bytes (fewer if shorter). */
export function npyDataOffset(bytes: Uint8Array, source: string): number {
  if (bytes.length < 8 || NPY_MAGIC.some((b, k) => bytes[k] !== b)) {
    npyFail(source, 'not an .npy file (it does not start with the magic string \\x93NUMPY)');
  }
  const [major, minor] = [bytes[6], bytes[7]];
  if (minor !== 0 || major < 1 || major > 3) {
    npyFail(source, `unsupported .npy format version ${major}.${minor} (aekit reads 1.0, 2.0 and 3.0)`, 'E_UNSUPPORTED');
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) npyFail(source, `unparseable header: the file ends after ${bytes.length} bytes`, 'E_TRUNCATED');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return 8 + lenBytes + (major === 1 ? view.getUint16(8, true) : view.getUint32(8, true));
}

/** Parses the header; `bytes` may be just the start of the file, as long as it holds the whole header. */
export function parseNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  const dataOffset = npyDataOffset(bytes, source);
  const start = bytes[6] === 1 ? 10 : 12;
  if (bytes.length < dataOffset) {
    npyFail(source, `unparseable header: it needs ${dataOffset} bytes but the file has ${bytes.length}`, 'E_TRUNCATED');
  }
  const raw = bytes.subarray(start, dataOffset);
  let text: string;
  if (bytes[6] === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return npyFail(source, 'unparseable header: it is not valid UTF-8');
    }
  } else {
    text = Array.from(raw, (b) => String.fromCharCode(b)).join('');
  }
  let dict: Py;
  try {
    dict = parsePyLiteral(text);
  } catch (e) {
    return npyFail(source, `unparseable header (${(e as Error).message}): ${JSON.stringify(text.trim().slice(0, 120))}`);
  }
  const h = dict as { [key: string]: Py };
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) npyFail(source, 'unparseable header: not a dict');
  const { descr, fortran_order: fortran, shape } = h;
  if (descr === undefined || typeof fortran !== 'boolean' || !Array.isArray(shape)) {
    const got = JSON.stringify(text.trim());
    npyFail(source, `unparseable header: it needs 'descr', 'fortran_order' (a bool) and 'shape' (a tuple): ${got}`);
  }
  if (!(shape as Py[]).every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    npyFail(source, `unparseable header: shape ${JSON.stringify(shape)} is not a tuple of non-negative integers`);
  }
  const dims = shape as number[];
  if (!Number.isSafeInteger(dims.reduce((a, b) => a * b, 1) * 8)) npyFail(source, `shape (${dims.join(', ')}) is too large`, 'E_TOO_LARGE');
  if (typeof descr !== 'string') {
    const what = JSON.stringify(descr);
    return npyFail(source, `unsupported dtype ${what} (structured arrays cannot be read; save a plain numeric array)`, 'E_DTYPE');
  }
  if (/^[<>|=]?O/.test(descr)) npyFail(source, `object arrays cannot be read; save a numeric array (dtype '${descr}')`, 'E_DTYPE');
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m ? CODES[m[2]] : undefined;
  if (!m || !dtype) {
    return npyFail(source, `unsupported dtype '${descr}' (aekit reads float32, float64, int8/16/32/64, uint8/16/32 and bool)`, 'E_DTYPE');
  }
  // '=' (native) never appears in numpy's own headers (it writes descr as '<' or '>'); little-endian is the
  // only native order numpy's supported platforms still have.
  const littleEndian = m[1] !== '>';
  return { dtype, shape: dims, fortranOrder: fortran as boolean, dataOffset, itemSize: ITEM_SIZE[dtype], littleEndian };
}

/** Rejects layouts aekit cannot use as is and checks the data is long enough; returns the element count. */
export function checkNpyLayout(h: NpyHeader, dataBytes: number, source: string): number {
  // A Fortran-order array with at most one axis longer than 1 has the same bytes as in C order.
  if (h.fortranOrder && h.shape.filter((d) => d > 1).length > 1) {
    npyFail(source, `array of shape (${h.shape.join(', ')}) is in Fortran order; save it with np.ascontiguousarray(a) first`, 'E_UNSUPPORTED');
  }
  const count = h.shape.reduce((a, b) => a * b, 1);
  const need = count * h.itemSize;
  if (dataBytes < need) {
    npyFail(source, `data is ${dataBytes} bytes but shape (${h.shape.join(', ')}) of ${h.dtype} needs ${need} bytes (truncated file?)`, 'E_TRUNCATED');
  }
  return count;
}

/**
 * Converts raw data bytes to a fresh native typed array. `firstElement` is the flat index of the first element
 * (for messages); `owned` lets the caller hand over a buffer it will not use again, to avoid a copy.
 */
export function decodeNpyData(h: NpyHeader, raw: Uint8Array, source: string, firstElement = 0, owned = false): NpyData {
  const size = h.itemSize;
  if (raw.length % size !== 0) npyFail(source, `data of ${raw.length} bytes is not a whole number of ${size}-byte items`);
  const whole = owned && raw.buffer instanceof ArrayBuffer && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
  // Not raw.slice(): on a Node Buffer that is a view into shared memory, not a copy.
  const bytes: Uint8Array<ArrayBuffer> = whole ? (raw as Uint8Array<ArrayBuffer>) : new Uint8Array(raw);
  const n = bytes.length / size;
  if (size > 1 && h.littleEndian !== HOST_LE) {
    for (let o = 0; o < bytes.length; o += size) bytes.subarray(o, o + size).reverse();
  }
  const buf = bytes.buffer;
  switch (h.dtype) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'uint8': return bytes;
    case 'int8': return new Int8Array(buf);
    case 'uint16': return new Uint16Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'uint32': return new Uint32Array(buf);
    case 'bool':
      for (let k = 0; k < n; k++) if (bytes[k] > 1) bytes[k] = 1; // numpy reads any nonzero byte as True
      return bytes;
    case 'int64': {
      const u32 = new Uint32Array(buf);
      const i32 = new Int32Array(buf);
      const out = new Float64Array(buf); // in place: element k's 8 bytes are read before they are overwritten
      const [lo, hi] = HOST_LE ? [0, 1] : [1, 0];
      for (let k = 0; k < n; k++) {
        const high = i32[2 * k + hi];
        const low = u32[2 * k + lo];
        // |v| <= 2^53 exactly when high is in [-2^21, 2^21), or v is exactly 2^53.
        if (high >= 2097152 || high < -2097152) {
          if (!(high === 2097152 && low === 0)) int64TooLarge(h, source, firstElement + k, high, low);
        }
        out[k] = high * TWO_32 + low;
      }
      return out;
    }
  }
}

function int64TooLarge(h: NpyHeader, source: string, flat: number, high: number, low: number): never {
  const value = (BigInt(high) << 32n) + BigInt(low);
  const index: number[] = [];
  for (let d = h.shape.length - 1, rest = flat; d >= 0; d--) {
    index.unshift(rest % h.shape[d]);
    rest = Math.floor(rest / h.shape[d]);
  }
  return npyFail(
    source,
    `int64 element ${flat} (index [${index.join(', ')}]) is ${value}, beyond ±2^53, so a float64 cannot hold it exactly`,
    'E_VALUE',
  );
}

export function parseNpy(bytes: Uint8Array, source = '<.npy bytes>'): NpyArray {
  const h = parseNpyHeader(bytes, source);
  const count = checkNpyLayout(h, bytes.length - h.dataOffset, source);
  // Bytes past the data are ignored, as numpy does.
  const raw = bytes.subarray(h.dataOffset, h.dataOffset + count * h.itemSize);
  return { dtype: h.dtype, shape: h.shape, data: decodeNpyData(h, raw, source) };
}

/** numpy's header growth room (GROWTH_AXIS_MAX_DIGITS): the first axis may later be rewritten up to 21 digits. */
const GROWTH_DIGITS = 21;

/**
 * Encodes a C-order little-endian .npy (format 1.0), byte for byte as numpy 2.x's np.save writes it, including
 * the spare spaces numpy leaves after the dict for growing the first axis.
 */
export function encodeNpy(
  data: Float32Array | Float64Array | Int32Array | Uint8Array,
  shape: readonly number[],
): Uint8Array {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new NpyError(`encodeNpy: shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new NpyError(`encodeNpy: shape [${shape.join(', ')}] has ${count} elements but the data has ${data.length}`);
  }
  const descr =
    data instanceof Float32Array ? '<f4'
    : data instanceof Float64Array ? '<f8'
    : data instanceof Int32Array ? '<i4'
    : '|u1';
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_DIGITS - String(shape[0]).length));
  const unpadded = NPY_MAGIC.length + 2 + 2 + dict.length + 1;
  // numpy pads by 64 - (n % 64), so an already aligned header still gets a full 64 spaces.
  const headerLen = dict.length + 1 + 64 - (unpadded % 64);
  if (headerLen > 0xffff) throw new NpyError(`encodeNpy: ${shape.length} dimensions make too long a header`);
  const dataOffset = 10 + headerLen;
  const out = new Uint8Array(dataOffset + data.byteLength);
  out.set(NPY_MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, headerLen, true);
  out.fill(0x20, 10, dataOffset - 1);
  for (let k = 0; k < dict.length; k++) out[10 + k] = dict.charCodeAt(k);
  out[dataOffset - 1] = 0x0a;
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(body, dataOffset);
  if (!HOST_LE && data.BYTES_PER_ELEMENT > 1) {
    const s = data.BYTES_PER_ELEMENT;
    for (let o = dataOffset; o < out.length; o += s) out.subarray(o, o + s).reverse();
  }
  return out;
}
