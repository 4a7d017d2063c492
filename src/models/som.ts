/**
 * Self-organizing (Kohonen) map, seed 003's unsupervised net: a rows x cols grid of nodes, each holding a
 * weight vector the size of a sample. Training repeats: take the next sample (seeded random order), find its
 * best-matching unit (BMU, the nearest weight vector in Euclidean distance), and pull every node towards
 * the sample in proportion to a Gaussian of its grid distance to the BMU:
 *
 *   w_j += lr(t) * exp(-d_grid(j, bmu)^2 / (2 sigma(t)^2)) * (x - w_j)
 *
 * Schedule over the T iterations of one fit call, with p = t / (T - 1) running from 0 to 1:
 *   'exponential' (default): v(t) = v0 * (vEnd / v0)^p, i.e. v0 * exp(-t / tau) with tau = (T - 1) / ln(v0 / vEnd)
 *   'linear':                v(t) = v0 + (vEnd - v0) * p
 * for both the radius sigma (sigma -> sigmaEnd) and the learning rate (learningRate -> learningRateEnd).
 *
 * No autograd here: the update is not a gradient of one loss, and plain typed-array loops are the fast way.
 */
import type { Inputs } from '../data/inputs.js';
import { Dataset } from '../data/dataset.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';

export type SomDecay = 'exponential' | 'linear';
export type SomInit = 'uniform' | 'samples';

export interface SOMConfig {
  rows: number;
  cols: number;
  /** Values per sample (weight vector length). */
  dim: number;
  /** Neighbourhood radius (Gaussian sigma, in grid cells) at the first iteration; default max(rows, cols) / 2. */
  sigma?: number;
  /** Radius at the last iteration; default 0.5 (by then a node barely moves its neighbours). */
  sigmaEnd?: number;
  learningRate?: number;
  learningRateEnd?: number;
  decay?: SomDecay;
  /** 'uniform' (default): uniform within each feature's data range; 'samples': random samples of the data. */
  init?: SomInit;
  /** Seeds the initial weights and the sample order. */
  seed?: number;
}

export interface SomFitOptions {
  /** Number of single-sample updates. */
  iterations?: number;
  /** Alternatively, passes over the data (iterations = epochs * n). Default 10 epochs. */
  epochs?: number;
}

/**
 * Neighbourhood weights below this are skipped: the Gaussian is cut at d > sigma * sqrt(2 ln 1e4) ≈ 4.3 sigma,
 * which keeps late iterations (small sigma) from touching every node for a change of less than 1e-4 * lr.
 */
const NEIGHBOUR_CUTOFF = 1e-4;

