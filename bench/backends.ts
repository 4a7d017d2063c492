/** Registers every fast backend this build has, so the benchmark measures them all side by side. */
export async function initFastBackends(): Promise<void> {
  try {
    const mod: { initWasmBackend?: (o?: unknown) => unknown } = await import('../src/kernels/wasm/backend.js' as string);
    mod.initWasmBackend?.();
  } catch {
    /* no wasm backend in this build: the reference backend is measured alone */
  }
}
