/**
 * Feature learning (MISSION §4): how useful are an autoencoder's codes as features? A linear probe (softmax
 * regression, i.e. an MLP with sizes [d, classes] and a softmax output, trained with cross-entropy in aekit)
 * is fitted on the features of the training set and scored on the test set. featureComparison runs the same
 * probe on raw inputs, on PCA codes and on autoencoder codes of the same size k, so the codes are compared
 * with the linear baseline at equal dimension. The codes are those of autoencoders it trains, or of trained
 * models given to it (any AutoencoderModel: each sees the samples as its own inputs, preprocessed its way).
 *
 * Feature scaling (statistics from the TRAINING features only), `scaling`:
 *   - 'global' (default): centre each feature, divide all by one number, the root mean squared deviation over
 *     all features. Codes, PCA components and pixels live on different overall scales and a shared learning
 *     rate is only fair once they do not; the RELATIVE variances, which say which directions matter, are kept.
 *   - 'feature': per-feature z-scores (StandardScaler). On pixels this inflates rarely-lit border pixels
 *     (lit in 3 of 10000 images: z ~ 58) and the probe overfits them (MNIST, 10000 training images: raw
 *     pixels 0.891 test accuracy against 0.895 with 'global' and 0.909 with 'none').
 *   - 'none': features as given.
 */
import type { Dataset } from '../data/dataset.js';
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { Autoencoder } from '../models/autoencoder.js';
import { MLP } from '../models/mlp.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import type { Callback } from '../train/callbacks.js';
import { firstNonFinite, isDivergence, type NonFinite } from '../train/finite.js';
import { Scaler } from './anomaly.js';
import { type AutoencoderSetup, DEFAULT_SETUP } from './compare-pca.js';
import { PCA } from './pca.js';

export interface ProbeSettings {
  /** Passes over the training features (default 20). */
  epochs?: number;
  /** Adam learning rate (default 0.01). */
  lr?: number;
  /** Mini-batch size (default 128). */
  batchSize?: number;
  /** Seeds the weights and the mini-batch order (default 0). */
  seed?: number;
  /** Feature scaling fitted on the training features (default 'global'; see the module comment). */
  scaling?: 'global' | 'feature' | 'none';
  /** Number of classes (default: largest training label + 1). */
  classes?: number;
}

export interface LinearProbeOptions extends ProbeSettings {
  trainX: Inputs;
  trainY: ArrayLike<number>;
  testX: Inputs;
  testY: ArrayLike<number>;
}

export interface LinearProbeResult {
  trainAccuracy: number;
  testAccuracy: number;
  /** Feature dimension and number of classes. */
  dim: number;
  classes: number;
  /** Mean training cross-entropy per epoch. */
  loss: number[];
  seconds: number;
  /** The predicted class of every test sample. */
  testPredictions: Int32Array;
}

/** A float32 tensor holding `values`, allocated by the backend (the wasm kernels need their own storage). */
function floatTensor(values: ArrayLike<number>, shape: number[]): Tensor {
  const t = zeros(shape);
  t.data.set(values);
  return t;
}

/** All rows of `x` as one float32 tensor [n, d]. */
function matrix(x: Inputs, what: string): Tensor {
  const n = inputCount(x), d = inputSampleSize(x);
  if (n === 0) throw new Error(`${what}: no samples`);
  return floatTensor(inputBatch(x, 0, n, what).toTypedArray(), [n, d]);
}

export async function linearProbe(opts: LinearProbeOptions): Promise<LinearProbeResult> {
  const start = performance.now();
  let train = matrix(opts.trainX, 'linearProbe trainX');
  let test = matrix(opts.testX, 'linearProbe testX');
  requireFiniteFeatures(train, 'the training features');
  requireFiniteFeatures(test, 'the test features');
  const d = train.shape[1];
  if (test.shape[1] !== d) throw new Error(`linearProbe: train features have ${d} values, test features ${test.shape[1]}`);
  for (const [x, y, what] of [[train, opts.trainY, 'trainY'], [test, opts.testY, 'testY']] as const) {
    if (y.length !== x.shape[0]) throw new Error(`linearProbe: ${x.shape[0]} samples but ${y.length} labels in ${what}`);
  }
  let maxLabel = 0;
  for (let i = 0; i < opts.trainY.length; i++) maxLabel = Math.max(maxLabel, opts.trainY[i]);
  const classes = opts.classes ?? maxLabel + 1;
  if (!Number.isInteger(classes) || classes < 2) throw new Error(`linearProbe needs at least 2 classes, got ${classes}`);
  const scaling = opts.scaling ?? 'global';
  if (!['global', 'feature', 'none'].includes(scaling)) throw new Error(`linearProbe: scaling must be 'global', 'feature' or 'none', got '${scaling}'`);
  if (scaling !== 'none') {
    const scaler = new Scaler(d).fitData(train, { global: scaling === 'global' });
    train = floatTensor(scaler.transformRows(train.data), [...train.shape]);
    test = floatTensor(scaler.transformRows(test.data), [...test.shape]);
  }
  const seed = opts.seed ?? 0;
  const net = new MLP({ sizes: [d, classes], outputActivation: 'softmax', seed });
  const lr = opts.lr ?? 0.01;
  const h = await net.fit(train, opts.trainY, {
    epochs: opts.epochs ?? 20, lr, batchSize: opts.batchSize ?? 128, seed, loss: 'crossEntropy',
  });
  checkConverged(h.stopReason, h.loss, classes, lr, firstNonFinite(net.namedTensors()));
  const testPredictions = net.predictClasses(test);
  return {
    trainAccuracy: net.accuracy(train, opts.trainY),
    testAccuracy: agreement(testPredictions, opts.testY),
    dim: d, classes, loss: h.loss, seconds: (performance.now() - start) / 1000, testPredictions,
  };
}

