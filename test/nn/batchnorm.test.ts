/**
 * BatchNorm: gradcheck in training and inference mode (float64, [B, F] and channels-last), normalized batch
 * statistics, the exact Keras-style running update and its convergence, inference from the running statistics,
 * the model-file round trip (running statistics bit-identical), training inside fit, and edge cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { loadModel, registerModelKind, saveModel } from '../../src/io/model-file.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor, zeros } from '../../src/tensor/tensor.js';
import { fit } from '../../src/train/fit.js';
import { assertClose, rand } from '../helpers.js';

const TOL = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 };
const bits = (t: Tensor) => Array.from(t.toTypedArray());

/** n samples of independent normals with the given per-feature means and standard deviations. */
function gaussian(n: number, means: number[], stds: number[], rng: Rng, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const f = means.length, v = new Float64Array(n * f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) v[i * f + j] = means[j] + stds[j] * rng.normal();
  return tensor(v, [n, f], { dtype });
}

/** Per-column mean and biased variance of a [n, f] array. */
function columnStats(x: ArrayLike<number>, n: number, f: number): { mean: number[]; variance: number[] } {
  const mean = new Array<number>(f).fill(0), variance = new Array<number>(f).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += x[i * f + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) variance[j] += (x[i * f + j] - mean[j]) ** 2 / n;
  return { mean, variance };
}

