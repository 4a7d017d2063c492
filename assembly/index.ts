// Entry point of the WebAssembly kernel module: everything exported here is called from src/kernels/wasm/.
// All pointers are byte offsets into the imported shared memory; the module keeps no mutable state, so any
// number of instances (one per worker thread) can run on the same memory at once.
export { gemm, gemmWorkBytes, gemmRowGrain } from './gemm';
export { unary, binary2d, where1d, copy2d, copy3d } from './elementwise';
export { reduce } from './reduce';
export { job } from './jobs';
export { sgdUpdate, momentumUpdate, rmspropUpdate, adamUpdate } from './optim';

/**
 * Zero-fills `bytes` bytes at `ptr` (memory.fill, i.e. memset). The JS allocator clears reused blocks with
 * this: TypedArray.fill on a SharedArrayBuffer takes V8's slow element-wise path (~10x slower).
 */
export function fill0(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}

/** First byte after the module's static data: the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
