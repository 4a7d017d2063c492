import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/tensor/rng.js';
import { confusion, histogram, LOG_SPAN, percentileOf, rocPoints } from '../../web/src/anomaly-stats.js';

/** Scores on a coarse grid, so ties between and within the groups are common. */
function coarse(rng: Rng, n: number, shift: number): number[] {
  return Array.from({ length: n }, () => Math.round((rng.normal() + shift) * 4) / 4);
}

describe('histogram', () => {
  test('hand-computed linear case; the top value falls in the last bin', () => {
    const h = histogram([0, 1, 2, 3], [3, 4], 4);
    assert.equal(h.scale, 'linear'); // 0 is among the scores
    assert.deepEqual(h.edges, [0, 1, 2, 3, 4]);
    assert.deepEqual(h.normal, [1, 1, 1, 1]);
    assert.deepEqual(h.anomalous, [0, 0, 0, 2]);
  });

  test('log bins when the scores span two decades, with exact decade edges', () => {
    const h = histogram([1, 10, 20], [100, 1000], 3);
    assert.equal(h.scale, 'log');
    assert.deepEqual(h.edges, [1, 10, 100, 1000]);
    assert.deepEqual(h.normal, [1, 2, 0]);
    assert.deepEqual(h.anomalous, [0, 0, 2]);
    // Just under the span: linear; forced log works too.
    assert.equal(histogram([1], [LOG_SPAN * 0.99], 2).scale, 'linear');
    assert.equal(histogram([1], [2], 2, { scale: 'log' }).scale, 'log');
    assert.equal(histogram([1], [1000], 2, { scale: 'linear' }).scale, 'linear');
  });

  test('all scores equal: one bar in the middle of a widened range', () => {
    const h = histogram([2, 2], [2], 4);
    assert.deepEqual(h.edges, [1, 1.5, 2, 2.5, 3]);
    assert.deepEqual(h.normal, [0, 0, 2, 0]);
    assert.deepEqual(h.anomalous, [0, 0, 1, 0]);
    assert.deepEqual(histogram([0], [], 2).edges, [-0.5, 0, 0.5]);
  });

  test('an empty group counts zeros', () => {
    const h = histogram([0.5, 0.7], [], 2);
    assert.deepEqual(h.anomalous, [0, 0]);
    assert.deepEqual(h.normal, [1, 1]);
  });

  test('every score is in the bin its edges say, and nothing is lost (random, both scales)', () => {
    const rng = new Rng(3);
    for (const scale of ['linear', 'log'] as const) {
      for (let trial = 0; trial < 20; trial++) {
        const normal = Array.from({ length: 50 }, () => Math.exp(rng.normal() * 2));
        const anomalous = Array.from({ length: 20 }, () => Math.exp(rng.normal() * 2 + 2));
        const bins = 1 + rng.int(30);
        const h = histogram(normal, anomalous, bins, { scale });
        assert.equal(h.edges.length, bins + 1);
        for (const [group, counts] of [[normal, h.normal], [anomalous, h.anomalous]] as const) {
          const oracle = new Array<number>(bins).fill(0);
          for (const v of group) {
            let k = 0;
            while (k < bins - 1 && v >= h.edges[k + 1]) k++;
            assert.ok(v >= h.edges[k] && (v < h.edges[k + 1] || k === bins - 1));
            oracle[k]++;
          }
          assert.deepEqual(counts, oracle);
        }
      }
    }
  });

  test('errors', () => {
    assert.throws(() => histogram([1], [2], 0), /bins must be a positive integer/);
    assert.throws(() => histogram([], [], 3), /no scores/);
    assert.throws(() => histogram([1, NaN], [], 3), /score 1 is NaN/);
    assert.throws(() => histogram([1], [Infinity], 3), /anomalous.*Infinity/);
    assert.throws(() => histogram([0, 1], [2], 3, { scale: 'log' }), /log scale needs positive scores/);
  });
});

