/** The native convolution and pooling kernels. (Being written: none yet, so the wasm ones answer.) */
import type { Kernels } from '../types.js';
import type { NativeKernelEnv } from './env.js';

export function makeConvKernels(env: NativeKernelEnv): Partial<Kernels> {
  void env;
  return {};
}