/**
 * A probe whose training went non-finite, or whose cross-entropy ended far above chance (ln classes, what a
 * probe predicting every class equally scores), diverged: its accuracies would be numbers without meaning (at
 * lr 1e30 the weights reach ~1e30 and the loss ~1e28 while every value stays finite). 100 x chance is far
 * beyond any probe still learning (a mean of 230 nats per sample for 10 classes).
 */
function checkConverged(stopReason: string | null, loss: readonly number[], classes: number, lr: number, bad: NonFinite | null): void {
  const hint = `(try a lower learning rate than ${lr})`;
  if (isDivergence(stopReason)) throw new Error(`the linear probe diverged: ${stopReason}`);
  if (bad) throw new Error(`the linear probe diverged: its weight ${bad.name} holds ${bad.value} at index ${bad.index} ${hint}`);
  const last = loss.at(-1);
  if (last === undefined) return;
  const chance = Math.log(classes);
  if (!Number.isFinite(last) || last > 100 * chance) {
    throw new Error(`the linear probe diverged: its training cross-entropy ended at ${last.toPrecision(4)} per sample, chance is ${chance.toFixed(2)} ${hint}`);
  }
}

/** Throws naming the first non-finite feature value (a diverged encoder's codes, or data with NaN). */
function requireFiniteFeatures(x: Tensor, what: string): void {
  const v = x.toTypedArray();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new Error(`${what} holds ${v[i]} (sample ${Math.floor(i / x.shape[1])}, value ${i % x.shape[1]}): the encoder diverged or the data holds non-finite values`);
  }
}

function agreement(predicted: Int32Array, truth: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === truth[i]) ok++;
  return predicted.length ? ok / predicted.length : NaN;
}

export interface ClassRecall {
  label: number;
  samples: number;
  /** Fraction of this class's test samples predicted as this class. */
  recall: number;
}

/** Test accuracy within each true class present in the test labels (recall), by label. */
export function recallPerClass(predicted: ArrayLike<number>, truth: ArrayLike<number>): ClassRecall[] {
  const hits = new Map<number, { samples: number; correct: number }>();
  for (let i = 0; i < truth.length; i++) {
    let h = hits.get(truth[i]);
    if (!h) hits.set(truth[i], (h = { samples: 0, correct: 0 }));
    h.samples++;
    if (predicted[i] === truth[i]) h.correct++;
  }
  return [...hits.entries()].sort((a, b) => a[0] - b[0]).map(([label, h]) => ({ label, samples: h.samples, recall: h.correct / h.samples }));
}

/** Inputs with their integer labels: a labelled Dataset, or x and y. */
export type LabelledData = Dataset | { x: Inputs; y: ArrayLike<number> };

function split(data: LabelledData, what: string): { x: Inputs; y: ArrayLike<number> } {
  if ('x' in data) return data;
  if (!data.labels) throw new Error(`${what}: the dataset has no labels`);
  return { x: data, y: data.labels };
}

/** Anything that maps inputs to codes, e.g. a trained Autoencoder. */
export interface Encoder {
  encode(x: Inputs): Tensor;
}

/** A trained model whose codes are probed. */
export interface ProbedEncoder {
  /** Names its rows (a file name). */
  name?: string;
  encoder: Encoder;
  /**
   * The comparison's train and test samples as this model's inputs (its preprocessing, its input shape), in the
   * same order; default: the comparison's own train and test inputs.
   */
  train?: Inputs;
  test?: Inputs;
}

export interface FeatureComparisonOptions {
  train: LabelledData;
  test: LabelledData;
  /** Code sizes k compared (default [32]); ignored when `encoder(s)` are given (their code sizes are used). */
  codes?: number[];
  /** A trained encoder to probe instead of training autoencoders (same as `encoders: [{ encoder }]`). */
  encoder?: Encoder;
  /** Trained models to probe instead of training autoencoders; PCA runs at each of their code sizes. */
  encoders?: ProbedEncoder[];
  /** How each autoencoder is built and trained (default compare-pca's: [256] ReLU, linear code, Adam). */
  autoencoder?: Partial<AutoencoderSetup>;
  probe?: ProbeSettings;
  /** Skip the raw-input row (default false). */
  skipRaw?: boolean;
  callbacks?: (code: number) => Callback[];
  onRow?: (row: FeatureRow) => void;
}

