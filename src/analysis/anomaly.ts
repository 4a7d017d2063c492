/**
 * Anomaly detection by reconstruction (MISSION §4), PyOD-style: an autoencoder trained on NORMAL data only
 * rebuilds normal samples well and unfamiliar ones badly, so the reconstruction error is an anomaly score.
 *
 *   const det = new AnomalyDetector(new Autoencoder({ inputDim: 784, hidden: [128], latentDim: 32 }));
 *   await det.fit(normalTrain, { epochs: 10, threshold: { contamination: 0.05 } });
 *   det.scores(x); det.predict(x); rocAuc(det.scores(x), labels);
 *
 * Score = mean squared reconstruction error over a sample's features, measured in the space the autoencoder
 * works in: after the optional standardization z = (x - mean) / std, whose per-feature statistics come from
 * the normal training data only (anomalies must not shape the yardstick they are measured with).
 *
 * Thresholds come from "calibration scores": the scores of a held-out normal set when `calibrationData` is
 * given (or `calibrate(heldOut)` for an autoencoder trained elsewhere), else the training scores (which run a
 * little low: the model has seen those samples). predict flags score > threshold, as PyOD does. predictProba
 * is the empirical CDF of the calibration scores: the fraction of normal calibration samples scoring <= s, a
 * monotone map to [0, 1] (every score beyond the calibration maximum maps to 1; it is a rank, not a calibrated
 * probability of being an anomaly). decide and probability do the same for scores already computed.
 *
 * Saving: the detector is a Module whose tensors are the autoencoder's weights plus `scaler.mean`,
 * `scaler.std` and `calibrationScores` buffers (float64), and whose config carries the threshold and strategy,
 * so one model file restores identical scores and decisions (io/kinds.ts rebuilds it).
 *
 * Two ways to standardize, on purpose. `standardize: true` is the library's own (a Scaler: a Module, so its
 * statistics are saved as the detector's buffers). The CLI (`aekit detect fit`) leaves it off and feeds the
 * detector model inputs instead, mapped by the data layer's Preprocessing that the model file keeps beside the
 * detector, as for every other model (loadModelFile(path).preprocessing). Scaler stays because linearProbe
 * uses it (its 'global' scaling) and because it divides by std where Preprocessing multiplies by 1/std: the
 * two can differ in the last float32 bit, and probe's MNIST numbers and old detector files must not move.
 */
import { Dataset } from '../data/dataset.js';
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { asBuffer, Module } from '../nn/module.js';
import { Tensor, zeros } from '../tensor/tensor.js';
import type { AutoencoderModel } from '../models/model.js';
import type { FitOptions } from '../train/fit.js';
import { quantileSorted, sortedCopy, thresholdFromScores, type ThresholdStrategy } from './auc.js';

export { thresholdFromScores, type ThresholdStrategy } from './auc.js';


/** Per-feature standardization z = (x - mean) / std, with float64 statistics saved as buffers. */
export class Scaler extends Module {
  mean: Tensor;
  std: Tensor;

  constructor(dim: number) {
    super();
    if (!Number.isInteger(dim) || dim <= 0) throw new Error(`Scaler: dim must be a positive integer, got ${dim}`);
    this.mean = asBuffer(new Tensor(new Float64Array(dim), [dim]));
    this.std = asBuffer(new Tensor(new Float64Array(dim).fill(1), [dim]));
  }

  /**
   * Fits mean and population std (as scikit-learn's StandardScaler) in two passes, so there is no
   * cancellation. A constant feature gets std 1: it maps to 0 instead of dividing by zero. `global: true`
   * centres each feature but divides all by ONE scale, the root mean squared deviation over all features
   * (relative feature variances are kept).
   */
  fitData(x: Inputs, opts: { global?: boolean } = {}): this {
    const n = inputCount(x), d = this.mean.size;
    if (n === 0) throw new Error('Scaler: no samples');
    if (inputSampleSize(x) !== d) throw new Error(`Scaler: samples have ${inputSampleSize(x)} values, expected ${d}`);
    const mean = new Float64Array(d), ss = new Float64Array(d);
    for (const { rows, m } of chunks(x)) for (let i = 0; i < m * d; i++) mean[i % d] += rows[i];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (const { rows, m } of chunks(x)) for (let i = 0; i < m * d; i++) ss[i % d] += (rows[i] - mean[i % d]) ** 2;
    const total = ss.reduce((a, b) => a + b, 0);
    const std = opts.global ? ss.fill(Math.sqrt(total / (n * d)) || 1) : ss.map((v) => Math.sqrt(v / n) || 1);
    this.mean.data.set(mean);
    this.std.data.set(std);
    return this;
  }

