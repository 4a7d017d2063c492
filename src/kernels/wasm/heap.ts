/**
 * Storage in one shared WebAssembly.Memory: a general allocator for long-lived data and a step arena for a
 * training step's intermediates (DESIGN.md decision 4). Everything is byte offsets into the memory; tensors
 * get Float32Array views of it, which kernels recognise (see `owns`) and pass to wasm by `byteOffset`.
 *
 * Why views stay valid: the memory is shared, so `memory.grow` does not detach anything. It makes a new, longer
 * SharedArrayBuffer object appear on `memory.buffer`; views made on an older one keep working for the bytes
 * they cover, and the offsets mean the same thing in every one of them. We remember every buffer object we
 * have handed views on (a WeakSet), since a view's `.buffer` is whichever object was current when it was made.
 *
 * General allocator: free lists per size class (4 classes per power of two, so at most 25% waste), a bump
 * pointer `top` for never-used memory (which is still zero, so it needs no clearing), and growth of the memory
 * when `top` reaches the end. Memory is never returned to the system (wasm memories cannot shrink); freed
 * blocks are reused. Tensor storage is freed when its view is garbage collected (FinalizationRegistry).
 *
 * TRAP: the registry watches the exact Float32Array that `alloc` returned. Storage is freed once THAT object
 * is unreachable, even if a `subarray()` of it is still held. Tensors keep the original view (`Tensor.data`)
 * and only pass subarrays to kernels transiently, so this holds inside aekit; code that keeps
 * `t.data.subarray(...)` beyond the life of `t.data` must copy instead (e.g. `slice()` or `toTypedArray()`).
 *
 * Step arena: `withArena(fn)` makes every allocation during `fn` come from a bump region that is reset when
 * `fn` returns (nested calls reset to their own start). It costs no garbage collection and no finalizers, so
 * a training loop's memory stays flat however rarely the GC runs. The arena's chunks come from the general
 * allocator; if a step overflows its chunk, extra chunks are chained, and at the end of the outermost arena
 * they are merged into one chunk big enough for the whole step, so after the first step or two an unchanged
 * step allocates nothing new.
 *
 * TRAP (the price of the arena): storage allocated inside `withArena` is reused as soon as it returns. A
 * tensor created inside must not be kept after it: not returned, not stored on a module or an optimizer, not
 * captured by a callback. Read what you need (`item()`, `toTypedArray()`) before the arena ends. Parameters
 * and optimizer state must be created outside (Optimizer allocates its state lazily on its first step, which
 * is why fit() runs the first step of a run outside the arena). Set AEKIT_ARENA_POISON=1 to fill released
 * arena memory with NaN, so a tensor that escaped shows NaN at once instead of silently changing later.
 */
import { PAGE_BYTES, type WasmMemory } from './module.js';

const CLASS_SHIFT = 128; // held value = offset * CLASS_SHIFT + class index (fits a double exactly)
const MIN_ARENA_CHUNK = 1 << 20;

/** Size class of a request: 16, 32, 48, 64, then 4 steps per power of two (80, 96, 112, 128, 160, ...). */
export function sizeClass(bytes: number): number {
  if (bytes <= 64) return Math.max(0, Math.ceil(bytes / 16) - 1);
  let g = 0;
  while (128 * 2 ** g < bytes) g++;
  const step = 16 * 2 ** g;
  return 4 + 4 * g + Math.ceil((bytes - 64 * 2 ** g) / step) - 1;
}

export function classBytes(idx: number): number {
  if (idx < 4) return 16 * (idx + 1);
  const g = (idx - 4) >> 2, sub = (idx - 4) & 3;
  return 64 * 2 ** g + 16 * 2 ** g * (sub + 1);
}

interface Chunk {
  off: number;
  cls: number;
  size: number;
}

