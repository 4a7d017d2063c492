/**
 * The GEMM worker thread, and the protocol it shares with the caller (pool.ts imports the constants and the
 * row split from here, so the two sides cannot disagree).
 *
 * This file must stay self-contained (no imports: the WebAssembly and worker_threads APIs are reached
 * through globalThis and process.getBuiltinModule). Built, the worker runs as tsc's worker.js. Under tsx
 * (tests, benches) Node 20 cannot load a .ts file as a worker's entry, so scripts/build-wasm.mjs also
 * transpiles this file to src/kernels/wasm/generated/gemm-worker.mjs and the pool starts that instead. The
 * same transpiled text is embedded as a string (generated/worker-source.ts): browsers start it from a Blob.
 *
 * A worker instantiates the kernel module on the backend's shared memory, then loops: wait for a new job
 * generation, then claim the job's tasks (blocks of rows of C, or of items) from a shared counter until none
 * are left. Claiming rather than a fixed share per thread is what keeps two threads from being slower than one
 * when another process takes a core: the thread that runs at full speed simply takes more tasks. Every row and
 * item is computed the same way whoever takes it, so results do not depend on the split. A worker never
 * allocates in the memory (the caller allocated its workspace) and never returns to its event loop until told
 * to stop.
 *
 * Control block (Int32Array over its own SharedArrayBuffer, not the wasm memory):
 *   GEN        job generation: the caller bumps it to start a job, workers wait for it to change;
 *              STOP (-1) tells them to exit
 *   CLAIM      the job's number (high 16 bits) and its next task (low 16 bits). A worker that wakes late, after
 *              its job is over, fails its compare-and-swap instead of taking a task of the next job. The caller
 *              first sets CLAIM to the new job's number with CLOSED (no task left), writes the job (arguments,
 *              TASKS, DONE = 0), then opens CLAIM at task 0; a worker reads the arguments only after claiming a
 *              task, i.e. while the job is open and cannot end
 *   TASKS      the job's task count
 *   DONE       tasks finished; the thread that finishes the last one notifies the caller
 *   READY + i  1 once worker i has instantiated the module and waits for jobs (i = 1..workers)
 * Job arguments (Float64Array after the ints): pointers can exceed 2^31, so not Int32. args[0] is the job's kind:
 *   JOB_GEMM   args 1-8 = a, b, c, m, n, k, transA, transB, args 9 = rows per task (whole micro-tiles)
 *   JOB_ITEMS  args 1-5 = descriptor, items, scratch, scratch stride, items per task; the thread with index t
 *              works in scratch + t * stride (assembly/jobs.ts job)
 */
export const GEN = 0;
export const CLAIM = 1;
export const TASKS = 2;
export const DONE = 3;
export const READY = 4;
/** CLAIM's task field while a job is being written: past any task count (tasks < 0xffff). */
export const CLOSED = 0xffff;
export const STOP = -1;
export const ARG_COUNT = 10; // kind, then the kind's arguments (see above)
export const JOB_GEMM = 0;
export const JOB_ITEMS = 1;
/**
 * Marks a thread the pool started (Node: workerData; browsers: the Worker's name). Only such a thread serves:
 * this module is also imported by the pool, and an application's own worker (one that trains a model, say)
 * must keep its messages.
 */
export const WORKER_TAG = 'aekit-gemm-worker';

export interface WorkerInit {
  /** The compiled kernel module (structured-cloneable). */
  module: unknown;
  /** The backend's shared WebAssembly.Memory. */
  memory: unknown;
  control: SharedArrayBuffer;
  /** This worker's thread index (1..threads-1; the caller is 0). */
  index: number;
  /** Byte offset of this worker's private GEMM workspace in the memory. */
  work: number;
}

function intCount(threads: number): number {
  return (READY + threads + 1) & ~1; // keep the Float64 arguments 8-byte aligned
}

export function controlBytes(threads: number): number {
  return intCount(threads) * 4 + ARG_COUNT * 8;
}

export function controlViews(buf: SharedArrayBuffer): { ctl: Int32Array; args: Float64Array } {
  const ints = (buf.byteLength - ARG_COUNT * 8) / 4;
  return { ctl: new Int32Array(buf, 0, ints), args: new Float64Array(buf, ints * 4, ARG_COUNT) };
}

/**
 * Rows [row0, row1) of task `t` of `p` over m rows: contiguous blocks of whole micro-tiles (`grain` rows), as
 * equal as possible.
 */
export function rowRange(m: number, t: number, p: number, grain: number): [number, number] {
  const tiles = Math.ceil(m / grain);
  const r0 = Math.floor((tiles * t) / p) * grain, r1 = Math.floor((tiles * (t + 1)) / p) * grain;
  return [Math.min(r0, m), Math.min(r1, m)];
}