  /** Standardized copy of packed rows. */
  transformRows(rows: ArrayLike<number>): Float32Array {
    const d = this.mean.size, mean = this.mean.data, std = this.std.data;
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = (rows[i] - mean[i % d]) / std[i % d];
    return out;
  }

  /** Inverse of transformRows (back to the input units). */
  inverseRows(rows: ArrayLike<number>): Float32Array {
    const d = this.mean.size, mean = this.mean.data, std = this.std.data;
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rows[i] * std[i % d] + mean[i % d];
    return out;
  }

  forward(x: Tensor): Tensor {
    const out = zeros([...x.shape]);
    out.data.set(this.transformRows(x.toTypedArray()));
    return out;
  }
}

const CHUNK = 2048;

/** Inputs in chunks of packed float32 rows (a memory bound for 60000-image sets). */
function* chunks(x: Inputs): Generator<{ rows: Float32Array; start: number; m: number }> {
  const n = inputCount(x);
  for (let s = 0; s < n; s += CHUNK) {
    const e = Math.min(n, s + CHUNK);
    // inputBatch's default dtype is float32, so this is a Float32Array.
    yield { rows: inputBatch(x, s, e, 'anomaly detector input').toTypedArray() as Float32Array, start: s, m: e - s };
  }
}

export interface AnomalyDetectorOptions {
  /** Standardize features with statistics of the normal training data (default false: MNIST pixels are
   * already in [0, 1], which a sigmoid output matches; turn it on for tabular data, with a linear output). */
  standardize?: boolean;
  /** Default { contamination: 0.1 }, PyOD's default. */
  threshold?: ThresholdStrategy;
}

export interface DetectorFitOptions extends FitOptions {
  /** false: the autoencoder is already trained; only fit the scaler (if any) and calibrate. Default true. */
  train?: boolean;
  threshold?: ThresholdStrategy;
  /** Held-out NORMAL samples whose scores calibrate the threshold and predictProba (default: training data). */
  calibrationData?: Inputs;
}

export interface AnomalyDetectorConfig {
  autoencoder: { kind: string; config: object };
  inputDim: number | null;
  standardize: boolean;
  strategy: ThresholdStrategy;
  threshold: number | null;
  calibrationSize: number;
  calibrationSource: 'training' | 'heldOut' | null;
}

export class AnomalyDetector extends Module {
  autoencoder: AutoencoderModel;
  scaler: Scaler | null = null;
  /** Ascending calibration scores (float64 buffer), null until fitted. */
  calibrationScores: Tensor | null = null;
  threshold = NaN;
  strategy: ThresholdStrategy;
  readonly standardize: boolean;
  inputDim: number | null = null;
  calibrationSource: 'training' | 'heldOut' | null = null;

  constructor(autoencoder: AutoencoderModel, opts: AnomalyDetectorOptions = {}) {
    super();
    this.autoencoder = autoencoder;
    this.standardize = opts.standardize ?? false;
    this.strategy = opts.threshold ?? { contamination: 0.1 };
  }

  /** Rebuilds an (unfilled) detector from its saved config; loadStateDict then fills the buffers. */
  static fromConfig(c: AnomalyDetectorConfig, autoencoder: AutoencoderModel): AnomalyDetector {
    const det = new AnomalyDetector(autoencoder, { standardize: c.standardize === true, threshold: c.strategy });
    if (c.inputDim !== null) {
      if (!Number.isInteger(c.inputDim) || c.inputDim <= 0) throw new Error(`AnomalyDetector: inputDim must be a positive integer, got ${c.inputDim}`);
      det.inputDim = c.inputDim;
      if (det.standardize) det.scaler = new Scaler(c.inputDim);
    }
    if (!Number.isInteger(c.calibrationSize) || c.calibrationSize < 0) throw new Error(`AnomalyDetector: bad calibrationSize ${c.calibrationSize}`);
    if (c.calibrationSize > 0) {
      det.calibrationScores = asBuffer(new Tensor(new Float64Array(c.calibrationSize), [c.calibrationSize]));
      det.calibrationSource = c.calibrationSource;
    }
    det.threshold = typeof c.threshold === 'number' ? c.threshold : NaN;
    return det;
  }

  /** Fits the scaler, trains the autoencoder on the normal data (unless train: false), then calibrates. */
  async fit(normal: Inputs, opts: DetectorFitOptions = {}): Promise<{ history: unknown; trainScores: Float64Array; threshold: number }> {
    const { train = true, threshold, calibrationData, ...fitOpts } = opts;
    const n = inputCount(normal);
    if (n === 0) throw new Error('AnomalyDetector.fit: no normal samples');
    this.inputDim = inputSampleSize(normal);
    this.scaler = this.standardize ? new Scaler(this.inputDim).fitData(normal) : null;
    let history: unknown = null;
    if (train) history = await this.autoencoder.fit(this.scaler ? this.modelSpace(normal) : normal, fitOpts);
    this.autoencoder.eval();
    const trainScores = this.scores(normal);
    this.calibrateWith(calibrationData === undefined ? trainScores : this.scores(calibrationData), calibrationData === undefined ? 'training' : 'heldOut', threshold);
    return { history, trainScores, threshold: this.threshold };
  }

