/**
 * Principal component analysis, the linear baseline autoencoders are measured against (MISSION §5).
 *
 *   const pca = new PCA().fit(loadMnist('train'), { components: 32 });
 *   const codes = pca.transform(test);             // Float64Array [n x 32], row-major
 *   const back = pca.inverseTransform(codes);      // Float64Array [n x 784]
 *
 * Everything is float64. The eigen/SVD step is ml-matrix's; two ways to get there (`method`):
 *   - 'covariance' (default when n >= d, e.g. MNIST: d = 784, n up to 60000): accumulate the d x d scatter
 *     matrix in one streaming pass (never materialising the n x d data), then a symmetric eigendecomposition.
 *     Its cost is O(n * nnz^2) + O(d^3) (~5 s for d = 784), independent of n after the pass. When most values
 *     are exactly zero (MNIST pixels: ~80 %) the pass skips the zeros and accumulates raw second moments,
 *     correcting by the mean afterwards; otherwise it accumulates already-centred rows (no cancellation).
 *   - 'svd' (default when n < d): SVD of the centred n x d data, which stays exact when the covariance
 *     matrix would be rank-deficient and larger than the data.
 * Variances use the n - 1 denominator (as scikit-learn). Components are sorted by decreasing variance and
 * their sign is fixed so that each one's largest-|value| entry is positive (first such entry on ties), so the
 * same data always gives the same components, whichever method ran.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Dataset } from '../data/dataset.js';
import { Tensor } from '../tensor/tensor.js';

export type PcaInput = Float32Array | Float64Array | number[][] | Dataset | Tensor;
export type PcaMethod = 'covariance' | 'svd';

export interface PcaFitOptions {
  components: number;
  /** Samples in a flat typed array (give `n` or `dim`; the other follows from the length). */
  n?: number;
  /** Values per sample in a flat typed array. */
  dim?: number;
  /** Default: 'covariance' when n >= dim, else 'svd' (see the module comment). */
  method?: PcaMethod;
}

/** Everything a fitted PCA is; what the PCA file stores. */
export interface PcaState {
  components: Float64Array; // [k x d], row-major, orthonormal rows
  mean: Float64Array; // [d]
  explainedVariance: Float64Array; // [k], decreasing
  totalVariance: number; // trace of the covariance: the variance all d components would explain
  nSamples: number;
  method: PcaMethod;
}

const CHUNK = 1024;

interface Rows {
  n: number;
  d: number;
  /** Row-major chunks of at most CHUNK rows, checked finite. */
  chunks(): Iterable<{ start: number; count: number; data: Float32Array | Float64Array }>;
}

function positiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new Error(`${what} must be a positive integer, got ${String(v)}`);
  return v;
}

