/**
 * Just enough of ONNX's protobuf encoding (onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto) to write the benchmark's models. Hand-written rather than protobufjs plus the
 * .proto schema: the benchmark needs a handful of message kinds, one direction (write), and no new dependency;
 * aekit's own ONNX exporter (a later issue) will be the real thing.
 */

type Bytes = Uint8Array;

function varint(n: number): number[] {
  // Only non-negative values occur here (dims, enums, pads, strides, attribute ints).
  if (n < 0 || !Number.isInteger(n)) throw new Error(`proto: cannot write ${n} as a varint`);
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function concat(parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const key = (field: number, wire: 0 | 2): number[] => varint((field << 3) | wire);
const int = (field: number, v: number): Bytes => Uint8Array.from([...key(field, 0), ...varint(v)]);
const bytes = (field: number, data: Bytes): Bytes => concat([Uint8Array.from([...key(field, 2), ...varint(data.length)]), data]);
const str = (field: number, s: string): Bytes => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, parts: Bytes[]): Bytes => bytes(field, concat(parts));

const FLOAT = 1; // TensorProto.DataType.FLOAT

export type Attr = number | number[] | string;

/** A node (GraphProto field 1; NodeProto: input 1, output 2, name 3, op_type 4, attribute 5); attributes are ints, int lists or strings. */
export function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}): Bytes {
  const attributes = Object.entries(attrs).map(([name, v]) => {
    // AttributeProto: name 1, i 3, s 4, ints 8, type 20 (INT 2, STRING 3, INTS 7).
    if (typeof v === 'string') return msg(5, [str(1, name), str(4, v), int(20, 3)]);
    if (Array.isArray(v)) return msg(5, [str(1, name), ...v.map((x) => int(8, x)), int(20, 7)]);
    return msg(5, [str(1, name), int(3, v), int(20, 2)]);
  });
  return msg(1, [...inputs.map((s) => str(1, s)), ...outputs.map((s) => str(2, s)), str(3, outputs[0]), str(4, op), ...attributes]);
}

/** An initializer (GraphProto field 5): TensorProto dims 1, data_type 2, name 8, raw_data 9 (little-endian float32). */
export function initializer(name: string, dims: number[], data: Float32Array): Bytes {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return msg(5, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)]);
}

/** ValueInfoProto (name 1, type 2) of a float tensor with a fixed shape, as graph input (11) or output (12). */
function valueInfo(field: 11 | 12, name: string, shape: number[]): Bytes {
  // TypeProto.tensor_type 1 -> elem_type 1, shape 2 -> dim 1 -> dim_value 1.
  const dims = shape.map((d) => msg(1, [int(1, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, FLOAT), msg(2, dims)])])]);
}

/**
 * ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (domain '' = the ONNX ops). IR 8 goes
 * with opset 17, which every ONNX Runtime since 1.13 reads.
 */
export function model(o: { nodes: Bytes[]; initializers: Bytes[]; input: [string, number[]]; output: [string, number[]]; name: string }): Uint8Array {
  const graph = msg(7, [
    ...o.nodes, str(2, o.name), ...o.initializers, valueInfo(11, ...o.input), valueInfo(12, ...o.output),
  ]);
  return concat([int(1, 8), str(2, 'aekit bench'), graph, msg(8, [str(1, ''), int(2, 17)])]);
}
