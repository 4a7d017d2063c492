/**
 * Anomaly-detection benchmarks built on AnomalyDetector: one class of a labelled data set is "normal", the
 * autoencoder trains on normal samples only, and the detector is judged by how it ranks the test samples
 * (ROC-AUC and average precision, with every other class as the anomalies, the positives).
 *
 * Two protocols, picked by whether the data has a test split (oneClassSplit):
 *   - with one (MNIST, as in Ruff et al. 2018, "Deep One-Class Classification"): train on the training
 *     samples of the normal class, score the whole test split;
 *   - without one (a labelled table): a seeded shuffle puts `trainFraction` of the normal samples in training;
 *     the test set is the other normal samples plus every anomaly.
 * mnistOneClass and tabularOneClass are the two with their usual data; `aekit detect eval` runs either on any
 * data. Tables are standardized with the normal training samples' statistics (anomalies must not shape the
 * yardstick they are measured with) and get a linear output, since standardized values are unbounded.
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
  /** Encoder hidden sizes (mirrored in the decoder). Default per data kind: ONE_CLASS_DEFAULTS. */
  hidden?: number[];
  /** Code size. Images: 32; tables: max(1, min(8, floor(d / 2))). */
  latentDim?: number;
  activation?: ActivationName;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  threshold?: ThresholdStrategy;
  callbacks?: Callback[];
}

/**
 * The defaults of each kind of data: the MNIST protocol's network for images (784-128-32-128-784), a small one
 * for tables and sequences (d-16-min(8, d/2)-16-d). Adam, MSE, ReLU hidden layers, a linear code.
 */
export const ONE_CLASS_DEFAULTS = {
  image: { hidden: [128], latentDim: (_d: number): number => 32, epochs: 10, batchSize: 64 },
  tabular: { hidden: [16], latentDim: (d: number): number => Math.max(1, Math.min(8, Math.floor(d / 2))), epochs: 50, batchSize: 32 },
} as const;

export type OneClassKind = keyof typeof ONE_CLASS_DEFAULTS;

/** The dense autoencoder of a one-class run; `outputActivation` 'sigmoid' for inputs in [0, 1], else 'linear'. */
export function oneClassAutoencoder(inputDim: number, kind: OneClassKind, setup: OneClassSetup, outputActivation: ActivationName): Autoencoder {
  const def = ONE_CLASS_DEFAULTS[kind];
  return new Autoencoder({
    inputDim, hidden: setup.hidden ?? [...def.hidden], latentDim: setup.latentDim ?? def.latentDim(inputDim),
    activation: setup.activation ?? 'relu', latentActivation: 'linear', outputActivation, seed: setup.seed ?? 0,
  });
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

/** Normal training samples, and test samples with their labels (1 = anomaly). */
export interface OneClassSplit {
  train: Dataset;
  test: Dataset;
  labels: Uint8Array;
  /** Indices of `train` and `test` in the data (test: in the test split when there is one). */
  trainIndices: number[];
  testIndices: number[];
}

export interface OneClassSplitOptions {
  /** The data's own labelled test split; without it, normal samples are split by `trainFraction`. */
  test?: Dataset | null;
  /** Without a test split: the share of normal samples that train (default 0.6). */
  trainFraction?: number;
  /** Seeds the trainFraction shuffle (default 0). */
  seed?: number;
  /** At most this many normal training samples (the first ones). */
  trainLimit?: number;
}

/** Splits labelled samples for a one-class run (see the module comment for the two protocols). */
export function oneClassSplit(data: Dataset, normalLabel: number, opts: OneClassSplitOptions = {}): OneClassSplit {
  const labels = data.labels;
  if (!labels) throw new Error('one-class split: the data needs labels (which samples are normal)');
  const normal = indicesWhere(data.length, (i) => labels[i] === normalLabel);
  if (normal.length === 0) throw new Error(`one-class split: no sample has the normal label ${normalLabel}`);
  let trainIndices: number[], testIndices: number[], test: Dataset;
  if (opts.test) {
    if (!opts.test.labels) throw new Error('one-class split: the test samples need labels');
    trainIndices = normal;
    test = opts.test;
    testIndices = indicesWhere(test.length, () => true);
  } else {
    const frac = opts.trainFraction ?? 0.6;
    if (!(frac > 0 && frac < 1)) throw new Error(`trainFraction must be in (0, 1), got ${frac}`);
    const perm = new Rng(opts.seed ?? 0).permutation(normal.length);
    const nTrain = Math.floor(normal.length * frac);
    if (nTrain < 2 || nTrain === normal.length) throw new Error(`${normal.length} normal rows (label ${normalLabel}) are too few to split ${frac} for training`);
    trainIndices = Array.from(perm.subarray(0, nTrain), (k) => normal[k]).sort((a, b) => a - b);
    const inTrain = new Set(trainIndices);
    testIndices = indicesWhere(data.length, (i) => !inTrain.has(i));
    test = data.take(testIndices);
  }
  if (opts.trainLimit !== undefined) trainIndices = trainIndices.slice(0, opts.trainLimit);
  return {
    train: data.take(trainIndices), test, trainIndices, testIndices,
    labels: Uint8Array.from(test.labels!, (l) => (l === normalLabel ? 0 : 1)),
  };
}

/** Fits `detector` (training its autoencoder) on the normal samples and scores the test samples. */
export async function runOneClass(
  split: Pick<OneClassSplit, 'train' | 'test' | 'labels'>, detector: AnomalyDetector, kind: OneClassKind, setup: OneClassSetup,
): Promise<OneClassResult> {
  const start = performance.now();
  const def = ONE_CLASS_DEFAULTS[kind];
  const seed = setup.seed ?? 0;
  await detector.fit(split.train, {
    epochs: setup.epochs ?? def.epochs, lr: setup.lr ?? 1e-3, batchSize: setup.batchSize ?? def.batchSize, seed, loss: 'mse', callbacks: setup.callbacks,
  });
  const res = evaluateDetector(detector, split.test, split.labels);
  return { ...res, trainSamples: split.train.length, detector, seconds: (performance.now() - start) / 1000 };
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
  const trainAll = opts.train ?? loadMnist('train');
  let test = opts.test ?? loadMnist('test');
  if (opts.testLimit !== undefined) test = test.slice(0, Math.min(opts.testLimit, test.length));
  if (!trainAll.labels || !test.labels) throw new Error('mnistOneClass: the MNIST splits need labels');
  const split = oneClassSplit(trainAll, digit, { test, trainLimit: opts.trainLimit });
  const detector = new AnomalyDetector(oneClassAutoencoder(trainAll.sampleSize, 'image', opts, 'sigmoid'), { threshold: opts.threshold });
  return runOneClass(split, detector, 'image', opts);
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
  if (!opts.data.labels) throw new Error('tabularOneClass: the data needs labels (the label column)');
  const split = oneClassSplit(opts.data, opts.normalLabel ?? 0, { trainFraction: opts.trainFraction, seed: opts.seed });
  const standardize = opts.standardize ?? true;
  const ae = oneClassAutoencoder(opts.data.sampleSize, 'tabular', opts, standardize ? 'linear' : 'sigmoid');
  const detector = new AnomalyDetector(ae, { standardize, threshold: opts.threshold });
  const res = await runOneClass(split, detector, 'tabular', opts);
  return { ...res, trainIndices: split.trainIndices, testIndices: split.testIndices };
}
