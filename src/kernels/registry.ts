/**
 * Kernels are looked up by (kernel, backend). A backend that lacks a kernel gets the reference one, and we say
 * so once on stderr when AEKIT_DEBUG is set: a missing fast kernel must be visible, never silently slow or wrong.
 */
import type { Backend, KernelName, Kernels } from './types.js';
import { refBackend } from './ref/index.js';

const backends = new Map<string, Backend>([[refBackend.name, refBackend]]);
const warned = new Set<string>();
let current: Backend = refBackend;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function getBackend(name?: string): Backend {
  if (name === undefined) return current;
  const b = backends.get(name);
  if (!b) throw new Error(`unknown backend '${name}' (available: ${[...backends.keys()].join(', ')})`);
  return b;
}

export function setBackend(name: string): Backend {
  current = getBackend(name);
  return current;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}

export function kernel<K extends KernelName>(name: K, backend: Backend = current): Kernels[K] {
  const k = backend.kernels[name];
  if (k) return k as Kernels[K];
  const key = `${backend.name}:${name}`;
  if (!warned.has(key)) {
    warned.add(key);
    if (typeof process !== 'undefined' && process.env?.AEKIT_DEBUG) {
      process.stderr.write(`aekit: backend '${backend.name}' has no '${name}' kernel; using the reference kernel\n`);
    }
  }
  return refBackend.kernels[name] as Kernels[K];
}

/**
 * Runs `fn` in the backend's step arena when it has one (its allocations are released when fn returns, so
 * nothing fn creates may escape), or directly. Inference and evaluation loops use it per batch: outside an
 * arena, wasm memory is freed only when the JS garbage collector gets round to the views, which it may not do
 * before the memory limit because it cannot see wasm memory pressure.
 */
export function inArena<T>(backend: Backend, fn: () => T): T {
  return backend.withArena ? backend.withArena(fn) : fn();
}
