/**
 * Linear probe: on linearly separable clusters softmax regression must reach ~100 % accuracy, the same seed
 * must give the same run, and featureComparison must return one row per feature kind and code size.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { featureComparison, featureComparisonTable, linearProbe } from '../../src/analysis/probe.js';
import { Scaler } from '../../src/analysis/anomaly.js';
import { Rng } from '../../src/tensor/rng.js';

/** `n` samples of `classes` Gaussian clusters (std `spread`) whose centres are 6 apart along their own axis. */
function clusters(n: number, seed: number, dim = 5, classes = 3, spread = 1): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    x.push(Array.from({ length: dim }, (_, j) => (j === c ? 6 : 0) + spread * rng.normal()));
    y.push(c);
  }
  return { x, y };
}

describe('linearProbe', () => {
  test('reaches ~100 % on linearly separable data', async () => {
    const tr = clusters(150, 1), te = clusters(150, 2);
    const r = await linearProbe({ trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y, epochs: 30, lr: 0.05, seed: 0 });
    assert.equal(r.dim, 5);
    assert.equal(r.classes, 3);
    assert.ok(r.trainAccuracy >= 0.99, `train ${r.trainAccuracy}`);
    assert.ok(r.testAccuracy >= 0.99, `test ${r.testAccuracy}`);
    assert.ok(r.loss.at(-1)! < r.loss[0], 'the loss decreases');
  });

  test('a diverging probe (lr 1e30) is an error naming the divergence, not a result', async () => {
    // Overlapping classes: no weights separate them, so a huge step leaves a huge cross-entropy.
    const tr = clusters(150, 1, 5, 3, 8), te = clusters(150, 2, 5, 3, 8);
    await assert.rejects(linearProbe({ trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y, epochs: 5, lr: 1e30, seed: 0 }), /diverged/);
  });

  test('is deterministic for a seed', async () => {
    const tr = clusters(90, 3, 5, 3, 3), te = clusters(60, 4, 5, 3, 3);
    const run = (seed: number) => linearProbe({ trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y, epochs: 5, lr: 0.01, batchSize: 16, seed });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    assert.deepEqual(a.loss, b.loss);
    assert.equal(a.testAccuracy, b.testAccuracy);
    assert.notDeepEqual(a.loss, c.loss);
  });

  test("scaling: 'global' divides by one overall scale, 'feature' by each feature's std", async () => {
    const x = [[0, 0], [2, 4], [4, 8]]; // means 2 and 4, population variances 8/3 and 32/3
    const g = new Scaler(2).fitData(x, { global: true });
    assert.deepEqual(Array.from(g.mean.data), [2, 4]);
    const s = Math.sqrt((8 / 3 + 32 / 3) / 2);
    for (const v of g.std.data) assert.ok(Math.abs(v - s) < 1e-12);
    const f = new Scaler(2).fitData(x);
    assert.ok(Math.abs(f.std.data[0] - Math.sqrt(8 / 3)) < 1e-12 && Math.abs(f.std.data[1] - Math.sqrt(32 / 3)) < 1e-12);
    assert.deepEqual(Array.from(new Scaler(1).fitData([[3], [3]]).std.data), [1]); // constant feature: std 1
    const tr = clusters(60, 1);
    for (const scaling of ['global', 'feature', 'none'] as const) {
      const r = await linearProbe({ trainX: tr.x, trainY: tr.y, testX: tr.x, testY: tr.y, epochs: 20, lr: 0.05, scaling });
      assert.ok(r.testAccuracy >= 0.95, `${scaling}: ${r.testAccuracy}`);
    }
    await assert.rejects(linearProbe({ trainX: tr.x, trainY: tr.y, testX: tr.x, testY: tr.y, scaling: 'minmax' as never }), /scaling must be/);
  });

  test('rejects mismatched shapes and a single class', async () => {
    const tr = clusters(30, 1);
    await assert.rejects(linearProbe({ trainX: tr.x, trainY: tr.y.slice(1), testX: tr.x, testY: tr.y }), /30 samples but 29 labels/);
    await assert.rejects(linearProbe({ trainX: tr.x, trainY: tr.y, testX: [[1, 2]], testY: [0] }), /5 values, test features 2/);
    await assert.rejects(linearProbe({ trainX: tr.x, trainY: tr.y.map(() => 0), testX: tr.x, testY: tr.y }), /at least 2 classes/);
  });
});

describe('featureComparison', () => {
  test('raw, PCA and autoencoder rows at each code size', async () => {
    // Cluster offsets dominate the variance, so 2 PCA components (and a 2-wide code) keep the classes apart.
    const tr = clusters(120, 5, 10), te = clusters(60, 6, 10);
    const seen: string[] = [];
    const rows = await featureComparison({
      train: tr, test: te, codes: [2, 3],
      autoencoder: { hidden: [16], epochs: 20, lr: 0.01, batchSize: 16, outputActivation: 'linear' },
      probe: { epochs: 30, lr: 0.05 },
      onRow: (r) => seen.push(`${r.features}:${r.dim}`),
    });
    assert.deepEqual(seen, ['raw:10', 'pca:2', 'autoencoder:2', 'pca:3', 'autoencoder:3']);
    assert.deepEqual(rows.map((r) => `${r.features}:${r.dim}`), seen);
    assert.ok(rows[0].testAccuracy >= 0.98, `raw ${rows[0].testAccuracy}`);
    assert.ok(rows[1].testAccuracy >= 0.9, `pca ${rows[1].testAccuracy}`);
    for (const r of rows) assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1);
    const table = featureComparisonTable(rows);
    assert.match(table, /^features\s+dim\s+train acc\s+test acc/);
    assert.equal(table.trim().split('\n').length, 6);
  });
});
