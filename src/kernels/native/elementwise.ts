/** The native elementwise, copy, reduce and optimizer kernels. (Being written: none yet, so the wasm ones answer.) */
import type { Kernels } from '../types.js';
import type { NativeKernelEnv } from './env.js';

export function makeElementwiseKernels(env: NativeKernelEnv): Partial<Kernels> {
  void env;
  return {};
}
