/**
 * PCA on data whose sample covariance is known exactly: X = Z diag(s) R^T + mu, where Z's columns are centred
 * and orthonormal times sqrt(n - 1) (so Z^T Z / (n - 1) = I), R a random rotation, s distinct scales. Then the
 * covariance is R diag(s^2) R^T: the components are R's columns (up to sign) and the variances s^2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { PCA } from '../../src/analysis/pca.js';
import { Dataset } from '../../src/data/dataset.js';
import { decodePca, encodePca, loadPca, savePca } from '../../src/io/pca-file.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

function gaussian(rows: number, cols: number, rng: Rng): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, rng.normal());
  return m;
}

/** A random d x d rotation (orthogonal Q of a Gaussian matrix). */
function rotation(d: number, seed: number): Matrix {
  return new QrDecomposition(gaussian(d, d, new Rng(seed))).orthogonalMatrix;
}

/** n samples [n x d] with covariance exactly R[:, :m] diag(s^2) R[:, :m]^T, m = s.length <= n - 1. */
function knownData(n: number, s: number[], r: Matrix, mu: number[], seed = 7): Float64Array {
  const m = s.length, d = r.rows;
  const z = gaussian(n, m, new Rng(seed));
  for (let j = 0; j < m; j++) {
    const col = z.getColumn(j);
    const mean = col.reduce((a, b) => a + b, 0) / n;
    for (let i = 0; i < n; i++) z.set(i, j, col[i] - mean);
  }
  const q = new QrDecomposition(z).orthogonalMatrix; // centred, orthonormal columns
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let v = mu[j];
      for (let c = 0; c < m; c++) v += Math.sqrt(n - 1) * q.get(i, c) * s[c] * r.get(j, c);
      out[i * d + j] = v;
    }
  }
  return out;
}

const D = 8;
const S = [5, 3, 2, 1.5, 1, 0.6, 0.3, 0.1];
const R = rotation(D, 11);
const MU = [1, -2, 0.5, 3, 0, -1, 2, 0.25];
const X = knownData(300, S, R, MU);
const VAR = S.map((v) => v * v);
const TOTAL = VAR.reduce((a, b) => a + b, 0);

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

