/**
 * Choosing the backend: 'auto' takes the fastest one this runtime supports, with one thread per core: native
 * (Node, where the C kernels were built at install), else wasm SIMD (browsers, or Node without the addon), else
 * the reference kernels (with the wasm module's own one-line notice saying why). AEKIT_BACKEND and
 * AEKIT_THREADS override the automatic choice without code changes.
 */
import { AekitError } from '../errors.js';
import { defaultThreadCount, maxThreads } from './threads/pool.js';
import { getBackend, setBackend } from './registry.js';
import type { Backend } from './types.js';
import { initNativeBackend, nativeAvailable } from './native/backend.js';
import { nativeUnavailableReason } from './native/addon.js';
import { initWasmBackend, warnOnce } from './wasm/backend.js';

export type BackendChoice = 'auto' | 'ref' | 'wasm' | 'native';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'ref', 'wasm', 'native'];

export interface BackendSelection {
  backend?: BackendChoice;
  /** Threads for the native or wasm backend (default: one per core). */
  threads?: number;
  /** Browsers: where the built worker.js is, for pages that forbid blob: workers (see WasmBackendOptions). */
  workerUrl?: string | URL;
}

function envSelection(): BackendSelection {
  const env = typeof process !== 'undefined' ? process.env : {};
  const sel: BackendSelection = {};
  if (env.AEKIT_BACKEND) {
    if (!(BACKEND_CHOICES as readonly string[]).includes(env.AEKIT_BACKEND)) {
      throw new Error(`AEKIT_BACKEND must be one of ${BACKEND_CHOICES.join(', ')}, got '${env.AEKIT_BACKEND}'`);
    }
    sel.backend = env.AEKIT_BACKEND as BackendChoice;
  }
  if (env.AEKIT_THREADS) {
    const n = Number(env.AEKIT_THREADS);
    if (!Number.isInteger(n) || n < 1) throw new Error(`AEKIT_THREADS must be a positive integer, got '${env.AEKIT_THREADS}'`);
    sel.threads = n;
  }
  return sel;
}

/** Makes the chosen backend current and returns it. Explicit arguments win over the environment. */
export function useBackend(selection: BackendSelection = {}): Backend {
  const sel = { ...envSelection(), ...Object.fromEntries(Object.entries(selection).filter(([, v]) => v !== undefined)) };
  const choice = sel.backend ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) throw new Error(`unknown backend '${choice}' (expected one of: ${BACKEND_CHOICES.join(', ')})`);
  if (sel.threads !== undefined && (!Number.isInteger(sel.threads) || sel.threads < 1)) {
    throw new Error(`threads must be a positive integer, got ${sel.threads}`);
  }
  if (sel.threads !== undefined && sel.threads > maxThreads()) {
    const from = selection.threads !== undefined ? 'threads' : 'AEKIT_THREADS';
    throw new AekitError(`${from} ${sel.threads} is more than ${maxThreads()}, the most aekit uses (4 per core on this machine's ${defaultThreadCount()}, at most 256)`, 'E_VALUE');
  }
  if (choice === 'ref') return setBackend('ref');
  const threads = sel.threads ?? defaultThreadCount();
  if (choice === 'native' || (choice === 'auto' && nativeAvailable())) {
    // One registered backend per thread count, so a later call with another count gets its own pool.
    const native = initNativeBackend({ threads, name: threads === 1 ? 'native' : `native+${threads}threads` });
    if (native) return setBackend(native.name);
    warnOnce(`the native backend is not available (${nativeUnavailableReason()}); using wasm`);
  }
  const name = threads === 1 ? 'wasm' : `wasm+${threads}threads`;
  const wasm = initWasmBackend({ threads, name, ...(sel.workerUrl ? { workerUrl: sel.workerUrl } : {}) });
  if (wasm) return setBackend(wasm.name);
  if (choice === 'wasm' || choice === 'native') throw new Error('the wasm backend is not available in this runtime (see the notice above)');
  return setBackend('ref');
}

export { getBackend };
