/**
 * The reference fused Dense forward (Kernels.linear): literally the separate kernels in order, on the output in
 * place, so it is the oracle for the fused native kernel and has the same bits as the unfused ops.
 */
import type { FloatArray, LinearAct } from '../types.js';
import { binary, unary } from './elementwise.js';
import { matmul } from './matmul.js';

export function linear(x: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray, m: number, n: number, k: number, act: LinearAct): void {
  matmul(x, w, out, m, n, k, false, true);
  const grid = { data: out, offset: 0, strides: [n, 1] };
  if (bias) binary('add', grid, { data: bias, offset: 0, strides: [0, 1] }, out, [m, n]);
  if (act === 'sigmoid' || act === 'tanh') unary(act, out, out);
  else if (act === 'relu') binary('maximum', grid, { data: out instanceof Float64Array ? new Float64Array(1) : new Float32Array(1), offset: 0, strides: [0, 0] }, out, [m, n]);
}
