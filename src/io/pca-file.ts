/**
 * The PCA file: one .safetensors file, like the model file (io/model-file.ts), so Python reads it with
 * `safetensors.numpy.load_file`. Tensors (all F64, the precision PCA is fitted in):
 *   components          [k, d]  one unit-length component per row, by decreasing variance
 *   mean                [d]
 *   explained_variance  [k]
 * and in `__metadata__` under "aekit" the JSON
 *   { "aekit_format": 1, "kind": "PCA", "config": { components, dim, nSamples, totalVariance, method,
 *     signConvention }, "training"?: {...free-form, e.g. which data}, "data"?: DataInfo,
 *     "preprocessing"?: { method } }
 * As in the model file, `data` says what the PCA was fitted on (so new data can be read the same way: columns by
 * name, image size) and the preprocessing's vectors are the F64 tensors `preprocessing.shift`, `.scale` and
 * `.fill`: the PCA works in preprocessed units, data units -> preprocessing.transform -> pca.transform.
 * Files written before these existed load with data and preprocessing null.
 * Writes are atomic (writeSafetensors). Loading validates everything a hand-edited or truncated file could get
 * wrong: kind, shapes against the config, finite values, decreasing non-negative variances, orthonormal rows.
 */
import { PCA, type PcaMethod } from '../analysis/pca.js';
import { checkDataInfo, type DataInfo } from '../data/info.js';
import { type PreprocessMethod, Preprocessing } from '../data/preprocess.js';
import { AekitError, asAekitError } from '../errors.js';
import { checkTensorsCrc32, type ModelHeader, parseHeader, tensorsCrc32 } from './model-codec.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';
import { readSafetensors, writeSafetensors } from './safetensors-file.js';

export const PCA_KIND = 'PCA';
/** The sign rule PCA.fit applies; stored so a reader knows the components are not arbitrary up to sign. */
export const SIGN_CONVENTION = 'largest-abs-entry-positive';

export interface PcaFileConfig {
  components: number;
  dim: number;
  nSamples: number;
  totalVariance: number;
  method: PcaMethod;
  signConvention: string;
}

/** What a PCA file holds besides the PCA: the data it was fitted on and the preprocessing applied first. */
export interface PcaExtras {
  data?: DataInfo | null;
  preprocessing?: Preprocessing | null;
}

/** Tensors of the preprocessing, named as in the model file. */
const PREP = 'preprocessing.';

function contents(pca: PCA, training?: Record<string, unknown>, extras: PcaExtras = {}): { tensors: Record<string, SafeTensor>; metadata: Record<string, string> } {
  const s = pca.toState();
  const k = pca.nComponents, d = pca.dim;
  const config: PcaFileConfig = {
    components: k, dim: d, nSamples: s.nSamples, totalVariance: s.totalVariance, method: s.method, signConvention: SIGN_CONVENTION,
  };
  const prep = extras.preprocessing;
  const header = {
    aekit_format: 1, kind: PCA_KIND, config, ...(training ? { training } : {}), ...(extras.data ? { data: extras.data } : {}),
    ...(prep ? { preprocessing: { method: prep.method } } : {}),
  };
  const tensors: Record<string, SafeTensor> = {
    components: { dtype: 'F64', shape: [k, d], data: s.components },
    mean: { dtype: 'F64', shape: [d], data: s.mean },
    explained_variance: { dtype: 'F64', shape: [k], data: s.explainedVariance },
  };
  if (prep) {
    const vec = (v: Float64Array): SafeTensor => ({ dtype: 'F64', shape: [v.length], data: v });
    tensors[`${PREP}shift`] = vec(prep.shift);
    tensors[`${PREP}scale`] = vec(prep.scale);
    if (prep.fill) tensors[`${PREP}fill`] = vec(prep.fill);
  }
  // The weights' checksum, as in the model file (model-codec.ts tensorsCrc32): a flipped bit fails the load.
  return { tensors, metadata: { aekit: JSON.stringify({ ...header, tensors_crc32: tensorsCrc32(tensors) }) } };
}

export function encodePca(pca: PCA, training?: Record<string, unknown>, extras: PcaExtras = {}): Uint8Array {
  const c = contents(pca, training, extras);
  return encodeSafetensors(c.tensors, c.metadata);
}

/** Writes the PCA file atomically: an existing file survives any failure. */
export function savePca(path: string, pca: PCA, training?: Record<string, unknown>, extras: PcaExtras = {}): void {
  const c = contents(pca, training, extras);
  writeSafetensors(path, c.tensors, c.metadata);
}

export interface LoadedPca {
  pca: PCA;
  config: PcaFileConfig;
  training?: Record<string, unknown>;
  /** What the PCA was fitted on, or null (files written before PCA files kept it). */
  data: DataInfo | null;
  /** Data units -> the PCA's input units, or null (older files: the PCA takes the values as they are). */
  preprocessing: Preprocessing | null;
}

