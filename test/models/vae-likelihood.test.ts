/**
 * VAE.logLikelihood (importance-weighted log p(x), Burda et al. 2016) against closed forms:
 *   - a linear-Gaussian VAE (linear decoder, Gaussian N(Wz + b, I/2) likelihood, the 'mse' VAE's): p(x) is
 *     N(b, W W^T + I/2), exactly; with q set to the exact posterior the estimate equals it for k = 1, and with
 *     a wrong q it rises towards it as k grows;
 *   - a Bernoulli decoder with one latent dimension: log p(x) by quadrature over z.
 * Plus determinism by seed, independence from batchSize, and bad input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AekitError } from '../../src/errors.js';
import { logMeanExp } from '../../src/models/vae-likelihood.js';
import { VAE } from '../../src/models/vae.js';
import { tensor } from '../../src/tensor/tensor.js';

const D = 4, L = 2, VAR = 0.5;
// Orthogonal columns, so W^T W is diagonal and the exact posterior has a diagonal covariance (q can match it).
const W = [[1.2, 0], [0, 0.8], [0.6, 0], [0, -0.4]];
const B = [0.3, -0.2, 0.1, 0.5];
const X = [[0.9, -0.4, 0.7, 0.2], [-1.5, 0.8, -0.6, 1.9], [0.3, -0.2, 0.1, 0.5], [2.5, 1.0, -1.0, -0.5]];

/** log N(x; b, W W^T + VAR I) through a Cholesky factorization. */
function exactLogPx(x: number[]): number {
  const C = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => W[i].reduce((s, w, d) => s + w * W[j][d], 0) + (i === j ? VAR : 0)));
  const Lc = C.map(() => new Array<number>(D).fill(0));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let s = C[i][j];
      for (let m = 0; m < j; m++) s -= Lc[i][m] * Lc[j][m];
      Lc[i][j] = i === j ? Math.sqrt(s) : s / Lc[j][j];
    }
  }
  const y = new Array<number>(D).fill(0); // Lc y = x - b
  for (let i = 0; i < D; i++) {
    let s = x[i] - B[i];
    for (let m = 0; m < i; m++) s -= Lc[i][m] * y[m];
    y[i] = s / Lc[i][i];
  }
  const logDet = 2 * Lc.reduce((s, row, i) => s + Math.log(row[i]), 0);
  return -0.5 * (D * Math.log(2 * Math.PI) + logDet + y.reduce((s, v) => s + v * v, 0));
}

/** The linear-Gaussian VAE; `exact` sets q(z|x) to the true posterior, else to a perturbed one. */
function linearVae(exact: boolean): VAE {
  const vae = new VAE({ inputDim: D, latentDim: L, reconstruction: 'mse', outputActivation: 'linear', dtype: 'float64' });
  const dec = vae.decoder.layers[0] as unknown as { weight: { data: Float64Array }; bias: { data: Float64Array } };
  dec.weight.data.set(W.flat());
  dec.bias.data.set(B);
  // Posterior: Sigma = (I + W^T W / VAR)^-1 (diagonal here), mean = Sigma W^T (x - b) / VAR.
  const sigma = [0, 1].map((d) => 1 / (1 + W.reduce((s, row) => s + row[d] * row[d], 0) / VAR));
  const A = [0, 1].map((d) => W.map((row) => (sigma[d] * row[d]) / VAR));
  const shrink = exact ? 1 : 0.4; // a q whose mean is pulled towards 0 and whose variance is too wide
  vae.zMean.weight.data.set(A.flat().map((v) => v * shrink));
  vae.zMean.bias!.data.set(A.map((row) => -shrink * row.reduce((s, a, i) => s + a * B[i], 0)));
  vae.zLogVar.weight.data.fill(0);
  vae.zLogVar.bias!.data.set(sigma.map((s) => Math.log(s) + (exact ? 0 : 1.2)));
  return vae;
}

const xs = tensor(X.flat(), [X.length, D], { dtype: 'float64' });
const exact = X.map(exactLogPx);

describe('VAE.logLikelihood: linear-Gaussian closed form', () => {
  test('with q = the exact posterior, k = 1 gives log p(x) exactly (every importance weight is p(x))', () => {
    const est = linearVae(true).logLikelihood(xs, { samples: 1, seed: 3 });
    assert.equal(est.length, X.length);
    for (let i = 0; i < X.length; i++) assert.ok(Math.abs(est[i] - exact[i]) < 1e-10, `input ${i}: ${est[i]} vs ${exact[i]}`);
    // and so does any k, whatever the draws
    const est50 = linearVae(true).logLikelihood(xs, { samples: 50, seed: 9 });
    for (let i = 0; i < X.length; i++) assert.ok(Math.abs(est50[i] - exact[i]) < 1e-10);
  });

  test('with a wrong q, the estimate rises to log p(x) as k grows (k = 1 is the ELBO, below it)', () => {
    const vae = linearVae(false);
    const gap = (k: number): number[] => {
      // Averaged over 8 seeds so the expectation, not one draw, is compared.
      const g = new Array<number>(X.length).fill(0);
      for (let s = 0; s < 8; s++) vae.logLikelihood(xs, { samples: k, seed: 100 + s }).forEach((v, i) => (g[i] += (exact[i] - v) / 8));
      return g;
    };
    const [g1, g10, gBig] = [gap(1), gap(10), gap(20000)];
    for (let i = 0; i < X.length; i++) {
      assert.ok(g1[i] > 0.3, `input ${i}: the ELBO gap at k = 1 is ${g1[i]}`);
      assert.ok(g10[i] > 0 && g10[i] < g1[i] / 3, `input ${i}: gaps ${g1[i]} (k = 1), ${g10[i]} (k = 10) must shrink`);
      // Both sides of 0 are possible here: the remaining bias (~1e-4) is below the Monte-Carlo noise (~3e-3).
      assert.ok(Math.abs(gBig[i]) < 0.01, `input ${i}: at k = 20000 the estimate is ${gBig[i]} nats from log p(x)`);
    }
  });
});

