/**
 * Classification by reconstruction on three well-separated synthetic classes (each lights up its own block of
 * features, values in [0, 1] like pixels), the confusion matrix on a hand example, and its figure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accuracyScore, confusionMatrix, ReconstructionClassifier } from '../../src/analysis/classify.js';
import { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/tensor/rng.js';
import { confusionMatrixImage, confusionMatrixSpec } from '../../src/viz/confusion.js';

const D = 12;

/** Class c: features [4c, 4c + 4) near 0.9 with a random profile, the rest near 0.1. */
function blocks(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const rows: number[][] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const level = rng.uniform(0.6, 1);
    rows.push(Array.from({ length: D }, (_, j) => (Math.floor(j / 4) === c ? level : 0.1) + 0.05 * rng.uniform(-1, 1)));
    labels.push(c);
  }
  return Dataset.fromArrays(rows, labels);
}

describe('ReconstructionClassifier', () => {
  test('three well-separated classes: accuracy > 0.9 and a consistent confusion matrix', async () => {
    const clf = new ReconstructionClassifier({ autoencoder: { hidden: [8], latentDim: 2, activation: 'tanh', seed: 0 } });
    const started: number[] = [];
    await clf.fit(blocks(150, 1), undefined, { epochs: 40, batchSize: 16, lr: 0.01, onClass: (label) => started.push(label) });
    assert.deepEqual(started, [0, 1, 2]);
    assert.deepEqual(clf.classes, [0, 1, 2]);
    const test = blocks(90, 2);
    const report = clf.evaluate(test);
    assert.ok(report.accuracy > 0.9, `accuracy ${report.accuracy}`);
    assert.equal(report.confusion.flat().reduce((a, b) => a + b, 0), 90);
    assert.deepEqual(report.confusion.map((r) => r.reduce((a, b) => a + b, 0)), [30, 30, 30]);
    const diag = report.confusion.reduce((a, r, i) => a + r[i], 0);
    assert.equal(diag / 90, report.accuracy);
    // Each sample's prediction is the argmin of its row of errors.
    const err = clf.errors(test), pred = clf.predict(test);
    for (let i = 0; i < 90; i++) {
      const row = [err[i * 3], err[i * 3 + 1], err[i * 3 + 2]];
      assert.equal(pred[i], row.indexOf(Math.min(...row)));
    }
  });

  test('labels may be given separately and need not be 0..k-1', async () => {
    const ds = blocks(60, 3);
    const labels = Array.from(ds.labels!, (l) => 10 * l + 5);
    const clf = new ReconstructionClassifier({ autoencoder: { hidden: [8], latentDim: 2, seed: 0 } });
    const flat = ds.toFloat32();
    const rows = Array.from({ length: ds.length }, (_, i) => Array.from(flat.subarray(i * D, (i + 1) * D)));
    await clf.fit(rows, labels, { epochs: 2 });
    assert.deepEqual(clf.classes, [5, 15, 25]);
    for (const p of clf.predict(ds)) assert.ok([5, 15, 25].includes(p));
    await assert.rejects(new ReconstructionClassifier().fit(ds, ds.labels!.map(() => 1)), /at least 2 classes/);
  });
});

describe('confusion matrix', () => {
  test('hand example', () => {
    const truth = [0, 0, 1, 1, 2, 2, 2], pred = [0, 1, 1, 1, 2, 0, 2];
    assert.deepEqual(confusionMatrix(truth, pred), [[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
    assert.deepEqual(confusionMatrix(truth, pred, [0, 1, 2, 3]), [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]);
    assert.equal(accuracyScore(truth, pred), 5 / 7);
    assert.throws(() => confusionMatrix(truth, pred, [0, 1]), /sample 4 has label 2/);
    assert.throws(() => confusionMatrix([1], [1, 2]), /1 labels but 2 predictions/);
  });

  test('figure: a PNG with the counts written in the cells', async () => {
    const m = [[50, 2, 0], [3, 40, 7], [0, 1, 60]];
    const { svg, png } = await confusionMatrixImage(m, { labels: ['a', 'b', 'c'], title: 'hand' });
    assert.deepEqual(Array.from(png.subarray(0, 8)), [137, 80, 78, 71, 13, 10, 26, 10]);
    for (const count of ['50', '40', '60', '7']) assert.match(svg, new RegExp(`>${count}<`));
    const spec = confusionMatrixSpec(m) as unknown as { data: { values: { fraction: number; textColor: string }[] } };
    assert.equal(spec.data.values.length, 9);
    assert.equal(spec.data.values[0].textColor, 'white'); // 50/52 of row a: a dark cell
    assert.throws(() => confusionMatrixSpec([[1, 2]]), /square/);
    assert.throws(() => confusionMatrixSpec([[1.5]]), /non-negative integers/);
  });
});
