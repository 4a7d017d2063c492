/**
 * Tensor: a strided view over backend-owned storage.
 *
 * `data` is allocated by the tensor's backend (see docs/architecture.md): plain typed arrays on the reference
 * backend, views into shared WebAssembly memory on the wasm backend. Views (reshape of dense data, permute,
 * expand, slice) share `data` and differ in shape/strides/offset.
 *
 * Tensors are immutable from the graph's point of view: ops never write into an input. Optimizers update
 * parameter storage in place, outside any graph.
 */
import type { Backend, DType, FloatArray } from '../kernels/types.js';
import { getBackend } from '../kernels/registry.js';
import type { GradNode } from '../autograd/primitives.js';
import { checkShape, denseStrides, fmtShape, type Shape, sizeOf } from './shape.js';

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly backend: Backend;
  /** True for leaves whose gradient we want (parameters) and for results computed from them. */
  requiresGrad = false;
  /** Accumulated gradient after backward(); same shape as the tensor. */
  grad: Tensor | null = null;
  /** How this tensor was computed, if it is part of a graph. */
  node: GradNode | null = null;
  /** Set on tensors owned by a Module as trainable parameters or saved state (e.g. running statistics). */
  role: 'param' | 'buffer' | null = null;

  constructor(data: FloatArray, shape: Shape, opts: { strides?: Shape; offset?: number; backend?: Backend } = {}) {
    checkShape(shape);
    this.data = data;
    this.shape = [...shape];
    this.strides = opts.strides ? [...opts.strides] : denseStrides(shape);
    this.offset = opts.offset ?? 0;
    this.dtype = data instanceof Float64Array ? 'float64' : 'float32';
    this.backend = opts.backend ?? getBackend();
    if (!opts.strides && this.offset + sizeOf(shape) > data.length) {
      throw new Error(`tensor of shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, storage holds ${data.length - this.offset}`);
    }
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True when the elements are laid out row-major without gaps from `offset`. */
  get isDense(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== expect) return false;
      expect *= this.shape[d];
    }
    return true;
  }

  /** A dense copy of the elements as a fresh Float32Array/Float64Array (safe to keep). */
  toTypedArray(): FloatArray {
    const out = this.dtype === 'float64' ? new Float64Array(this.size) : new Float32Array(this.size);
    if (this.isDense) {
      out.set(this.data.subarray(this.offset, this.offset + this.size));
      return out;
    }
    const idx = new Array<number>(this.ndim).fill(0);
    for (let i = 0; i < out.length; i++) {
      let o = this.offset;
      for (let d = 0; d < this.ndim; d++) o += idx[d] * this.strides[d];
      out[i] = this.data[o];
      for (let d = this.ndim - 1; d >= 0; d--) {
        if (++idx[d] < this.shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }

  /** Nested JS arrays (for printing and tests). */
  toArray(): NestedArray {
    const flat = Array.from(this.toTypedArray());
    if (this.ndim === 0) return flat[0];
    const build = (dim: number, start: number): NestedArray[] => {
      const n = this.shape[dim];
      const step = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(dim === this.ndim - 1 ? flat[start + i] : build(dim + 1, start + i * step));
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a tensor with one element, got shape ${fmtShape(this.shape)}`);
    return this.data[this.offset];
  }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype})`;
  }
}

function inferShape(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedArray;
  }
  return shape;
}

function flattenChecked(x: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof x !== 'number') throw new Error('ragged nested array: expected a number');
    out.push(x);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[dim]) {
    throw new Error(`ragged nested array: expected length ${shape[dim]} at depth ${dim}`);
  }
  for (const v of x) flattenChecked(v, shape, dim + 1, out);
}

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
}

function allocFor(n: number, o: CreateOptions): FloatArray {
  return (o.backend ?? getBackend()).alloc(o.dtype ?? 'float32', n);
}

/** Builds a tensor from nested arrays, a typed array plus shape, or a number (a scalar). */
export function tensor(values: NestedArray | ArrayLike<number>, shape?: Shape, opts: CreateOptions = {}): Tensor {
  let flat: ArrayLike<number>;
  let shp: number[];
  if (typeof values === 'number') {
    flat = [values];
    shp = [];
  } else if (Array.isArray(values) && (values.length === 0 || Array.isArray(values[0]) || shape === undefined)) {
    shp = inferShape(values as NestedArray);
    const out: number[] = [];
    flattenChecked(values as NestedArray, shp, 0, out);
    flat = out;
  } else {
    flat = values as ArrayLike<number>;
    shp = shape ? [...shape] : [flat.length];
  }
  if (shape) {
    checkShape(shape);
    if (sizeOf(shape) !== flat.length) {
      throw new Error(`cannot make a tensor of shape ${fmtShape(shape)} from ${flat.length} values`);
    }
    shp = [...shape];
  }
  const dtype = opts.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  const data = allocFor(flat.length, { ...opts, dtype });
  for (let i = 0; i < flat.length; i++) data[i] = flat[i];
  return new Tensor(data, shp, { backend: opts.backend });
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  checkShape(shape);
  return new Tensor(allocFor(sizeOf(shape), opts), shape, { backend: opts.backend });
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  const t = zeros(shape, opts);
  t.data.fill(value);
  return t;
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  return full([], value, opts);
}
