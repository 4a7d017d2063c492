/**
 * Installing and choosing the native backend: the build never fails an install (one line, exit 0, and no addon
 * left behind), 'auto' takes native where the addon loads and wasm where it does not, and asking for native
 * where it cannot run says so in one line and uses wasm.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { nativeAvailable } from '../../src/kernels/native/backend.js';

const root = join(fileURLToPath(import.meta.url), '../../..');
const build = join(root, 'scripts/build-native.mjs');

function run(args: string[], env: Record<string, string | undefined>): { status: number | null; stdout: string; stderr: string } {
  const e = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  const r = spawnSync(process.execPath, args, { cwd: root, env: e, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The backend `useBackend(selection)` picks in a fresh process, and what it printed on stderr. */
function choose(selection: string, env: Record<string, string | undefined>): { name: string; stderr: string } {
  const url = JSON.stringify(pathToFileURL(join(root, 'src/kernels/select.ts')).href);
  const r = run(['--import', 'tsx', '--input-type=module', '-e', `const { useBackend } = await import(${url}); console.log(useBackend(${selection}).name); process.exit(0);`],
    { AEKIT_BACKEND: undefined, AEKIT_THREADS: undefined, ...env });
  assert.equal(r.status, 0, r.stderr);
  return { name: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('native build', () => {
  test('a machine whose C compiler cannot run: exit 0, one line, no addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-nocc-'));
    try {
      const r = run([build, '--force', '--out', dir], { CC: join(dir, 'no-such-cc') });
      assert.equal(r.status, 0, 'the install must not fail');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^aekit: native backend not built \(.+\); aekit will use the wasm backend$/);
      assert.equal(existsSync(join(dir, 'aekit.node')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('AEKIT_SKIP_NATIVE=1 skips the build with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-skip-'));
    try {
      const r = run([build, '--force', '--out', dir], { AEKIT_SKIP_NATIVE: '1' });
      assert.equal(r.status, 0);
      assert.match(r.stderr.trim(), /^aekit: native backend not built \(AEKIT_SKIP_NATIVE=1\)/);
      assert.equal(existsSync(join(dir, 'aekit.node')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('choosing the backend', () => {
  test('auto: native with one thread per core where the addon loads', { skip: nativeAvailable() ? false : 'the addon was not built here' }, () => {
    const { name, stderr } = choose('{ threads: 2 }', {});
    assert.equal(name, 'native+2threads');
    assert.equal(stderr, '');
  });

  test('without the addon: auto takes wasm quietly; native asked for says why in one line and takes wasm', () => {
    const missing = { AEKIT_NATIVE_ADDON: join(tmpdir(), 'aekit-no-such-addon', 'aekit.node') };
    const auto = choose('{ threads: 1 }', missing);
    assert.equal(auto.name, 'wasm');
    assert.equal(auto.stderr, '');
    const asked = choose("{ backend: 'native', threads: 1 }", missing);
    assert.equal(asked.name, 'wasm');
    const lines = asked.stderr.split('\n');
    assert.equal(lines.length, 1, asked.stderr);
    assert.match(lines[0], /^aekit: the native backend is not available \(.*does not load.*\); using wasm$/);
  });
});
