/**
 * Jobs the thread pool splits into items (assembly/jobs.ts): a descriptor of i32 fields in wasm memory, the
 * number of items, and per-thread scratch. Convolution and pooling split by images (conv.ts); the elementwise,
 * copy and reduce kernels (kernels.ts) by rows or by chunks of one long row. Kinds and field slots must match
 * assembly/jobs.ts and assembly/convgemm.ts.
 */
import type { WasmHeap } from './heap.js';

/** Runs a job over `items` (possibly split over threads); thread t uses scratch + t * stride. */
export type JobRunner = (desc: number, items: number, scratch: number, stride: number, work: number) => void;

export const JOB = {
  conv: 1, filter: 2, im2col: 3, col2im: 4, maxPool: 5, maxUnpool: 6, unary: 10, binary: 11, where: 12, copy: 13, reduce: 14,
  sgd: 15, momentum: 16, rmsprop: 17, adam: 18,
} as const;

/** Elements per item of a job split along one row (assembly/jobs.ts CHUNK). */
export const CHUNK = 16384;

/** Field slots of the elementwise descriptors (assembly/jobs.ts). */
export const SLOT = { op: 1, a: 2, ar: 3, ac: 4, b: 5, br: 6, bc: 7, out: 8, rows: 9, cols: 10, cond: 11, s0: 12, n0: 13 } as const;

const DESC_INTS = 32;
/** Byte offset of the float64 hyper-parameters in a descriptor (assembly/jobs.ts h()). */
const HYPER_AT = 64;

/**
 * One descriptor, allocated once and rewritten per job: calls are synchronous (the pool waits for its
 * workers), so a backend never has two jobs in flight.
 */
export class JobDescriptor {
  private off = -1;

  constructor(private readonly heap: WasmHeap) {}

  /**
   * Writes `fields` (slot -> value; pointers as unsigned 32-bit) over zeros, and `hyper` (optimizer jobs: up to
   * 8 float64 values, which share bytes 64-127 with the convolution descriptors' upper slots) from byte 64 on;
   * returns the descriptor's address.
   */
  write(fields: Record<number, number>, hyper: readonly number[] = []): number {
    if (this.off < 0) this.off = this.heap.allocBytes(DESC_INTS * 4);
    const buf = this.heap.f32(this.off, DESC_INTS).buffer;
    const d = new Int32Array(buf, this.off, DESC_INTS);
    d.fill(0);
    for (const [slot, v] of Object.entries(fields)) d[Number(slot)] = v | 0;
    if (hyper.length) new Float64Array(buf, this.off + HYPER_AT, hyper.length).set(hyper);
    return this.off;
  }
}
