/**
 * Principal angles on hand-checkable cases, then the property of MISSION §5 (seeds 001, 004): a linear
 * autoencoder trained with MSE spans the PCA subspace. Data: 400 samples in 8-D, x = 0.5 + sum_c s_c z_c u_c
 * with z ~ N(0, 1) (Rng(42)), u a random orthonormal basis and s = [3, 2, 1.5, 0.2, 0.15, 0.1, 0.1, 0.05]:
 * nearly all variance lies in 3 directions, with a wide gap to the 4th so the top-3 subspace is well defined.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Matrix } from 'ml-matrix';
import { PCA } from '../../src/analysis/pca.js';
import { orthonormalBasis, principalAngles, principalAnglesDegrees } from '../../src/analysis/subspace.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import type { Dense } from '../../src/nn/dense.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

describe('principal angles', () => {
  test('a known angle between two lines and two planes in R^3', () => {
    const t = 0.3;
    assertClose(principalAngles([[1], [0], [0]], [[Math.cos(t)], [Math.sin(t)], [0]]), [t], 1e-12);
    // Planes span(e1, e2) and span(e1, cos t e2 + sin t e3) share e1 and meet at angle t.
    const a = [[1, 0], [0, 1], [0, 0]];
    const b = [[1, 0], [0, Math.cos(t)], [0, Math.sin(t)]];
    assertClose(principalAngles(a, b), [0, t], 1e-12);
    assertClose(principalAnglesDegrees([[1], [0], [0]], [[0], [0], [2]]), [90], 1e-12);
  });

  test('the angles depend on the spans only, not on the bases', () => {
    const rng = new Rng(1);
    const a = Matrix.from1DArray(6, 2, Array.from({ length: 12 }, () => rng.normal()));
    const b = Matrix.from1DArray(6, 3, Array.from({ length: 18 }, () => rng.normal()));
    const mix = new Matrix([[2, 1, 0], [0.5, -1, 3], [1, 1, 1]]);
    const ref = principalAngles(a, b);
    assert.equal(ref.length, 2);
    assertClose(principalAngles(a.mmul(new Matrix([[0, 3], [-2, 1]])), b.mmul(mix)), ref, 1e-10);
    assertClose(principalAngles(a, a.mmul(new Matrix([[1, 1], [1, -1]]))), [0, 0], 1e-7);
    // The row-major form, vectors in rows, is the same basis transposed.
    assertClose(principalAngles({ data: a.transpose().to1DArray(), rows: 2, cols: 6, vectors: 'rows' }, b), ref, 1e-12);
    assertClose(principalAngles(tensor(a.to1DArray(), [6, 2]), b), ref, 1e-6);
  });

  test('orthonormalBasis and errors', () => {
    const q = orthonormalBasis([[1, 1], [0, 1], [0, 1]]);
    assertClose(q.transpose().mmul(q).to1DArray(), [1, 0, 0, 1], 1e-12);
    assert.throws(() => principalAngles([[1, 2], [2, 4], [3, 6]], [[1], [0], [0]]), /linearly dependent/);
    assert.throws(() => principalAngles([[1], [0]], [[1], [0], [0]]), /R\^2 and R\^3/);
    assert.throws(() => principalAngles([[1, 0, 0]], [[1]]), /3 vectors in R\^1/);
    assert.throws(() => principalAngles([[NaN], [1]], [[1], [0]]), /entry \(0, 0\) is NaN/);
    assert.throws(() => principalAngles({ data: [1, 2, 3], rows: 2, cols: 2 }, [[1], [0]]), /data.length = rows \* cols/);
  });
});

function lowRankData(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const d = 8;
  const u: number[][] = [];
  for (let k = 0; k < d; k++) { // Gram-Schmidt on Gaussian vectors: a random orthonormal basis
    let v = Array.from({ length: d }, () => rng.normal());
    for (const w of u) {
      const dot = v.reduce((acc, x, i) => acc + x * w[i], 0);
      v = v.map((x, i) => x - dot * w[i]);
    }
    const norm = Math.hypot(...v);
    u.push(v.map((x) => x / norm));
  }
  const s = [3, 2, 1.5, 0.2, 0.15, 0.1, 0.1, 0.05];
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = s.map((sc) => sc * rng.normal());
    for (let j = 0; j < d; j++) x[i * d + j] = 0.5 + z.reduce((acc, zc, c) => acc + zc * u[c][j], 0);
  }
  return x;
}

describe('a linear autoencoder spans the PCA subspace', () => {
  test('8 -> 3 -> 8 linear AE, MSE, Adam: decoder columns within 1 degree of the top-3 PCA subspace', async () => {
    const n = 400, d = 8, k = 3;
    const x = lowRankData(n, 42);
    const pca = new PCA().fit(x, { components: k, dim: d });
    const pcaBasis = { data: pca.components, rows: k, cols: d, vectors: 'rows' as const };
    const ae = new Autoencoder({
      inputDim: d, hidden: [], latentDim: k, activation: 'linear', latentActivation: 'linear', outputActivation: 'linear', seed: 1,
    });
    const decoderWeight = (): Float32Array => (ae.decoder.layers[0] as Dense).weight.toTypedArray() as Float32Array; // [8, 3]
    const before = principalAnglesDegrees(pcaBasis, { data: decoderWeight(), rows: d, cols: k });
    assert.ok(Math.max(...before) > 20, `the random start should be far from PCA (${before})`);

    const X = tensor(x, [n, d]);
    // Adam at lr 0.01 gets there fast; a second phase at lr 0.001 settles the minibatch noise.
    await ae.fit(X, { epochs: 60, batchSize: 32, optimizer: 'adam', lr: 0.01, seed: 3 });
    await ae.fit(X, { epochs: 40, batchSize: 32, optimizer: 'adam', lr: 0.001, seed: 4 });
    const angles = principalAnglesDegrees(pcaBasis, { data: decoderWeight(), rows: d, cols: k });
    assert.ok(Math.max(...angles) < 1, `principal angles ${angles.map((a) => a.toFixed(3)).join(', ')} degrees`);
    // Only the decoder is tested: the encoder's rows reach the subspace only in the limit, since their parts
    // along the low-variance directions cost little (~s_j^2) and converge slowly (here still 5-40 degrees off).
    // PCA is the best rank-3 linear reconstruction (Eckart-Young): the AE gets close (here 4 % above, the
    // encoder's slow part) but never below it.
    const aeMse = ae.reconstructionError(X);
    const pcaMse = pca.reconstructionError(x);
    assert.ok(aeMse > pcaMse * (1 - 1e-4) && aeMse < pcaMse * 1.1, `AE ${aeMse} vs PCA ${pcaMse}`);
    // The decoder columns themselves are NOT the components (any invertible mix is as good): only spans match.
    const w = Matrix.from1DArray(d, k, Array.from(decoderWeight()));
    const gram = w.transpose().mmul(w);
    assert.ok(Math.abs(gram.get(0, 1)) > 1e-3 || Math.abs(gram.get(0, 0) - 1) > 1e-3);
  });
});