  /**
   * Calibrates an already trained autoencoder on held-out NORMAL samples alone, never touching the training
   * data (which may be too large to score again, e.g. streamed from disk). Without standardization only: a
   * scaler is fitted on training data, which is what `fit` is for.
   */
  calibrate(heldOut: Inputs, threshold?: ThresholdStrategy): number {
    if (this.standardize) throw new Error('AnomalyDetector.calibrate: a standardizing detector fits its scaler on the training data: use fit(train, { train: false, calibrationData })');
    if (inputCount(heldOut) === 0) throw new Error('AnomalyDetector.calibrate: no held-out samples');
    this.inputDim = inputSampleSize(heldOut);
    this.autoencoder.eval();
    this.calibrateWith(this.scores(heldOut), 'heldOut', threshold);
    return this.threshold;
  }

  private calibrateWith(scores: Float64Array, source: 'training' | 'heldOut', threshold: ThresholdStrategy | undefined): void {
    this.calibrationScores = asBuffer(new Tensor(sortedCopy(scores, 'calibration scores'), [scores.length]));
    this.calibrationSource = source;
    this.setThreshold(threshold ?? this.strategy);
  }

  /** Re-derives the threshold from the stored calibration scores. */
  setThreshold(strategy: ThresholdStrategy): number {
    if (!this.calibrationScores) throw new Error('AnomalyDetector: fit the detector before setting a threshold');
    this.threshold = thresholdFromScores(this.calibrationScores.data, strategy);
    this.strategy = { ...strategy };
    return this.threshold;
  }

  /** The data as the autoencoder sees it (standardized), as a float32 Dataset. */
  modelSpace(x: Inputs): Dataset {
    const n = inputCount(x), d = this.dim(x);
    const out = new Float32Array(n * d);
    for (const { rows, start } of chunks(x)) out.set(this.scaler ? this.scaler.transformRows(rows) : rows, start * d);
    return Dataset.fromTyped(out, n, [d]);
  }

  private dim(x: Inputs): number {
    const d = inputSampleSize(x);
    if (this.inputDim !== null && d !== this.inputDim) throw new Error(`AnomalyDetector: samples have ${d} values, the detector was fitted on ${this.inputDim}`);
    return d;
  }

  /** Runs the autoencoder over `x` chunk by chunk: `each(z, r, start, m)` gets model-space inputs and outputs. */
  private run(x: Inputs, each: (z: Float32Array, r: ArrayLike<number>, start: number, m: number) => void): void {
    const d = this.dim(x);
    for (const { rows, start, m } of chunks(x)) {
      const z = this.scaler ? this.scaler.transformRows(rows) : rows;
      // A Dataset (not a Tensor) so the autoencoder batches it in its step arena.
      each(z, this.autoencoder.reconstruct(Dataset.fromTyped(z, m, [d])).toTypedArray(), start, m);
    }
  }

