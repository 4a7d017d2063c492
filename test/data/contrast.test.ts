/**
 * Ruff et al.'s one-class preprocessing (src/data/contrast.ts): global contrast normalization by hand on small
 * samples, and, as an independent oracle, the per-digit minimum and maximum after L1 GCN that the authors'
 * code (lukasruff/Deep-SVDD-PyTorch, src/datasets/mnist.py, "Pre-computed min and max values (after applying
 * GCN) from train data per class") hard-codes for MNIST: aekit's GCN of the same training images must give them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globalContrastNormalize, minMaxScale, oneClassContrast, valueRange } from '../../src/data/contrast.js';
import { Dataset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';

const rows = (ds: Dataset): number[][] => Array.from({ length: ds.length }, (_, i) => Array.from(ds.gather([i])));

describe('global contrast normalization', () => {
  test('L1: (x - mean) / mean|x - mean| per sample; L2: (x - mean) / (||x - mean|| / d), as Ruff et al.\'s code', () => {
    const ds = Dataset.fromArrays([[1, 2, 3, 6], [0, 0, 4, 0]], [7, 8]);
    // sample 0: mean 3, deviations -2 -1 0 3, mean |dev| 1.5; sample 1: mean 1, deviations -1 -1 3 -1, mean |dev| 1.5
    const l1 = rows(globalContrastNormalize(ds, 'l1'));
    [[-2, -1, 0, 3], [-1, -1, 3, -1]].forEach((dev, i) => dev.forEach((v, j) => assert.ok(Math.abs(l1[i][j] - v / 1.5) < 1e-6)));
    const l2 = rows(globalContrastNormalize(ds, 'l2'));
    const s0 = Math.sqrt(4 + 1 + 0 + 9) / 4;
    [-2, -1, 0, 3].forEach((v, j) => assert.ok(Math.abs(l2[0][j] - v / s0) < 1e-6));
    assert.deepEqual(Array.from(globalContrastNormalize(ds).labels!), [7, 8]);
  });

  test('is invariant to a positive rescaling (uint8 pixels and [0, 1] floats agree); a constant sample maps to zeros', () => {
    const u8 = Dataset.fromTyped(Uint8Array.from([0, 51, 255, 102, 7, 7, 7, 7]), 2, [4]);
    const f = Dataset.fromTyped(Float32Array.from([0, 51, 255, 102, 7, 7, 7, 7], (v) => v / 255), 2, [4]);
    const a = rows(globalContrastNormalize(u8)), b = rows(globalContrastNormalize(f));
    a.flat().forEach((v, i) => assert.ok(Math.abs(v - b.flat()[i]) < 1e-5));
    assert.deepEqual(a[1], [0, 0, 0, 0]);
    assert.throws(() => globalContrastNormalize(u8, 'l3' as 'l1'), /norm must be 'l1' or 'l2'/);
  });
});

describe('min-max scaling with the normal class\'s range', () => {
  test('the training set lands in [0, 1] exactly; the test set uses the training range and may leave it', () => {
    const train = Dataset.fromArrays([[0, 1, 2, 3], [4, 3, 2, 1]]); // GCN range [-1.5, 1.5]
    const test = Dataset.fromArrays([[9, 0, 0, 0]]);
    const { train: tr, test: te, range } = oneClassContrast(train, test);
    const g = valueRange(globalContrastNormalize(train));
    assert.deepEqual(range, g);
    const flat = rows(tr).flat();
    assert.ok(Math.abs(Math.min(...flat)) < 1e-7 && Math.abs(Math.max(...flat) - 1) < 1e-6);
    const gt = rows(globalContrastNormalize(test))[0];
    rows(te)[0].forEach((v, j) => assert.ok(Math.abs(v - (gt[j] - g.min) / (g.max - g.min)) < 1e-6));
    assert.ok(Math.max(...rows(te)[0]) > 1, 'an anomaly beyond the normal range stays beyond 1');
    assert.throws(() => minMaxScale(train, { min: 1, max: 1 }), /need finite min < max/);
    assert.throws(() => oneClassContrast(train, Dataset.fromArrays([[1, 2]])), /4 values, test samples 2/);
  });

  test('MNIST: the per-digit range after L1 GCN equals the one Ruff et al.\'s code hard-codes', () => {
    // (min, max) for digits 0 and 1, from lukasruff/Deep-SVDD-PyTorch src/datasets/mnist.py.
    const RUFF: Record<number, [number, number]> = { 0: [-0.8826567065619495, 9.001545489292527], 1: [-0.6661464580883915, 20.108062262467364] };
    const train = loadMnist('train');
    for (const digit of [0, 1]) {
      const idx: number[] = [];
      train.labels!.forEach((l, i) => { if (l === digit) idx.push(i); });
      const { min, max } = valueRange(globalContrastNormalize(train.take(idx)));
      assert.ok(Math.abs(min - RUFF[digit][0]) < 1e-5, `digit ${digit}: min ${min} vs ${RUFF[digit][0]}`);
      assert.ok(Math.abs(max - RUFF[digit][1]) < 1e-4, `digit ${digit}: max ${max} vs ${RUFF[digit][1]}`);
    }
  });
});
