/**
 * ContractiveAutoencoder: the closed-form ||J_f(x)||_F^2 against the Jacobian computed by central differences
 * and by autograd row by row (float64, tight tolerance), gradcheck of the penalty in W, b and x, a smaller
 * encoder Jacobian after training with the penalty than without (MNIST subset), config validation, save/load.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradients } from '../../src/autograd/backward.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { loadMnist } from '../../src/data/mnist.js';
import { decodeModel, encodeModel } from '../../src/io/model-file.js';
import { ContractiveAutoencoder, type ContractiveAutoencoderConfig } from '../../src/models/contractive.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

const D = 6, K = 4, B = 5;

/** A float64 model whose weights are large enough that the sigmoid is far from linear. */
function model(lambda = 0.7): ContractiveAutoencoder {
  const m = new ContractiveAutoencoder({ inputDim: D, latentDim: K, lambda, dtype: 'float64', seed: 2 });
  const rng = new Rng(3);
  for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform(-1.5, 1.5);
  return m;
}

/** ||J(x_b)||_F^2 per sample, J_ji = dh_j/dx_i by central differences on the encoder. */
function numericJacobianNormSq(m: ContractiveAutoencoder, x: number[][]): number[] {
  const eps = 1e-6;
  // A float64 tensor straight into the encoder (encode() would pass number[][] through float32).
  const code = (v: number[]) => [...noGrad(() => m.encoder.forward(tensor(Float64Array.from(v), [1, D]))).toTypedArray()];
  return x.map((row) => {
    let s = 0;
    for (let i = 0; i < D; i++) {
      const up = [...row], dn = [...row];
      up[i] += eps;
      dn[i] -= eps;
      const hu = code(up), hd = code(dn);
      for (let j = 0; j < K; j++) s += ((hu[j] - hd[j]) / (2 * eps)) ** 2;
    }
    return s;
  });
}

describe('the closed-form contractive penalty', () => {
  const x = rand([B, D], 7, -1, 1);
  const rows = x.toArray() as number[][];

  test('sum_j (h_j(1-h_j))^2 sum_i W_ji^2 equals ||J||_F^2 from central differences', () => {
    const m = model();
    const closed = noGrad(() => m.jacobianNormSq(m.encoder.forward(x))).toTypedArray();
    assertClose(closed, numericJacobianNormSq(m, rows), 1e-9, 1e-8);
  });

  test('...and from the autograd Jacobian, one code unit (one row of J for every sample) at a time', () => {
    const m = model();
    const xi = rand([B, D], 7, -1, 1);
    xi.requiresGrad = true;
    const h = m.encoder.forward(xi);
    const normSq = new Float64Array(B);
    for (let j = 0; j < K; j++) {
      // Samples are independent, so d(sum_b h_bj)/dx_b is row j of sample b's Jacobian.
      const g = gradients(ops.sum(ops.slice(h, [0, j], [B, 1]))).get(xi)!.toTypedArray();
      for (let b = 0; b < B; b++) for (let i = 0; i < D; i++) normSq[b] += g[b * D + i] ** 2;
    }
    const closed = noGrad(() => m.jacobianNormSq(m.encoder.forward(x))).toTypedArray();
    assertClose(closed, normSq, 1e-14, 1e-12);
    const mean = normSq.reduce((s, v) => s + v, 0) / B;
    assertClose([noGrad(() => m.contractivePenalty(x)).item()], [0.7 * mean], 1e-14, 1e-12, 'penalty = lambda * batch mean');
  });

  test('its gradient in W, b and x passes gradcheck (float64)', () => {
    const m = model();
    const layer = m.encoderLayer;
    const xi = rand([B, D], 8, -1, 1);
    const r = gradcheck(() => m.contractivePenalty(xi), [layer.weight, layer.bias!, xi]);
    assert.ok(r.ok, JSON.stringify(r));
  });
});

describe('training (MNIST, 500 images, 5 epochs)', () => {
  test('the penalty leaves a clearly smaller mean ||J||_F on held-out digits than lambda = 0', async () => {
    const train = loadMnist('train', { limit: 500 });
    const test_ = loadMnist('test', { limit: 200 });
    const norms: number[] = [];
    for (const lambda of [0, 0.1]) {
      const m = new ContractiveAutoencoder({ inputDim: 784, latentDim: 64, lambda, seed: 1 });
      const h = await m.fit(train, { epochs: 5, batchSize: 32, loss: 'bce', seed: 2 });
      assert.ok(h.loss[4] < h.loss[0]);
      norms.push(m.meanJacobianNorm(test_));
    }
    assert.ok(norms[1] < 0.85 * norms[0], `mean ||J||_F ${norms[0]} without, ${norms[1]} with the penalty`);
  });
});

describe('config and files', () => {
  test('a single sigmoid encoder layer; other configs are refused', () => {
    const m = new ContractiveAutoencoder({ inputDim: 5, latentDim: 2, lambda: 0.1 });
    assert.equal(m.encoder.layers.length, 1);
    assert.equal(m.encoderLayer.config.activation, 'sigmoid');
    assert.equal((m.decoder.layers[0] as typeof m.encoderLayer).config.activation, 'sigmoid');
    const bad = (extra: object) => ({ inputDim: 5, latentDim: 2, lambda: 0.1, ...extra }) as ContractiveAutoencoderConfig;
    assert.throws(() => new ContractiveAutoencoder(bad({ hidden: [3] })), /single sigmoid layer \(closed-form Jacobian\)/);
    assert.throws(() => new ContractiveAutoencoder(bad({ latentActivation: 'relu' })), /latentActivation must be 'sigmoid', got 'relu'/);
    assert.throws(() => new ContractiveAutoencoder(bad({ lambda: -1 })), /lambda must be a finite number >= 0, got -1/);
  });

  test('save/load round trip keeps the kind, lambda and the weights', () => {
    const m = new ContractiveAutoencoder({ inputDim: 5, latentDim: 3, lambda: 0.25, outputActivation: 'linear', seed: 6 });
    const { model: loaded, header } = decodeModel(encodeModel(m));
    assert.equal(header.kind, 'ContractiveAutoencoder');
    assert.ok(loaded instanceof ContractiveAutoencoder);
    assert.equal(loaded.lambda, 0.25);
    assert.deepEqual(loaded.modelConfig(), m.modelConfig());
    const x = rand([4, 5], 2, 0, 1, 'float32');
    assert.deepEqual(loaded.reconstruct(x).toTypedArray(), m.reconstruct(x).toTypedArray());
    assert.equal(loaded.meanJacobianNorm(x), m.meanJacobianNorm(x));
  });
});
