/**
 * Preprocessing: the per-feature affine map from the data's own units to the model's, fitted on the training
 * split only and saved in the model file, so every later command (and the browser) feeds a model exactly what
 * it was trained on and writes its outputs back in the data's units.
 *
 *   transform(x) = (x - shift[j]) * (1 / scale[j])      inverse(z) = z * scale[j] + shift[j]
 *
 * with j = (position in the sample) mod `period`: a table's column, a sequence's feature (the same at every
 * step), an image's channel, or one value for all when period is 1. Methods:
 *   'none'         shift 0, scale 1;
 *   'scale'        shift 0, scale = the top of the source's value range (255 for 8-bit images: [0, 1]);
 *   'minmax'       shift = min, scale = max - min (to [0, 1]); a constant feature gets scale 1;
 *   'standardize'  shift = mean, scale = population std (scikit-learn's StandardScaler); constant -> scale 1.
 * A NaN (a missing cell kept by `--missing mean`) becomes `fill[j]`, the feature's mean over the non-missing
 * training values, before the map.
 *
 * Why multiply by 1/scale instead of dividing: a uint8 Dataset scaled by 1/255 in `gather` (how MNIST is kept
 * in memory) then gives bit for bit the values `transform` gives, so images need not be copied to float32.
 * Statistics are float64 sums taken in sample order, so fitting in one pass over memory or chunk by chunk over
 * a file gives the same numbers.
 */
import { Dataset } from './dataset.js';
import { type DataInfo, featureAxis } from './info.js';

const FLOAT32_MAX = 3.4028234663852886e38;

export type PreprocessMethod = 'none' | 'scale' | 'minmax' | 'standardize';
export const PREPROCESS_METHODS: readonly PreprocessMethod[] = ['none', 'scale', 'minmax', 'standardize'];

/** Running sums for fitting, fed in sample order (see the module comment). */
export class PreprocessStats {
  readonly sum: Float64Array;
  readonly count: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  private sq: Float64Array | null = null;
  private mean: Float64Array | null = null;

  constructor(readonly period: number) {
    if (!Number.isSafeInteger(period) || period <= 0) throw new Error(`preprocessing period must be a positive integer, got ${period}`);
    this.sum = new Float64Array(period);
    this.count = new Float64Array(period);
    this.min = new Float64Array(period).fill(Infinity);
    this.max = new Float64Array(period).fill(-Infinity);
  }

  /** First pass: sums, counts, minima and maxima of packed samples (NaN skipped). `scale` as Dataset's. */
  add(values: ArrayLike<number>, scale = 1): void {
    const p = this.period;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] * scale;
      if (Number.isNaN(v)) continue;
      const j = i % p;
      this.sum[j] += v;
      this.count[j]++;
      if (v < this.min[j]) this.min[j] = v;
      if (v > this.max[j]) this.max[j] = v;
    }
  }

  /** Second pass (standardize only): squared deviations from the first pass's means. */
  addSquares(values: ArrayLike<number>, scale = 1): void {
    const p = this.period;
    const mean = (this.mean ??= this.means());
    const sq = (this.sq ??= new Float64Array(p));
    for (let i = 0; i < values.length; i++) {
      const v = values[i] * scale;
      if (Number.isNaN(v)) continue;
      const j = i % p;
      sq[j] += (v - mean[j]) ** 2;
    }
  }

  means(): Float64Array {
    return this.sum.map((s, j) => (this.count[j] ? s / this.count[j] : 0));
  }

  /** Population std per feature (needs the second pass). */
  stds(): Float64Array {
    if (!this.sq) throw new Error('PreprocessStats: addSquares was never called');
    return this.sq.map((s, j) => (this.count[j] ? Math.sqrt(s / this.count[j]) : 0));
  }
}

export interface PreprocessingState {
  method: PreprocessMethod;
  shift: Float64Array;
  scale: Float64Array;
  /** Per-feature values for NaN cells (the training means), or null (then a NaN is an error). */
  fill: Float64Array | null;
}

