/**
 * Turning the typed arrays a kernel is handed into pointers. A view of the backend's own memory is passed as
 * its byteOffset, without a copy. Anything else (a plain Float32Array, a view of another backend's memory)
 * is copied into scratch memory before the call and, for outputs, copied back after it: correct, and as slow
 * as that sounds, so it is the exception (tensors made on this backend never take it).
 */
import type { WasmHeap } from './heap.js';

export const IN = 0, OUT = 1, INOUT = 2;
type Mode = typeof IN | typeof OUT | typeof INOUT;

interface Pending {
  off: number;
  bytes: number;
  src: Float32Array;
  start: number;
  count: number;
  copyBack: boolean;
}

export class Operands {
  private readonly pending: Pending[] = [];

  constructor(private readonly heap: WasmHeap) {}

  /** Byte pointer to element `start` of `arr`, valid for `count` elements; throws if `arr` is too short. */
  ptr(arr: Float32Array, start: number, count: number, mode: Mode): number {
    if (start < 0 || start + count > arr.length) {
      throw new RangeError(`wasm kernel: operand of length ${arr.length} is too short for elements [${start}, ${start + count})`);
    }
    if (this.heap.owns(arr)) return arr.byteOffset + start * 4;
    const bytes = Math.max(count, 1) * 4;
    const off = this.heap.allocBytes(bytes);
    if (mode !== OUT) this.heap.f32(off, count).set(arr.subarray(start, start + count));
    this.pending.push({ off, bytes, src: arr, start, count, copyBack: mode !== IN });
    return off;
  }

  /** Runs `fn` (a kernel call that uses `ptr`), then copies outputs back and frees scratch, also when it throws. */
  run(fn: () => void): void {
    let ok = false;
    try {
      fn();
      ok = true;
    } finally {
      this.finish(ok);
    }
  }

  /** Copies outputs back and frees scratch. Call in a `finally` after every kernel call that used `ptr`. */
  finish(ok = true): void {
    if (this.pending.length === 0) return;
    for (const p of this.pending) {
      if (ok && p.copyBack) p.src.set(this.heap.f32(p.off, p.count), p.start);
      this.heap.freeBytes(p.off, p.bytes);
    }
    this.pending.length = 0;
  }
}
