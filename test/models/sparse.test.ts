/**
 * SparseAutoencoder: the L1 and KL penalties against their closed forms (and gradcheck), the training
 * objective, sparser codes than the same net trained without the penalty (same seed and epochs) on a small
 * MNIST subset, config validation, the save/load round trip, and the activation-histogram figure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { loadMnist } from '../../src/data/mnist.js';
import { decodeModel, encodeModel } from '../../src/io/model-file.js';
import { mse } from '../../src/losses/losses.js';
import { meanActivation, SparseAutoencoder, type SparseAutoencoderConfig } from '../../src/models/sparse.js';
import * as ops from '../../src/tensor/ops.js';
import { tensor } from '../../src/tensor/tensor.js';
import { activationHistogram, histogramBins } from '../../src/viz/variants.js';
import { assertClose, rand } from '../helpers.js';

const small = (sparsity: SparseAutoencoderConfig['sparsity'], extra: Partial<SparseAutoencoderConfig> = {}) =>
  new SparseAutoencoder({ inputDim: 4, latentDim: 3, latentActivation: 'sigmoid', dtype: 'float64', sparsity, seed: 3, ...extra });

describe('sparsity penalties', () => {
  // Codes of a batch of 2 whose column means rho_hat are 0.2, 0.4, 0.8.
  const codes = () => tensor([[0.1, 0.3, 0.9], [0.3, 0.5, 0.7]], undefined, { dtype: 'float64' });

  test('KL: beta * sum_j KL(rho || rho_hat_j) for a known rho_hat', () => {
    const rho = 0.05, beta = 3;
    const kl = (p: number, q: number) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
    const expected = beta * (kl(rho, 0.2) + kl(rho, 0.4) + kl(rho, 0.8));
    const m = small({ kl: { rho, beta } });
    assertClose([m.klPenalty(codes()).item()], [expected], 1e-12);
    assertClose([m.penalty(codes()).item()], [expected], 1e-12, 0, 'penalty = KL term alone');
    // Zero when every unit's average activation is exactly rho.
    assertClose([small({ kl: { rho: 0.4, beta: 1 } }).klPenalty(tensor([[0.3, 0.5], [0.5, 0.3]], undefined, { dtype: 'float64' })).item()], [0], 1e-15);
  });

  test('L1: l1 * sum|h| / batch (Keras divides activity penalties by the batch size); both terms add', () => {
    const m = small({ l1: 0.01 });
    assertClose([m.l1Penalty(codes()).item()], [0.01 * 2.8 / 2], 1e-15);
    const both = small({ l1: 0.01, kl: { rho: 0.05, beta: 3 } });
    assertClose([both.penalty(codes()).item()], [both.l1Penalty(codes()).item() + both.klPenalty(codes()).item()], 1e-15);
  });

  test('the penalties pass gradcheck (float64), KL through its clamp-free range', () => {
    const m = small({ l1: 0.01, kl: { rho: 0.1, beta: 2 } });
    const h = rand([5, 3], 2, 0.05, 0.95);
    const r = gradcheck((c) => m.penalty(c), [h]);
    assert.ok(r.ok, JSON.stringify(r));
  });

  test('objective = reconstruction loss + penalty of the code, and fit optimises it', async () => {
    const m = small({ l1: 0.05, kl: { rho: 0.1, beta: 0.5 } });
    // float32-exact values: fit stores its training data as float32.
    const x = tensor(Float64Array.from(rand([6, 4], 5, 0, 1, 'float32').toTypedArray()), [6, 4]);
    const expected = noGrad(() => ops.add(mse(m.forward(x), x), m.penalty(m.encoder.forward(x))).item());
    assertClose([noGrad(() => m.objective(x, x, 'mse').item())], [expected], 1e-14);
    const before = noGrad(() => m.objective(x, x, 'mse').item());
    const h = await m.fit(x, { epochs: 30, batchSize: 6, lr: 0.05, shuffle: false });
    assertClose([h.loss[0]], [before], 1e-12, 0, 'the first batch loss is the objective at the initial weights');
    assert.ok(h.loss[29] < before, `objective ${before} -> ${h.loss[29]}`);
  });
});

describe('SparseAutoencoder on MNIST (500 images, 5 epochs)', async () => {
  const train = loadMnist('train', { limit: 500 });
  const test_ = loadMnist('test', { limit: 200 });
  const run = async (config: SparseAutoencoderConfig): Promise<SparseAutoencoder> => {
    const m = new SparseAutoencoder(config);
    await m.fit(train, { epochs: 5, batchSize: 32, loss: 'bce', seed: 2 });
    return m;
  };

  test('L1 (relu codes): mean code activation clearly below the same net with l1 = 0', async () => {
    const base = { inputDim: 784, latentDim: 32, activation: 'relu' as const, seed: 1 };
    const plain = await run({ ...base, sparsity: { l1: 0 } });
    const sparse = await run({ ...base, sparsity: { l1: 1e-3 } });
    const [a0, a1] = [meanActivation(plain, test_), meanActivation(sparse, test_)];
    assert.ok(a1 < 0.75 * a0, `mean activation ${a0} without, ${a1} with the L1 penalty`);
    // The figure: both code distributions on shared bins.
    const series = [{ name: 'l1 = 0', values: plain.encode(test_) }, { name: 'l1 = 1e-3', values: sparse.encode(test_) }];
    const bins = histogramBins(series, { bins: 20 });
    assert.equal(bins.length, 40);
    for (const s of ['l1 = 0', 'l1 = 1e-3']) assertClose([bins.filter((b) => b.series === s).reduce((t, b) => t + b.fraction, 0)], [1], 1e-9);
    const { svg, png } = await activationHistogram(series, { title: 'Code activations', pngWidth: 400 });
    for (const s of ['l1 = 0', 'l1 = 1e-3', 'Code activations', 'code activation']) assert.ok(svg.includes(`>${s}</text>`), `missing ${s}`);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  test('KL (sigmoid codes, rho 0.05): mean code activation clearly below beta = 0 and near rho', async () => {
    const base = { inputDim: 784, latentDim: 32, activation: 'sigmoid' as const, seed: 1 };
    const plain = await run({ ...base, sparsity: { kl: { rho: 0.05, beta: 0 } } });
    const sparse = await run({ ...base, sparsity: { kl: { rho: 0.05, beta: 0.1 } } });
    const [a0, a1] = [meanActivation(plain, test_), meanActivation(sparse, test_)];
    assert.ok(a1 < 0.5 * a0 && a1 < 0.15, `mean activation ${a0} without, ${a1} with the KL penalty`);
  });
});

describe('config and files', () => {
  test('bad sparsity configs are rejected with clear errors', () => {
    const base = { inputDim: 4, latentDim: 2 };
    assert.throws(() => new SparseAutoencoder({ ...base, sparsity: {} }), /sparsity must give l1 and\/or kl/);
    assert.throws(() => new SparseAutoencoder({ ...base, sparsity: { l1: -1 } }), /l1 must be a finite number >= 0, got -1/);
    assert.throws(() => new SparseAutoencoder({ ...base, latentActivation: 'sigmoid', sparsity: { kl: { rho: 1, beta: 1 } } }), /kl.rho must be in \(0, 1\), got 1/);
    assert.throws(() => new SparseAutoencoder({ ...base, sparsity: { kl: { rho: 0.05, beta: 1 } } }), /needs codes in \(0, 1\): set latentActivation: 'sigmoid' \(got 'relu'\)/);
  });

  test('save/load round trip: kind, config (sparsity included), weights and codes', () => {
    for (const sparsity of [{ l1: 1e-4 }, { kl: { rho: 0.05, beta: 3 } }, { l1: 0.01, kl: { rho: 0.1, beta: 1 } }]) {
      const m = new SparseAutoencoder({ inputDim: 6, hidden: [5], latentDim: 3, latentActivation: 'sigmoid', sparsity, seed: 4 });
      const { model, header } = decodeModel(encodeModel(m));
      assert.equal(header.kind, 'SparseAutoencoder');
      assert.ok(model instanceof SparseAutoencoder);
      assert.deepEqual(model.modelConfig(), m.modelConfig());
      assert.deepEqual(model.modelConfig().config.sparsity, sparsity);
      const x = rand([4, 6], 1, 0, 1, 'float32');
      assert.deepEqual(model.encode(x).toTypedArray(), m.encode(x).toTypedArray());
    }
  });
});