export interface HeapStats {
  /** memory.buffer.byteLength: what the process actually holds. */
  memoryBytes: number;
  /** First never-used byte. */
  top: number;
  /** General allocations not yet freed (tensor storage, arena chunks, scratch). */
  liveBlocks: number;
  /** Capacity of the step arena's chunks. */
  arenaBytes: number;
  /** Most arena bytes a single outermost arena has used. */
  arenaHighWater: number;
  /** How many times the memory has grown. */
  grows: number;
}

export class WasmHeap {
  private buffer: SharedArrayBuffer;
  private readonly buffers = new WeakSet<object>();
  private top: number;
  private readonly free: number[][] = [];
  private readonly registry: FinalizationRegistry<number>;
  private live = 0;
  private grows = 0;
  // Step arena state.
  private depth = 0;
  private chunks: Chunk[] = [];
  private ci = 0; // current chunk
  private ptr = 0; // next free byte in the current chunk
  private used = 0; // bytes taken so far in the current outermost arena, unused chunk tails included
  private peak = 0; // the most `used` has been in the current outermost arena (nested arenas rewind `used`)
  private highWater = 0;
  private readonly poison: boolean;

  /**
   * @param zero clears bytes in the memory (the module's memory.fill: much faster than TypedArray.fill on
   *   shared memory)
   */
  constructor(
    readonly memory: WasmMemory,
    base: number,
    private readonly maxBytes: number,
    private readonly zero: (off: number, bytes: number) => void,
  ) {
    this.buffer = memory.buffer;
    this.buffers.add(this.buffer);
    this.top = Math.ceil(base / 64) * 64;
    this.registry = new FinalizationRegistry((held: number) => this.release(Math.floor(held / CLASS_SHIFT), held % CLASS_SHIFT));
    const env = typeof process !== 'undefined' ? process.env : undefined;
    this.poison = !!env?.AEKIT_ARENA_POISON;
  }

  /** True when `arr` is a view of this memory, so its byteOffset is a valid pointer. */
  owns(arr: ArrayBufferView): boolean {
    const b = arr.buffer;
    if (this.buffers.has(b)) return true;
    // A buffer object we have not seen can only be ours if the memory grew behind our back (a worker).
    if (b instanceof SharedArrayBuffer && b === this.memory.buffer) {
      this.buffers.add(b);
      return true;
    }
    return false;
  }

  /** A Float32Array view of `n` floats at byte offset `off` (on the newest buffer, which covers everything). */
  f32(off: number, n: number): Float32Array {
    return new Float32Array(this.buffer, off, n);
  }

  get inArena(): boolean {
    return this.depth > 0;
  }

  /**
   * Zero-filled float32 storage: from the arena inside withArena, otherwise from the general allocator and
   * freed when the returned view is garbage collected.
   */
  allocF32(n: number, zero = true): Float32Array {
    if (n === 0) return new Float32Array(this.buffer, 0, 0);
    if (this.depth > 0) return this.f32(this.arenaAlloc(n * 4, zero), n);
    const cls = sizeClass(n * 4);
    const off = this.allocBlock(cls, zero);
    const view = this.f32(off, n);
    this.registry.register(view, off * CLASS_SHIFT + cls);
    return view;
  }

  /** Explicitly managed bytes (kernel workspaces, copy-path scratch): pair with `freeBytes`. Not zeroed. */
  allocBytes(bytes: number): number {
    return this.allocBlock(sizeClass(bytes), false);
  }

  freeBytes(off: number, bytes: number): void {
    this.release(off, sizeClass(bytes));
  }

