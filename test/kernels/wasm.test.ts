/**
 * The wasm backend: the shared kernel checks against the reference kernels (fast-kernels.ts, where the
 * tolerances and their reasons are), and what happens where the wasm backend cannot run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createWasmBackend, wasmAvailable } from '../../src/kernels/wasm/backend.js';
import { fastKernelSuite } from './fast-kernels.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD128 or shared memory unavailable';

describe('wasm backend availability', () => {
  test('without SIMD128 or shared memory: not registered, one line on stderr, reference kernels stay', () => {
    const root = join(fileURLToPath(import.meta.url), '../../..');
    const dir = mkdtempSync(join(tmpdir(), 'aekit-nowasm-'));
    try {
      const script = join(dir, 'nosab.mts');
      const url = (p: string): string => JSON.stringify(pathToFileURL(join(root, p)).href);
      writeFileSync(script, [
        'delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer; // as on a page without COOP/COEP',
        `const { initWasmBackend, wasmAvailable } = await import(${url('src/kernels/wasm/backend.ts')});`,
        `const { listBackends } = await import(${url('src/kernels/registry.ts')});`,
        'console.log(JSON.stringify([wasmAvailable(), initWasmBackend(), initWasmBackend(), listBackends()]));',
      ].join('\n'));
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [false, null, null, ['ref']]);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `exactly one line on stderr: ${r.stderr}`);
      assert.match(lines[0], /shared memory.*reference kernels/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

fastKernelSuite('wasm', skip, () => {
  const wb = createWasmBackend();
  return { kernels: wb.kernels, alloc: (dtype, n) => wb.alloc(dtype, n), liveBlocks: () => wb.stats().liveBlocks };
});
