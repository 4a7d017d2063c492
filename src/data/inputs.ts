/** Converting user inputs (tensors, datasets, nested arrays) into batch tensors. */
import type { DType } from '../kernels/types.js';
import type { Dataset } from './dataset.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor, tensor, zeros } from '../tensor/tensor.js';

export type Inputs = Tensor | Dataset | number[][];

/** Row count of any input kind. */
export function inputCount(x: Inputs): number {
  if (x instanceof Tensor) return x.shape[0];
  if (Array.isArray(x)) return x.length;
  return x.length;
}

/** Samples [start, end) of `x` as a float32 tensor [n, ...sampleShape]. NaN/Infinity are rejected. */
export function inputBatch(x: Inputs, start: number, end: number, what = 'input', dtype: DType = 'float32'): Tensor {
  const t = inputBatchF(x, start, end, what);
  if (t.dtype === dtype) return t;
  const out = zeros(t.shape, { dtype });
  out.data.set(t.data);
  return out;
}

function inputBatchF(x: Inputs, start: number, end: number, what: string): Tensor {
  if (x instanceof Tensor) {
    if (x.ndim < 1) throw new Error(`${what} must have a batch axis, got shape ${fmtShape(x.shape)}`);
    const size = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const all = x.toTypedArray();
    const out = zeros([end - start, ...x.shape.slice(1)], { dtype: x.dtype });
    out.data.set(all.subarray(start * size, end * size));
    checkFinite(out, what, start, size);
    return out;
  }
  if (Array.isArray(x)) {
    const t = tensor(x.slice(start, end));
    if (t.ndim !== 2) throw new Error(`${what} must be a list of equal-length rows, got shape ${fmtShape(t.shape)}`);
    checkFinite(t, what, start, t.shape[1]);
    return t;
  }
  const idx = new Uint32Array(end - start);
  for (let i = 0; i < idx.length; i++) idx[i] = start + i;
  const out = zeros([idx.length, ...x.sampleShape]);
  x.gather(idx, out.data as Float32Array);
  return out;
}

function checkFinite(t: Tensor, what: string, start: number, rowSize: number): void {
  const d = t.data;
  for (let i = 0; i < t.size; i++) {
    if (!Number.isFinite(d[i])) {
      const row = start + Math.floor(i / rowSize);
      throw new Error(`${what}: sample ${row}, value ${i % rowSize} is ${d[i]} (inputs must be finite numbers)`);
    }
  }
}

/** `x` seen as rows of `size` values (images [n, h, w, c] as [n, h * w * c]); a view where `x` allows one. */
export function asRows(x: Inputs, size: number): Inputs {
  if (inputSampleSize(x) !== size || Array.isArray(x)) return x;
  if (x instanceof Tensor) return x.ndim === 2 ? x : reshapeView(x, [x.shape[0], size]);
  return x.sampleShape.length === 1 ? x : x.reshape([size]);
}

function reshapeView(x: Tensor, shape: number[]): Tensor {
  return tensor(x.toTypedArray(), shape, { dtype: x.dtype });
}

/** Size of one sample of `x` (features per row). */
export function inputSampleSize(x: Inputs): number {
  if (x instanceof Tensor) return x.shape.slice(1).reduce((a, b) => a * b, 1);
  if (Array.isArray(x)) return x.length ? x[0].length : 0;
  return x.sampleSize;
}
