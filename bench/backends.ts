/**
 * Registers every fast backend this build has, each with 1 thread and with one per core (native where the addon
 * was built, and wasm), so the benchmark measures them side by side.
 */
import { useBackend } from '../src/kernels/select.js';
import { nativeAvailable } from '../src/kernels/native/backend.js';
import { defaultThreadCount } from '../src/kernels/threads/pool.js';
import { setBackend } from '../src/kernels/registry.js';

export async function initFastBackends(): Promise<void> {
  const cores = defaultThreadCount();
  for (const backend of nativeAvailable() ? (['native', 'wasm'] as const) : (['wasm'] as const)) {
    for (const threads of cores > 1 ? [1, cores] : [1]) {
      const b = useBackend({ backend, threads });
      await (b as { whenReady?: () => Promise<boolean> }).whenReady?.();
    }
  }
  setBackend('ref');
}
