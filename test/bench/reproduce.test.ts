/**
 * `npm run reproduce -- --quick --only seed-tutorial` end to end, in a child process: it exits 0, and the two
 * files it writes agree with each other and with the run (one row, the command that reproduces it, a value in
 * the row's sane range, the PyTorch peer's number or the reason it is absent). An unknown experiment is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const out = mkdtempSync(join(tmpdir(), 'aekit-reproduce-'));
after(() => rmSync(out, { recursive: true, force: true }));
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/reproduce.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

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
});
