/**
 * A small builder of ONNX graphs: nodes with unique value names, initializers, and the graph's typed inputs
 * and outputs; `toModel` gives the ModelProto as plain data for proto.ts. Every tensor the exporter writes is
 * float32 except where a value needs another type (int64 shapes and axes; the detector's float64 scores).
 */
import type { ProtoMessage } from './proto.js';

/** ONNX TensorProto.DataType numbers of the element types used here. */
export const ELEM = { float: 1, uint8: 2, int64: 7, bool: 9, double: 11 } as const;
export type ElemType = keyof typeof ELEM;

export const OPSET = 17;
/** IR version 8 is the one that goes with opset 17 (ONNX 1.12). */
export const IR_VERSION = 8;

export type Attr = number | number[] | string | { floats: number[] } | { float: number } | { strings: string[] };

/** A dimension: a fixed size, or a name for a size chosen at run time ("batch"). */
export type Dim = number | string;

export class Graph {
  private readonly nodes: ProtoMessage[] = [];
  private readonly inits: ProtoMessage[] = [];
  private readonly inputs: ProtoMessage[] = [];
  private readonly outputs: ProtoMessage[] = [];
  private readonly names = new Set<string>();
  private readonly counts = new Map<string, number>();

  /** A value name not used yet, from `base` ("relu" -> "relu", "relu_1", ...). */
  fresh(base: string): string {
    let name = base;
    let k = this.counts.get(base) ?? 0;
    while (this.names.has(name)) name = `${base}_${++k}`;
    this.counts.set(base, k);
    this.names.add(name);
    return name;
  }

  /** Whether a value (node output, initializer, input) is called `name`. */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Adds a node; returns its output names (`outputs` of them, named after the op unless `names` are given). */
  nodeN(op: string, inputs: string[], outputs: number | string[], attrs: Record<string, Attr> = {}): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase())) : outputs.map((n) => this.fresh(n));
    const attribute = Object.entries(attrs).map(([name, v]): ProtoMessage => {
      if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: 7, ints: v };
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw new Error(`onnx graph: attribute ${name} of ${op} must be an integer, got ${v}`);
        return { name, type: 2, i: v };
      }
      if ('floats' in v) return { name, type: 6, floats: v.floats };
      if ('strings' in v) return { name, type: 8, strings: v.strings.map((t) => new TextEncoder().encode(t)) };
      return { name, type: 1, f: v.float };
    });
    this.nodes.push({ input: inputs, output: outs, name: outs[0], op_type: op, ...(attribute.length ? { attribute } : {}) });
    return outs;
  }

  /** One node with one output. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, name?: string): string {
    return this.nodeN(op, inputs, name ? [name] : 1, attrs)[0];
  }

  /** An initializer holding `data` (float32 unless it is a BigInt64Array or Float64Array), named `name` exactly. */
  initializer(name: string, dims: readonly number[], data: Float32Array | Float64Array | BigInt64Array | Uint8Array, type?: ElemType): string {
    if (this.names.has(name)) throw new Error(`onnx graph: two values named '${name}'`);
    return this.addInitializer(name, dims, data, type);
  }

  private addInitializer(name: string, dims: readonly number[], data: Float32Array | Float64Array | BigInt64Array | Uint8Array, type?: ElemType): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`onnx graph: initializer '${name}' has ${data.length} values for shape [${dims.join(', ')}]`);
    this.names.add(name);
    const elem = type ?? (data instanceof BigInt64Array ? 'int64' : data instanceof Float64Array ? 'double' : 'float');
    // raw_data is little-endian, which typed arrays are on every platform aekit runs on (as model-codec.ts notes).
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.inits.push({ dims: [...dims], data_type: ELEM[elem], name, raw_data: raw });
    return name;
  }

  /** A float32 constant (weights cast from float64 where the model is float64). */
  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.addInitializer(this.fresh(name), dims, Float32Array.from(values));
  }

  /** An int64 constant (shapes, axes, repeats). */
  ints(name: string, values: readonly number[]): string {
    return this.addInitializer(this.fresh(name), [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** A float64 scalar constant (the score part's threshold and counts). */
  scalar(name: string, value: number): string {
    return this.addInitializer(this.fresh(name), [], Float64Array.of(value));
  }

  input(name: string, elem: ElemType, dims: readonly Dim[]): string {
    if (this.names.has(name)) throw new Error(`onnx graph: two values named '${name}'`);
    this.names.add(name);
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** Makes `value` a graph output called `name` (through an Identity node when the names differ). */
  output(name: string, value: string, elem: ElemType, dims: readonly Dim[]): void {
    if (value !== name) this.nodeN('Identity', [value], [name]);
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** The ModelProto as plain data. */
  toModel(o: { name: string; doc: string; metadata: Record<string, string> }): ProtoMessage {
    return {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: OPSET }],
      producer_name: 'aekit',
      doc_string: o.doc,
      graph: { node: this.nodes, name: o.name, initializer: this.inits, input: this.inputs, output: this.outputs },
      metadata_props: Object.entries(o.metadata).map(([key, value]) => ({ key, value })),
    };
  }
}

function valueInfo(name: string, elem: ElemType, dims: readonly Dim[]): ProtoMessage {
  const dim = dims.map((d): ProtoMessage => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: ELEM[elem], shape: { dim } } } };
}