export class Preprocessing {
  readonly method: PreprocessMethod;
  readonly shift: Float64Array;
  readonly scale: Float64Array;
  readonly fill: Float64Array | null;
  private readonly inv: Float64Array;

  constructor(state: PreprocessingState) {
    const { method, shift, scale, fill } = state;
    if (!PREPROCESS_METHODS.includes(method)) throw new Error(`preprocessing method must be one of ${PREPROCESS_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
    if (shift.length === 0 || shift.length !== scale.length || (fill && fill.length !== shift.length)) {
      throw new Error(`preprocessing: shift, scale (and fill) need one equal, non-zero length; got ${shift.length}, ${scale.length}${fill ? `, ${fill.length}` : ''}`);
    }
    for (const [name, v] of [['shift', shift], ['scale', scale], ['fill', fill ?? []]] as const) {
      for (let j = 0; j < v.length; j++) {
        if (!Number.isFinite(v[j]) || (name === 'scale' && v[j] <= 0)) throw new Error(`preprocessing: ${name}[${j}] is ${v[j]}${name === 'scale' ? ' (scales must be finite and > 0)' : ''}`);
      }
    }
    this.method = method;
    this.shift = Float64Array.from(shift);
    this.scale = Float64Array.from(scale);
    this.fill = fill ? Float64Array.from(fill) : null;
    this.inv = this.scale.map((s) => 1 / s);
  }

  /** The identity (values go to the model as they are). */
  static none(period = 1): Preprocessing {
    return new Preprocessing({ method: 'none', shift: new Float64Array(period), scale: new Float64Array(period).fill(1), fill: null });
  }

  /** 'scale' by the top of a fixed value range (e.g. 255), the same for every feature. */
  static scaleBy(top: number): Preprocessing {
    return new Preprocessing({ method: 'scale', shift: new Float64Array(1), scale: Float64Array.of(top), fill: null });
  }

  /** Builds the map from finished statistics (`stats.stds()` is needed for 'standardize' only). */
  static fromStats(method: PreprocessMethod, stats: PreprocessStats, opts: { valueTop?: number } = {}): Preprocessing {
    const p = stats.period;
    for (let j = 0; j < p; j++) if (stats.count[j] === 0) throw new Error(`preprocessing: feature ${j} has no value in the training data`);
    const fill = stats.means();
    let shift: Float64Array, scale: Float64Array;
    switch (method) {
      case 'none':
        shift = new Float64Array(p); scale = new Float64Array(p).fill(1); break;
      case 'scale':
        shift = new Float64Array(p); scale = new Float64Array(p).fill(opts.valueTop ?? Math.max(...stats.max.map(Math.abs), 1)); break;
      case 'minmax':
        shift = Float64Array.from(stats.min); scale = stats.max.map((hi, j) => (hi - stats.min[j]) || 1); break;
      case 'standardize':
        shift = fill.slice(); scale = stats.stds().map((s) => s || 1); break;
    }
    return new Preprocessing({ method, shift, scale, fill });
  }

  /** Fits `method` on a Dataset in memory (two passes for 'standardize'); `period` as in the module comment. */
  static fit(ds: Dataset, method: PreprocessMethod, period: number, opts: { valueTop?: number } = {}): Preprocessing {
    const stats = new PreprocessStats(period);
    stats.add(ds.values, ds.scale);
    if (method === 'standardize') stats.addSquares(ds.values, ds.scale);
    return Preprocessing.fromStats(method, stats, opts);
  }

  get period(): number {
    return this.shift.length;
  }

  /** True when the map does nothing. */
  get isIdentity(): boolean {
    return this.shift.every((s) => s === 0) && this.scale.every((s) => s === 1) && this.fill === null;
  }

  /**
   * Model-space float32 values of packed data-unit values (`scale` is a Dataset's storage factor). `out` may be
   * `values` itself (in place). Loops row by row instead of taking i mod period per value: this runs on every
   * window of a streamed epoch.
   */
  transform(values: ArrayLike<number>, out?: Float32Array, scale = 1): Float32Array {
    const o = out ?? new Float32Array(values.length);
    const p = this.period, shift = this.shift, inv = this.inv, fill = this.fill;
    for (let base = 0; base < values.length; base += p) {
      const m = Math.min(p, values.length - base);
      for (let j = 0; j < m; j++) {
        let v = values[base + j] * scale;
        if (v !== v) {
          if (!fill) throw new Error(`preprocessing: value ${base + j} is missing (NaN) and this preprocessing has no fill values`);
          v = fill[j];
        }
        const z = (v - shift[j]) * inv[j];
        // Written as a comparison that is false for NaN too: a non-finite input (or an overflow) is caught here,
        // in the pass that writes the value, so a Dataset of the output need not check it again.
        if (!(Math.abs(z) <= FLOAT32_MAX)) throw new Error(`preprocessing: value ${base + j} is ${values[base + j]}, which is ${z} after ${this.method} (inputs must be finite numbers)`);
        o[base + j] = z;
      }
    }
    return o;
  }

  /** Data-unit values of model-space values (reconstructions, decoded samples). */
  inverse(values: ArrayLike<number>, out?: Float32Array): Float32Array {
    const o = out ?? new Float32Array(values.length);
    const p = this.period, shift = this.shift, scale = this.scale;
    for (let base = 0; base < values.length; base += p) {
      const m = Math.min(p, values.length - base);
      for (let j = 0; j < m; j++) o[base + j] = values[base + j] * scale[j] + shift[j];
    }
    return o;
  }

  /**
   * `ds` in model space. A uint8 Dataset under a pure global scale stays uint8 with the scale folded into
   * Dataset.scale (no copy; the same float32 values, see the module comment); anything else is copied to float32.
   */
  apply(ds: Dataset): Dataset {
    if (ds.sampleSize % this.period !== 0) {
      throw new Error(`preprocessing works on groups of ${this.period} values, but samples have ${ds.sampleSize}`);
    }
    const meta = { ...(ds.labels ? { labels: ds.labels } : {}), ...(ds.ids ? { ids: ds.ids } : {}) };
    if (ds.values instanceof Uint8Array && this.period === 1 && this.shift[0] === 0 && ds.scale === 1) {
      return Dataset.fromTyped(ds.values, ds.length, ds.sampleShape, { ...meta, scale: this.inv[0] });
    }
    return Dataset.fromTyped(this.transform(ds.values, undefined, ds.scale), ds.length, ds.sampleShape, { ...meta, checked: true });
  }

  toState(): PreprocessingState {
    return { method: this.method, shift: this.shift.slice(), scale: this.scale.slice(), fill: this.fill ? this.fill.slice() : null };
  }
}

/**
 * The default method for a kind of data (what `aekit train --help` states, and what the playground uses):
 * 8-bit data divided by the top of its value range, other images min-max to [0, 1], tables and sequences
 * standardized.
 */
export function preprocessFor(info: Pick<DataInfo, 'kind' | 'valueRange'>): PreprocessMethod {
  if (info.kind === 'image') return info.valueRange ? 'scale' : 'minmax';
  return 'standardize';
}

/** `method` fitted on the training samples only (see the module comment), for data described by `info`. */
export function fitPreprocessing(method: PreprocessMethod, info: DataInfo, train: Dataset): Preprocessing {
  if (method === 'scale') {
    if (!info.valueRange) throw new Error(`scale divides by the top of a fixed value range (255 for 8-bit images), and ${info.source} has none: use minmax or standardize`);
    return Preprocessing.scaleBy(info.valueRange[1]);
  }
  // Images share one statistic over all pixels (a per-pixel mean would whiten the borders of every digit);
  // tables and sequences get one per feature.
  return Preprocessing.fit(train, method, info.kind === 'image' ? 1 : featureAxis(info));
}
