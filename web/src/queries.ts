/**
 * What the page asks of a trained model (protocol.ts's Query), answered in the worker: codes in a plane,
 * decoding points and lines, the VAE's manifold, scores of a drawing, denoising, the anomaly histogram's
 * scores, and the model file. Every answer is plain arrays copied out of the backend's memory; tensors are
 * made inside the backend's arena (inArena) so a stream of clicks does not grow wasm memory.
 */
import {
  type AutoencoderModel, Dataset, decodeAutoencoderModel, encodeModel, getBackend, inArena, manifoldCodes, noGrad, PCA,
  perImagePsnr, Rng, sortedCopy, tensor, type Tensor, thresholdFromScores,
} from '../../src/browser.js';
import { percentileOf } from './anomaly-stats.js';
import type { LoadedData } from './data.js';
import type { AnomalyAnswer, CodesAnswer, DenoiseAnswer, Query, ScoreAnswer } from './protocol.js';

/** The model and what the queries cache about it (cleared whenever the weights change). */
export interface ModelState {
  model: AutoencoderModel;
  data: LoadedData;
  /** The training record written into the model file. */
  training: Record<string, unknown>;
  cache: { pca?: PCA | null; testScores?: Float32Array; sortedTestScores?: Float64Array; trainThreshold?: number; anomalies?: { scores: Float32Array; what: string } };
  /** Test samples of the other built-in set (the anomalies of the anomaly panel), fetched on demand. */
  otherSet: (() => Promise<{ samples: Float32Array; count: number; title: string } | null>) | null;
}

/** Test samples the latent explorer and the anomaly panel use (all of the subset's). */
const MAX_CODES = 2000;
/** Codes the plane's principal axes are fitted on (see plane()). */
const PCA_FIT = 500;

function run<T>(fn: () => T): T {
  return noGrad(() => inArena(getBackend(), fn));
}

function copy(t: Tensor): Float32Array {
  return Float32Array.from(t.toTypedArray());
}

function rowsOf(ds: Dataset, count = ds.length): Float32Array {
  return ds.gather(Uint32Array.from({ length: Math.min(count, ds.length) }, (_, i) => i));
}

function batch(values: Float32Array, shape: readonly number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(values, [values.length / size, ...shape]);
}

function codes(s: ModelState): { flat: Float32Array; size: number } {
  const x = rowsOf(s.data.test, MAX_CODES);
  const c = run(() => copy(s.model.encode(batch(x, s.model.inputShape))));
  const size = s.model.codeShape.reduce((a, b) => a * b, 1);
  return { flat: c, size };
}

/** The plane: the code itself when 2-D, else the first two principal components of the test codes. */
function plane(s: ModelState): CodesAnswer {
  const { flat, size } = codes(s);
  const n = flat.length / size;
  let xy: Float32Array;
  if (size === 2) {
    s.cache.pca = null;
    xy = flat;
  } else {
    // The plane's axes from 500 evenly spaced codes: the fit's cost (a covariance and its eigenvectors) then stays
    // near 40 ms, which matters as it runs between training steps while the panel refreshes (all codes are drawn).
    const step = Math.max(1, Math.floor(n / PCA_FIT));
    const sample = Dataset.fromTyped(flat, n, [size]).take(Uint32Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step));
    const pca = new PCA().fit(sample, { components: 2 });
    s.cache.pca = pca;
    xy = Float32Array.from(pca.transform(rowsFlat(flat, size)));
  }
  const range: [number, number][] = Array.from({ length: size }, (_, j) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const v = flat[i * size + j]; if (v < lo) lo = v; if (v > hi) hi = v; }
    return [lo, hi];
  });
  const labels = Int32Array.from(s.data.summary.testLabels.subarray(0, n));
  return { xy, labels, codeSize: size, projection: size === 2 ? 'code' : 'pca', range };
}

function rowsFlat(flat: Float32Array, size: number): Dataset {
  return Dataset.fromTyped(flat, flat.length / size, [size]);
}

function decodeCodes(s: ModelState, flatCodes: Float32Array | Float64Array): Float32Array {
  const size = s.model.codeShape.reduce((a, b) => a * b, 1);
  return run(() => copy(s.model.decode(tensor(Float32Array.from(flatCodes), [flatCodes.length / size, ...s.model.codeShape]))));
}

/** Reconstructions of samples given flat, one after another. */
export function reconstructRows(s: Pick<ModelState, 'model'>, values: Float32Array): Float32Array {
  return run(() => copy(s.model.reconstruct(batch(values, s.model.inputShape))));
}

function scoresOf(s: ModelState, values: Float32Array): Float32Array {
  return run(() => s.model.reconstructionError(batch(values, s.model.inputShape), { reduce: 'perSample' }));
}

/**
 * 99th percentile of the training samples' scores (the first 2000): the default anomaly threshold, by the same
 * rule `aekit detect` calibrates with (analysis/auc.ts thresholdFromScores).
 */
function threshold(s: ModelState): number {
  return (s.cache.trainThreshold ??= thresholdFromScores(sortedCopy(scoresOf(s, rowsOf(s.data.train, MAX_CODES)), 'training scores'), { percentile: 99 }));
}

function testScores(s: ModelState): Float32Array {
  return (s.cache.testScores ??= scoresOf(s, rowsOf(s.data.test, MAX_CODES)));
}

