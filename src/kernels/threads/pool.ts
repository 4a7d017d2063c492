/**
 * A pool of worker threads for large GEMMs, and for convolution, pooling and large elementwise kernels (split
 * by images, rows or chunks), on the wasm backend's shared memory (DESIGN.md decisions 2-3).
 *
 * Each worker instantiates the same compiled module on the same shared WebAssembly.Memory, so operands are
 * never copied: a job is just its arguments (pointers and sizes) in a small shared control block. The caller
 * cuts C into row blocks (or the items into blocks), a few per thread, starts the workers with Atomics.notify,
 * and every thread, the caller included, claims blocks from a shared counter until none are left (worker.ts
 * claimTasks); the caller then waits for the blocks others took, so a call is synchronous for the caller. A
 * thread slowed by another process takes fewer blocks, so two threads are not slower than one on a busy
 * machine. Every element of C is summed in the same order whatever the split, so results are bit-identical for
 * any thread count.
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
import { ContentionWatch } from './contention.js';
import { claimTasks, CLAIM, CLOSED, controlBytes, controlViews, DONE, GEN, JOB_GEMM, JOB_ITEMS, READY, spinWhile, STOP, TASKS, WORKER_TAG, type WorkerInit } from './worker.js';

/**
 * Multiply-adds below which a GEMM runs on the calling thread alone: ~100 us of single-thread work, the point
 * where halving it still wins even if the workers were asleep and take ~50 us to wake (measured: 1.65x at
 * 64^3 with the workers spinning, 1.94x at 128^3, 1.98x at 256^3 on 2 cores).
 */
export const MIN_PARALLEL_MACS = 1 << 21;
const STALL_MS = 120_000;
/**
 * Blocks per participating thread. More blocks balance a busy machine better; each GEMM block packs its own
 * panels of B, so more blocks also cost more packing. Two (GEMM) and four (items) are a choice, not a
 * measured optimum: bench/RESULTS-load.md shows where they leave two threads under load.
 */
const GEMM_TASKS_PER_THREAD = 2;
const ITEM_TASKS_PER_THREAD = 4;

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
 * The most threads a pool takes: more than 4 per core only add memory (each has its own stacks and scratch)
 * and contention; far more exhaust the machine before any work starts. 256 is the ceiling on any machine.
 */
export const MAX_THREADS_PER_CORE = 4;
export const MAX_THREADS = 256;

export function maxThreads(): number {
  return Math.min(MAX_THREADS, MAX_THREADS_PER_CORE * defaultThreadCount());
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
  /** Run jobs alone while other processes leave the workers no gain (contention.ts). */
  watchContention: boolean;
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
  private job16 = 0;
  private closed = false;
  /** GEMM and patch jobs that were split across threads (for tests and diagnostics). */
  parallelCalls = 0;
  /** When the workers stop paying because other processes want the cores (contention.ts). */
  readonly contention: ContentionWatch;

  constructor(private readonly o: GemmPoolOptions) {
    const why = threadsUnsupportedReason();
    if (why) throw new Error(`aekit: no thread pool here: ${why}`);
    const wt = builtin<WorkerThreads>('node:worker_threads');
    this.threads = Math.max(1, Math.floor(o.threads));
    this.contention = new ContentionWatch(o.watchContention);
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
    const alone = (): void => this.o.wasm.gemm(a, b, c, m, n, k, tA, tB, this.o.work(), 0, m);
    if (p === 1) return alone();
    const tiles = Math.ceil(m / this.grain);
    const tasks = Math.min(tiles, p * GEMM_TASKS_PER_THREAD);
    const per = Math.ceil(tiles / tasks) * this.grain;
    this.watched(`g${m},${n},${k},${tA}${tB}`, alone, () => this.dispatch(Math.ceil(m / per), [JOB_GEMM, a, b, c, m, n, k, tA, tB, per]));
  };

  /**
   * A job over `items` (assembly/jobs.ts: convolution and pooling by images, elementwise kernels by rows or
   * chunks), split in contiguous blocks when `work` (in units of about one multiply-add) is large enough;
   * thread t uses scratch + t * stride. Every item is computed the same way whatever the split.
   */
  readonly job = (desc: number, items: number, scratch: number, stride: number, work: number): void => {
    const p = this.closed || work < MIN_PARALLEL_MACS ? 1 : Math.min(1 + this.readyWorkers(), items);
    const alone = (): void => this.o.wasm.job(desc, 0, items, scratch);
    if (p <= 1) return alone();
    const per = Math.ceil(items / Math.min(items, p * ITEM_TASKS_PER_THREAD));
    this.watched(`j${desc},${items},${work}`, alone, () => this.dispatch(Math.ceil(items / per), [JOB_ITEMS, desc, items, scratch, stride, per]));
  };

  /** Runs a job worth splitting in parallel, or alone when the contention watch says so, and tells it the time. */
  private watched(shape: string, alone: () => void, parallel: () => void): void {
    const start = performance.now();
    const serial = this.contention.serial(shape, start);
    if (serial) alone();
    else parallel();
    const end = performance.now();
    this.contention.note(shape, end - start, !serial, end);
  }

  /**
   * Runs a job of `tasks` blocks (arguments `job`, see worker.ts) on every ready thread: publishes it, claims
   * blocks on this thread too, then waits until the blocks others claimed are done.
   */
  private dispatch(tasks: number, job: number[]): void {
    this.parallelCalls++;
    const ctl = this.ctl;
    this.job16 = (this.job16 % 0xffff) + 1;
    // Closed first (this job's number, no block left): a late worker of the last job now fails to claim, and
    // one that reads the new number takes nothing before the job is written. Then the job, then open it.
    Atomics.store(ctl, CLAIM, (this.job16 << 16) | CLOSED);
    this.args.fill(0);
    this.args.set(job);
    Atomics.store(ctl, TASKS, tasks);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, CLAIM, this.job16 << 16);
    this.gen = (this.gen % 0x3fffffff) + 1; // never STOP, never 0
    Atomics.store(ctl, GEN, this.gen); // publishes the job (sequentially consistent)
    Atomics.notify(ctl, GEN);
    try {
      claimTasks(ctl, this.args, this.job16, 0, this.o.work(), this.o.wasm);
    } finally {
      this.waitForTasks(tasks);
    }
  }

  private waitForTasks(tasks: number): void {
    let last = Date.now();
    for (;;) {
      const done = Atomics.load(this.ctl, DONE);
      if (done >= tasks) return;
      // The others usually finish within microseconds; then sleep, where this thread may (see canBlock).
      const moved = spinWhile(this.ctl, DONE, done, 1)
        || (this.canBlock && Atomics.wait(this.ctl, DONE, done, 1000) !== 'timed-out')
        || Atomics.load(this.ctl, DONE) !== done;
      if (moved) last = Date.now();
      else if (Date.now() - last > STALL_MS) throw new Error(`aekit: ${tasks - done} GEMM task(s) stopped responding`);
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