describe('PCA fit', () => {
  for (const method of ['covariance', 'svd'] as const) {
    test(`${method}: components are R's columns up to sign, variances are s^2`, () => {
      const pca = new PCA().fit(X, { components: 5, dim: D, method });
      assert.equal(pca.nComponents, 5);
      assert.equal(pca.dim, D);
      assert.equal(pca.method, method);
      const c = pca.components;
      for (let k = 0; k < 5; k++) {
        const cos = cosine(c.subarray(k * D, (k + 1) * D), R.getColumn(k));
        assert.ok(Math.abs(cos) > 0.999999, `component ${k}: |cos| = ${Math.abs(cos)}`);
      }
      assertClose(pca.explainedVariance, VAR.slice(0, 5), 1e-9, 1e-9, 'variance');
      assertClose(pca.explainedVarianceRatio, VAR.slice(0, 5).map((v) => v / TOTAL), 1e-12, 0, 'ratio');
      assertClose(pca.mean, MU, 1e-12, 0, 'mean');
      assert.ok(Math.abs(pca.totalVariance - TOTAL) < 1e-9);
    });
  }

  test('sign convention: the largest-|value| entry of each component is positive; methods agree exactly up to round-off', () => {
    const a = new PCA().fit(X, { components: D, dim: D, method: 'covariance' }).components;
    const b = new PCA().fit(X, { components: D, dim: D, method: 'svd' }).components;
    for (let k = 0; k < D; k++) {
      const row = Array.from(a.subarray(k * D, (k + 1) * D));
      const big = row.reduce((best, v, j) => (Math.abs(v) > Math.abs(row[best]) ? j : best), 0);
      assert.ok(row[big] > 0);
    }
    assertClose(a, b, 1e-9, 0, 'covariance vs svd');
  });

  test('the sparse (mostly zero) path matches the SVD of the centred data', () => {
    const rng = new Rng(3);
    const n = 200, d = 12;
    const x = new Float64Array(n * d);
    for (let i = 0; i < x.length; i++) x[i] = rng.next() < 0.7 ? 0 : rng.uniform(0, 1) + (i % d) * 0.1;
    const a = new PCA().fit(x, { components: 6, n, method: 'covariance' });
    const b = new PCA().fit(x, { components: 6, n, method: 'svd' });
    assertClose(a.components, b.components, 1e-9, 0, 'components');
    assertClose(a.explainedVariance, b.explainedVariance, 1e-12, 1e-9, 'variance');
  });

  test('n < d defaults to SVD and recovers the data subspace', () => {
    const r = rotation(10, 5);
    const x = knownData(6, [4, 3, 2, 1, 0.5], r, new Array(10).fill(0.5), 9);
    const pca = new PCA().fit(x, { components: 5, n: 6 });
    assert.equal(pca.method, 'svd');
    assertClose(pca.explainedVariance, [16, 9, 4, 1, 0.25], 1e-9, 1e-9, 'variance');
    for (let k = 0; k < 5; k++) assert.ok(Math.abs(cosine(pca.components.subarray(k * 10, (k + 1) * 10), r.getColumn(k))) > 0.999999);
  });

  test('all input kinds give the same PCA', () => {
    const ref = new PCA().fit(X, { components: 3, n: 300 });
    const f32 = Float32Array.from(X);
    const rows = Array.from({ length: 300 }, (_, i) => Array.from(f32.subarray(i * D, (i + 1) * D)));
    const fromF32 = new PCA().fit(f32, { components: 3, dim: D });
    for (const other of [
      new PCA().fit(rows, { components: 3 }),
      new PCA().fit(Dataset.fromTyped(f32, 300, [D]), { components: 3 }),
      new PCA().fit(tensor(f32, [300, D]), { components: 3 }),
    ]) assertClose(other.components, fromF32.components, 1e-12, 0);
    assertClose(ref.components, fromF32.components, 1e-5, 0, 'float32 rounding only');
  });
});

