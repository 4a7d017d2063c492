/**
 * A pool of worker threads for large GEMMs, and for convolution, pooling and large elementwise kernels (split
 * by images, rows or chunks), on the wasm backend's shared memory (DESIGN.md decisions 2-3).
 *
 * Each worker instantiates the same compiled module on the same shared WebAssembly.Memory, so operands are
 * never copied: a job is just its arguments (pointers and sizes) in a small shared control block. The caller
 * splits C statically by row blocks (worker.ts rowRange), starts the workers with Atomics.notify, computes
 * its own rows, then waits until the others are done, so a call is synchronous for the caller. Every element of
 * C is summed in the same order whatever the split, so results are bit-identical for any thread count.
 *
 * Node: worker_threads, unref'd (an exiting process does not wait for them). Browsers: Web Workers (module
 * workers started from a Blob of the worker's source, or from `workerUrl`), which need a cross-origin isolated
 * page for the shared memory. The caller waits in Atomics.wait where it may block (Node, any Web Worker) and
 * spins on the counter where it may not (a browser's main thread, where Atomics.wait throws): the kernels are
 * synchronous there anyway, so training belongs in a Worker to keep a page responsive.
 * Idle workers sleep in Atomics.wait, costing nothing. GEMMs below MIN_PARALLEL_MACS stay on the calling
 * thread: waking workers costs more than it saves.
 */
import { WORKER_SOURCE } from '../wasm/generated/worker-source.js';
import type { WasmHeap } from '../wasm/heap.js';
import type { KernelExports, WasmMemory, WasmModule } from '../wasm/module.js';
import { ACTIVE, controlBytes, controlViews, GEN, JOB_GEMM, JOB_ITEMS, PENDING, READY, rowRange, spinWhile, STOP, WORKER_TAG, type WorkerInit } from './worker.js';

/**
 * Multiply-adds below which a GEMM runs on the calling thread alone: ~100 us of single-thread work, the point
 * where halving it still wins even if the workers were asleep and take ~50 us to wake (measured: 1.65x at
 * 64^3 with the workers spinning, 1.94x at 128^3, 1.98x at 256^3 on 2 cores).
 */
export const MIN_PARALLEL_MACS = 1 << 21;
const STALL_MS = 120_000;

type WorkerThreads = typeof import('node:worker_threads');
type Os = typeof import('node:os');

/** The parts of the browser's Worker API the pool uses (the project compiles without lib.dom). */
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'error', fn: (e: { message?: string }) => void): void;
}
interface WebGlobals {
  Worker?: new (url: string | URL, options: { type: 'module'; name: string }) => WebWorker;
  crossOriginIsolated?: boolean;
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string };
}
const web = globalThis as unknown as WebGlobals;

function builtin<T>(id: string): T | undefined {
  return typeof process !== 'undefined' ? (process.getBuiltinModule?.(id) as T | undefined) : undefined;
}

