/**
 * The 'wasm' backend: float32 storage in one shared WebAssembly.Memory, kernels compiled from assembly/ with
 * 128-bit SIMD, a step arena for training steps, and optionally a worker-thread pool for large GEMMs and for
 * convolution and pooling over a batch.
 *
 *   import { initWasmBackend } from './kernels/wasm/backend.js';
 *   const wasm = initWasmBackend();          // registers 'wasm' (or prints one line and returns null)
 *   if (wasm) setBackend('wasm');
 *
 * float64 storage is plain Float64Array (float64 is for gradient checks on the reference kernels), and the
 * kernels pass float64 calls to the reference kernels. See heap.ts for the memory rules, including the one
 * trap of the step arena: tensors created inside `withArena` must not outlive it.
 */
import { registerBackend } from '../registry.js';
import type { Backend, DType, FloatArray } from '../types.js';
import { type HeapStats, WasmHeap } from './heap.js';
import { makeConvKernels } from './conv.js';
import type { JobRunner } from './jobs.js';
import { makeKernels, type GemmRunner } from './kernels.js';
import { defaultThreadCount, GemmPool, threadsUnsupportedReason } from '../threads/pool.js';
import { createMemory, instantiate, kernelModule, type KernelExports, MAX_PAGES, PAGE_BYTES, type WasmMemory, wasmUnsupportedReason } from './module.js';

export interface WasmBackendOptions {
  /**
   * Threads for large GEMMs: 1 (default) runs everything on the calling thread; n > 1 adds n - 1 worker
   * threads (Node worker_threads) that share the memory; 'auto' (or 0) means os.availableParallelism().
   * Results are bit-identical for any thread count (rows are split statically, each element is summed in
   * one order). Browsers use Web Workers, which need a cross-origin isolated page; where threads cannot run
   * (no workers, no isolation) it says why once (stderr, or console.warn) and uses 1.
   */
  threads?: number | 'auto';
  /**
   * Browsers: the URL of the built worker (dist/src/kernels/threads/worker.js) for pages whose
   * Content-Security-Policy forbids blob: workers. By default the worker starts from a Blob of its embedded
   * source, which works with any bundler.
   */
  workerUrl?: string | URL;
  /**
   * With threads: watch for other processes taking the cores, and run jobs on the calling thread while the
   * workers do not pay (src/kernels/threads/contention.ts; results are the same either way). Default true;
   * false splits every large job, e.g. to measure the workers themselves.
   */
  watchContention?: boolean;
  /** Upper limit of the memory in MiB (default and maximum 4096, the wasm32 limit). Reserved, not committed. */
  maxMemoryMB?: number;
  /** Registered name (default 'wasm'). */
  name?: string;
}

export interface WasmBackend extends Backend {
  withArena<T>(fn: () => T): T;
  readonly memory: WasmMemory;
  readonly heap: WasmHeap;
  stats(): HeapStats;
  /** The GEMM thread pool (null with one thread). */
  readonly pool: GemmPool | null;
  /** Resolves once the worker threads (which start asynchronously) take jobs; until then GEMMs use fewer. */
  whenReady(): Promise<boolean>;
  /** Stops the worker threads (they are unref'd, so an exiting process does not need this). */
  close(): void;
}

const INITIAL_PAGES = 128; // 8 MiB: the GEMM workspace (~2 MiB) plus a first arena chunk, without growing

export function wasmAvailable(): boolean {
  return wasmUnsupportedReason() === null;
}

export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  const why = wasmUnsupportedReason();
  if (why) throw new Error(`aekit: the wasm backend cannot run here: ${why}`);
  const maxPages = Math.min(MAX_PAGES, Math.max(INITIAL_PAGES, Math.floor(((opts.maxMemoryMB ?? 4096) * 2 ** 20) / PAGE_BYTES)));
  const memory = createMemory(INITIAL_PAGES, maxPages);
  const module = kernelModule();
  const wasm: KernelExports = instantiate(module, memory);
  const heap = new WasmHeap(memory, wasm.heapBase(), maxPages * PAGE_BYTES, (off, bytes) => wasm.fill0(off, bytes));
  const t = opts.threads ?? 1;
  if (t !== 'auto' && !(Number.isInteger(t) && t >= 0)) throw new Error(`threads must be a non-negative integer or 'auto', got ${String(t)}`);
  let threads = t === 'auto' || t === 0 ? defaultThreadCount() : t;
  const noThreads = threads > 1 ? threadsUnsupportedReason() : null;
  if (noThreads) {
    warnOnce(`${noThreads}; the wasm backend runs on 1 thread`);
    threads = 1;
  }

  let work = -1; // the calling thread's GEMM workspace, allocated on first use and kept
  const mainWork = (): number => (work >= 0 ? work : (work = heap.allocBytes(wasm.gemmWorkBytes())));
  const single: GemmRunner = (a, b, c, m, n, k, transA, transB) => {
    wasm.gemm(a, b, c, m, n, k, transA ? 1 : 0, transB ? 1 : 0, mainWork(), 0, m);
  };
  const pool = threads > 1 ? new GemmPool({ module, memory, wasm, heap, threads, work: mainWork, watchContention: opts.watchContention ?? true, ...(opts.workerUrl ? { workerUrl: opts.workerUrl } : {}) }) : null;
  const runGemm: GemmRunner = pool ? pool.gemm : single;
  const runJob: JobRunner = pool ? pool.job : (desc, items, scratch) => wasm.job(desc, 0, items, scratch);

  return {
    name: opts.name ?? 'wasm',
    threads,
    kernels: { ...makeKernels(heap, wasm, runGemm, runJob, threads), ...makeConvKernels(heap, wasm, runJob, threads) },
    allocUninit(dtype: DType, n: number): FloatArray {
      return dtype === 'float64' ? new Float64Array(n) : heap.allocF32(n, false);
    },
    alloc(dtype: DType, n: number): FloatArray {
      return dtype === 'float64' ? new Float64Array(n) : heap.allocF32(n);
    },
    withArena: <T>(fn: () => T): T => heap.withArena(fn),
    memory,
    heap,
    stats: () => heap.stats(),
    pool,
    whenReady: async () => (pool ? pool.whenReady() : true),
    close: () => pool?.close(),
    ...(pool ? { contention: () => ({ holds: pool.contention.holds, serialRuns: pool.contention.serialRuns }) } : {}),
  };
}

const warned = new Set<string>();
/** One line on stderr (or console.warn in browsers), at most once per message. */
export function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  const line = `aekit: ${msg}\n`;
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(line);
  else console.warn(line.trimEnd());
}

const registered = new Map<string, WasmBackend>();

/**
 * Creates the wasm backend and registers it (under opts.name, default 'wasm'); returns it. Where it cannot run
 * (no SIMD128 or no shared memory) it prints one line to stderr, registers nothing and returns null, and the
 * reference kernels stay in use. Calling it again with the same name returns the backend already registered
 * (whatever options the later call passes: tensors may already live in its memory).
 */
export function initWasmBackend(opts: WasmBackendOptions = {}): WasmBackend | null {
  const why = wasmUnsupportedReason();
  if (why) {
    warnOnce(`${why}; using the reference kernels instead of the wasm backend`);
    return null;
  }
  const name = opts.name ?? 'wasm';
  const existing = registered.get(name);
  if (existing) return existing;
  const backend = createWasmBackend(opts);
  registered.set(name, backend);
  registerBackend(backend);
  return backend;
}
