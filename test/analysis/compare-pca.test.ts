/**
 * comparePca on tiny synthetic data (fast: one epoch, small nets), its table and chart, and the two CLI
 * commands on a few hundred MNIST images. Data: 300 training + 100 test samples in 16-D, values in (0, 1):
 * x = sigmoid(A z + 0.05 e) with z ~ N(0, 1)^4, e ~ N(0, 1)^16 and a fixed random A (Rng(5)).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { run as runCompare } from '../../cli/compare-pca.js';
import { run as runPca } from '../../cli/pca.js';
import { UsageError } from '../../cli/errors.js';
import { comparePca, comparePcaChart, comparePcaTable } from '../../src/analysis/compare-pca.js';
import { Dataset } from '../../src/data/dataset.js';
import { loadPca } from '../../src/io/pca-file.js';
import { Rng } from '../../src/tensor/rng.js';

function synthetic(n: number, seed: number): Dataset {
  const a = new Rng(5);
  const mix = Array.from({ length: 16 * 4 }, () => a.normal());
  const rng = new Rng(seed);
  const x = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    for (let j = 0; j < 16; j++) {
      const v = z.reduce((acc, zc, c) => acc + zc * mix[j * 4 + c], 0) + 0.05 * rng.normal();
      x[i * 16 + j] = 1 / (1 + Math.exp(-v));
    }
  }
  return Dataset.fromTyped(x, n, [16]);
}
const TRAIN = synthetic(300, 1);
const TEST = synthetic(100, 2);

describe('comparePca', () => {
  test('one row per code size, sorted; PCA test MSE falls as the code grows', async () => {
    const seen: number[] = [];
    const result = await comparePca({
      train: TRAIN, test: TEST, codes: [8, 1, 2, 4], epochs: 1, hidden: [8], batchSize: 32, onRow: (r) => seen.push(r.code),
    });
    assert.deepEqual(result.rows.map((r) => r.code), [1, 2, 4, 8]);
    assert.deepEqual(seen, [1, 2, 4, 8]);
    assert.equal(result.dim, 16);
    assert.equal(result.trainSamples, 300);
    assert.equal(result.testSamples, 100);
    assert.equal(result.stopReason, null);
    assert.deepEqual(result.setup.hidden, [8]);
    for (const r of result.rows) {
      assert.deepEqual(Object.keys(r).sort(), [
        'aeEpochs', 'aeFinalTrainLoss', 'aeMse', 'aeSeconds', 'aeSse', 'aeStopReason', 'code', 'pcaExplainedVariance', 'pcaMse', 'pcaSse',
      ]);
      for (const v of [r.pcaMse, r.aeMse, r.aeFinalTrainLoss]) assert.ok(Number.isFinite(v) && v > 0);
      assert.ok(Math.abs(r.pcaSse - 16 * r.pcaMse) < 1e-12 && Math.abs(r.aeSse - 16 * r.aeMse) < 1e-12);
      assert.equal(r.aeEpochs, 1);
      assert.equal(r.aeStopReason, null);
    }
    for (let i = 1; i < result.rows.length; i++) {
      const [prev, cur] = [result.rows[i - 1], result.rows[i]];
      assert.ok(cur.pcaMse < prev.pcaMse, `PCA MSE ${prev.pcaMse} at k=${prev.code}, ${cur.pcaMse} at k=${cur.code}`);
      assert.ok(cur.pcaExplainedVariance > prev.pcaExplainedVariance && cur.pcaExplainedVariance <= 1 + 1e-12);
    }
    // 4 latent factors: 8 PCA components leave only the noise and the sigmoid's curvature.
    assert.ok(result.rows[3].pcaExplainedVariance > 0.99);

    const md = comparePcaTable(result, 'markdown').trim().split('\n');
    assert.equal(md.length, 4 + 4);
    assert.match(md[0], /100 test samples; PCA and autoencoders \(16-8-k-8-16\) fitted on 300 training samples/);
    assert.match(md[4], /^\| 1 \| /);
    const csv = comparePcaTable(result, 'csv').trim().split('\n');
    assert.equal(csv[0], 'code,pca_mse,ae_mse,pca_sse_per_sample,ae_sse_per_sample,pca_explained_variance,ae_epochs');
    assert.equal(Number(csv[2].split(',')[1]), result.rows[1].pcaMse);

    const chart = await comparePcaChart(result);
    assert.match(chart.svg, /^<svg/);
    assert.match(chart.svg, />PCA</);
    assert.match(chart.svg, />autoencoder</);
    assert.deepEqual(Array.from(chart.png.subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
  });

  test('bad options are rejected before any work; an aborted signal stops at once', async () => {
    await assert.rejects(comparePca({ train: TRAIN, test: TEST, codes: [17] }), /code size 17 is larger than the data dimension 16/);
    await assert.rejects(comparePca({ train: TRAIN, test: TEST, codes: [] }), /non-empty list/);
    await assert.rejects(comparePca({ train: TRAIN, test: TEST, codes: [0] }), /positive integers/);
    await assert.rejects(comparePca({ train: TRAIN, test: [[1, 2]], codes: [1] }), /16 values but test samples have 2/);
    const controller = new AbortController();
    controller.abort();
    const result = await comparePca({ train: TRAIN, test: TEST, codes: [2], signal: controller.signal });
    assert.deepEqual(result.rows, []);
    assert.equal(result.stopReason, 'aborted');
  });
});

describe('CLI (a few hundred MNIST images)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-cmp-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs a command with its stdout captured (stderr, the progress, is left alone). The CLI writes strings;
   * the test runner's own reporting goes through the same stream as bytes and must pass through untouched.
   */
  async function capture(f: () => Promise<number>): Promise<{ code: number; out: string }> {
    const write = process.stdout.write;
    let out = '';
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      return { code: await f(), out };
    } finally {
      process.stdout.write = write;
    }
  }

  test('aekit compare-pca --json writes the table, the plot and the summary', async () => {
    const out = join(dir, 'cmp');
    const { code, out: stdout } = await capture(() => runCompare([
      '--codes', '2,4', '--hidden', '16', '--limit', '200', '--test-limit', '50', '--epochs', '1', '--out', out, '--json',
    ]));
    assert.equal(code, 0);
    const summary = JSON.parse(stdout) as { rows: { code: number; pcaMse: number }[]; trainSamples: number; files: string[] };
    assert.deepEqual(summary.rows.map((r) => r.code), [2, 4]);
    assert.equal(summary.trainSamples, 200);
    for (const f of ['table.md', 'table.csv', 'mse.svg', 'mse.png', 'summary.json']) assert.ok(existsSync(join(out, f)), f);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rows, summary.rows);
  });

  test('aekit pca writes a loadable PCA file; flag errors are usage errors', async () => {
    const out = join(dir, 'pca');
    const { code } = await capture(() => runPca(['--components', '5', '--limit', '300', '--test-limit', '50', '--out', out]));
    assert.equal(code, 0);
    const { pca, training } = loadPca(join(out, 'pca.safetensors'));
    assert.equal(pca.nComponents, 5);
    assert.equal(pca.dim, 784);
    assert.equal(training?.trainSamples, 300);
    assert.ok(existsSync(join(out, 'components.png')));
    await assert.rejects(runPca(['--out', out]), (e: unknown) => e instanceof UsageError && /needs --components/.test(e.message));
    await assert.rejects(runPca(['--components', '900']), UsageError);
    await assert.rejects(runCompare(['--deep', '--codes', '2']), /--deep fixes the code/);
    await assert.rejects(runCompare(['--codes', '2,x']), /--codes must be a comma list/);
  });
});
