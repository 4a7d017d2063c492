/** The native GEMM (native/isa/gemm.c) as the backend's matmul kernel. */
import type { Kernels } from '../types.js';
import { IN, OUT } from '../wasm/operands.js';
import { isF32, type NativeKernelEnv } from './env.js';

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
  return { matmul };
}