/** Samples as one flat row-major matrix [n, dim]. */
function toMatrix(data: Inputs, dim: number): { x: Float32Array | Float64Array; n: number } {
  let x: Float32Array | Float64Array, size: number, n: number;
  if (data instanceof Dataset) {
    [x, size, n] = [data.toFloat32(), data.sampleSize, data.length];
  } else if (data instanceof Tensor) {
    if (data.ndim < 1) throw new Error('SOM data must have a sample axis');
    [x, size, n] = [data.toTypedArray(), data.shape.slice(1).reduce((a, b) => a * b, 1), data.shape[0]];
  } else if (Array.isArray(data)) {
    n = data.length;
    size = n ? data[0].length : dim;
    x = new Float64Array(n * size);
    data.forEach((row, i) => {
      if (row.length !== size) throw new Error(`SOM data: row ${i} has ${row.length} values, row 0 has ${size}`);
      x.set(row, i * size);
    });
  } else throw new Error('SOM data must be a Tensor, a Dataset or an array of rows');
  if (size !== dim) throw new Error(`SOM data has ${size} values per sample, the map's weight vectors have ${dim}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new Error(`SOM data: sample ${Math.floor(i / dim)}, value ${i % dim} is ${x[i]}`);
  }
  return { x, n };
}

export class SOM {
  readonly config: Required<SOMConfig>;
  /**
   * Node weights [rows * cols, dim], row-major over the grid: node (r, c) is index r * cols + c. Set by
   * initialize(), which the first fit() calls unless it has already run (so call it after writing weights by hand).
   */
  readonly weights: Float64Array;
  /** Updates applied so far, over all fit calls. */
  iterations = 0;
  private initialized = false;
  private readonly initRng: Rng;
  private readonly orderRng: Rng;

  constructor(config: SOMConfig) {
    const { rows, cols, dim } = config;
    for (const [k, v] of [['rows', rows], ['cols', cols], ['dim', dim]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`SOM: ${k} must be a positive integer, got ${v}`);
    }
    this.config = {
      rows, cols, dim,
      sigma: config.sigma ?? Math.max(rows, cols) / 2,
      sigmaEnd: config.sigmaEnd ?? 0.5,
      learningRate: config.learningRate ?? 0.5,
      learningRateEnd: config.learningRateEnd ?? 0.01,
      decay: config.decay ?? 'exponential',
      init: config.init ?? 'uniform',
      seed: config.seed ?? 0,
    };
    const c = this.config;
    for (const [k, v0, v1] of [['sigma', c.sigma, c.sigmaEnd], ['learningRate', c.learningRate, c.learningRateEnd]] as const) {
      if (!(v0 > 0 && v1 > 0 && Number.isFinite(v0))) throw new Error(`SOM: ${k} and ${k}End must be positive numbers, got ${v0} and ${v1}`);
    }
    if (c.decay !== 'exponential' && c.decay !== 'linear') throw new Error(`SOM: decay must be 'exponential' or 'linear', got '${String(c.decay)}'`);
    if (c.init !== 'uniform' && c.init !== 'samples') throw new Error(`SOM: init must be 'uniform' or 'samples', got '${String(c.init)}'`);
    this.weights = new Float64Array(rows * cols * dim);
    const rng = new Rng(c.seed);
    this.initRng = rng.split();
    this.orderRng = rng.split();
  }

  get size(): number {
    return this.config.rows * this.config.cols;
  }

  /** Grid position [row, col] of node `i`. */
  position(i: number): [number, number] {
    return [Math.floor(i / this.config.cols), i % this.config.cols];
  }

  /** Radius and learning rate at iteration t (0-based) of a fit call of `total` iterations. */
  schedule(t: number, total: number): { sigma: number; learningRate: number } {
    const c = this.config;
    const p = total > 1 ? Math.min(Math.max(t / (total - 1), 0), 1) : 0;
    const at = (v0: number, v1: number): number => (c.decay === 'linear' ? v0 + (v1 - v0) * p : v0 * Math.pow(v1 / v0, p));
    return { sigma: at(c.sigma, c.sigmaEnd), learningRate: at(c.learningRate, c.learningRateEnd) };
  }

  /** Sets the initial weights from the data (fit does this on its first call). */
  initialize(data: Inputs): void {
    const { x, n } = toMatrix(data, this.config.dim);
    if (n === 0) throw new Error('SOM: cannot initialize from an empty data set');
    const d = this.config.dim, w = this.weights, rng = this.initRng;
    if (this.config.init === 'samples') {
      for (let j = 0; j < this.size; j++) {
        const i = rng.int(n);
        w.set(x.subarray(i * d, i * d + d), j * d);
      }
    } else {
      const lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < d; k++) {
          const v = x[i * d + k];
          if (v < lo[k]) lo[k] = v;
          if (v > hi[k]) hi[k] = v;
        }
      }
      for (let j = 0; j < this.size; j++) for (let k = 0; k < d; k++) w[j * d + k] = rng.uniform(lo[k], hi[k]);
    }
    this.initialized = true;
  }

  /** Trains on `data` (see the module comment for the rule and the schedule). Returns the iterations run and the time. */
  fit(data: Inputs, opts: SomFitOptions = {}): { iterations: number; seconds: number } {
    const { x, n } = toMatrix(data, this.config.dim);
    if (n === 0) throw new Error('SOM: no training samples');
    if (opts.iterations !== undefined && opts.epochs !== undefined) throw new Error('SOM.fit: give iterations or epochs, not both');
    const total = opts.iterations ?? (opts.epochs ?? 10) * n;
    if (!Number.isInteger(total) || total <= 0) throw new Error(`SOM.fit: iterations must be a positive integer, got ${total}`);
    if (!this.initialized) this.initialize(data);
    const { rows, cols, dim: d } = this.config;
    const w = this.weights;
    const gr = new Float64Array(rows), gc = new Float64Array(cols);
    const start = performance.now();
    let order = this.orderRng.permutation(n);
    for (let t = 0; t < total; t++) {
      if (t > 0 && t % n === 0) order = this.orderRng.permutation(n); // a fresh random order each pass
      const off = order[t % n] * d;
      const b = this.nearest(x, off)[0];
      const br = Math.floor(b / cols), bc = b % cols;
      const { sigma, learningRate } = this.schedule(t, total);
      // The Gaussian of grid distance factorizes into a row part and a column part.
      const s2 = 2 * sigma * sigma;
      for (let r = 0; r < rows; r++) gr[r] = Math.exp(-((r - br) ** 2) / s2);
      for (let c = 0; c < cols; c++) gc[c] = Math.exp(-((c - bc) ** 2) / s2);
      for (let r = 0; r < rows; r++) {
        if (gr[r] < NEIGHBOUR_CUTOFF) continue;
        for (let c = 0; c < cols; c++) {
          const h = gr[r] * gc[c];
          if (h < NEIGHBOUR_CUTOFF) continue;
          const a = learningRate * h;
          const o = (r * cols + c) * d;
          for (let k = 0; k < d; k++) w[o + k] += a * (x[off + k] - w[o + k]);
        }
      }
    }
    this.iterations += total;
    return { iterations: total, seconds: (performance.now() - start) / 1000 };
  }

  /** The two nearest nodes [first, second] to the sample at x[off..off+dim] and the first one's squared distance. */
  private nearest(x: ArrayLike<number>, off: number): [number, number, number] {
    const d = this.config.dim, w = this.weights;
    let b1 = -1, b2 = -1, d1 = Infinity, d2 = Infinity;
    for (let j = 0, o = 0; j < this.size; j++, o += d) {
      let s = 0;
      for (let k = 0; k < d && s < d2; k++) {
        const e = x[off + k] - w[o + k];
        s += e * e;
      }
      if (s < d1) [b2, d2, b1, d1] = [b1, d1, j, s];
      else if (s < d2) [b2, d2] = [j, s];
    }
    return [b1, b2, d1];
  }

  /** Index of the best-matching unit of one sample (ties: the lowest index). */
  bmu(sample: ArrayLike<number>): number {
    if (sample.length !== this.config.dim) throw new Error(`SOM.bmu: the sample has ${sample.length} values, the map expects ${this.config.dim}`);
    return this.nearest(sample, 0)[0];
  }

  /**
   * One pass over the data: every sample's BMU, the quantization error (mean Euclidean distance from a
   * sample to its BMU's weights) and the topographic error (fraction of samples whose first and second BMUs
   * are not grid neighbours; neighbours are the 8 surrounding cells, diagonals included, as MiniSom counts
   * them on a rectangular grid; NaN for a one-node map).
   */
  evaluate(data: Inputs): { bmus: Int32Array; quantizationError: number; topographicError: number } {
    const { x, n } = toMatrix(data, this.config.dim);
    const bmus = new Int32Array(n);
    let dist = 0, bad = 0;
    for (let i = 0; i < n; i++) {
      const [b1, b2, d1] = this.nearest(x, i * this.config.dim);
      bmus[i] = b1;
      dist += Math.sqrt(d1);
      const [r1, c1] = this.position(b1), [r2, c2] = this.position(b2);
      if (b2 >= 0 && Math.max(Math.abs(r1 - r2), Math.abs(c1 - c2)) > 1) bad++;
    }
    return {
      bmus,
      quantizationError: n ? dist / n : NaN,
      topographicError: n && this.size > 1 ? bad / n : NaN,
    };
  }

  /** Best-matching unit of every sample. */
  bmus(data: Inputs): Int32Array {
    return this.evaluate(data).bmus;
  }

  /** Mean Euclidean distance from each sample to its BMU's weight vector. */
  quantizationError(data: Inputs): number {
    return this.evaluate(data).quantizationError;
  }

  /** Fraction of samples whose first and second BMUs are not grid neighbours (see `evaluate`). */
  topographicError(data: Inputs): number {
    return this.evaluate(data).topographicError;
  }

  /** U-matrix: each node's mean Euclidean weight distance to its (up to 8) grid neighbours, [rows * cols]. */
  uMatrix(): Float64Array {
    const { rows, cols, dim: d } = this.config;
    const w = this.weights, out = new Float64Array(this.size);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sum = 0, count = 0;
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            const rr = r + dr, cc = c + dc;
            if ((dr === 0 && dc === 0) || rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
            let s = 0;
            for (let k = 0, a = (r * cols + c) * d, b = (rr * cols + cc) * d; k < d; k++) s += (w[a + k] - w[b + k]) ** 2;
            sum += Math.sqrt(s);
            count++;
          }
        }
        out[r * cols + c] = count ? sum / count : 0;
      }
    }
    return out;
  }

  /** How many samples each node wins. */
  hits(data: Inputs): Int32Array {
    const out = new Int32Array(this.size);
    for (const b of this.bmus(data)) out[b]++;
    return out;
  }

  /**
   * Majority label of the samples each node wins (ties: the smaller label), -1 for nodes that win none.
   * `data` may also be the samples' BMUs from `evaluate`, which saves a pass over the data.
   */
  labelMap(data: Inputs | Int32Array, labels: ArrayLike<number>): Int32Array {
    const b = data instanceof Int32Array ? data : this.bmus(data);
    if (labels.length !== b.length) throw new Error(`SOM.labelMap: ${b.length} samples but ${labels.length} labels`);
    const votes = new Map<number, Map<number, number>>();
    for (let i = 0; i < b.length; i++) {
      const v = votes.get(b[i]) ?? new Map<number, number>();
      v.set(labels[i], (v.get(labels[i]) ?? 0) + 1);
      votes.set(b[i], v);
    }
    const out = new Int32Array(this.size).fill(-1);
    for (const [node, v] of votes) {
      let best = -1, bestCount = 0;
      for (const [label, count] of v) if (count > bestCount || (count === bestCount && label < best)) [best, bestCount] = [label, count];
      out[node] = best;
    }
    return out;
  }
}