describe('VAE.logLikelihood: Bernoulli decoder, one latent dimension', () => {
  test('matches log p(x) = log ∫ N(z; 0, 1) prod_i Bern(x_i; sigmoid(w_i z + b_i)) dz by quadrature', () => {
    const w = [2.0, -1.5, 0.7, 3.0, -0.2], b = [-0.5, 0.3, 0.0, 1.0, -1.2];
    const vae = new VAE({ inputDim: 5, latentDim: 1, dtype: 'float64' });
    const dec = vae.decoder.layers[0] as unknown as { weight: { data: Float64Array }; bias: { data: Float64Array } };
    dec.weight.data.set(w);
    dec.bias.data.set(b);
    // A rough q (not the posterior), wider than it so the importance weights have a finite variance.
    vae.zMean.weight.data.set([0.4, -0.3, 0.1, 0.5, 0]);
    vae.zMean.bias!.data.set([-0.5]);
    vae.zLogVar.weight.data.fill(0);
    vae.zLogVar.bias!.data.set([0.7]);
    const bins = [[1, 0, 1, 1, 0], [0, 1, 0, 0, 1], [1, 1, 1, 1, 1]];
    const logSig = (t: number): number => -(Math.max(-t, 0) + Math.log1p(Math.exp(-Math.abs(t))));
    const quad = bins.map((x) => {
      const h = 1e-3, terms: number[] = [];
      for (let z = -12; z <= 12; z += h) {
        let lp = -0.5 * (Math.log(2 * Math.PI) + z * z);
        for (let i = 0; i < 5; i++) { const t = w[i] * z + b[i]; lp += x[i] ? logSig(t) : logSig(-t); }
        terms.push(lp);
      }
      return logMeanExp(terms) + Math.log(terms.length * h);
    });
    const est = vae.logLikelihood(tensor(bins.flat(), [3, 5], { dtype: 'float64' }), { samples: 20000, seed: 1 });
    for (let i = 0; i < bins.length; i++) assert.ok(Math.abs(est[i] - quad[i]) < 0.01, `input ${i}: ${est[i]} vs quadrature ${quad[i]}`);
  });
});

describe('VAE.logLikelihood: determinism and input checks', () => {
  const vae = linearVae(false);
  test('the same seed gives the same bits, another seed other numbers, and batchSize changes nothing', () => {
    const a = vae.logLikelihood(xs, { samples: 7, seed: 5 });
    assert.deepEqual(Array.from(vae.logLikelihood(xs, { samples: 7, seed: 5 })), Array.from(a));
    assert.notDeepEqual(Array.from(vae.logLikelihood(xs, { samples: 7, seed: 6 })), Array.from(a));
    assert.deepEqual(Array.from(vae.logLikelihood(xs, { samples: 7, seed: 5, batchSize: 3 })), Array.from(a));
  });

  test('bad options and inputs are one clear AekitError', () => {
    for (const samples of [0, -1, 1.5, NaN]) {
      assert.throws(() => vae.logLikelihood(xs, { samples }), (e: unknown) => e instanceof AekitError && e.code === 'E_VALUE' && /samples must be a positive integer/.test(e.message));
    }
    assert.throws(() => vae.logLikelihood(xs, { samples: 1, batchSize: 0 }), /batchSize must be a positive integer/);
    assert.throws(() => vae.logLikelihood(tensor([1, 2, 3], [1, 3], { dtype: 'float64' }), { samples: 1 }), /samples have 3 values, the model expects 4/);
    assert.equal(vae.logLikelihood(tensor([], [0, D], { dtype: 'float64' }), { samples: 3 }).length, 0);
  });

  test('logMeanExp is stable far from 0 and exact on equal terms', () => {
    assert.equal(logMeanExp([-1000, -1000, -1000]), -1000);
    assert.ok(Math.abs(logMeanExp([800, 800 + Math.log(3)]) - (800 + Math.log(2))) < 1e-12);
    assert.equal(logMeanExp([-Infinity, -Infinity]), -Infinity);
  });
});