/** One view over every accepted input kind, so fitting and transforming stream the same way. */
function rows(x: PcaInput, what: string, shape: { n?: number; dim?: number }): Rows {
  if (x instanceof Dataset) {
    // Dataset checks its float values at construction, and uint8 needs no check.
    return {
      n: x.length, d: x.sampleSize,
      *chunks() {
        for (let s = 0; s < x.length; s += CHUNK) {
          const count = Math.min(CHUNK, x.length - s);
          yield { start: s, count, data: x.gather(Uint32Array.from({ length: count }, (_, i) => s + i)) };
        }
      },
    };
  }
  if (x instanceof Tensor) {
    if (x.ndim < 2) throw new Error(`${what}: a tensor input must be [samples, ...features], got rank ${x.ndim}`);
    return flat(x.toTypedArray(), x.shape[0], x.size / x.shape[0], what);
  }
  if (x instanceof Float32Array || x instanceof Float64Array) {
    let { n, dim } = shape;
    if (n === undefined && dim === undefined) throw new Error(`${what}: a flat array needs its shape: give n (samples) or dim (values per sample)`);
    if (n !== undefined) positiveInt(`${what}: n`, n);
    if (dim !== undefined) positiveInt(`${what}: dim`, dim);
    n ??= x.length / dim!;
    dim ??= x.length / n;
    if (!Number.isInteger(n) || !Number.isInteger(dim) || n * dim !== x.length) {
      throw new Error(`${what}: a flat array of ${x.length} values cannot hold ${shape.n ?? '?'} samples of ${shape.dim ?? '?'} values`);
    }
    return flat(x, n, dim, what);
  }
  if (Array.isArray(x)) {
    // Copied once into float64 (an array of arrays is already several times that size).
    const n = x.length;
    const d = n > 0 && Array.isArray(x[0]) ? x[0].length : 0;
    if (n === 0 || d === 0) throw new Error(`${what}: rows must be a non-empty array of non-empty number arrays`);
    const data = new Float64Array(n * d);
    x.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== d) {
        throw new Error(`${what}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${d} (the length of row 0)`);
      }
      for (let j = 0; j < d; j++) data[r * d + j] = typeof row[j] === 'number' ? row[j] : NaN;
    });
    return flat(data, n, d, what);
  }
  throw new Error(`${what}: expected a Float32Array, Float64Array, array of rows, Dataset or Tensor`);
}

/** Rows over a packed typed array, each chunk checked for NaN/Infinity as it is read. */
function flat(data: Float32Array | Float64Array, n: number, d: number, what: string): Rows {
  return {
    n, d,
    *chunks() {
      for (let s = 0; s < n; s += CHUNK) {
        const count = Math.min(CHUNK, n - s);
        const part = data.subarray(s * d, (s + count) * d);
        const bad = part.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`${what}: sample ${s + Math.floor(bad / d)}, value ${bad % d} is ${part[bad]} (inputs must be finite numbers)`);
        yield { start: s, count, data: part };
      }
    },
  };
}

/** d x d scatter matrix sum (x - mean)(x - mean)^T, upper triangle accumulated then mirrored. */
function scatter(src: Rows, mean: Float64Array, sparse: boolean): Float64Array {
  const { d, n } = src;
  const s = new Float64Array(d * d);
  const idx = new Int32Array(d);
  const val = new Float64Array(d);
  const shift = sparse ? new Float64Array(d) : mean;
  for (const { count, data } of src.chunks()) {
    for (let r = 0; r < count; r++) {
      let m = 0;
      for (let j = 0; j < d; j++) {
        const v = data[r * d + j] - shift[j];
        if (v !== 0) { idx[m] = j; val[m++] = v; }
      }
      for (let a = 0; a < m; a++) {
        const base = idx[a] * d, va = val[a];
        for (let b = a; b < m; b++) s[base + idx[b]] += va * val[b];
      }
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      // sum (x-c)(x-c)^T = sum (x-mu)(x-mu)^T + n (mu-c)(mu-c)^T: remove the shift's share (zero when c = mu).
      const v = sparse ? s[i * d + j] - n * mean[i] * mean[j] : s[i * d + j];
      s[i * d + j] = v;
      s[j * d + i] = v;
    }
  }
  return s;
}

/** Flips each row (component) so its largest-|value| entry is positive. */
function fixSigns(comp: Float64Array, k: number, d: number): void {
  for (let c = 0; c < k; c++) {
    let best = 0;
    for (let j = 1; j < d; j++) if (Math.abs(comp[c * d + j]) > Math.abs(comp[c * d + best])) best = j;
    if (comp[c * d + best] < 0) for (let j = 0; j < d; j++) comp[c * d + j] = -comp[c * d + j];
  }
}

export class PCA {
  private s: PcaState | null = null;

  /** A fitted PCA from stored state (the PCA file); the arrays are copied. */
  static fromState(state: PcaState): PCA {
    const p = new PCA();
    const copy = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
    p.s = { ...state, components: copy(state.components), mean: copy(state.mean), explainedVariance: copy(state.explainedVariance) };
    return p;
  }

