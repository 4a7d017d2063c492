/**
 * ROC-AUC and average precision against hand-computed values (ties included) and against brute-force
 * definitions on random data: AUC = P(pos > neg) + P(tie) / 2 over all pairs; AP = mean over positives of the
 * precision at that positive's score (everything scoring >= it is flagged).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { averagePrecision, prAuc, quantileSorted, rocAuc, rocCurve, sortedCopy } from '../../src/analysis/auc.js';
import { Rng } from '../../src/tensor/rng.js';

function bruteAuc(s: number[], l: number[]): number {
  let u = 0, pairs = 0;
  for (let i = 0; i < s.length; i++) {
    for (let j = 0; j < s.length; j++) {
      if (l[i] !== 1 || l[j] !== 0) continue;
      pairs++;
      u += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return u / pairs;
}

function bruteAp(s: number[], l: number[]): number {
  let sum = 0, pos = 0;
  for (let i = 0; i < s.length; i++) {
    if (l[i] !== 1) continue;
    pos++;
    let tp = 0, all = 0;
    for (let j = 0; j < s.length; j++) if (s[j] >= s[i]) { all++; tp += l[j]; }
    sum += tp / all;
  }
  return sum / pos;
}

function randomCase(seed: number, n: number, levels: number): { s: number[]; l: number[] } {
  const rng = new Rng(seed);
  const l = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.next() < 0.3 ? 1 : 0));
  // Few distinct levels -> many ties; positives shifted up a little so the AUC is not 0.5.
  const s = l.map((y) => Math.floor(rng.next() * levels + y * levels * 0.3) / levels);
  return { s, l };
}

describe('rocAuc', () => {
  test('hand example: 3 of 4 positive-negative pairs ordered', () => {
    assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  });

  test('ties count one half', () => {
    // pairs (pos, neg): (0.5, 0.5) tie, (0.5, 0.2) win, (0.9, 0.5) win, (0.9, 0.2) win -> 3.5 / 4
    assert.equal(rocAuc([0.5, 0.2, 0.5, 0.9], [0, 0, 1, 1]), 0.875);
    assert.equal(rocAuc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
  });

  test('perfect, inverted and input-order independence', () => {
    assert.equal(rocAuc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    assert.equal(rocAuc([4, 3, 2, 1], [0, 0, 1, 1]), 0);
    assert.equal(rocAuc([3, 1, 4, 2], [1, 0, 1, 0]), 1);
  });

  test('equals the brute-force pairwise count on random data with ties', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { s, l } = randomCase(seed, 60 + seed * 7, seed % 2 ? 5 : 1000);
      assert.ok(Math.abs(rocAuc(s, l) - bruteAuc(s, l)) < 1e-12, `seed ${seed}`);
    }
  });

  test('rejects one-class labels, bad labels, NaN and length mismatch', () => {
    assert.throws(() => rocAuc([1, 2], [1, 1]), /both classes/);
    assert.throws(() => rocAuc([1, 2], [0, 2]), /0 \(normal\) or 1/);
    assert.throws(() => rocAuc([NaN, 2], [0, 1]), /NaN/);
    assert.throws(() => rocAuc([1, 2, 3], [0, 1]), /3 scores but 2 labels/);
  });
});

describe('averagePrecision (prAuc)', () => {
  test('hand example', () => {
    // descending: 0.8 (+) P=1 R=.5; 0.4 (-); 0.35 (+) P=2/3 R=1 -> AP = .5 * 1 + .5 * 2/3
    assert.ok(Math.abs(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) - 5 / 6) < 1e-15);
    assert.equal(prAuc, averagePrecision);
  });

  test('tied scores enter together', () => {
    // {0.5, 0.5}: one pos, one neg -> P = 1/2 at R = 1/2; then 0.2 (+): P = 2/3 at R = 1
    assert.ok(Math.abs(averagePrecision([0.5, 0.5, 0.2], [1, 0, 1]) - (0.25 + 1 / 3)) < 1e-15);
    assert.equal(averagePrecision([1, 2, 3], [0, 1, 1]), 1);
  });

  test('equals the per-positive precision definition on random data with ties', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { s, l } = randomCase(100 + seed, 50 + seed * 5, seed % 2 ? 4 : 1000);
      assert.ok(Math.abs(averagePrecision(s, l) - bruteAp(s, l)) < 1e-12, `seed ${seed}`);
    }
  });
});

describe('rocCurve and quantiles', () => {
  test('corner points with ties grouped, and the trapezoid area equals rocAuc', () => {
    const s = [0.1, 0.4, 0.35, 0.8, 0.4];
    const l = [0, 0, 1, 1, 1];
    const c = rocCurve(s, l);
    assert.deepEqual(c.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
    assert.deepEqual(c.tpr, [0, 1 / 3, 2 / 3, 1, 1]);
    assert.deepEqual(c.fpr, [0, 0, 0.5, 0.5, 1]);
    let area = 0;
    for (let k = 1; k < c.fpr.length; k++) area += ((c.fpr[k] - c.fpr[k - 1]) * (c.tpr[k] + c.tpr[k - 1])) / 2;
    assert.ok(Math.abs(area - rocAuc(s, l)) < 1e-12);
  });

  test('thinning keeps both ends and bounds the point count', () => {
    const { s, l } = randomCase(7, 5000, 1e6);
    const c = rocCurve(s, l, { maxPoints: 100 });
    assert.ok(c.fpr.length <= 2 * 100 + 2, `${c.fpr.length} points`);
    assert.deepEqual([c.fpr[0], c.tpr[0]], [0, 0]);
    assert.deepEqual([c.fpr.at(-1), c.tpr.at(-1)], [1, 1]);
  });

  test('quantileSorted interpolates linearly (NumPy default)', () => {
    const v = sortedCopy([4, 1, 3, 2]);
    assert.deepEqual(Array.from(v), [1, 2, 3, 4]);
    assert.equal(quantileSorted(v, 0), 1);
    assert.equal(quantileSorted(v, 1), 4);
    assert.equal(quantileSorted(v, 0.5), 2.5);
    assert.ok(Math.abs(quantileSorted(v, 0.9) - 3.7) < 1e-12); // np.percentile([1,2,3,4], 90) = 3.7
    assert.throws(() => quantileSorted(v, 1.5), /\[0, 1\]/);
  });
});
