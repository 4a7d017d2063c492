/**
 * ModelProto bytes from plain objects, through protobufjs 7: its parser reads the schema (schema.ts) into
 * reflected types, and its Writer does the wire format (varints, 64-bit integers, lengths, floats). What it
 * does NOT do here is encode: protobufjs's `Type.encode` is code it generates at first use with `new Function`,
 * which a page with a strict Content-Security-Policy (no 'unsafe-eval') refuses, and aekit's browser build runs
 * on such pages (docs/STYLE: never eval or new Function). So `encodeMessage` walks the reflected fields itself,
 * in the generated encoder's order (by field number) and with its rules (a field is written when present;
 * repeated fields element by element, the schema having no packed ones; enums as int32), giving the same bytes: the test holds
 * it byte for byte against `Type.encode`, and a child process run with --disallow-code-generation-from-strings
 * holds that no code is generated (which also rules out `Field.resolve`: it builds a message constructor).
 */
import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from './schema.js';

/** A message as plain data: field name (as in the schema) -> value, nested messages as objects. */
export type ProtoMessage = { [field: string]: ProtoValue | ProtoValue[] | undefined };
export type ProtoValue = number | string | Uint8Array | ProtoMessage;

let root: protobuf.Root | null = null;

/** The reflected ONNX types (parsed once). */
export function onnxType(name: string): protobuf.Type {
  root ??= protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root;
  return root.lookupType(`onnx.${name}`);
}

/** The scalar writers of the wire types this schema uses (protobuf.Writer methods by protobuf type name). */
type ScalarType = 'double' | 'float' | 'int32' | 'int64' | 'string' | 'bytes';
const WIRE = protobuf.types.basic as Record<string, number>;

function writeScalar(w: protobuf.Writer, type: ScalarType, v: ProtoValue): void {
  switch (type) {
    case 'double': w.double(v as number); break;
    case 'float': w.float(v as number); break;
    case 'int32': w.int32(v as number); break;
    case 'int64': w.int64(v as number); break;
    case 'string': w.string(v as string); break;
    case 'bytes': w.bytes(v as Uint8Array); break;
  }
}

/**
 * The message type or enum a field refers to, or null for a scalar. Looked up here rather than by
 * `field.resolve()`, which builds the parent type's constructor, with `new Function`.
 */
function targetOf(field: protobuf.Field): protobuf.Type | protobuf.Enum | null {
  if (field.type in WIRE) return null;
  return (field.parent as protobuf.Type).lookupTypeOrEnum(field.type);
}

function writeField(w: protobuf.Writer, field: protobuf.Field, v: ProtoValue): void {
  const target = targetOf(field);
  if (target instanceof protobuf.Type) {
    w.uint32(((field.id << 3) | 2) >>> 0).fork();
    writeFields(target, v as ProtoMessage, w);
    w.ldelim();
    return;
  }
  // An enum travels as its int32 number.
  const type = (target instanceof protobuf.Enum ? 'int32' : field.type) as ScalarType;
  if (!(type in WIRE)) throw new Error(`onnx proto: field ${field.fullName} has type ${field.type}, which this writer does not encode`);
  w.uint32(((field.id << 3) | WIRE[type]) >>> 0);
  writeScalar(w, type, v);
}

function writeFields(type: protobuf.Type, msg: ProtoMessage, w: protobuf.Writer): void {
  for (const name of Object.keys(msg)) {
    if (!type.fields[name] && msg[name] !== undefined) throw new Error(`onnx proto: ${type.name} has no field '${name}'`);
  }
  const fields = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
  for (const field of fields) {
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    if (!field.repeated) {
      writeField(w, field, v as ProtoValue);
      continue;
    }
    // proto2 without [packed = true] (none in the schema): each element with its own tag.
    if (field.getOption('packed') === true) throw new Error(`onnx proto: packed field ${field.name} is not written by this encoder`);
    for (const x of v as ProtoValue[]) writeField(w, field, x);
  }
}

/** The bytes of `msg` as the ONNX message `typeName` (e.g. 'ModelProto'). */
export function encodeMessage(typeName: string, msg: ProtoMessage): Uint8Array {
  const w = protobuf.Writer.create();
  writeFields(onnxType(typeName), msg, w);
  const out = w.finish();
  // Node's protobufjs returns a Buffer: hand back a plain Uint8Array view of the same bytes.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
