/**
 * `npm run reproduce -- --quick --only seed-tutorial` end to end, in a child process: it exits 0, and the two
 * files it writes agree with each other and with the run (one row, the command that reproduces it, a value in
 * the row's sane range, the PyTorch peer's number or the reason it is absent). An unknown experiment is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { cosineTail, scheduleCallback } from '../../scripts/reproduce/schedule.js';
import { Adam, Autoencoder } from '../../src/index.js';

const out = mkdtempSync(join(tmpdir(), 'aekit-reproduce-'));
after(() => rmSync(out, { recursive: true, force: true }));
const script = fileURLToPath(new URL('../../scripts/reproduce.ts', import.meta.url));
// tsx by its resolved address, so a run from another working folder finds it.
const run = (args: string[], cwd?: string) => spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...args], { encoding: 'utf8', timeout: 120_000, cwd });

describe('npm run reproduce', () => {
  test('--quick --only seed-tutorial writes REPRODUCTION.md and reproduction.json that agree', () => {
    const r = run(['--quick', '--only', 'seed-tutorial', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(readFileSync(join(out, 'reproduction.json'), 'utf8'));
    assert.equal(json.quick, true);
    assert.deepEqual(json.failures, []);
    assert.equal(json.rows.length, 1);
    const row = json.rows[0];
    assert.equal(row.experiment, 'seed-tutorial');
    assert.equal(row.command, 'npm run reproduce -- --only seed-tutorial --quick');
    assert.ok(row.aekit >= row.sane[0] && row.aekit <= row.sane[1], `test MSE ${row.aekit}`);
    assert.equal(row.epochs, 2);
    assert.equal(row.reference, null); // the seed publishes no number: PyTorch is the comparison
    assert.ok(typeof row.pytorch?.skipped === 'string' || (Number.isFinite(row.pytorch.value) && row.pytorch.epochs === 2), JSON.stringify(row.pytorch));
    // The log line and the Markdown row carry the same number as the JSON.
    assert.match(r.stdout, new RegExp(`test MSE per pixel: aekit ${row.aekit.toPrecision(5)}`));
    const md = readFileSync(join(out, 'REPRODUCTION.md'), 'utf8');
    assert.match(md, /A --quick smoke run/);
    assert.match(md, /\| result \| published \| aekit \| vs published \| PyTorch, same recipe \| epochs \| wall time \|/);
    assert.ok(md.includes(`| test MSE per pixel | — | ${row.aekit.toPrecision(4)} |`), md);
    assert.ok(md.includes('`npm run reproduce -- --only seed-tutorial --quick`'));
  });

  test('an unknown experiment name is one clear error and exit code 2', () => {
    const r = run(['--only', 'nope', '--out', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown experiment 'nope' \(known: seed-tutorial, keras-blog, hinton-2006, vae-nll, one-class, ae-vs-pca\)/);
  });

  test('a partial run without --out writes to bench/reproduce-partial/, never over the full run\'s bench/REPRODUCTION.md', () => {
    const cwd = mkdtempSync(join(out, 'cwd-'));
    const r = run(['--quick', '--only', 'seed-tutorial', '--no-pytorch'], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /a partial run: its report goes to bench\/reproduce-partial\//);
    assert.ok(existsSync(join(cwd, 'bench/reproduce-partial/REPRODUCTION.md')));
    assert.ok(!existsSync(join(cwd, 'bench/REPRODUCTION.md')));
  });
});

describe('the longer recipes\' learning-rate schedule', () => {
  const s = { epochs: 10, decayFrom: 4, lr: 1e-3, lrMin: 1e-5 };
  test('the base rate until decayFrom, half a cosine to lrMin at the last epoch', () => {
    for (let e = 0; e <= 4; e++) assert.equal(cosineTail(e, s), 1e-3);
    assert.ok(Math.abs(cosineTail(9, s) - 1e-5) < 1e-18);
    // Half way (epoch 6.5 of 4..9) the cosine is 0: the mean of the two rates; each epoch below the one before.
    assert.ok(Math.abs(cosineTail(6.5, s) - (1e-3 + 1e-5) / 2) < 1e-15);
    for (let e = 5; e <= 9; e++) assert.ok(cosineTail(e, s) < cosineTail(e - 1, s));
    assert.equal(cosineTail(3, { ...s, decayFrom: 10 }), 1e-3);
  });

  test('scheduleCallback trains each epoch at its scheduled rate, from the first', async () => {
    const ae = new Autoencoder({ inputDim: 4, hidden: [], latentDim: 2, seed: 0 });
    const opt = new Adam(ae, { lr: s.lr });
    const seen: number[][] = Array.from({ length: s.epochs }, () => []);
    const x = Array.from({ length: 8 }, (_, i) => [i / 8, 1 - i / 8, 0.5, (i % 3) / 3]);
    await ae.fit(x, {
      epochs: s.epochs, batchSize: 4, optimizer: opt, seed: 0,
      callbacks: [{ onBatchEnd: (info) => { seen[info.epoch].push(opt.lr); } }, scheduleCallback(opt, s)],
    });
    seen.forEach((lrs, e) => assert.deepEqual(lrs, [cosineTail(e, s), cosineTail(e, s)], `epoch ${e}`));
  });

  test('bench/pytorch/reproduce.py\'s cosine_tail gives the same rates (the PyTorch peer trains on the same schedule)', (t) => {
    const py = process.env.AEKIT_PYTHON ?? '/usr/bin/python3';
    const code = 'import importlib.util as u, json, sys\n' +
      's = u.spec_from_file_location("r", sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m)\n' +
      'print(json.dumps([m.cosine_tail(e, 10, 4, 1e-3, 1e-5) for e in range(10)]))';
    const r = spawnSync(py, ['-c', code, fileURLToPath(new URL('../../bench/pytorch/reproduce.py', import.meta.url))], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return t.skip(`no python to run it: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`);
    const got = JSON.parse(r.stdout) as number[];
    got.forEach((v, e) => assert.ok(Math.abs(v - cosineTail(e, s)) <= 1e-18, `epoch ${e}: python ${v}, ts ${cosineTail(e, s)}`));
  });
});