/** os.availableParallelism() in Node, navigator.hardwareConcurrency elsewhere, else 1. */
export function defaultThreadCount(): number {
  const os = builtin<Os>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * Why the pool cannot run here, or null where it can: Node with worker_threads, or a browser (page or Worker)
 * with Web Workers and cross-origin isolation (without it there is no shared memory to work on together).
 */
export function threadsUnsupportedReason(): string | null {
  if (builtin<WorkerThreads>('node:worker_threads')) return null;
  if (typeof web.Worker !== 'function') return 'neither worker_threads nor Web Workers are available';
  if (web.crossOriginIsolated === false || typeof SharedArrayBuffer === 'undefined') {
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  return null;
}

/** True where the pool can run (see threadsUnsupportedReason). */
export function threadsSupported(): boolean {
  return threadsUnsupportedReason() === null;
}

let blocking: boolean | undefined;
/** Whether this thread may sleep in Atomics.wait (a browser's main thread may not: it throws). */
function canBlock(): boolean {
  if (blocking === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // 'not-equal' at once where allowed
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

/** A started worker, Node's or the browser's. */
interface WorkerHandle {
  post(init: WorkerInit): void;
  terminate(): void;
}

function report(index: number, e: unknown, from?: string): void {
  // A Web Worker whose script cannot load reports an error event with an empty message: name the script.
  const why = (e instanceof Error ? e.message : (e as { message?: string })?.message) || (from ? `could not load ${from}` : String(e));
  const line = `aekit: GEMM worker ${index} failed: ${why}; jobs run on the threads that started`;
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(line + '\n');
  else console.warn(line);
}

function startNodeWorker(wt: WorkerThreads, index: number): WorkerHandle {
  // Built, the worker is tsc's worker.js next to this file. Under tsx (this file is pool.ts) Node 20 cannot
  // start a .ts worker, so we start the copy that scripts/build-wasm.mjs transpiled (see worker.ts).
  const url = import.meta.url.endsWith('.ts')
    ? new URL('../wasm/generated/gemm-worker.mjs', import.meta.url)
    : new URL('./worker.js', import.meta.url);
  // execArgv []: the worker is self-contained JS running kernels only; the host's loaders and preloads
  // (--import hooks, e.g. a test setup file written in TypeScript) must not run in it. workerData tags it,
  // so worker.ts imported by an application's own worker thread does not take that thread's messages.
  const w = new wt.Worker(url, { execArgv: [], workerData: WORKER_TAG });
  w.unref();
  // A worker that fails to start never raises its ready flag and so never gets work; say why.
  w.on('error', (e) => report(index, e));
  return { post: (init) => w.postMessage(init), terminate: () => void w.terminate() };
}

let blobUrl: string | undefined;
function startWebWorker(index: number, workerUrl: string | URL | undefined): WorkerHandle {
  // A Blob of the worker's source (embedded at build time) needs no file next to a bundle, whatever the
  // bundler; a page whose Content-Security-Policy forbids blob: workers passes workerUrl (dist's worker.js).
  const url = workerUrl ?? (blobUrl ??= web.URL!.createObjectURL(new web.Blob!([WORKER_SOURCE], { type: 'text/javascript' })));
  const w = new web.Worker!(url, { type: 'module', name: WORKER_TAG });
  w.addEventListener('error', (e) => report(index, e, workerUrl ? String(workerUrl) : 'the worker Blob'));
  return { post: (init) => w.postMessage(init), terminate: () => w.terminate() };
}

export interface GemmPoolOptions {
  module: WasmModule;
  memory: WasmMemory;
  wasm: KernelExports;
  heap: WasmHeap;
  /** Total threads, the caller included (so threads - 1 workers). */
  threads: number;
  /** The caller's own GEMM workspace (byte offset). */
  work: () => number;
  /** Browsers: the URL of worker.js to start instead of the embedded source (for pages that forbid blob: workers). */
  workerUrl?: string | URL;
}

export class GemmPool {
  readonly threads: number;
  private readonly workers: WorkerHandle[] = [];
  private readonly canBlock = canBlock();
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly grain: number;
  private gen = 0;
  private closed = false;
  /** GEMM and patch jobs that were split across threads (for tests and diagnostics). */
  parallelCalls = 0;

  constructor(private readonly o: GemmPoolOptions) {
    const why = threadsUnsupportedReason();
    if (why) throw new Error(`aekit: no thread pool here: ${why}`);
    const wt = builtin<WorkerThreads>('node:worker_threads');
    this.threads = Math.max(1, Math.floor(o.threads));
    const control = new SharedArrayBuffer(controlBytes(this.threads));
    ({ ctl: this.ctl, args: this.args } = controlViews(control));
    this.grain = o.wasm.gemmRowGrain();
    for (let index = 1; index < this.threads; index++) {
      const work = o.heap.allocBytes(o.wasm.gemmWorkBytes());
      const w = wt ? startNodeWorker(wt, index) : startWebWorker(index, o.workerUrl);
      const init: WorkerInit = { module: o.module, memory: o.memory, control, index, work };
      w.post(init);
      this.workers.push(w);
    }
  }

  /** Workers ready to take jobs, counted as a prefix (see worker.ts): a job uses 1 + this many threads. */
  readyWorkers(): number {
    let r = 0;
    while (r < this.workers.length && Atomics.load(this.ctl, READY + r + 1) === 1) r++;
    return r;
  }

  /** Resolves true once every worker is ready (they start asynchronously), false after `timeoutMs`. */
  async whenReady(timeoutMs = 10_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.readyWorkers() < this.workers.length) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  /** C = op(A) @ op(B) over all m rows, split across the ready threads when large enough. */
  readonly gemm = (a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean): void => {
    const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
    const p = this.closed || m * n * k < MIN_PARALLEL_MACS ? 1 : Math.min(1 + this.readyWorkers(), Math.ceil(m / this.grain));
    if (p === 1) {
      this.o.wasm.gemm(a, b, c, m, n, k, tA, tB, this.o.work(), 0, m);
      return;
    }
    const args = this.args;
    args[0] = JOB_GEMM;
    args[1] = a; args[2] = b; args[3] = c; args[4] = m; args[5] = n; args[6] = k; args[7] = tA; args[8] = tB;
    this.dispatch(p, () => {
      const [r0, r1] = rowRange(m, 0, p, this.grain);
      this.o.wasm.gemm(a, b, c, m, n, k, tA, tB, this.o.work(), r0, r1);
    });
  };

  /**
   * A job over `items` (assembly/jobs.ts: convolution and pooling by images, elementwise kernels by rows or
   * chunks), split in contiguous blocks when `work` (in units of about one multiply-add) is large enough;
   * thread t uses scratch + t * stride. Every item is computed the same way whatever the split.
   */
  readonly job = (desc: number, items: number, scratch: number, stride: number, work: number): void => {
    const p = this.closed || work < MIN_PARALLEL_MACS ? 1 : Math.min(1 + this.readyWorkers(), items);
    if (p <= 1) {
      this.o.wasm.job(desc, 0, items, scratch);
      return;
    }
    const args = this.args;
    args[0] = JOB_ITEMS;
    args[1] = desc; args[2] = items; args[3] = scratch; args[4] = stride;
    this.dispatch(p, () => {
      const [b0, b1] = rowRange(items, 0, p, 1);
      this.o.wasm.job(desc, b0, b1, scratch);
    });
  };

  /** Starts a job (arguments already written) on p - 1 workers, runs `own` (thread 0's part), waits for the rest. */
  private dispatch(p: number, own: () => void): void {
    this.parallelCalls++;
    Atomics.store(this.ctl, ACTIVE, p);
    Atomics.store(this.ctl, PENDING, p - 1);
    this.gen = (this.gen % 0x3fffffff) + 1; // never STOP, never 0
    Atomics.store(this.ctl, GEN, this.gen); // publishes the arguments (sequentially consistent)
    Atomics.notify(this.ctl, GEN);
    try {
      own();
    } finally {
      this.waitForWorkers();
    }
  }

  private waitForWorkers(): void {
    let last = Date.now();
    for (;;) {
      const left = Atomics.load(this.ctl, PENDING);
      if (left === 0) return;
      // The workers usually finish within microseconds; then sleep, where this thread may (see canBlock).
      const moved = spinWhile(this.ctl, PENDING, left, 1)
        || (this.canBlock && Atomics.wait(this.ctl, PENDING, left, 1000) !== 'timed-out')
        || Atomics.load(this.ctl, PENDING) !== left;
      if (moved) last = Date.now();
      else if (Date.now() - last > STALL_MS) throw new Error(`aekit: ${left} GEMM worker(s) stopped responding`);
    }
  }

  /** Stops the workers. Later GEMMs run on the calling thread. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, GEN, STOP);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w.terminate();
  }
}