export interface FeatureRow {
  features: 'raw' | 'pca' | 'autoencoder';
  /** The probed model's name (rows of `encoders` only). */
  model?: string;
  dim: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Test accuracy within each class (see recallPerClass). */
  testPerClass: ClassRecall[];
  /** Seconds for the features (PCA fit / autoencoder training) plus the probe. */
  seconds: number;
}

const asTensor = (codes: Float64Array, n: number, k: number, all: number): Tensor => {
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = codes[i * all + j];
  return floatTensor(out, [n, k]);
};

/** Values per code of an encoder (a feature map counts flat), from one sample. */
function codeSize(enc: ProbedEncoder, x: Inputs): number {
  const shape = enc.encoder.encode(inputBatch(enc.train ?? x, 0, 1, enc.name ?? 'encoder input')).shape;
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * Probe accuracy of raw inputs, PCA codes and autoencoder codes at each code size (see the module comment).
 * PCA needs k <= min(features, training samples); a larger code size gets no PCA row.
 */
export async function featureComparison(opts: FeatureComparisonOptions): Promise<FeatureRow[]> {
  const train = split(opts.train, 'featureComparison train'), test = split(opts.test, 'featureComparison test');
  const rows: FeatureRow[] = [];
  const probe = async (features: FeatureRow['features'], trX: Inputs, teX: Inputs, extra: number, model?: string): Promise<void> => {
    let r: LinearProbeResult;
    try {
      r = await linearProbe({ ...opts.probe, trainX: trX, trainY: train.y, testX: teX, testY: test.y });
    } catch (e) {
      throw new Error(`${model ?? features} (${inputSampleSize(trX)}): ${(e as Error).message}`);
    }
    const row: FeatureRow = {
      features, ...(model !== undefined ? { model } : {}), dim: r.dim, trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy,
      testPerClass: recallPerClass(r.testPredictions, test.y), seconds: extra + r.seconds,
    };
    rows.push(row);
    opts.onRow?.(row);
  };
  if (!opts.skipRaw) await probe('raw', train.x, test.x, 0);
  const given: ProbedEncoder[] | null = opts.encoders ?? (opts.encoder ? [{ encoder: opts.encoder }] : null);
  const sized = given?.map((e) => ({ e, k: codeSize(e, train.x) }));
  const codes = sized ? [...new Set(sized.map((s) => s.k))] : (opts.codes ?? [32]);
  const nTr = inputCount(train.x), nTe = inputCount(test.x);
  const pcaMax = Math.min(Math.max(...codes), inputSampleSize(train.x), nTr);
  let t = performance.now();
  // PCA subspaces are nested: one fit with the most components serves every k (truncate the columns).
  const trainMatrix = matrix(train.x, 'featureComparison train');
  const pca = new PCA().fit(trainMatrix, { components: pcaMax });
  const pcaTrain = pca.transform(trainMatrix), pcaTest = pca.transform(matrix(test.x, 'featureComparison test'));
  const pcaSeconds = (performance.now() - t) / 1000;
  for (const k of codes) {
    if (k <= pcaMax) await probe('pca', asTensor(pcaTrain, nTr, k, pcaMax), asTensor(pcaTest, nTe, k, pcaMax), pcaSeconds);
    if (sized) {
      for (const { e } of sized.filter((s) => s.k === k)) {
        t = performance.now();
        const trainCodes = e.encoder.encode(e.train ?? train.x), testCodes = e.encoder.encode(e.test ?? test.x);
        await probe('autoencoder', trainCodes, testCodes, (performance.now() - t) / 1000, e.name);
      }
      continue;
    }
    t = performance.now();
    const s = { ...DEFAULT_SETUP, ...opts.autoencoder };
    const ae = new Autoencoder({
      inputDim: inputSampleSize(train.x), hidden: s.hidden, latentDim: k, activation: s.activation,
      latentActivation: s.latentActivation, outputActivation: s.outputActivation, seed: s.seed,
    });
    await ae.fit(train.x, { epochs: s.epochs, lr: s.lr, batchSize: s.batchSize, optimizer: s.optimizer, seed: s.seed, callbacks: opts.callbacks?.(k) });
    await probe('autoencoder', ae.encode(train.x), ae.encode(test.x), (performance.now() - t) / 1000);
  }
  return rows;
}

/** The comparison as an aligned text table (a probed model's rows name it). */
export function featureComparisonTable(rows: readonly FeatureRow[]): string {
  const head = ['features', 'dim', 'train acc', 'test acc', 'seconds'];
  const body = rows.map((r) => [r.model ?? r.features, String(r.dim), r.trainAccuracy.toFixed(4), r.testAccuracy.toFixed(4), r.seconds.toFixed(1)]);
  const width = Math.max(12, ...body.map((r) => r[0].length + 2));
  return [head, ...body].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(10))).join('')).join('\n') + '\n';
}
