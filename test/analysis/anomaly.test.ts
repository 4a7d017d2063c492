/**
 * AnomalyDetector: threshold strategies on known score lists, separation of an obvious anomaly class, the
 * scaler's statistics, and save/load keeping threshold, scaler and scores bit-identical.
 *
 * Synthetic data: normal samples lie near a 2-D plane in 8-D (x = A z + offset + small noise); anomalies are
 * drawn from a wide box around it, so they lie off the plane an autoencoder with a 2-wide code learns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mnistOneClass, oneClassSplit, tabularOneClass } from '../../src/analysis/anomaly-bench.js';
import { loadAnomalyDetector } from '../../src/io/model-file.js';
import { AnomalyDetector, calibrationSummary, thresholdFromScores, topErrorShares } from '../../src/analysis/anomaly.js';
import { rocAuc } from '../../src/analysis/auc.js';
import { Dataset } from '../../src/data/dataset.js';
import { decodeModel, encodeModel, saveModel } from '../../src/io/model-file.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { Rng } from '../../src/tensor/rng.js';

const D = 8;

function planeData(n: number, seed: number, anomalous = false): number[][] {
  const rng = new Rng(seed);
  const a = new Rng(99); // the same plane for every call
  const basis = Array.from({ length: 2 }, () => Array.from({ length: D }, () => a.normal()));
  return Array.from({ length: n }, () => {
    if (anomalous) return Array.from({ length: D }, () => 5 + rng.uniform(-4, 4));
    const z = [rng.normal(), rng.normal()];
    return Array.from({ length: D }, (_, j) => 5 + z[0] * basis[0][j] + z[1] * basis[1][j] + 0.05 * rng.normal());
  });
}

async function trainedDetector(threshold = { contamination: 0.05 }): Promise<AnomalyDetector> {
  const ae = new Autoencoder({ inputDim: D, hidden: [16], latentDim: 2, activation: 'tanh', latentActivation: 'linear', outputActivation: 'linear', seed: 1 });
  const det = new AnomalyDetector(ae, { standardize: true, threshold });
  await det.fit(planeData(300, 1), { epochs: 60, batchSize: 32, lr: 0.01, seed: 1 });
  return det;
}

describe('thresholdFromScores', () => {
  const s = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  test('contamination and percentile are NumPy-style interpolated quantiles', () => {
    assert.ok(Math.abs(thresholdFromScores(s, { contamination: 0.1 }) - 90.1) < 1e-9); // np.percentile(1..100, 90)
    assert.ok(Math.abs(thresholdFromScores(s, { percentile: 95 }) - 95.05) < 1e-9);
    assert.equal(thresholdFromScores(s, { percentile: 100 }), 100);
  });

  test('meanPlusKStd uses the population std', () => {
    const want = 50.5 + 2 * Math.sqrt((100 * 100 - 1) / 12);
    assert.ok(Math.abs(thresholdFromScores(s, { meanPlusKStd: 2 }) - want) < 1e-9);
  });

  test('targetFpr: at most floor(r n) calibration scores above the threshold, ties included', () => {
    assert.equal(thresholdFromScores(s, { targetFpr: 0.05 }), 95); // exactly 5 scores > 95
    assert.equal(thresholdFromScores(s, { targetFpr: 0.059 }), 95);
    assert.equal(thresholdFromScores(s, { targetFpr: 0.57 }), 43); // 0.57 * 100 = 56.99999999999999 still allows 57
    assert.equal(thresholdFromScores(s, { targetFpr: 0 }), 100);
    const tied = [1, 1, 1, 1, 5];
    assert.equal(thresholdFromScores(tied, { targetFpr: 0.2 }), 1); // one score (5) above
    assert.equal(thresholdFromScores(tied, { targetFpr: 0.1 }), 5);
    assert.equal(thresholdFromScores(s, { value: 3.5 }), 3.5);
  });

  test('rejects out-of-range and malformed strategies', () => {
    assert.throws(() => thresholdFromScores(s, { contamination: 0 }), /contamination/);
    assert.throws(() => thresholdFromScores(s, { targetFpr: 1 }), /targetFpr/);
    assert.throws(() => thresholdFromScores(s, { percentile: 101 }), /percentile/);
    assert.throws(() => thresholdFromScores(s, { bogus: 1 } as never), /unknown threshold strategy/);
    assert.throws(() => thresholdFromScores(s, { value: 1, percentile: 2 } as never), /must be one of/);
    assert.throws(() => thresholdFromScores([], { value: 1 }), /no calibration scores/);
  });
});

describe('AnomalyDetector', () => {
  test('separates an obvious anomaly class; threshold, predict and predictProba behave', async () => {
    const det = await trainedDetector();
    const normal = planeData(200, 2), anomalies = planeData(200, 3, true);
    const scores = [...det.scores(normal), ...det.scores(anomalies)];
    const labels = [...normal.map(() => 0), ...anomalies.map(() => 1)];
    const auc = rocAuc(scores, labels);
    assert.ok(auc > 0.95, `AUC ${auc}`);
    // contamination 0.05 of 300 continuous training scores: exactly 15 lie above the 0.95 quantile.
    const flaggedTrain = det.predict(planeData(300, 1)).reduce((a, b) => a + b, 0);
    assert.equal(flaggedTrain, 15);
    const caught = det.predict(anomalies).reduce((a, b) => a + b, 0);
    assert.ok(caught > 180, `${caught}/200 anomalies flagged`);
    const p = det.predictProba([...normal, ...anomalies]);
    const order = scores.map((v, i) => [v, p[i]]).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < order.length; i++) assert.ok(order[i][1] >= order[i - 1][1], 'predictProba is monotone in the score');
    assert.ok(p.every((v) => v >= 0 && v <= 1));
    assert.equal(det.predictProba([[100, 100, 100, 100, 100, 100, 100, 100]])[0], 1);
  });

  test('scaler statistics come from the normal data; errorMap rows average to the scores', async () => {
    const det = await trainedDetector();
    const x = planeData(300, 1);
    for (const j of [0, 5]) {
      const col = x.map((r) => Math.fround(r[j]));
      const m = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length);
      assert.ok(Math.abs(det.scaler!.mean.data[j] - m) < 1e-9 && Math.abs(det.scaler!.std.data[j] - sd) < 1e-9);
    }
    const few = planeData(5, 4, true);
    const map = det.errorMap(few), sc = det.scores(few);
    assert.deepEqual(map.shape, [5, D]);
    for (let i = 0; i < 5; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += map.data[i * D + j];
      assert.ok(Math.abs(s / D - sc[i]) < 1e-6 * Math.max(1, sc[i]));
    }
  });

  test('save/load keeps threshold, scaler and calibration bit-identical and gives identical scores', async () => {
    const det = await trainedDetector({ contamination: 0.05 });
    det.setThreshold({ meanPlusKStd: 3 });
    const names = det.namedTensors().map(([n]) => n);
    for (const n of ['scaler.mean', 'scaler.std', 'calibrationScores', 'autoencoder.encoder.layers.0.weight']) assert.ok(names.includes(n), n);
    const dir = mkdtempSync(join(tmpdir(), 'aekit-anomaly-'));
    try {
      const path = join(dir, 'det.safetensors');
      saveModel(path, det);
      for (const back of [loadAnomalyDetector(path), decodeModel(encodeModel(det)).model as AnomalyDetector]) {
        assert.ok(back instanceof AnomalyDetector);
        assert.ok(Object.is(back.threshold, det.threshold));
        assert.deepEqual(back.strategy, { meanPlusKStd: 3 });
        assert.deepEqual(back.scaler!.mean.data, det.scaler!.mean.data);
        assert.deepEqual(back.scaler!.std.data, det.scaler!.std.data);
        assert.deepEqual(back.calibrationScores!.data, det.calibrationScores!.data);
        const x = [...planeData(20, 5), ...planeData(20, 6, true)];
        assert.deepEqual(back.scores(x), det.scores(x));
        assert.deepEqual(back.predict(x), det.predict(x));
        assert.deepEqual(back.predictProba(x), det.predictProba(x));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('held-out calibration for targetFpr; a pre-trained model is only calibrated', async () => {
    const det = await trainedDetector();
    const weights = det.autoencoder.parameters().map((p) => Float32Array.from(p.data));
    const held = planeData(200, 7);
    await det.fit(planeData(300, 1), { train: false, calibrationData: held, threshold: { targetFpr: 0.02 } });
    det.autoencoder.parameters().forEach((p, i) => assert.deepEqual(Float32Array.from(p.data), weights[i]));
    assert.equal(det.calibrationSource, 'heldOut');
    const fp = det.predict(held).reduce((a, b) => a + b, 0);
    assert.ok(fp <= 4, `${fp} of 200 held-out normal samples flagged at target FPR 0.02`);
    assert.throws(() => det.scores([[1, 2, 3]]), /3 values, the detector was fitted on 8/);
  });

  test('decide and probability on given scores are predict and predictProba; calibrate uses held-out samples only', async () => {
    const det = await trainedDetector();
    const x = [...planeData(30, 10), ...planeData(10, 11, true)];
    const s = det.scores(x);
    assert.deepEqual(det.decide(s), det.predict(x));
    assert.deepEqual(det.probability(s), det.predictProba(x));
    // probability: the share of calibration scores <= s, counted directly.
    const cal = Array.from(det.calibrationScores!.data);
    det.probability(s).forEach((p, i) => assert.equal(p, cal.filter((c) => c <= s[i]).length / cal.length));

    const plain = new AnomalyDetector(det.autoencoder, { threshold: { targetFpr: 0.1 } });
    const held = planeData(50, 12);
    assert.throws(() => plain.decide([1]), /no threshold yet/);
    plain.calibrate(det.modelSpace(held));
    assert.equal(plain.calibrationSource, 'heldOut');
    assert.equal(plain.calibrationScores!.size, 50);
    const heldScores = Array.from(plain.scores(det.modelSpace(held))).sort((a, b) => a - b);
    assert.equal(plain.threshold, heldScores[50 - 1 - 5]); // 5 of 50 may score above a 0.1 target
    assert.throws(() => det.calibrate(held), /fits its scaler on the training data/);
    assert.throws(() => plain.calibrate([]), /no held-out samples/);
  });

  test('tabularOneClass: standardized table with a label column', async () => {
    const rows = [...planeData(150, 8), ...planeData(30, 9, true)];
    const labels = rows.map((_, i) => (i < 150 ? 0 : 1));
    const res = await tabularOneClass({ data: Dataset.fromArrays(rows, labels), epochs: 40, hidden: [16], latentDim: 2, lr: 0.01, seed: 0 });
    assert.equal(res.trainSamples, 90);
    assert.equal(res.testSamples, 90);
    assert.equal(res.testAnomalies, 30);
    assert.ok(res.auc > 0.9, `AUC ${res.auc}`);
  });

  test('mnistOneClass on a few hundred images: digit 1 against the rest', async () => {
    const res = await mnistOneClass({ digit: 1, trainLimit: 300, testLimit: 500, epochs: 3, seed: 0 });
    assert.equal(res.trainSamples, 300);
    assert.equal(res.testSamples, 500);
    assert.ok(res.auc > 0.8, `AUC ${res.auc}`);
  });
});

describe('calibrationSummary', () => {
  test('quantiles, the held-out rate and the conformal range on 1..100', () => {
    const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const c = calibrationSummary(s, 95);
    assert.equal(c.n, 100);
    assert.equal(c.mean, 50.5);
    assert.ok(Math.abs(c.std - Math.sqrt((100 * 100 - 1) / 12)) < 1e-12);
    assert.deepEqual([c.min, c.max], [1, 100]);
    assert.ok(Math.abs(c.p50 - 50.5) < 1e-12 && Math.abs(c.p90 - 90.1) < 1e-12 && Math.abs(c.p99 - 99.01) < 1e-12); // np.percentile
    assert.equal(c.above, 5); // 96..100
    assert.equal(c.heldOutFpr, 0.05);
    assert.deepEqual(c.expectedFpr, [5 / 101, 6 / 101]);
    assert.equal(calibrationSummary([3], 3).above, 0); // a tie is not above
    assert.throws(() => calibrationSummary([], 1), /no calibration scores/);
  });
});

describe('topErrorShares', () => {
  test('shares of each sample\'s squared error, largest first; sequences summed per feature', () => {
    // two table rows of 3 features
    const rows = topErrorShares([1, 6, 3, 0, 0, 0], 2, 3, 2);
    assert.deepEqual(rows[0].map((r) => r.feature), [1, 2]);
    assert.ok(Math.abs(rows[0][0].share - 0.6) < 1e-12 && Math.abs(rows[0][1].share - 0.3) < 1e-12);
    assert.deepEqual(rows[1], []); // rebuilt exactly: nothing to blame
    // one sequence of 3 steps x 2 features: feature 0 = 1 + 1 + 1, feature 1 = 0 + 2 + 5
    const seq = topErrorShares([1, 0, 1, 2, 1, 5], 1, 2, 5);
    assert.deepEqual(seq[0].map((r) => [r.feature, r.share]), [[1, 0.7], [0, 0.3]]);
    assert.ok(Math.abs(seq[0].reduce((a, r) => a + r.share, 0) - 1) < 1e-12);
    assert.deepEqual(topErrorShares([2, 2], 1, 2, 1)[0], [{ feature: 0, share: 0.5 }]); // ties: the first feature
    assert.throws(() => topErrorShares([1, 2, 3], 1, 2, 1), /not 1 samples of a multiple of 2/);
    assert.throws(() => topErrorShares([1], 1, 0, 1), /features must be a positive integer/);
  });
});

describe('oneClassSplit', () => {
  const data = Dataset.fromArrays(Array.from({ length: 10 }, (_, i) => [i]), [0, 1, 0, 0, 2, 0, 1, 0, 0, 0]);

  test('with a test split: every normal training sample trains, the whole test split is scored', () => {
    const test = Dataset.fromArrays([[1], [2], [3]], [1, 0, 2]);
    const s = oneClassSplit(data, 0, { test, trainLimit: 5 });
    assert.deepEqual(s.trainIndices, [0, 2, 3, 5, 7]);
    assert.deepEqual(Array.from(s.train.toFloat32()), [0, 2, 3, 5, 7]);
    assert.deepEqual(s.testIndices, [0, 1, 2]);
    assert.deepEqual(Array.from(s.labels), [1, 0, 1]);
  });

  test('without one: a seeded share of the normal samples trains, the rest and every anomaly test', () => {
    const s = oneClassSplit(data, 0, { trainFraction: 0.5, seed: 3 });
    assert.equal(s.trainIndices.length, 3); // floor(7 * 0.5)
    const normal = [0, 2, 3, 5, 7, 8, 9];
    assert.ok(s.trainIndices.every((i) => normal.includes(i)));
    assert.deepEqual([...s.trainIndices, ...s.testIndices].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(Array.from(s.labels), s.testIndices.map((i) => (normal.includes(i) ? 0 : 1)));
    assert.deepEqual(oneClassSplit(data, 0, { trainFraction: 0.5, seed: 3 }).trainIndices, s.trainIndices);
  });

  test('errors name the problem', () => {
    assert.throws(() => oneClassSplit(Dataset.fromArrays([[1]]), 0), /needs labels/);
    assert.throws(() => oneClassSplit(data, 7), /no sample has the normal label 7/);
    assert.throws(() => oneClassSplit(data, 2, { trainFraction: 0.5 }), /too few to split/);
    assert.throws(() => oneClassSplit(data, 0, { trainFraction: 1 }), /trainFraction must be in \(0, 1\)/);
  });
});