/** The preprocessing saved in the file, checked against the PCA's dimension. */
function readPreprocessing(header: ModelHeader, tensors: Record<string, SafeTensor>, d: number, fail: (msg: string) => never): Preprocessing | null {
  const p = header.preprocessing;
  if (p === undefined) return null;
  if (typeof p !== 'object' || p === null) fail('preprocessing must be an object { method }');
  const vec = (name: string): Float64Array | null => {
    const t = tensors[`${PREP}${name}`];
    if (!t) return null;
    if (t.shape.length !== 1) fail(`tensor '${PREP}${name}' must be a vector, got [${t.shape.join(', ')}]`);
    return Float64Array.from(t.data);
  };
  const shift = vec('shift'), scale = vec('scale');
  if (!shift || !scale) fail('the preprocessing has no shift or scale tensor');
  let prep: Preprocessing;
  try {
    prep = new Preprocessing({ method: p.method as PreprocessMethod, shift: shift!, scale: scale!, fill: vec('fill') });
  } catch (e) {
    return fail((e as Error).message);
  }
  if (d % prep.period !== 0) fail(`the preprocessing works on groups of ${prep.period} values, but the PCA's samples have ${d}`);
  return prep;
}

function build(tensors: Record<string, SafeTensor>, metadata: Record<string, string>, source: string): LoadedPca {
  const header = parseHeader(metadata, source);
  if (header.kind !== PCA_KIND) throw new AekitError(`${source}: holds a ${header.kind}, not a PCA`);
  const cfg = header.config as Partial<PcaFileConfig>;
  const fail = (msg: string, code: 'E_FORMAT' | 'E_VALUE' = 'E_FORMAT'): never => { throw new AekitError(`${source}: invalid PCA file: ${msg}`, code); };
  const posInt = (name: keyof PcaFileConfig): number => {
    const v = cfg[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) fail(`config.${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const k = posInt('components'), d = posInt('dim'), nSamples = posInt('nSamples');
  if (k > d) fail(`config says ${k} components of dimension ${d}`);
  const total = cfg.totalVariance;
  if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) fail(`config.totalVariance must be a finite number >= 0, got ${JSON.stringify(total)}`);
  if (cfg.method !== 'covariance' && cfg.method !== 'svd') fail(`config.method must be 'covariance' or 'svd', got ${JSON.stringify(cfg.method)}`);

  const expected: Record<string, number[]> = { components: [k, d], mean: [d], explained_variance: [k] };
  for (const name of Object.keys(tensors)) if (!(name in expected) && !name.startsWith(PREP)) fail(`unexpected tensor '${name}'`);
  const arrays: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(expected)) {
    const t = tensors[name];
    if (!t) fail(`missing tensor '${name}'`);
    if (t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i])) {
      fail(`tensor '${name}' has shape [${t.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
    }
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) fail(`tensor '${name}' holds ${t.data[i]} at element ${i}`, 'E_VALUE');
    arrays[name] = t.data instanceof Float64Array ? t.data : Float64Array.from(t.data);
  }
  const ev = arrays.explained_variance, comp = arrays.components;
  // Loose tolerances: a file written in F32 by another tool is still a valid PCA.
  for (let i = 0; i < k; i++) {
    if (ev[i] < 0) fail(`explained_variance[${i}] is negative (${ev[i]})`);
    if (i > 0 && ev[i] > ev[i - 1] * (1 + 1e-6) + 1e-12) fail(`explained_variance is not decreasing at ${i} (${ev[i - 1]} then ${ev[i]})`);
  }
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += comp[a * d + j] * comp[b * d + j];
      if (Math.abs(dot - (a === b ? 1 : 0)) > 1e-4) {
        fail(a === b ? `component ${a} has length ${Math.sqrt(dot)}, not 1` : `components ${a} and ${b} are not orthogonal (dot ${dot})`);
      }
    }
  }
  const pca = asAekitError('E_FORMAT', () => PCA.fromState({ components: comp, mean: arrays.mean, explainedVariance: ev, totalVariance: total as number, nSamples, method: cfg.method as PcaMethod }));
  const config: PcaFileConfig = { components: k, dim: d, nSamples, totalVariance: total as number, method: cfg.method as PcaMethod, signConvention: String(cfg.signConvention ?? '') };
  const data = header.data === undefined ? null : asAekitError('E_FORMAT', () => checkDataInfo(header.data, source));
  if (data && data.sampleShape.reduce((a, b) => a * b, 1) !== d) fail(`the data info describes samples of [${data.sampleShape.join(', ')}], but the PCA's have ${d} values`);
  const preprocessing = readPreprocessing(header, tensors, d, fail);
  // Last: a file that fails a check above gets that check's message; one that passes them all but is not what
  // was written (a flipped bit in a component that still looks orthonormal to 1e-4) fails here.
  checkTensorsCrc32(header, tensors, source);
  return { pca, config, ...(header.training ? { training: header.training } : {}), data, preprocessing };
}

export function decodePca(bytes: Uint8Array, source = '<bytes>'): LoadedPca {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  return build(tensors, metadata, source);
}

/** Reads and validates a PCA file written by savePca (or by any tool following the same layout). */
export function loadPca(path: string): LoadedPca {
  const { tensors, metadata } = readSafetensors(path);
  return build(tensors, metadata, path);
}
