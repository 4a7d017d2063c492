/**
 * Finding and loading the native addon (build/native/aekit.node, compiled from native/ by
 * scripts/build-native.mjs during `npm install`). Node only: in a browser, or where the build could not run,
 * `nativeUnavailableReason()` says why in one line and the caller uses wasm.
 */
export interface NativeAddon {
  /**
   * A kernel context on the memory behind `bytes` (the backend's whole WebAssembly.Memory), with a pool of
   * `threads`; `watch` 0 turns off its watch on shared cores (native/pool.c).
   */
  create(bytes: Uint8Array, threads: number, watch?: number): NativeContext;
  threads(ctx: NativeContext): number;
  /** [holds begun, runs they made serial]: the pool's watch on cores shared with other processes (native/pool.c). */
  contention(ctx: NativeContext): [number, number];
  /** The instruction set the kernels run with here: 'avx512', 'avx2' or 'generic'. */
  isa(): string;
  gemm(ctx: NativeContext, a: number, b: number, c: number, m: number, n: number, k: number, transA: number, transB: number): void;
  /** out = act(x @ w^T + bias); bias -1 for none; act 0 none, 1 sigmoid, 2 relu, 3 tanh. */
  linear(ctx: NativeContext, x: number, w: number, bias: number, out: number, m: number, n: number, k: number, act: number): void;
}
/** An opaque handle (a Node-API external). */
export type NativeContext = object & { readonly __nativeContext?: never };

type Module = typeof import('node:module');
type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Url = typeof import('node:url');

function builtin<T>(id: string): T | undefined {
  return typeof process !== 'undefined' ? (process.getBuiltinModule?.(id) as T | undefined) : undefined;
}

let loaded: { addon: NativeAddon | null; why: string | null } | undefined;

/**
 * The addon's path: build/native/aekit.node in the package root, found by walking up from this file (dist/src/
 * kernels/native/ when built, src/kernels/native/ under tsx). AEKIT_NATIVE_ADDON overrides it.
 */
function addonPath(fs: Fs, path: Path, url: Url): string | null {
  if (process.env.AEKIT_NATIVE_ADDON) return process.env.AEKIT_NATIVE_ADDON;
  let dir = path.dirname(url.fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'build', 'native', 'aekit.node');
    if (fs.existsSync(candidate)) return candidate;
    if (fs.existsSync(path.join(dir, 'package.json'))) return null;
    dir = path.dirname(dir);
  }
  return null;
}

function load(): { addon: NativeAddon | null; why: string | null } {
  if (typeof process === 'undefined' || !process.versions?.node) return { addon: null, why: 'not running in Node' };
  if (process.env.AEKIT_SKIP_NATIVE === '1') return { addon: null, why: 'AEKIT_SKIP_NATIVE=1' };
  const mod = builtin<Module>('node:module'), fs = builtin<Fs>('node:fs'), path = builtin<Path>('node:path'), url = builtin<Url>('node:url');
  if (!mod || !fs || !path || !url) return { addon: null, why: 'not running in Node' };
  const file = addonPath(fs, path, url);
  if (!file) return { addon: null, why: 'it was not built (no C compiler at install time? run `node scripts/build-native.mjs` to see why)' };
  try {
    return { addon: mod.createRequire(import.meta.url)(file) as NativeAddon, why: null };
  } catch (e) {
    return { addon: null, why: `${file} does not load: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The addon, or null (see nativeUnavailableReason). Loaded once. */
export function nativeAddon(): NativeAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why the native backend cannot run here, or null where it can. */
export function nativeUnavailableReason(): string | null {
  loaded ??= load();
  return loaded.why;
}
