/**
 * VAE: the KL term against its closed form and a Monte-Carlo estimate, gradcheck of the whole loss with a fixed
 * eps, the exact reduction (per-image sums, batch mean), seeded reparameterization, training on 300 MNIST test
 * images, sample / interpolate / manifold, beta's effect on the KL, and the model file round trip.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradients } from '../../src/autograd/backward.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { loadMnist } from '../../src/data/mnist.js';
import { decodeModel, encodeModel } from '../../src/io/model-file.js';
import { bce, mse } from '../../src/losses/losses.js';
import { klDivergence, manifoldCodes, normInv, reparameterize, VAE, type VAEConfig } from '../../src/models/vae.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

const MNIST = loadMnist('test', { limit: 300 });
const mnistVae = (extra: Partial<VAEConfig> = {}) => new VAE({ inputDim: 784, hidden: [64], latentDim: 2, seed: 1, ...extra });
const bits = (t: Tensor) => Array.from(t.toTypedArray());

// Hand-picked posterior parameters: 2 samples x 3 latent dims, including logVar = 0 and mean = 0 entries.
const M = [[0.5, -1.2, 0], [2, 0.1, -0.3]];
const LV = [[0, -0.7, 1.3], [-2, 0.4, 0]];

describe('VAE: the KL term', () => {
  test('equals the closed form KL(N(m, s^2) || N(0, 1)) = -log s + (s^2 + m^2)/2 - 1/2, summed over dims, mean over samples', () => {
    let expected = 0;
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < 3; k++) {
        const s = Math.exp(LV[i][k] / 2);
        expected += (-Math.log(s) + (s * s + M[i][k] ** 2) / 2 - 0.5) / 2;
      }
    }
    const kl = klDivergence(tensor(M, undefined, { dtype: 'float64' }), tensor(LV, undefined, { dtype: 'float64' })).item();
    assert.ok(Math.abs(kl - expected) < 1e-13, `KL ${kl} vs closed form ${expected}`);
    // The prior itself has zero divergence.
    const prior = klDivergence(tensor([[0, 0]], undefined, { dtype: 'float64' }), tensor([[0, 0]], undefined, { dtype: 'float64' })).item();
    assert.ok(prior === 0, `KL of the prior: ${prior}`); // -0.5 * 0 is -0: compare with ===
  });

  test('matches a Monte-Carlo estimate E_q[log q(z) - log p(z)] within 4 standard errors', () => {
    const rng = new Rng(99);
    const N = 200_000;
    let total = 0;
    for (let i = 0; i < 2; i++) {
      let s1 = 0, s2 = 0;
      for (let n = 0; n < N; n++) {
        let v = 0;
        for (let k = 0; k < 3; k++) {
          const e = rng.normal(), sd = Math.exp(LV[i][k] / 2), z = M[i][k] + sd * e;
          v += -0.5 * LV[i][k] - 0.5 * e * e + 0.5 * z * z; // log N(z; m, s^2) - log N(z; 0, 1)
        }
        s1 += v;
        s2 += v * v;
      }
      const mean = s1 / N, se = Math.sqrt((s2 / N - mean * mean) / N);
      const exact = klDivergence(tensor([M[i]], undefined, { dtype: 'float64' }), tensor([LV[i]], undefined, { dtype: 'float64' })).item();
      assert.ok(Math.abs(mean - exact) < 4 * se, `sample ${i}: Monte-Carlo ${mean} +- ${se}, closed form ${exact}`);
      total += exact / 2;
    }
    assertClose([klDivergence(tensor(M, undefined, { dtype: 'float64' }), tensor(LV, undefined, { dtype: 'float64' })).item()], [total], 1e-13);
  });
});

describe('VAE: loss, gradients, reparameterization', () => {
  const small = (extra: Partial<VAEConfig> = {}) => new VAE({ inputDim: 5, hidden: [4], latentDim: 2, activation: 'tanh', seed: 3, dtype: 'float64', ...extra });
  const x = rand([3, 5], 7, 0, 1);
  const eps = noGrad(() => small().noise(3, new Rng(5)));

  for (const extra of [{}, { reconstruction: 'mse', beta: 2.5 }, { hidden: [] }] as Partial<VAEConfig>[]) {
    test(`gradcheck (float64, fixed eps) of recon + beta KL w.r.t. every parameter: ${JSON.stringify(extra)}`, () => {
      const vae = small(extra);
      const r = gradcheck(() => vae.lossTerms(x, eps).loss, vae.parameters(), { atol: 1e-7, rtol: 1e-5 });
      assert.ok(r.ok, JSON.stringify(r));
    });
  }

  test('eps is a constant: no gradient reaches it', () => {
    const vae = small();
    assert.equal(eps.requiresGrad, false);
    assert.equal(gradients(vae.lossTerms(x, eps).loss).has(eps), false);
  });

  test('the reduction: per-image sums over pixels and latent dims, then the batch mean (BCE from logits = composed BCE)', () => {
    for (const reconstruction of ['bce', 'mse'] as const) {
      const vae = small({ reconstruction, beta: 3 });
      noGrad(() => {
        const t = vae.lossTerms(x, eps);
        const { mean, logVar } = vae.posterior(x);
        const r = vae.decoder.forward(reparameterize(mean, logVar, eps));
        const perPixel = (reconstruction === 'bce' ? bce(r, x, { reduction: 'sum' }) : mse(r, x, { reduction: 'sum' })).item();
        assertClose([t.reconstruction.item()], [perPixel / 3], 1e-12, 0, 'recon = sum over all pixels / batch');
        assertClose([t.kl.item()], [klDivergence(mean, logVar).item()], 0);
        assertClose([t.loss.item()], [t.reconstruction.item() + 3 * t.kl.item()], 1e-12);
      });
    }
  });

  test('reparameterization: z = mean + exp(logVar / 2) * eps, the same noise for the same seed, other noise for another', () => {
    const vae = small();
    const a = vae.noise(4, new Rng(7)), b = vae.noise(4, new Rng(7)), c = vae.noise(4, new Rng(8));
    assert.deepEqual(bits(a), bits(b));
    assert.notDeepEqual(bits(a), bits(c));
    const m = tensor(M, undefined, { dtype: 'float64' }), lv = tensor(LV, undefined, { dtype: 'float64' });
    const e = rand([2, 3], 4);
    const z = reparameterize(m, lv, e).toTypedArray(), ev = e.toTypedArray();
    const want = M.flat().map((mk, i) => mk + Math.exp(LV.flat()[i] / 2) * ev[i]);
    assertClose(z, want, 1e-15);
  });

  test('training is reproducible: same seeds, same history and weights; another fit seed, another run', async () => {
    const run = async (seed: number) => {
      const vae = small();
      const h = await vae.fit(x, { epochs: 3, batchSize: 2, seed });
      return { h, w: vae.parameters().flatMap(bits) };
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    assert.deepEqual(a.h.loss, b.h.loss);
    assert.deepEqual(a.w, b.w);
    assert.notDeepEqual(a.h.loss, c.h.loss);
  });

  test('bad configs and arguments are rejected', () => {
    assert.throws(() => new VAE({ inputDim: 0, latentDim: 2 }), /inputDim must be a positive integer/);
    assert.throws(() => new VAE({ inputDim: 4, latentDim: 2, beta: -1 }), /beta must be a finite number >= 0/);
    assert.throws(() => new VAE({ inputDim: 4, latentDim: 2, reconstruction: 'l1' as 'mse' }), /reconstruction must be 'bce' or 'mse'/);
    const vae = small();
    assert.throws(() => vae.lossTerms(rand([2, 4], 1), eps), /VAE expects input of shape \[batch, 5\]/);
    assert.throws(() => vae.interpolate([0, 0], [1, 1], 1), /steps must be an integer >= 2/);
    assert.throws(() => vae.interpolate([0, 0, 0], [1, 1], 3), /codes must have 2 values/);
    assert.throws(() => vae.manifold(3, { dims: [0, 2] }), /dims must be latent dims in 0..1/);
    assert.throws(() => normInv(1), /p must lie in \(0, 1\)/);
  });
});

describe('VAE on 300 MNIST test images', () => {
  test('training lowers the loss; history reports loss = recon + beta KL per image, and validation terms', async () => {
    const vae = mnistVae();
    const before = vae.evaluate(MNIST, { seed: 5 });
    const h = await vae.fit(MNIST, { epochs: 4, batchSize: 32, lr: 2e-3, seed: 1, validationSplit: 0.2 });
    const after = vae.evaluate(MNIST, { seed: 5 });
    assert.equal(h.loss.length, 4);
    assert.ok(h.loss[3] < h.loss[0] && after.loss < before.loss - 100, `history ${h.loss}; evaluate ${before.loss} -> ${after.loss}`);
    // ~ 784 * ln 2 = 543 nats per image at the start (sigmoid(0) everywhere would give exactly that for binary pixels).
    assert.ok(before.reconstruction > 400 && before.reconstruction < 700, `initial reconstruction ${before.reconstruction}`);
    h.loss.forEach((l, i) => assertClose([l], [h.reconstruction[i] + h.kl[i]], 1e-3 * l, 0, `epoch ${i + 1}`));
    assert.deepEqual([h.valLoss.length, h.valReconstruction.length, h.valKl.length], [4, 4, 4]);
    assert.ok(h.valLoss[3] < h.valLoss[0]);
  });

  test('sample / interpolate / manifold: shapes, values in [0, 1], interpolation endpoints are decode(a) and decode(b)', () => {
    const vae = mnistVae({ dtype: 'float64' });
    const s = vae.sample(6, new Rng(2));
    assert.deepEqual(s.shape, [6, 784]);
    assert.deepEqual(bits(s), bits(vae.sample(6, new Rng(2))));
    assert.ok(bits(s).every((v) => v >= 0 && v <= 1));
    const a = [-1.5, 0.25], b = [2, -0.75];
    const path = vae.interpolate(a, b, 5);
    assert.deepEqual(path.shape, [5, 784]);
    const rows = path.toTypedArray();
    assertClose(rows.subarray(0, 784), vae.decode([a]).toTypedArray(), 1e-14, 0, 'first step');
    assertClose(rows.subarray(4 * 784), vae.decode([b]).toTypedArray(), 1e-14, 0, 'last step');
    assertClose(rows.subarray(2 * 784, 3 * 784), vae.decode([[0.25, -0.25]]).toTypedArray(), 1e-14, 0, 'midpoint');
    assert.deepEqual(vae.manifold(4).shape, [16, 784]);
    // Grid orientation: dims[0] grows left to right, dims[1] grows bottom to top.
    const z = manifoldCodes(3, 2).toTypedArray();
    const [lo, hi] = [normInv(0.05), normInv(0.95)];
    assertClose([z[0], z[1], z[4], z[5], z[16], z[17]], [lo, hi, hi, hi, hi, lo], 0);
    assertClose([z[8], z[9]], [0, 0], 1e-12, 0, 'centre');
  });

  test('beta = 0 lets the KL grow; beta = 4 holds it down', async () => {
    const kl: number[] = [];
    for (const beta of [0, 4]) {
      const vae = mnistVae({ beta });
      await vae.fit(MNIST, { epochs: 3, batchSize: 32, lr: 2e-3, seed: 1 });
      kl.push(vae.evaluate(MNIST).kl);
    }
    assert.ok(kl[0] > 2 * kl[1], `KL with beta 0: ${kl[0]}, with beta 4: ${kl[1]}`);
  });

  test('model file round trip: bit-identical weights, same config, identical decode and encode', () => {
    const vae = mnistVae({ beta: 2.5, reconstruction: 'mse', hidden: [16, 8] });
    const rng = new Rng(11);
    for (const p of vae.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = rng.normal(0, 0.3);
    const { model, header } = decodeModel(encodeModel(vae));
    assert.ok(model instanceof VAE);
    assert.equal(header.kind, 'VAE');
    assert.deepEqual(model.config, vae.config);
    assert.deepEqual(model.namedTensors().map(([n]) => n), vae.namedTensors().map(([n]) => n));
    model.namedTensors().forEach(([, t], i) => assert.deepEqual(bits(t), bits(vae.namedTensors()[i][1])));
    const z = vae.noise(5, new Rng(3));
    assert.deepEqual(bits(model.decode(z)), bits(vae.decode(z)));
    assert.deepEqual(bits(model.encode(MNIST)), bits(vae.encode(MNIST)));
  });
});

describe('normInv', () => {
  test('matches reference quantiles of N(0, 1) to 1e-8 and is odd', () => {
    const ref: [number, number][] = [[0.5, 0], [0.975, 1.959963984540054], [0.05, -1.6448536269514729], [0.01, -2.3263478740408408], [0.001, -3.090232306167813], [1e-10, -6.361340902404056]];
    for (const [p, q] of ref) assertClose([normInv(p)], [q], 0, 2e-9, `normInv(${p})`);
    for (const p of [0.01, 0.2, 0.4]) assertClose([normInv(p)], [-normInv(1 - p)], 1e-12);
  });
});
