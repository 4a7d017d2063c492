/**
 * The 'native' backend (Node only): C kernels with AVX-512 / AVX2 / portable paths chosen at run time
 * (native/, built at install by scripts/build-native.mjs), on a pool of native threads.
 *
 * It is the wasm backend with its hot kernels replaced: storage is the same shared WebAssembly.Memory (so the
 * step arena, uninitialised allocation and the copy path for foreign arrays are the wasm backend's, and the
 * native kernels read and write the tensors in place, by address), and any kernel the native side does not
 * have runs as wasm. The wasm fallbacks run on one thread: the native pool owns the cores.
 *
 * Thread count never changes results: the native kernels cut work into tiles fixed by the problem's shape,
 * which threads claim from a shared counter (so a thread slowed by another process takes fewer; see
 * native/pool.h).
 */
import { registerBackend } from '../registry.js';
import type { Backend, DType, FloatArray } from '../types.js';
import { createWasmBackend, type WasmBackend } from '../wasm/backend.js';
import { Operands } from '../wasm/operands.js';
import { defaultThreadCount } from '../threads/pool.js';
import { nativeAddon, nativeUnavailableReason } from './addon.js';
import { makeConvKernels } from './conv.js';
import { makeElementwiseKernels } from './elementwise.js';
import { makeGemmKernels } from './gemm.js';
import type { NativeKernelEnv } from './env.js';

export interface NativeBackendOptions {
  /** Threads (the caller's included); 'auto' or 0: one per core. Results are identical for any count. */
  threads?: number | 'auto';
  /** Registered name (default 'native'). */
  name?: string;
  /** Upper limit of the memory in MiB (default and maximum 4096: the storage is a wasm32 memory). */
  maxMemoryMB?: number;
  /**
   * Watch for other processes taking the cores, and run kernels on the calling thread while the workers do not
   * pay (native/pool.c; results are the same either way). Default true; false splits every large kernel, e.g. to
   * measure the workers themselves.
   */
  watchContention?: boolean;
}

export interface NativeBackend extends Backend {
  withArena<T>(fn: () => T): T;
  /** The instruction set the kernels use on this CPU. */
  readonly isa: string;
  /** The wasm backend whose memory and fallback kernels this one uses. */
  readonly wasm: WasmBackend;
  whenReady(): Promise<boolean>;
  close(): void;
  contention(): { holds: number; serialRuns: number };
}

export function nativeAvailable(): boolean {
  return nativeUnavailableReason() === null;
}

export function createNativeBackend(opts: NativeBackendOptions = {}): NativeBackend {
  const addon = nativeAddon();
  if (!addon) throw new Error(`aekit: the native backend cannot run here: ${nativeUnavailableReason()}`);
  const t = opts.threads ?? 1;
  if (t !== 'auto' && !(Number.isInteger(t) && t >= 0)) throw new Error(`threads must be a non-negative integer or 'auto', got ${String(t)}`);
  const threads = t === 'auto' || t === 0 ? defaultThreadCount() : t;
  const name = opts.name ?? 'native';
  const wasm = createWasmBackend({ threads: 1, name: `${name}:storage`, ...(opts.maxMemoryMB ? { maxMemoryMB: opts.maxMemoryMB } : {}) });
  const ctx = addon.create(new Uint8Array(wasm.memory.buffer), threads, opts.watchContention === false ? 0 : 1);
  const env: NativeKernelEnv = { addon, ctx, wasm, ops: new Operands(wasm.heap) };
  const kernels = { ...wasm.kernels, ...makeGemmKernels(env), ...makeElementwiseKernels(env), ...makeConvKernels(env) };
  return {
    name,
    threads: addon.threads(ctx),
    isa: addon.isa(),
    kernels,
    wasm,
    alloc: (dtype: DType, n: number): FloatArray => wasm.alloc(dtype, n),
    allocUninit: (dtype: DType, n: number): FloatArray => (wasm.allocUninit ?? wasm.alloc)(dtype, n),
    withArena: <T>(fn: () => T): T => wasm.withArena(fn),
    whenReady: async () => true,
    close: () => wasm.close(),
    contention: () => {
      const [holds, serialRuns] = addon.contention(ctx);
      return { holds, serialRuns };
    },
  };
}

const registered = new Map<string, NativeBackend>();

/**
 * Creates the native backend and registers it (under opts.name, default 'native'), or returns null where it
 * cannot run (see nativeUnavailableReason). Calling it again with the same name returns the one registered.
 */
export function initNativeBackend(opts: NativeBackendOptions = {}): NativeBackend | null {
  if (!nativeAvailable()) return null;
  const name = opts.name ?? 'native';
  const existing = registered.get(name);
  if (existing) return existing;
  const backend = createNativeBackend(opts);
  registered.set(name, backend);
  registerBackend(backend);
  return backend;
}