describe('rocPoints', () => {
  test('hand-computed curve with ties, in the `score > threshold` convention', () => {
    // normal 1, 2, 3; anomalous 3, 4. Distinct scores descending: 4, 3, 2, 1.
    const r = rocPoints([1, 2, 3], [3, 4]);
    assert.deepEqual(r.fpr, [0, 0, 1 / 3, 2 / 3, 1]);
    assert.deepEqual(r.tpr, [0, 0.5, 1, 1, 1]);
    assert.deepEqual(r.thresholds, [4, 3, 2, 1, -Infinity]);
    // Mann-Whitney: 4 beats all three normals, 3 beats two and ties one -> 5.5 of 6 pairs.
    assert.equal(r.auc, 5.5 / 6);
  });

  test('AUC of a separable case is 1, of identical groups 0.5', () => {
    assert.equal(rocPoints([0.1, 0.2, 0.3], [0.5, 0.9]).auc, 1);
    assert.equal(rocPoints([3, 1, 2], [1, 2, 3]).auc, 0.5);
    assert.equal(rocPoints([0.5, 0.9], [0.1, 0.2, 0.3]).auc, 0);
  });

  test('needs both groups', () => {
    assert.throws(() => rocPoints([1, 2], []), /both classes/);
    assert.throws(() => rocPoints([NaN], [1]), /score 0 is NaN/);
  });

  test('the confusion at each ROC threshold is that point of the curve (full and thinned)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 10; trial++) {
      const normal = coarse(rng, 300, 0);
      const anomalous = coarse(rng, 80, 1.5);
      for (const opts of [{}, { maxPoints: 20 }]) {
        const r = rocPoints(normal, anomalous, opts);
        assert.equal(r.fpr.length, r.thresholds.length);
        if ('maxPoints' in opts) assert.ok(r.fpr.length <= 22);
        assert.deepEqual([r.fpr[0], r.tpr[0], r.fpr.at(-1), r.tpr.at(-1)], [0, 0, 1, 1]);
        for (let k = 0; k < r.thresholds.length; k++) {
          const c = confusion(normal, anomalous, r.thresholds[k]);
          assert.equal(c.fpr, r.fpr[k], `point ${k} fpr`);
          assert.equal(c.recall, r.tpr[k], `point ${k} tpr`);
        }
      }
    }
  });
});

describe('confusion', () => {
  test('hand-computed counts; a score equal to the threshold is not flagged', () => {
    assert.deepEqual(confusion([1, 2, 3], [3, 4], 3), { tp: 1, fp: 0, tn: 3, fn: 1, precision: 1, recall: 0.5, fpr: 0 });
    assert.deepEqual(confusion([1, 2, 3], [3, 4], 2), { tp: 2, fp: 1, tn: 2, fn: 0, precision: 2 / 3, recall: 1, fpr: 1 / 3 });
    assert.deepEqual(confusion([1, 2, 3], [3, 4], 2.5), confusion([1, 2, 3], [3, 4], 2));
  });

  test('undefined rates are NaN, not 0', () => {
    const none = confusion([1, 2], [3], 10);
    assert.deepEqual([none.tp, none.fp, none.tn, none.fn, none.recall, none.fpr], [0, 0, 2, 1, 0, 0]);
    assert.ok(Number.isNaN(none.precision));
    assert.ok(Number.isNaN(confusion([1, 2], [], 0).recall));
    assert.ok(Number.isNaN(confusion([], [1], 0).fpr));
    assert.throws(() => confusion([1], [2], NaN), /threshold is NaN/);
  });

  test('-Infinity flags everything, +Infinity nothing', () => {
    assert.deepEqual(confusion([1, 2], [3], -Infinity), { tp: 1, fp: 2, tn: 0, fn: 0, precision: 1 / 3, recall: 1, fpr: 1 });
    const c = confusion([1, 2], [3], Infinity);
    assert.deepEqual([c.tp, c.fp, c.tn, c.fn], [0, 0, 2, 1]);
  });
});

describe('percentileOf', () => {
  test('hand-computed, ties counting a half', () => {
    const s = [1, 2, 2, 3];
    assert.equal(percentileOf(s, 0), 0);
    assert.equal(percentileOf(s, 1), 0.125);
    assert.equal(percentileOf(s, 2), 0.5);
    assert.equal(percentileOf(s, 2.5), 0.75);
    assert.equal(percentileOf(s, 3), 0.875);
    assert.equal(percentileOf(s, 9), 1);
    assert.equal(percentileOf([7, 7, 7], 7), 0.5);
    assert.equal(percentileOf(Float32Array.of(0.5), -Infinity), 0);
  });

  test('matches a linear count on random sorted scores', () => {
    const rng = new Rng(5);
    const s = Float64Array.from(coarse(rng, 501, 0)).sort();
    for (let i = 0; i < 200; i++) {
      const q = Math.round(rng.normal() * 4 * 1.2) / 4;
      let below = 0, equal = 0;
      for (const v of s) {
        if (v < q) below++;
        else if (v === q) equal++;
      }
      assert.equal(percentileOf(s, q), (below + equal / 2) / s.length);
    }
  });

  test('errors', () => {
    assert.throws(() => percentileOf([], 1), /no reference scores/);
    assert.throws(() => percentileOf([1], NaN), /score is NaN/);
  });
});