  fit(x: PcaInput, opts: PcaFitOptions): this {
    const k = positiveInt('PCA.fit: components', opts?.components);
    const src = rows(x, 'PCA.fit', opts);
    const { n, d } = src;
    if (n < 2) throw new Error(`PCA.fit: needs at least 2 samples to estimate a variance, got ${n}`);
    if (k > d) throw new Error(`PCA.fit: ${k} components requested but the data has only ${d} dimensions`);
    if (k > n) throw new Error(`PCA.fit: ${k} components requested but there are only ${n} samples`);
    const method = opts.method ?? (n >= d ? 'covariance' : 'svd');
    if (method !== 'covariance' && method !== 'svd') throw new Error(`PCA.fit: method must be 'covariance' or 'svd', got '${String(method)}'`);

    const mean = new Float64Array(d);
    let zeros = 0;
    for (const { count, data } of src.chunks()) {
      for (let i = 0; i < count * d; i++) {
        mean[i % d] += data[i];
        if (data[i] === 0) zeros++;
      }
    }
    for (let j = 0; j < d; j++) mean[j] /= n;

    let vectors: Matrix; // d x r, eigenvectors in columns
    let values: number[]; // r variances
    let totalVariance = 0;
    if (method === 'covariance') {
      const s = scatter(src, mean, zeros > 0.5 * n * d);
      const cov = new Matrix(d, d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov.set(i, j, s[i * d + j] / (n - 1));
      for (let i = 0; i < d; i++) totalVariance += cov.get(i, i);
      const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
      vectors = evd.eigenvectorMatrix;
      values = evd.realEigenvalues;
    } else {
      const xc = new Matrix(n, d);
      for (const { start, count, data } of src.chunks()) {
        for (let r = 0; r < count; r++) {
          for (let j = 0; j < d; j++) {
            const v = data[r * d + j] - mean[j];
            xc.set(start + r, j, v);
            totalVariance += v * v;
          }
        }
      }
      totalVariance /= n - 1;
      const svd = new SingularValueDecomposition(xc, { computeLeftSingularVectors: false, autoTranspose: true });
      vectors = svd.rightSingularVectors;
      values = svd.diagonal.map((sv) => (sv * sv) / (n - 1));
    }
    // Neither decomposition promises an order: sort explicitly (index order breaks ties, deterministically).
    const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
    const components = new Float64Array(k * d);
    const explainedVariance = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const col = order[c];
      explainedVariance[c] = Math.max(0, values[col]); // round-off can leave -1e-17 for a null direction
      for (let j = 0; j < d; j++) components[c * d + j] = vectors.get(j, col);
    }
    fixSigns(components, k, d);
    this.s = { components, mean, explainedVariance, totalVariance, nSamples: n, method };
    return this;
  }

  private get state(): PcaState {
    if (!this.s) throw new Error('PCA: not fitted yet (call fit first)');
    return this.s;
  }

  get fitted(): boolean { return this.s !== null; }
  get nComponents(): number { return this.state.explainedVariance.length; }
  get dim(): number { return this.state.mean.length; }
  get nSamples(): number { return this.state.nSamples; }
  get method(): PcaMethod { return this.state.method; }
  get totalVariance(): number { return this.state.totalVariance; }
  /** [k x d] row-major, one unit-length component per row (a copy). */
  get components(): Float64Array { return Float64Array.from(this.state.components); }
  get mean(): Float64Array { return Float64Array.from(this.state.mean); }
  /** Variance of the data along each component (n - 1 denominator). */
  get explainedVariance(): Float64Array { return Float64Array.from(this.state.explainedVariance); }
  /** Each component's share of the total variance (all d directions, not just the k kept). */
  get explainedVarianceRatio(): Float64Array {
    const t = this.state.totalVariance;
    return this.state.explainedVariance.map((v) => (t > 0 ? v / t : 0));
  }