/** The kernels a thread runs for a task (the module's exports). */
export interface TaskKernels {
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, tA: number, tB: number, work: number, r0: number, r1: number): void;
  job(desc: number, b0: number, b1: number, scratch: number): void;
}

/**
 * Claims and runs tasks of job `job` (a 16-bit job number) until none are left or the job is over. Thread
 * `index` (0 = the caller) uses GEMM workspace `work`. Returns how many tasks it ran.
 */
export function claimTasks(ctl: Int32Array, args: Float64Array, job: number, index: number, work: number, k: TaskKernels): number {
  let ran = 0;
  let v = Atomics.load(ctl, CLAIM);
  for (;;) {
    if (v >>> 16 !== job) return ran;
    const t = v & 0xffff;
    const tasks = Atomics.load(ctl, TASKS);
    if (t >= tasks) return ran;
    const seen = Atomics.compareExchange(ctl, CLAIM, v, v + 1);
    if (seen !== v) {
      v = seen;
      continue;
    }
    if (args[0] === JOB_GEMM) {
      const m = args[4], per = args[9];
      const r0 = t * per, r1 = Math.min(m, r0 + per);
      k.gemm(args[1], args[2], args[3], m, args[5], args[6], args[7], args[8], work, r0, r1);
    } else {
      const items = args[2], per = args[5];
      const b0 = t * per, b1 = Math.min(items, b0 + per);
      k.job(args[1], b0, b1, args[3] + index * args[4]);
    }
    ran++;
    if (Atomics.add(ctl, DONE, 1) + 1 === tasks) Atomics.notify(ctl, DONE);
    v = Atomics.load(ctl, CLAIM);
  }
}

/**
 * Sleeping in Atomics.wait and being woken costs ~50 us on this kind of VM (a futex wake of an idle vCPU), as
 * much as a single-threaded 96^3 GEMM. So both sides first spin briefly on the flag they wait for: a worker for SPIN_MS after
 * each job (a training step issues its GEMMs in quick succession), the caller while the workers finish.
 */
export const SPIN_MS = 0.2;

/** Spins while ctl[i] === value, for at most `ms`. Returns true if the value changed. */
export function spinWhile(ctl: Int32Array, i: number, value: number, ms: number): boolean {
  const end = performance.now() + ms;
  for (;;) {
    for (let k = 0; k < 256; k++) if (Atomics.load(ctl, i) !== value) return true;
    if (performance.now() > end) return false;
  }
}

type GemmExports = TaskKernels;
interface WasmInstanceApi {
  Instance: new (module: unknown, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

function serve(init: WorkerInit): void {
  const WA = (globalThis as unknown as { WebAssembly: WasmInstanceApi }).WebAssembly;
  const abort = (): never => {
    throw new Error('aekit wasm kernel aborted');
  };
  const wasm = new WA.Instance(init.module, { env: { memory: init.memory, abort } }).exports as GemmExports;
  const { ctl, args } = controlViews(init.control);
  let seen = Atomics.load(ctl, GEN); // before the ready flag: see above
  Atomics.store(ctl, READY + init.index, 1);
  Atomics.notify(ctl, READY + init.index);
  for (;;) {
    spinWhile(ctl, GEN, seen, SPIN_MS);
    Atomics.wait(ctl, GEN, seen);
    const gen = Atomics.load(ctl, GEN);
    if (gen === STOP) break;
    if (gen === seen) continue; // spurious wake-up
    seen = gen;
    claimTasks(ctl, args, Atomics.load(ctl, CLAIM) >>> 16, init.index, init.work, wasm);
  }
}

// In a thread the pool started, wait for the init message; anywhere else (imported by pool.ts) do nothing.
type Port = { once(ev: 'message', fn: (init: WorkerInit) => void): void; close(): void };
const wt = typeof process !== 'undefined'
  ? (process.getBuiltinModule?.('node:worker_threads') as { parentPort: Port | null; isMainThread: boolean; workerData: unknown } | undefined)
  : undefined;
if (wt) {
  const port = !wt.isMainThread && wt.workerData === WORKER_TAG ? wt.parentPort : null;
  port?.once('message', (init) => {
    serve(init);
    port.close();
  });
} else {
  // A browser's Web Worker: a WorkerGlobalScope named by the pool (pool.ts startWebWorker).
  const scope = globalThis as unknown as {
    WorkerGlobalScope?: unknown;
    name?: string;
    addEventListener(type: 'message', fn: (e: { data: WorkerInit }) => void, options: { once: boolean }): void;
    close(): void;
  };
  if (scope.WorkerGlobalScope !== undefined && scope.name === WORKER_TAG) {
    scope.addEventListener('message', (e) => {
      serve(e.data);
      scope.close();
    }, { once: true });
  }
}
