/** Registers every fast backend this build has (wasm with 1 thread and with one per core), so the benchmark measures them side by side. */
import { useBackend } from '../src/kernels/select.js';
import { defaultThreadCount } from '../src/kernels/threads/pool.js';
import { setBackend } from '../src/kernels/registry.js';

export async function initFastBackends(): Promise<void> {
  const cores = defaultThreadCount();
  for (const threads of cores > 1 ? [1, cores] : [1]) {
    const b = useBackend({ backend: 'auto', threads });
    await (b as { whenReady?: () => Promise<boolean> }).whenReady?.();
  }
  setBackend('ref');
}