  /** A copy of the state, for saving. */
  toState(): PcaState { return PCA.fromState(this.state).state; }

  /** The first `k` components only (PCA subspaces are nested, so this equals a fit with k components). */
  truncate(k: number): PCA {
    positiveInt('PCA.truncate: k', k);
    const s = this.state;
    if (k > this.nComponents) throw new Error(`PCA.truncate: ${k} components requested but the PCA has ${this.nComponents}`);
    return PCA.fromState({ ...s, components: s.components.subarray(0, k * this.dim), explainedVariance: s.explainedVariance.subarray(0, k) });
  }

  private input(x: PcaInput, what: string): Rows {
    const src = rows(x, what, { dim: this.dim });
    if (src.d !== this.dim) throw new Error(`${what}: samples have ${src.d} values, the PCA was fitted on ${this.dim}`);
    return src;
  }

  /** Codes (x - mean) C^T: Float64Array [n x k], row-major. Flat arrays are read as rows of `dim` values. */
  transform(x: PcaInput): Float64Array {
    const { components: c, mean } = this.state;
    const src = this.input(x, 'PCA.transform');
    const d = this.dim, k = this.nComponents;
    const out = new Float64Array(src.n * k);
    const row = new Float64Array(d);
    for (const { start, count, data } of src.chunks()) {
      for (let r = 0; r < count; r++) {
        for (let j = 0; j < d; j++) row[j] = data[r * d + j] - mean[j];
        for (let q = 0; q < k; q++) {
          let acc = 0;
          for (let j = 0; j < d; j++) acc += row[j] * c[q * d + j];
          out[(start + r) * k + q] = acc;
        }
      }
    }
    return out;
  }

  /** Reconstructions mean + codes C: Float64Array [n x d]. Codes as a flat array (rows of k) or rows. */
  inverseTransform(codes: Float32Array | Float64Array | number[][]): Float64Array {
    const { components: c, mean } = this.state;
    const d = this.dim, k = this.nComponents;
    const src = rows(codes, 'PCA.inverseTransform', { dim: k });
    if (src.d !== k) throw new Error(`PCA.inverseTransform: codes have ${src.d} values, the PCA has ${k} components`);
    const out = new Float64Array(src.n * d);
    for (const { start, count, data } of src.chunks()) {
      for (let r = 0; r < count; r++) {
        const o = (start + r) * d;
        out.set(mean, o);
        for (let q = 0; q < k; q++) {
          const h = data[r * k + q];
          for (let j = 0; j < d; j++) out[o + j] += h * c[q * d + j];
        }
      }
    }
    return out;
  }

  /**
   * Squared reconstruction error, as Autoencoder.reconstructionError defines it: 'mean' over all values
   * (default) or 'perSample' (each sample's mean over its values). Streams, so MNIST-sized inputs are fine.
   */
  reconstructionError(x: PcaInput, opts?: { reduce?: 'mean' }): number;
  reconstructionError(x: PcaInput, opts: { reduce: 'perSample' }): Float64Array;
  reconstructionError(x: PcaInput, opts: { reduce?: 'mean' | 'perSample' } = {}): number | Float64Array {
    const reduce = opts.reduce ?? 'mean';
    if (reduce !== 'mean' && reduce !== 'perSample') throw new Error(`reduce must be 'mean' or 'perSample', got '${String(reduce)}'`);
    const src = this.input(x, 'PCA.reconstructionError');
    const d = this.dim;
    const per = new Float64Array(src.n);
    for (const { start, count, data } of src.chunks()) {
      const rec = this.inverseTransform(this.transform(data));
      for (let r = 0; r < count; r++) {
        let e = 0;
        for (let j = 0; j < d; j++) { const t = rec[r * d + j] - data[r * d + j]; e += t * t; }
        per[start + r] = e / d;
      }
    }
    return reduce === 'perSample' ? per : per.reduce((a, b) => a + b, 0) / src.n;
  }
}