describe('PCA transform', () => {
  const full = new PCA().fit(X, { components: D, dim: D });

  test('transform -> inverseTransform with all components reconstructs exactly', () => {
    const codes = full.transform(X);
    assert.equal(codes.length, 300 * D);
    assertClose(full.inverseTransform(codes), X, 1e-10, 0, 'reconstruction');
    assert.ok(full.reconstructionError(X) < 1e-24);
    assert.ok(Math.abs(full.explainedVarianceRatio.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  test('codes are uncorrelated with variances s^2; truncating equals fitting fewer components', () => {
    const k3 = full.truncate(3);
    const fit3 = new PCA().fit(X, { components: 3, dim: D });
    assertClose(k3.components, fit3.components, 1e-12, 0);
    const codes = k3.transform(X);
    const cov = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 300; i++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[a * 3 + b] += (codes[i * 3 + a] * codes[i * 3 + b]) / 299;
    assertClose(cov, [25, 0, 0, 0, 9, 0, 0, 0, 4], 1e-8, 0, 'code covariance');
  });

  test('reconstruction MSE with k components is the variance left out, divided by d (times (n-1)/n)', () => {
    for (const k of [1, 3, 6]) {
      const left = VAR.slice(k).reduce((a, b) => a + b, 0);
      const mse = full.truncate(k).reconstructionError(X);
      assert.ok(Math.abs(mse - (left * 299) / 300 / D) < 1e-9, `k=${k}: ${mse}`);
      const per = full.truncate(k).reconstructionError(X, { reduce: 'perSample' });
      assert.equal(per.length, 300);
      assert.ok(Math.abs(per.reduce((a, b) => a + b, 0) / 300 - mse) < 1e-12);
    }
  });
});

describe('PCA errors', () => {
  test('bad arguments are named', () => {
    assert.throws(() => new PCA().fit(X, { components: 9, dim: D }), /9 components requested but the data has only 8 dimensions/);
    assert.throws(() => new PCA().fit(X.subarray(0, 3 * D), { components: 4, dim: D }), /only 3 samples/);
    assert.throws(() => new PCA().fit(X, { components: 0, dim: D }), /components must be a positive integer/);
    assert.throws(() => new PCA().fit(X, { components: 2 }), /give n \(samples\) or dim/);
    assert.throws(() => new PCA().fit(X, { components: 2, dim: 7 }), /cannot hold/);
    const bad = Float64Array.from(X);
    bad[5 * D + 2] = NaN;
    assert.throws(() => new PCA().fit(bad, { components: 2, dim: D }), /sample 5, value 2 is NaN/);
    assert.throws(() => new PCA().fit([[1, 2], [3]], { components: 1 }), /row 1 has 1 values, expected 2/);
    assert.throws(() => new PCA().transform(X), /not fitted/);
    const pca = new PCA().fit(X, { components: 2, dim: D });
    assert.throws(() => pca.transform([[1, 2, 3]]), /samples have 3 values, the PCA was fitted on 8/);
    assert.throws(() => pca.inverseTransform([[1, 2, 3]]), /codes have 3 values, the PCA has 2 components/);
    assert.throws(() => pca.transform(new Float64Array(7)), /cannot hold/);
    assert.throws(() => pca.truncate(3), /3 components requested but the PCA has 2/);
  });
});

describe('PCA file', () => {
  const pca = new PCA().fit(X, { components: 4, dim: D });

  test('save -> load round trip is identical (and re-encodes to the same bytes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-pca-'));
    try {
      const path = join(dir, 'pca.safetensors');
      savePca(path, pca, { data: 'synthetic' });
      const { pca: back, config, training } = loadPca(path);
      assert.deepEqual(back.toState(), pca.toState());
      assert.deepEqual(config, { components: 4, dim: D, nSamples: 300, totalVariance: pca.totalVariance, method: 'covariance', signConvention: 'largest-abs-entry-positive' });
      assert.deepEqual(training, { data: 'synthetic' });
      assert.deepEqual(back.transform(X), pca.transform(X));
      assert.deepEqual(encodePca(back, { data: 'synthetic' }), new Uint8Array(readFileSync(path)));
      const meta = JSON.parse(decodeSafetensors(new Uint8Array(readFileSync(path))).metadata.aekit) as Record<string, unknown>;
      assert.equal(meta.aekit_format, 1);
      assert.equal(meta.kind, 'PCA');
      writeFileSync(join(dir, 'junk.safetensors'), 'not a file');
      assert.throws(() => loadPca(join(dir, 'junk.safetensors')), /junk\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('load validates kind, shapes, values and orthonormality', () => {
    const { tensors, metadata } = decodeSafetensors(encodePca(pca));
    const edit = (f: (t: typeof tensors, m: Record<string, unknown>) => void): Uint8Array => {
      const t = structuredClone(tensors);
      const m = JSON.parse(metadata.aekit) as Record<string, unknown>;
      f(t, m);
      return encodeSafetensors(t, { aekit: JSON.stringify(m) });
    };
    assert.throws(() => decodePca(edit((_, m) => { m.kind = 'Autoencoder'; })), /holds a Autoencoder, not a PCA/);
    assert.throws(() => decodePca(edit((_, m) => { (m.config as Record<string, unknown>).dim = 9; })), /shape \[4, 8\], the config implies \[4, 9\]/);
    assert.throws(() => decodePca(edit((t) => { t.mean.data[0] = NaN; })), /'mean' holds NaN/);
    assert.throws(() => decodePca(edit((t) => { t.components.data[0] += 0.1; })), /length|orthogonal/);
    assert.throws(() => decodePca(edit((t) => { t.explained_variance.data[3] = 100; })), /not decreasing/);
    assert.throws(() => decodePca(edit((t) => { delete (t as Record<string, unknown>).mean; })), /missing tensor 'mean'/);
    assert.throws(() => decodePca(edit((_, m) => { m.aekit_format = 2; })), /unsupported aekit_format/);
  });
});
