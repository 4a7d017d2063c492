/**
 * What the calling thread and the GEMM workers share: a small control block (its own SharedArrayBuffer, not
 * the wasm memory) and the static row split. Both sides import this file, so they cannot disagree.
 *
 * Control block (Int32Array):
 *   GEN        job generation: the caller bumps it to start a job, workers wait for it to change;
 *              STOP (-1) tells them to exit
 *   PENDING    workers still running the current job; the last one to finish notifies the caller
 *   ACTIVE     how many threads (caller included) take part in the current job
 *   READY + i  1 once worker i has instantiated the module and waits for jobs (i = 1..workers)
 * Job arguments (Float64Array after the ints): pointers can exceed 2^31, so not Int32.
 *
 * A worker takes part in a job only if it and every worker with a lower index were ready when the caller
 * started the job (ACTIVE = 1 + that prefix). A worker reads GEN before it raises its ready flag, so one that
 * becomes ready during a job never mistakes that job for its own.
 */
export const GEN = 0;
export const PENDING = 1;
export const ACTIVE = 2;
export const READY = 3;
export const STOP = -1;
export const ARG_COUNT = 8; // a, b, c, m, n, k, transA, transB

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
 * Rows [row0, row1) of an m-row GEMM for thread `t` of `p`: contiguous blocks of whole micro-tiles (`grain`
 * rows), as equal as possible, fixed by (m, t, p) alone — never by which thread is faster.
 */
export function rowRange(m: number, t: number, p: number, grain: number): [number, number] {
  const tiles = Math.ceil(m / grain);
  const r0 = Math.floor((tiles * t) / p) * grain, r1 = Math.floor((tiles * (t + 1)) / p) * grain;
  return [Math.min(r0, m), Math.min(r1, m)];
}
