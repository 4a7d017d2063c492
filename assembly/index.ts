// Entry point of the WebAssembly kernel module: everything exported here is called from src/kernels/wasm/.
// All pointers are byte offsets into the imported shared memory; the module keeps no mutable state, so any
// number of instances (one per worker thread) can run on the same memory at once.
export { gemm, gemmWorkBytes, gemmRowGrain } from './gemm';
export { unary, binary2d, where1d } from './elementwise';
export { reduce } from './reduce';
export { sgdUpdate, momentumUpdate, rmspropUpdate, adamUpdate } from './optim';

/** First byte after the module's static data: the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
