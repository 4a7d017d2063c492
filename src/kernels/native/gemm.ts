/**
 * The native GEMM (native/isa/gemm.c) as the backend's matmul kernel, and as Kernels.linear: a Dense layer's
 * forward pass with the bias and activation applied to each tile of the output in the GEMM's epilogue.
 */
import { refBackend } from '../ref/index.js';
import type { Kernels, LinearAct } from '../types.js';
import { IN, OUT } from '../wasm/operands.js';
import { isF32, type NativeKernelEnv } from './env.js';

/** Activation codes of native/kernels.h (AEK_ACT_*). */
const ACT: Record<LinearAct, number> = { linear: 0, sigmoid: 1, relu: 2, tanh: 3 };

export function makeGemmKernels({ addon, ctx, wasm, ops }: NativeKernelEnv): Partial<Kernels> {
  const fallback = wasm.kernels as Kernels;
  const matmul: Kernels['matmul'] = (a, b, out, m, n, k, transA, transB) => {
    if (!isF32(a) || !isF32(b) || !isF32(out)) return fallback.matmul(a, b, out, m, n, k, transA, transB);
    if (m === 0 || n === 0) return;
    ops.run(() => {
      const pa = ops.ptr(a, 0, m * k, IN), pb = ops.ptr(b, 0, k * n, IN), pc = ops.ptr(out, 0, m * n, OUT);
      addon.gemm(ctx, pa, pb, pc, m, n, k, transA ? 1 : 0, transB ? 1 : 0);
    });
  };
  const linear: NonNullable<Kernels['linear']> = (x, w, bias, out, m, n, k, act) => {
    // float64 (gradient checks) takes the reference kernel, which is the same computation.
    if (!isF32(x) || !isF32(w) || !isF32(out) || (bias && !isF32(bias))) return refBackend.kernels.linear!(x, w, bias, out, m, n, k, act);
    if (m === 0 || n === 0) return;
    ops.run(() => {
      const px = ops.ptr(x, 0, m * k, IN), pw = ops.ptr(w, 0, n * k, IN), po = ops.ptr(out, 0, m * n, OUT);
      const pb = bias ? ops.ptr(bias as Float32Array, 0, n, IN) : -1;
      addon.linear(ctx, px, pw, pb, po, m, n, k, ACT[act]);
    });
  };
  return { matmul, linear };
}
