/**
 * Classification by reconstruction (MISSION §4): one autoencoder per class, each trained only on that class's
 * samples; a sample is assigned to the class whose autoencoder rebuilds it best (smallest mean squared
 * reconstruction error). No classifier is trained on labels directly: each model only learns "what my class
 * looks like", so the class decision is a comparison of reconstruction errors.
 *
 *   const clf = new ReconstructionClassifier({ autoencoder: { hidden: [128], latentDim: 16 } });
 *   await clf.fit(loadMnist('train', { limit: 10000 }), { epochs: 10 });
 *   const { accuracy, confusion } = clf.evaluate(loadMnist('test'));
 */
import { Dataset } from '../data/dataset.js';
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { Autoencoder, type AutoencoderConfig } from '../models/autoencoder.js';
import { type FitOptions, toDataset } from '../train/fit.js';
import type { AutoencoderModel } from '../models/model.js';

export interface ReconstructionClassifierOptions {
  /** Each class's Autoencoder (inputDim comes from the data). Default: [128] ReLU, 32-wide linear code,
   * sigmoid output (data in [0, 1]). Ignored when `build` is given. */
  autoencoder?: Omit<AutoencoderConfig, 'inputDim'>;
  /** Builds the model for class `label` (any AutoencoderModel: a VAE, a sparse autoencoder, ...). */
  build?: (label: number, inputDim: number) => AutoencoderModel;
}

export interface ClassifierFitOptions extends FitOptions {
  /** Called before each class's model trains (progress reporting). */
  onClass?: (label: number, index: number, samples: number) => void;
}

export interface ClassificationReport {
  accuracy: number;
  /** confusion[i][j] = samples of classes[i] predicted as classes[j] (rows: truth, columns: prediction). */
  confusion: number[][];
  classes: number[];
  predictions: Int32Array;
}

export class ReconstructionClassifier {
  /** Sorted class labels seen in training; models[i] belongs to classes[i]. */
  classes: number[] = [];
  models: AutoencoderModel[] = [];
  private readonly opts: ReconstructionClassifierOptions;

  constructor(opts: ReconstructionClassifierOptions = {}) {
    this.opts = opts;
  }

  /** Trains one model per class on that class's samples. Labels come from `labels` or the Dataset's own. */
  async fit(x: Inputs, labels?: ArrayLike<number>, opts: ClassifierFitOptions = {}): Promise<unknown[]> {
    const ds: Dataset = toDataset(x, 'ReconstructionClassifier.fit data');
    const y = labels ?? ds.labels;
    if (!y) throw new Error('ReconstructionClassifier.fit needs labels (pass them, or a Dataset with labels)');
    if (y.length !== ds.length) throw new Error(`ReconstructionClassifier.fit: ${ds.length} samples but ${y.length} labels`);
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < y.length; i++) {
      if (!Number.isInteger(y[i])) throw new Error(`label ${i} is ${y[i]}; labels must be integers`);
      let list = byClass.get(y[i]);
      if (!list) byClass.set(y[i], (list = []));
      list.push(i);
    }
    if (byClass.size < 2) throw new Error(`ReconstructionClassifier needs at least 2 classes, got ${byClass.size}`);
    this.classes = [...byClass.keys()].sort((a, b) => a - b);
    const d = ds.sampleSize;
    const { onClass, ...fitOpts } = opts;
    this.models = [];
    const histories: unknown[] = [];
    for (const [k, label] of this.classes.entries()) {
      const model = this.opts.build
        ? this.opts.build(label, d)
        : new Autoencoder({ hidden: [128], latentDim: 32, latentActivation: 'linear', ...this.opts.autoencoder, inputDim: d });
      const idx = byClass.get(label)!;
      onClass?.(label, k, idx.length);
      histories.push(await model.fit(ds.take(idx), fitOpts));
      model.eval();
      this.models.push(model);
    }
    return histories;
  }

  /** Mean squared reconstruction error of every sample under every class model: [n * classes], row-major. */
  errors(x: Inputs): Float64Array {
    if (this.models.length === 0) throw new Error('ReconstructionClassifier: fit it first');
    const n = inputCount(x), d = inputSampleSize(x), k = this.models.length;
    const out = new Float64Array(n * k);
    for (let s = 0; s < n; s += 2048) {
      const e = Math.min(n, s + 2048);
      const batch = inputBatch(x, s, e, 'ReconstructionClassifier input');
      // Flat rows: inputBatch's default dtype is float32, and a [28, 28, 1] image is one 784-value sample.
      const xs = batch.toTypedArray() as Float32Array;
      const rows = Dataset.fromTyped(xs, e - s, [d]);
      for (let c = 0; c < k; c++) {
        const r = this.models[c].reconstruct(rows).toTypedArray();
        for (let i = 0; i < e - s; i++) {
          let acc = 0;
          for (let j = i * d; j < (i + 1) * d; j++) acc += (r[j] - xs[j]) ** 2;
          out[(s + i) * k + c] = acc / d;
        }
      }
    }
    return out;
  }

  /** The class label whose model reconstructs each sample best (ties: the smaller label). */
  predict(x: Inputs): Int32Array {
    const k = this.models.length;
    const err = this.errors(x);
    const out = new Int32Array(err.length / k);
    for (let i = 0; i < out.length; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (err[i * k + c] < err[i * k + best]) best = c;
      out[i] = this.classes[best];
    }
    return out;
  }

  /** Accuracy and confusion matrix on labelled data (labels from `labels` or the Dataset). */
  evaluate(x: Inputs, labels?: ArrayLike<number>): ClassificationReport {
    const y = labels ?? (toDataset(x).labels ?? undefined);
    if (!y) throw new Error('ReconstructionClassifier.evaluate needs labels');
    const predictions = this.predict(x);
    return { accuracy: accuracyScore(y, predictions), confusion: confusionMatrix(y, predictions, this.classes), classes: [...this.classes], predictions };
  }
}

/** Fraction of positions where prediction equals truth. */
export function accuracyScore(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (truth.length !== predicted.length) throw new Error(`accuracy: ${truth.length} labels but ${predicted.length} predictions`);
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) ok++;
  return truth.length ? ok / truth.length : NaN;
}

/**
 * Counts [truth][prediction] over `classes` (default: the sorted labels appearing in either array). A label
 * outside `classes` is an error rather than silently dropped, so the counts always sum to n.
 */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes?: readonly number[]): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`);
  const cls = classes ? [...classes] : [...new Set([...Array.from(truth), ...Array.from(predicted)])].sort((a, b) => a - b);
  const at = new Map(cls.map((c, i) => [c, i]));
  const m = cls.map(() => new Array<number>(cls.length).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const r = at.get(truth[i]), c = at.get(predicted[i]);
    if (r === undefined || c === undefined) throw new Error(`confusionMatrix: sample ${i} has label ${r === undefined ? truth[i] : predicted[i]}, not one of the classes [${cls.join(', ')}]`);
    m[r][c]++;
  }
  return m;
}