  withArena<T>(fn: () => T): T {
    const savedChunk = this.ci, savedPtr = this.ptr, savedUsed = this.used;
    if (this.depth === 0) this.enterOutermost();
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.leaveOutermost();
      else {
        this.ci = savedChunk;
        this.ptr = savedPtr;
        this.used = savedUsed;
      }
    }
  }

  stats(): HeapStats {
    return {
      memoryBytes: this.memory.buffer.byteLength,
      top: this.top,
      liveBlocks: this.live,
      arenaBytes: this.chunks.reduce((s, c) => s + c.size, 0),
      arenaHighWater: this.highWater,
      grows: this.grows,
    };
  }

  // ---------------------------------------------------------------- general allocator

  private allocBlock(cls: number, zero: boolean): number {
    this.live++;
    const list = this.free[cls];
    if (list && list.length > 0) {
      const off = list.pop()!;
      if (zero) this.zero(off, classBytes(cls));
      return off;
    }
    const size = classBytes(cls);
    if (this.top + size > this.buffer.byteLength) this.grow(this.top + size);
    const off = this.top;
    this.top += size;
    return off; // never used before: still zero
  }

  private release(off: number, cls: number): void {
    this.live--;
    (this.free[cls] ??= []).push(off);
  }

  private grow(needBytes: number): void {
    const have = this.buffer.byteLength;
    if (needBytes > this.maxBytes) {
      throw new Error(`aekit wasm backend: out of memory (need ${mib(needBytes)}, limit ${mib(this.maxBytes)}); ` +
        'pass a larger maxMemoryMB to createWasmBackend, or keep datasets outside the backend');
    }
    // Grow by at least a quarter of the current size so a slowly growing heap does not grow on every call.
    const target = Math.min(this.maxBytes, Math.max(needBytes, have + have / 4));
    const pages = Math.ceil((target - have) / PAGE_BYTES);
    this.memory.grow(pages);
    this.grows++;
    this.buffer = this.memory.buffer;
    this.buffers.add(this.buffer);
  }

  // ---------------------------------------------------------------- step arena

  private enterOutermost(): void {
    if (this.chunks.length === 0) this.chunks.push(this.newChunk(MIN_ARENA_CHUNK));
    this.ci = 0;
    this.ptr = this.chunks[0].off;
    this.used = 0;
    this.peak = 0;
  }

  private leaveOutermost(): void {
    this.highWater = Math.max(this.highWater, this.peak);
    if (this.poison) {
      for (let i = 0; i <= this.ci && i < this.chunks.length; i++) {
        const c = this.chunks[i];
        const end = i === this.ci ? this.ptr : c.off + c.size;
        new Float32Array(this.buffer, c.off, (end - c.off) >> 2).fill(NaN);
      }
    }
    if (this.chunks.length > 1) {
      // The step overflowed: replace the chain by one chunk that holds the whole step (plus slack for
      // batch-to-batch variation), so the next step neither chains nor grows.
      for (const c of this.chunks) this.release(c.off, c.cls);
      this.chunks = [this.newChunk(Math.ceil(this.peak * 1.125))];
    }
    this.ci = 0;
    this.ptr = this.chunks[0].off;
    this.used = 0;
    this.peak = 0;
  }

  private newChunk(bytes: number): Chunk {
    const cls = sizeClass(bytes);
    return { off: this.allocBlock(cls, false), cls, size: classBytes(cls) };
  }

  private arenaAlloc(bytes0: number, zero: boolean): number {
    const bytes = Math.ceil(bytes0 / 16) * 16;
    let c = this.chunks[this.ci];
    if (this.ptr + bytes > c.off + c.size) {
      // Move on to the next chunk of the chain, or add one at least as big as everything so far.
      this.used += c.off + c.size - this.ptr; // the unused tail counts: the merged chunk must cover it too
      this.ci++;
      if (this.ci < this.chunks.length && this.chunks[this.ci].size >= bytes) {
        c = this.chunks[this.ci];
      } else {
        c = this.newChunk(Math.max(bytes, this.chunks.reduce((s, x) => s + x.size, 0)));
        this.chunks.splice(this.ci, 0, c);
      }
      this.ptr = c.off;
    }
    const off = this.ptr;
    this.ptr += bytes;
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    if (zero) this.zero(off, bytes);
    return off;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