/** The anomalies: the other built-in data set's test images, or (own data) test samples with strong noise. */
async function anomalies(s: ModelState): Promise<{ scores: Float32Array; what: string }> {
  if (s.cache.anomalies) return s.cache.anomalies;
  const other = s.otherSet ? await s.otherSet() : null;
  if (other) {
    s.cache.anomalies = { scores: scoresOf(s, other.samples), what: `${other.title} test images (another data set)` };
  } else {
    const x = rowsOf(s.data.test, MAX_CODES);
    const rng = new Rng(7);
    let sd = 0;
    for (const v of x) sd += v * v;
    const scale = Math.sqrt(sd / Math.max(x.length, 1)) || 1;
    const noisy = x.map((v) => v + rng.normal() * scale);
    s.cache.anomalies = { scores: scoresOf(s, noisy), what: 'test samples with Gaussian noise of the data\'s own RMS added (synthetic anomalies)' };
  }
  return s.cache.anomalies;
}

export async function answer(s: ModelState, q: Query): Promise<{ result: unknown; transfer: Transferable[] }> {
  const out = (result: unknown, ...arrays: (Float32Array | Int32Array | Uint8Array)[]): { result: unknown; transfer: Transferable[] } =>
    ({ result, transfer: arrays.map((a) => a.buffer) });
  switch (q.q) {
    case 'codes': {
      const a = plane(s);
      return out(a, a.xy, a.labels);
    }
    case 'decodePoint': {
      if (s.cache.pca === undefined) plane(s); // the plane was never asked for: fit it first
      const img = decodeCodes(s, s.cache.pca ? s.cache.pca.inverseTransform([[q.x, q.y]]) : Float32Array.of(q.x, q.y));
      return out(img, img);
    }
    case 'decodeCode': {
      const img = decodeCodes(s, Float32Array.from(q.code));
      return out(img, img);
    }
    case 'interpolate': {
      const { flat, size } = codes(s);
      const n = flat.length / size;
      if (!(q.a >= 0 && q.a < n && q.b >= 0 && q.b < n && q.steps >= 2)) throw new Error(`interpolate: samples ${q.a} and ${q.b} of ${n}, ${q.steps} steps`);
      const z = new Float32Array(q.steps * size);
      for (let t = 0; t < q.steps; t++) {
        const f = t / (q.steps - 1);
        for (let j = 0; j < size; j++) z[t * size + j] = (1 - f) * flat[q.a * size + j] + f * flat[q.b * size + j];
      }
      const imgs = decodeCodes(s, z);
      return out(imgs, imgs);
    }
    case 'manifold': {
      if (s.model.modelConfig().kind !== 'VAE') throw new Error('the manifold grid is for the VAE preset');
      const size = s.model.codeShape[0];
      const imgs = run(() => copy(s.model.decode(manifoldCodes(q.side, size))));
      return out(imgs, imgs);
    }
    case 'score': {
      const output = reconstructRows(s, q.sample);
      const errorMap = output.map((v, i) => (v - q.sample[i]) ** 2);
      const score = errorMap.reduce((a, b) => a + b, 0) / errorMap.length;
      const sorted = (s.cache.sortedTestScores ??= sortedCopy(testScores(s), 'test scores'));
      const a: ScoreAnswer = { output, errorMap, score, threshold: threshold(s), percentile: percentileOf(sorted, score) };
      return out(a, output, errorMap);
    }
    case 'denoise': {
      const size = s.model.inputShape.reduce((a, b) => a * b, 1);
      if (!(q.index >= 0 && q.index < s.data.test.length)) throw new Error(`denoise: no test sample ${q.index}`);
      const clean = s.data.test.gather([q.index]);
      const rng = new Rng(q.seed);
      const noisy = clean.map((v) => Math.min(1, Math.max(0, v + q.noise * rng.normal())));
      const output = reconstructRows(s, noisy);
      const [h, w, c] = s.model.inputShape.length === 3 ? s.model.inputShape : [1, size, 1];
      const img = (v: Float32Array): Tensor => tensor(v, [1, h, w, c]);
      const [psnrNoisy, psnrOutput] = run(() => [perImagePsnr(img(noisy), img(clean))[0], perImagePsnr(img(output), img(clean))[0]]);
      const a: DenoiseAnswer = { clean, noisy, output, psnrNoisy, psnrOutput };
      return out(a, clean, noisy, output);
    }
    case 'anomaly': {
      const an = await anomalies(s);
      const a: AnomalyAnswer = { normal: Float32Array.from(testScores(s)), anomalous: Float32Array.from(an.scores), anomalies: an.what, threshold: threshold(s) };
      return out(a, a.normal, a.anomalous);
    }
    case 'export': {
      const bytes = encodeModel(s.model, s.training, { data: s.data.info, preprocessing: s.data.preprocessing });
      return out(bytes, bytes);
    }
    case 'import':
      throw new Error('import is handled by the worker (it replaces the model)');
  }
}

/** A model file's model, checked against the loaded data (same sample shape). */
export function importModel(bytes: ArrayBuffer, data: LoadedData): AutoencoderModel {
  const loaded = decodeAutoencoderModel(new Uint8Array(bytes), 'the model file');
  const want = data.info.sampleShape.reduce((a, b) => a * b, 1);
  const got = loaded.model.inputShape.reduce((a, b) => a * b, 1);
  if (want !== got) {
    throw new Error(`the model file's model takes samples of ${loaded.model.inputShape.join('x')} (${got} values), the loaded data has ${data.info.sampleShape.join('x')} (${want}): load the data it was trained on first`);
  }
  return loaded.model;
}