describe('BatchNorm', () => {
  test('gradcheck (float64) in training mode, [B, F] and channels-last [B, H, W, C]: input, gamma and beta', () => {
    for (const shape of [[5, 3], [2, 3, 2, 3]]) {
      const bn = new BatchNorm({ features: 3 }, { dtype: 'float64' });
      bn.gamma.data.set([1.5, -0.7, 0.3]);
      bn.beta.data.set([0.1, 0.2, -0.3]);
      const r = gradcheck((x) => bn.forward(x), [rand(shape, 3, -2, 2), bn.gamma, bn.beta], TOL);
      assert.ok(r.ok, `${shape}: ${JSON.stringify(r.worst)}`);
    }
  });

  test('gradcheck (float64) in inference mode: input, gamma and beta', () => {
    const bn = new BatchNorm({ features: 3 }, { dtype: 'float64' });
    bn.runningMean.data.set([0.5, -1, 2]);
    bn.runningVar.data.set([0.25, 4, 1.5]);
    bn.gamma.data.set([1.5, -0.7, 0.3]);
    bn.eval();
    const r = gradcheck((x) => bn.forward(x), [rand([4, 3], 4), bn.gamma, bn.beta], TOL);
    assert.ok(r.ok, JSON.stringify(r.worst));
  });

  test('training output has per-feature mean 0 and variance var / (var + eps), channels-last pooled over positions', () => {
    const bn = new BatchNorm({ features: 3 });
    const x = gaussian(64, [5, -3, 0.2], [2, 0.5, 0.05], new Rng(1));
    const y = bn.forward(x).toTypedArray();
    const want = columnStats(x.toTypedArray(), 64, 3).variance.map((v) => v / (v + 1e-3));
    const got = columnStats(y, 64, 3);
    assertClose(got.mean, [0, 0, 0], 1e-5, 0, 'mean');
    assertClose(got.variance, want, 1e-4, 0, 'variance');
    // Channels-last: [4, 2, 2, 3] pooled over batch and both spatial axes equals [16, 3].
    const img = rand([4, 2, 2, 3], 9, -1, 3, 'float32');
    const flat = tensor(img.toTypedArray(), [16, 3]);
    assertClose(new BatchNorm({ features: 3 }).forward(img).toTypedArray(), new BatchNorm({ features: 3 }).forward(flat).toTypedArray(), 1e-6);
  });

  test('running statistics: the exact Keras update (momentum 0.99, biased variance), then convergence to the data', () => {
    const bn = new BatchNorm({ features: 3 }, { dtype: 'float64' });
    const x = gaussian(32, [1, 2, 3], [1, 1, 1], new Rng(2), 'float64');
    bn.forward(x);
    const s = columnStats(x.toTypedArray(), 32, 3);
    assertClose(bits(bn.runningMean), s.mean.map((m) => 0.01 * m), 1e-12, 0, 'first running mean');
    assertClose(bits(bn.runningVar), s.variance.map((v) => 0.99 + 0.01 * v), 1e-12, 0, 'first running var');
    const means = [2, -1, 0.5], stds = [0.5, 3, 1];
    const conv = new BatchNorm({ features: 3 });
    const rng = new Rng(3);
    // 0.99^800 = 3e-4: the start (0, 1) is forgotten; what is left is the sampling noise of ~100 recent batches.
    noGrad(() => { for (let i = 0; i < 800; i++) conv.forward(gaussian(128, means, stds, rng)); });
    const rm = bits(conv.runningMean), rv = bits(conv.runningVar);
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(rm[j] - means[j]) < 0.03 * stds[j], `running mean[${j}] ${rm[j]} vs ${means[j]}`);
      // E[biased batch variance] = (n - 1) / n * std^2.
      const wantVar = (127 / 128) * stds[j] ** 2;
      assert.ok(Math.abs(rv[j] / wantVar - 1) < 0.05, `running var[${j}] ${rv[j]} vs ${wantVar}`);
    }
  });

  test('inference uses the running statistics (per-sample, batch-independent) and leaves them alone', () => {
    const bn = new BatchNorm({ features: 2, momentum: 0.9 }, { dtype: 'float64' });
    bn.runningMean.data.set([1, -2]);
    bn.runningVar.data.set([4, 0.25]);
    bn.gamma.data.set([2, 0.5]);
    bn.beta.data.set([0.1, -0.1]);
    bn.eval();
    const x = rand([5, 2], 6, -3, 3);
    const xv = bits(x);
    const want = xv.map((v, i) => {
      const j = i % 2, m = [1, -2][j], vr = [4, 0.25][j];
      return [2, 0.5][j] * (v - m) / Math.sqrt(vr + 1e-3) + [0.1, -0.1][j];
    });
    assertClose(bits(bn.forward(x)), want, 1e-12, 0, 'eval output');
    assertClose(bits(bn.forward(tensor(xv.slice(0, 2), [1, 2], { dtype: 'float64' }))), want.slice(0, 2), 1e-12, 0, 'one sample alone');
    assert.deepEqual(bits(bn.runningMean), [1, -2]);
    assert.deepEqual(bits(bn.runningVar), [4, 0.25]);
  });

  test('running statistics are buffers: saved in the model file and loaded bit-identical', () => {
    class BNNet extends Module {
      dense = new Dense({ inputDim: 3, units: 4 }, { rng: new Rng(1) });
      bn = new BatchNorm({ features: 4, momentum: 0.8 });
      forward(x: Tensor): Tensor { return this.bn.forward(this.dense.forward(x)); }
      modelConfig() { return { kind: 'TestBatchNormNet', config: {} }; }
    }
    registerModelKind('TestBatchNormNet', () => new BNNet());
    const net = new BNNet();
    assert.deepEqual(net.namedParameters().map(([n]) => n), ['dense.weight', 'dense.bias', 'bn.gamma', 'bn.beta']);
    assert.deepEqual(net.namedTensors().map(([n]) => n), ['dense.weight', 'dense.bias', 'bn.gamma', 'bn.beta', 'bn.runningMean', 'bn.runningVar']);
    const rng = new Rng(4);
    for (let i = 0; i < 5; i++) net.forward(gaussian(16, [1, -1, 3], [2, 1, 0.5], rng));
    net.bn.gamma.data.set([1.1, 0.9, 1.2, 0.8]);
    net.eval();
    const dir = mkdtempSync(join(tmpdir(), 'aekit-bn-'));
    try {
      saveModel(join(dir, 'bn.safetensors'), net);
      const back = loadModel(join(dir, 'bn.safetensors')) as BNNet;
      assert.ok(back instanceof BNNet && !back.training);
      assert.deepEqual(bits(back.bn.runningMean), bits(net.bn.runningMean));
      assert.deepEqual(bits(back.bn.runningVar), bits(net.bn.runningVar));
      assert.notDeepEqual(bits(back.bn.runningVar), [1, 1, 1, 1], 'the statistics moved before saving');
      const x = gaussian(6, [0, 0, 0], [1, 1, 1], rng);
      assert.deepEqual(bits(back.forward(x)), bits(net.forward(x)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('trains inside fit (on the current backend): loss falls, running statistics move, stay finite', async () => {
    const net = new Sequential([new Dense({ inputDim: 4, units: 8, activation: 'relu' }, { rng: new Rng(1) }), new BatchNorm({ features: 8, momentum: 0.9 }), new Dense({ inputDim: 8, units: 4 }, { rng: new Rng(2) })]);
    const x = gaussian(128, [3, -2, 1, 0], [1, 2, 0.5, 1], new Rng(5));
    const h = await fit(net, x, { epochs: 8, batchSize: 32, lr: 0.01 });
    assert.ok(h.loss[h.loss.length - 1] < h.loss[0], `loss ${h.loss}`);
    const bn = net.layers[1] as BatchNorm;
    assert.ok(bits(bn.runningMean).every(Number.isFinite) && bits(bn.runningVar).every((v) => Number.isFinite(v) && v >= 0));
    assert.ok(bits(bn.runningMean).some((v) => v !== 0));
    assert.equal(bn.training, false, 'fit leaves the model in eval mode');
  });

  test('edge cases: config checks, wrong shapes, empty batch, NaN stays in its own feature', () => {
    assert.throws(() => new BatchNorm({ features: 0 }), /features must be a positive integer/);
    assert.throws(() => new BatchNorm({ features: 2, momentum: 1 }), /momentum must be in \[0, 1\)/);
    assert.throws(() => new BatchNorm({ features: 2, epsilon: 0 }), /epsilon must be a positive number/);
    const bn = new BatchNorm({ features: 3 });
    assert.throws(() => bn.forward(zeros([4, 2])), /BatchNorm expects input of shape \[batch, \.\.\., 3\], got \[4, 2\]/);
    assert.throws(() => bn.forward(zeros([3])), /got \[3\]/);
    assert.deepEqual([...bn.forward(zeros([0, 3])).shape], [0, 3]);
    assert.deepEqual(bits(bn.runningMean), [0, 0, 0], 'an empty batch does not update');
    // One sample: variance 0, the output is beta (no division by zero thanks to epsilon).
    assert.deepEqual(bits(bn.forward(tensor([[1, 2, 3]]))), [0, 0, 0]);
    const y = bits(new BatchNorm({ features: 2 }).forward(tensor([[NaN, 1], [2, 3]])));
    assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[2]) && y[1] === -y[3] && Number.isFinite(y[1]));
  });
});
