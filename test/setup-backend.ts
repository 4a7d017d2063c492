/**
 * Preloaded by scripts/run-tests.mjs when AEKIT_TEST_BACKEND is set ('wasm' or 'native', or 'wasm:N' / 'native:N' for N threads): the
 * whole suite then runs with that backend as the default, so every model, loss and optimizer test also checks the
 * fast kernels (float64 tests still use the reference kernels: the wasm backend is float32-only).
 */
import { isMainThread } from 'node:worker_threads';
import { useBackend } from '../src/kernels/select.js';

const spec = process.env.AEKIT_TEST_BACKEND;
// Worker threads inherit this preload; only the main thread chooses the backend (workers run kernels only).
if (spec && isMainThread) {
  const [backend, threads] = spec.split(':');
  useBackend({ backend: backend as 'wasm' | 'native' | 'ref', threads: threads ? Number(threads) : 1 });
}
