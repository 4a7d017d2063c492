/**
 * The preprocessing of the one-class protocol of Ruff et al. (ICML 2018, "Deep One-Class Classification",
 * section 4.1, and their code lukasruff/Deep-SVDD-PyTorch, datasets/preprocessing.py):
 *
 *   1. global contrast normalization, per sample: x <- (x - mean(x)) / s, where mean is over the sample's own
 *      values and s = mean(|x - mean(x)|) for the L1 norm (their MNIST choice) or ||x - mean(x)||_2 / d for
 *      the L2 norm (their code's definition, kept as it is so numbers compare);
 *   2. min-max scaling to [0, 1] with ONE minimum and maximum, those of the normal class's training samples
 *      after step 1 (so the test set, anomalies included, is mapped with the normal class's yardstick and may
 *      leave [0, 1]).
 *
 * Why here (data/): both steps are maps from samples to samples that need nothing above the Dataset, like
 * preprocess.ts; they are not a `Preprocessing` because step 1 is not affine per feature (each sample has its
 * own shift and scale) and so cannot be saved as the model file's shift/scale vectors. GCN is invariant to a
 * positive rescaling of the sample, so uint8 MNIST and its [0, 1] floats give the same result.
 */
import { Dataset } from './dataset.js';

export type ContrastNorm = 'l1' | 'l2';

/**
 * Each sample minus its own mean, divided by its L1 (mean absolute deviation) or L2 scale (see the module
 * comment). A constant sample (scale 0) becomes all zeros rather than NaN. Returns float32 samples of the
 * same shape, labels and ids.
 */
export function globalContrastNormalize(data: Dataset, norm: ContrastNorm = 'l1'): Dataset {
  if (norm !== 'l1' && norm !== 'l2') throw new Error(`globalContrastNormalize: norm must be 'l1' or 'l2', got '${String(norm)}'`);
  const d = data.sampleSize, n = data.length;
  const x = data.toFloat32();
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let s = 0;
    if (norm === 'l1') {
      for (let j = 0; j < d; j++) s += Math.abs(x[o + j] - mean);
      s /= d;
    } else {
      for (let j = 0; j < d; j++) s += (x[o + j] - mean) ** 2;
      s = Math.sqrt(s) / d;
    }
    const inv = s > 0 ? 1 / s : 0;
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - mean) * inv;
  }
  return Dataset.fromTyped(out, n, data.sampleShape, { labels: data.labels ?? undefined, ids: data.ids ?? undefined, checked: true });
}

/** The smallest and largest value over all samples (the yardstick of minMaxScale). */
export function valueRange(data: Dataset): { min: number; max: number } {
  if (data.length === 0) throw new Error('valueRange: no samples');
  const x = data.toFloat32();
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
  }
  return { min, max };
}

/** (x - min) / (max - min) for every value, with a range fitted elsewhere (valueRange of the normal class). */
export function minMaxScale(data: Dataset, range: { min: number; max: number }): Dataset {
  const { min, max } = range;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) throw new Error(`minMaxScale: need finite min < max, got min ${min}, max ${max}`);
  const x = data.toFloat32();
  const inv = 1 / (max - min);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - min) * inv;
  return Dataset.fromTyped(out, data.length, data.sampleShape, { labels: data.labels ?? undefined, ids: data.ids ?? undefined, checked: true });
}

/**
 * Ruff et al.'s two steps on a one-class split: GCN on both sets, then both scaled with the range of the
 * (normal) training samples after GCN. Returns the new sets and that range.
 */
export function oneClassContrast(train: Dataset, test: Dataset, norm: ContrastNorm = 'l1'): { train: Dataset; test: Dataset; range: { min: number; max: number } } {
  if (train.sampleSize !== test.sampleSize) throw new Error(`oneClassContrast: training samples have ${train.sampleSize} values, test samples ${test.sampleSize}`);
  const gTrain = globalContrastNormalize(train, norm);
  const range = valueRange(gTrain);
  return { train: minMaxScale(gTrain, range), test: minMaxScale(globalContrastNormalize(test, norm), range), range };
}
