/**
 * Loading the kernel module: the binary is compiled from assembly/ by scripts/build-wasm.mjs and embedded as
 * base64 (generated/kernels-wasm.ts), so Node and browsers load it the same way, with no file lookup and no
 * fetch. The module imports its memory: one shared WebAssembly.Memory that the backend creates and every
 * instance (one per worker thread) runs on.
 */
import { WASM_BASE64 } from './generated/kernels-wasm.js';

/*
 * The project compiles against lib ES2022 + @types/node, neither of which declares the WebAssembly namespace
 * (it lives in lib.dom). Rather than declare a global that would clash the day someone adds "DOM", we type the
 * few members we use here and read them off globalThis.
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(deltaPages: number): number;
}
/** An opaque compiled module: structured-cloneable, so worker threads can instantiate the same code. */
export type WasmModule = object & { readonly __wasmModule?: never };
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WA = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The functions assembly/index.ts exports. Pointers are byte offsets into the shared memory. */
export interface KernelExports {
  heapBase(): number;
  fill0(ptr: number, bytes: number): void;
  gemmWorkBytes(): number;
  gemmRowGrain(): number;
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number, work: number, row0: number, row1: number): void;
  unary(op: number, x: number, out: number, n: number): void;
  binary2d(op: number, a: number, ar: number, ac: number, b: number, br: number, bc: number, out: number, rows: number, cols: number): void;
  where1d(cond: number, a: number, ac: number, b: number, bc: number, out: number, n: number): void;
  copy2d(x: number, rs: number, cs: number, out: number, rows: number, cols: number): void;
  copy3d(x: number, s0: number, rs: number, cs: number, out: number, n0: number, rows: number, cols: number): void;
  reduce(op: number, x: number, outer: number, n: number, inner: number, out: number): void;
  /** Items [b0, b1) of the job described at `desc` (assembly/jobs.ts). */
  job(desc: number, b0: number, b1: number, scratch: number): void;
  sgdUpdate(p: number, g: number, n: number, lr: number, wd: number): void;
  momentumUpdate(p: number, g: number, v: number, n: number, lr: number, mu: number, nesterov: number, wd: number): void;
  rmspropUpdate(p: number, g: number, s: number, n: number, lr: number, rho: number, eps: number, wd: number, epsInside: number): void;
  adamUpdate(
    p: number, g: number, m: number, v: number, n: number,
    lr: number, b1: number, b2: number, eps: number, stepSize: number, sqrtBc2: number, wd: number, decoupled: number,
  ): void;
}

/** The wasm32 limit: 65536 pages of 64 KiB. The module declares it as its maximum; a memory may ask for less. */
export const MAX_PAGES = 65536;
export const PAGE_BYTES = 65536;

// (module (func (result v128) (v128.const i32x4 0 0 0 0))): validates only where SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

let probed: string | null | undefined;

/**
 * Why the wasm backend cannot run here, or null when it can. Needs WebAssembly with SIMD128 and shared memory
 * (a SharedArrayBuffer; browsers provide it only on cross-origin isolated pages: COOP/COEP headers).
 */
export function wasmUnsupportedReason(): string | null {
  if (probed !== undefined) return probed;
  probed = probe();
  return probed;
}

function probe(): string | null {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return 'WebAssembly is not available';
  try {
    if (!WA().validate(SIMD_PROBE)) return 'WebAssembly SIMD128 is not supported';
  } catch {
    return 'WebAssembly SIMD128 is not supported';
  }
  if (typeof SharedArrayBuffer === 'undefined') return 'shared memory is not available (SharedArrayBuffer is missing; browsers need cross-origin isolation)';
  try {
    const m = new (WA().Memory)({ initial: 1, maximum: 1, shared: true });
    if (!(m.buffer instanceof SharedArrayBuffer)) return 'shared WebAssembly memory is not supported';
  } catch {
    return 'shared WebAssembly memory is not supported';
  }
  return null;
}

let compiled: WasmModule | null = null;

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module (compiled once per process, then shared: worker threads receive it by postMessage). */
export function kernelModule(): WasmModule {
  // Synchronous compile: fine in Node and in workers. (Browsers may refuse synchronous compiles of larger
  // modules on the main thread; a browser build would compile with WebAssembly.compile and pass the module in.)
  compiled ??= new (WA().Module)(decodeBase64(WASM_BASE64));
  return compiled;
}

/** Instantiates the kernels on `memory`. */
/** A new shared memory of `initialPages`, growable up to `maximumPages`. */
export function createMemory(initialPages: number, maximumPages: number): WasmMemory {
  return new (WA().Memory)({ initial: initialPages, maximum: maximumPages, shared: true });
}

export function instantiate(module: WasmModule, memory: WasmMemory): KernelExports {
  const instance = new (WA().Instance)(module, {
    env: {
      memory,
      abort: () => {
        throw new Error('aekit wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
