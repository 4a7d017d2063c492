/** What each family of native kernels (gemm.ts, elementwise.ts, conv.ts) is built from. */
import type { Operands } from '../wasm/operands.js';
import type { WasmBackend } from '../wasm/backend.js';
import type { NativeAddon, NativeContext } from './addon.js';

export interface NativeKernelEnv {
  addon: NativeAddon;
  ctx: NativeContext;
  /** The wasm backend whose memory holds the tensors; its kernels answer whatever the native ones do not. */
  wasm: WasmBackend;
  /** Turns a Float32Array into a byte offset in that memory (copying arrays that live elsewhere). */
  ops: Operands;
}

export const isF32 = (x: ArrayLike<number>): x is Float32Array => x instanceof Float32Array;
