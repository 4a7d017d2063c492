/**
 * Anomaly-detection benchmarks built on AnomalyDetector:
 *
 *   - mnistOneClass: the usual one-class MNIST protocol (as in Ruff et al. 2018, "Deep One-Class
 *     Classification"): train on the training images of ONE digit, score the whole test set, and report
 *     the ROC-AUC with the other nine digits as anomalies (positives).
 *   - tabularOneClass: a labelled table (e.g. from loadCsv); rows whose label is `normalLabel` are normal.
 *     A seeded shuffle puts `trainFraction` of the normal rows in training; the test set is the other normal
 *     rows plus every anomaly. Features are standardized with training statistics and the autoencoder has a
 *     linear output (standardized values are unbounded, a sigmoid could not reach them).
 */
import type { Dataset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { Autoencoder } from '../models/autoencoder.js';
import type { ActivationName } from '../nn/activations.js';
import { Rng } from '../tensor/rng.js';
import type { Callback } from '../train/callbacks.js';
import { AnomalyDetector, type ThresholdStrategy } from './anomaly.js';
import { averagePrecision, rocAuc } from './auc.js';

export interface OneClassSetup {
  /** Encoder hidden sizes (mirrored in the decoder). MNIST default [128]; tabular default [16]. */
  hidden?: number[];
  /** Code size. MNIST default 32; tabular default max(1, min(8, floor(d / 2))). */
  latentDim?: number;
  activation?: ActivationName;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  threshold?: ThresholdStrategy;
  callbacks?: Callback[];
}

export interface OneClassResult {
  /** ROC-AUC and average precision with anomalies as positives. */
  auc: number;
  averagePrecision: number;
  threshold: number;
  /** Test rates of the thresholded detector: anomalies caught, normal samples flagged. */
  tpr: number;
  fpr: number;
  trainSamples: number;
  testSamples: number;
  testAnomalies: number;
  /** Test scores and labels (1 = anomaly), for curves. */
  scores: Float64Array;
  labels: Uint8Array;
  detector: AnomalyDetector;
  seconds: number;
}

/** Scores a test set with a fitted detector and summarizes it. */
export function evaluateDetector(detector: AnomalyDetector, test: Dataset, labels: Uint8Array): Omit<OneClassResult, 'trainSamples' | 'detector' | 'seconds'> {
  const scores = detector.scores(test);
  let tp = 0, fp = 0, pos = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] > detector.threshold;
    if (labels[i]) { pos++; if (flagged) tp++; } else if (flagged) fp++;
  }
  return {
    auc: rocAuc(scores, labels), averagePrecision: averagePrecision(scores, labels), threshold: detector.threshold,
    tpr: tp / pos, fpr: fp / (labels.length - pos), testSamples: labels.length, testAnomalies: pos, scores, labels,
  };
}

function indicesWhere(n: number, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return out;
}

export interface MnistOneClassOptions extends OneClassSetup {
  digit: number;
  /** At most this many training images of the digit (default: all, about 6000). */
  trainLimit?: number;
  /** Score only the first N test images (default: all 10000). */
  testLimit?: number;
  /** Already loaded splits (saves reloading them digit after digit). */
  train?: Dataset;
  test?: Dataset;
}

export async function mnistOneClass(opts: MnistOneClassOptions): Promise<OneClassResult> {
  const { digit } = opts;
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new Error(`digit must be an integer 0-9, got ${digit}`);
  const start = performance.now();
  const trainAll = opts.train ?? loadMnist('train');
  let test = opts.test ?? loadMnist('test');
  if (opts.testLimit !== undefined) test = test.slice(0, Math.min(opts.testLimit, test.length));
  const tl = trainAll.labels, sl = test.labels;
  if (!tl || !sl) throw new Error('mnistOneClass: the MNIST splits need labels');
  let idx = indicesWhere(trainAll.length, (i) => tl[i] === digit);
  if (opts.trainLimit !== undefined) idx = idx.slice(0, opts.trainLimit);
  const train = trainAll.take(idx);
  const seed = opts.seed ?? 0;
  const ae = new Autoencoder({
    inputDim: train.sampleSize, hidden: opts.hidden ?? [128], latentDim: opts.latentDim ?? 32,
    activation: opts.activation ?? 'relu', latentActivation: 'linear', outputActivation: 'sigmoid', seed,
  });
  const detector = new AnomalyDetector(ae, { threshold: opts.threshold });
  await detector.fit(train, {
    epochs: opts.epochs ?? 10, lr: opts.lr ?? 1e-3, batchSize: opts.batchSize ?? 64, seed, loss: 'mse', callbacks: opts.callbacks,
  });
  const labels = Uint8Array.from(sl, (l) => (l === digit ? 0 : 1));
  const res = evaluateDetector(detector, test, labels);
  return { ...res, trainSamples: train.length, detector, seconds: (performance.now() - start) / 1000 };
}

export interface TabularOneClassOptions extends OneClassSetup {
  /** Labelled rows (loadCsv with a labelColumn). */
  data: Dataset;
  /** The label of normal rows (default 0); every other label is an anomaly. */
  normalLabel?: number;
  /** Fraction of the normal rows used for training (default 0.6). */
  trainFraction?: number;
  /** Standardize features (default true). */
  standardize?: boolean;
}

export async function tabularOneClass(opts: TabularOneClassOptions): Promise<OneClassResult & { trainIndices: number[]; testIndices: number[] }> {
  const { data } = opts;
  const labels = data.labels;
  if (!labels) throw new Error('tabularOneClass: the data needs labels (the label column)');
  const normalLabel = opts.normalLabel ?? 0;
  const frac = opts.trainFraction ?? 0.6;
  if (!(frac > 0 && frac < 1)) throw new Error(`trainFraction must be in (0, 1), got ${frac}`);
  const start = performance.now();
  const seed = opts.seed ?? 0;
  const normal = indicesWhere(data.length, (i) => labels[i] === normalLabel);
  const perm = new Rng(seed).permutation(normal.length);
  const nTrain = Math.floor(normal.length * frac);
  if (nTrain < 2 || nTrain === normal.length) throw new Error(`${normal.length} normal rows (label ${normalLabel}) are too few to split ${frac} for training`);
  const trainIndices = Array.from(perm.subarray(0, nTrain), (k) => normal[k]).sort((a, b) => a - b);
  const inTrain = new Set(trainIndices);
  const testIndices = indicesWhere(data.length, (i) => !inTrain.has(i));
  const d = data.sampleSize;
  const standardize = opts.standardize ?? true;
  const ae = new Autoencoder({
    inputDim: d, hidden: opts.hidden ?? [16], latentDim: opts.latentDim ?? Math.max(1, Math.min(8, Math.floor(d / 2))),
    activation: opts.activation ?? 'relu', latentActivation: 'linear', outputActivation: standardize ? 'linear' : 'sigmoid', seed,
  });
  const detector = new AnomalyDetector(ae, { standardize, threshold: opts.threshold });
  const train = data.take(trainIndices), test = data.take(testIndices);
  await detector.fit(train, {
    epochs: opts.epochs ?? 50, lr: opts.lr ?? 1e-3, batchSize: opts.batchSize ?? 32, seed, loss: 'mse', callbacks: opts.callbacks,
  });
  const testLabels = Uint8Array.from(test.labels!, (l) => (l === normalLabel ? 0 : 1));
  const res = evaluateDetector(detector, test, testLabels);
  return { ...res, trainSamples: train.length, detector, seconds: (performance.now() - start) / 1000, trainIndices, testIndices };
}