  /** Per-sample anomaly scores: mean squared reconstruction error (float64 sums). */
  scores(x: Inputs): Float64Array {
    const d = this.dim(x);
    const out = new Float64Array(inputCount(x));
    this.run(x, (z, r, start, m) => {
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = i * d; j < (i + 1) * d; j++) s += (r[j] - z[j]) ** 2;
        out[start + i] = s / d;
      }
    });
    return out;
  }

  /** Per-feature squared errors [n, d] (model space); an MNIST row reshaped to 28x28 is an error image. */
  errorMap(x: Inputs): Tensor {
    const d = this.dim(x), n = inputCount(x);
    const out = zeros([n, d]);
    this.run(x, (z, r, start, m) => {
      for (let j = 0; j < m * d; j++) out.data[start * d + j] = (r[j] - z[j]) ** 2;
    });
    return out;
  }

  /** Reconstructions in the input units [n, d]. */
  reconstruct(x: Inputs): Tensor {
    const d = this.dim(x), n = inputCount(x);
    const out = zeros([n, d]);
    this.run(x, (_z, r, start) => out.data.set(this.scaler ? this.scaler.inverseRows(r) : r, start * d));
    return out;
  }

  forward(x: Tensor): Tensor {
    return this.reconstruct(x);
  }

  /** 1 where score > threshold (anomaly), else 0. */
  predict(x: Inputs): Uint8Array {
    return this.decide(this.scores(x));
  }

  /** predict for scores already computed (a caller that also wants the scores runs the model once). */
  decide(scores: ArrayLike<number>): Uint8Array {
    if (Number.isNaN(this.threshold)) throw new Error('AnomalyDetector: no threshold yet (fit the detector first)');
    return Uint8Array.from(scores, (s) => (s > this.threshold ? 1 : 0));
  }

  /** Empirical CDF of the calibration scores at each sample's score (see the module comment). */
  predictProba(x: Inputs): Float64Array {
    return this.probability(this.scores(x));
  }

  /** predictProba for scores already computed. */
  probability(scores: ArrayLike<number>): Float64Array {
    const cal = this.calibrationScores?.data;
    if (!cal) throw new Error('AnomalyDetector: fit the detector first');
    return Float64Array.from(scores, (s) => {
      let lo = 0, hi = cal.length; // first index whose score is > s
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cal[mid] <= s) lo = mid + 1;
        else hi = mid;
      }
      return lo / cal.length;
    });
  }

  modelConfig(): { kind: 'AnomalyDetector'; config: AnomalyDetectorConfig } {
    return {
      kind: 'AnomalyDetector',
      config: {
        autoencoder: this.autoencoder.modelConfig(),
        inputDim: this.inputDim,
        standardize: this.standardize,
        strategy: { ...this.strategy },
        threshold: Number.isFinite(this.threshold) ? this.threshold : null,
        calibrationSize: this.calibrationScores?.size ?? 0,
        calibrationSource: this.calibrationSource,
      },
    };
  }
}

/** The calibration scores' distribution and where a threshold cuts it. */
export interface CalibrationSummary {
  n: number;
  mean: number;
  std: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Calibration samples scoring above the threshold (flagged: false positives, the samples being normal). */
  above: number;
  /** above / n. */
  heldOutFpr: number;
  /**
   * [above / (n + 1), (above + 1) / (n + 1)]: the false-positive rate to expect on new normal data. A new normal
   * sample exchangeable with the n calibration ones is equally likely to take any of the n + 1 ranks among
   * them, so it lands above a threshold between the (n - above)-th and the next calibration score with a
   * chance between these two (the conformal argument; a target-fpr threshold is a calibration score, the top).
   */
  expectedFpr: [number, number];
}

/** Summarizes ascending calibration scores and the threshold's false-positive rate on them. */
export function calibrationSummary(sorted: ArrayLike<number>, threshold: number): CalibrationSummary {
  const n = sorted.length;
  if (n === 0) throw new Error('calibration summary: no calibration scores');
  let sum = 0, above = 0;
  for (let i = 0; i < n; i++) {
    sum += sorted[i];
    if (sorted[i] > threshold) above++;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i] - mean) ** 2;
  return {
    n, mean, std: Math.sqrt(ss / n), min: sorted[0], p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99), max: sorted[n - 1], above, heldOutFpr: above / n, expectedFpr: [above / (n + 1), (above + 1) / (n + 1)],
  };
}

/** One feature's part of a sample's squared reconstruction error. */
export interface ErrorShare {
  /** Index along the feature axis (a table's column, a sequence's feature). */
  feature: number;
  /** Its share of the sample's squared error, in [0, 1]; a sample's shares add up to 1. */
  share: number;
}

/**
 * Which features carry each sample's reconstruction error (the explanation PyOD users ask of a flagged row):
 * the squared errors of `errors` (n samples, packed, as errorMap gives them) summed per feature — over every
 * time step for a sequence, since position i belongs to feature i mod `features` — and divided by the
 * sample's total. The `k` largest per sample, largest first; a sample rebuilt exactly has none.
 */
export function topErrorShares(errors: ArrayLike<number>, n: number, features: number, k: number): ErrorShare[][] {
  if (!Number.isInteger(features) || features <= 0) throw new Error(`topErrorShares: features must be a positive integer, got ${features}`);
  const d = n ? errors.length / n : 0;
  if (!Number.isInteger(d) || d % features !== 0) throw new Error(`topErrorShares: ${errors.length} errors are not ${n} samples of a multiple of ${features} values`);
  const per = new Float64Array(features);
  const out: ErrorShare[][] = [];
  for (let i = 0; i < n; i++) {
    per.fill(0);
    let total = 0;
    for (let j = 0; j < d; j++) {
      const e = errors[i * d + j];
      per[j % features] += e;
      total += e;
    }
    const order = Array.from(per.keys()).filter((f) => per[f] > 0).sort((a, b) => per[b] - per[a] || a - b);
    out.push(order.slice(0, k).map((feature) => ({ feature, share: per[feature] / total })));
  }
  return out;
}
