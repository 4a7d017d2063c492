/**
 * StackedAutoencoder: architecture and parameter counts (tied and untied), the tie itself (one tensor, its
 * gradient from both uses), greedy pretraining on 300 MNIST test images (one history entry per stage, each
 * stage's loss falling, lower layers frozen while upper ones train), fine-tuning beating pretraining alone,
 * and the model file round trip.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { loadMnist } from '../../src/data/mnist.js';
import { decodeModel, encodeModel } from '../../src/io/model-file.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { StackedAutoencoder, type StackedAutoencoderConfig, TiedDense } from '../../src/models/stacked.js';
import type { Dense } from '../../src/nn/dense.js';
import { mse } from '../../src/losses/losses.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { rand } from '../helpers.js';

const MNIST = loadMnist('test', { limit: 300 });
const bits = (t: Tensor) => Array.from(t.toTypedArray());
const mnistStack = (extra: Partial<StackedAutoencoderConfig> = {}) =>
  new StackedAutoencoder({ inputDim: 784, hidden: [64], latentDim: 16, activation: 'relu', seed: 1, ...extra });

describe('StackedAutoencoder: architecture', () => {
  test('untied: parameter count sum_k 2 d_{k-1} d_k + d_k + d_{k-1}, and the same initial weights as Autoencoder', () => {
    const cfg = { inputDim: 10, hidden: [8, 5], latentDim: 3, seed: 4 };
    const s = new StackedAutoencoder(cfg);
    assert.equal(s.parameterCount(), (2 * 80 + 8 + 10) + (2 * 40 + 5 + 8) + (2 * 15 + 3 + 5));
    const ae = new Autoencoder(cfg);
    assert.deepEqual(s.namedTensors().map(([n]) => n), ae.namedTensors().map(([n]) => n));
    s.namedTensors().forEach(([n, t], i) => assert.deepEqual(bits(t), bits(ae.namedTensors()[i][1]), n));
  });

  test('tied: decoder layers hold the encoder weight itself, own only biases; count sum_k d_{k-1} d_k + d_k + d_{k-1}', () => {
    const s = new StackedAutoencoder({ inputDim: 10, hidden: [8, 5], latentDim: 3, tiedWeights: true });
    assert.equal(s.parameterCount(), (80 + 8 + 10) + (40 + 5 + 8) + (15 + 3 + 5));
    const enc = s.encoder.layers as Dense[], dec = s.decoder.layers as TiedDense[];
    dec.forEach((d, j) => {
      assert.ok(d instanceof TiedDense);
      assert.equal(d.weight, enc[2 - j].weight, `decoder ${j} shares encoder ${2 - j}'s tensor`);
    });
    const names = s.namedParameters().map(([n]) => n);
    assert.deepEqual(names.filter((n) => n.startsWith('decoder')), ['decoder.layers.0.bias', 'decoder.layers.1.bias', 'decoder.layers.2.bias']);
    assert.deepEqual(dec.map((d) => [d.config.inputDim, d.config.units]), [[3, 5], [5, 8], [8, 10]]);
  });

  test('tied gradient (float64 gradcheck) gets both contributions, the encoder use and the transposed decoder use', () => {
    const s = new StackedAutoencoder({ inputDim: 5, hidden: [4], latentDim: 2, activation: 'tanh', tiedWeights: true, dtype: 'float64', seed: 2 });
    const x = rand([3, 5], 9, 0, 1);
    const r = gradcheck(() => mse(s.forward(x), x), s.parameters());
    assert.ok(r.ok, JSON.stringify(r));
  });

  test('bad configs are rejected', () => {
    assert.throws(() => new StackedAutoencoder({ inputDim: 4, hidden: [0], latentDim: 2 }), /hidden\[0\] must be a positive integer/);
    assert.throws(() => new StackedAutoencoder({ inputDim: 4, latentDim: 2, tiedWeights: 'yes' as unknown as boolean }), /tiedWeights must be a boolean/);
  });
});

describe('StackedAutoencoder on 300 MNIST test images', () => {
  for (const tiedWeights of [false, true]) {
    test(`greedy pretraining then fine-tuning (tiedWeights ${tiedWeights}): one stage per layer + fine-tune, every loss falls, fine-tuning helps`, async () => {
      const s = mnistStack({ tiedWeights });
      const w0: number[][] = [];
      const pre = await s.pretrain(MNIST, {
        pretrainEpochs: 3, batchSize: 32, lr: 1e-2, loss: 'bce', seed: 1,
        // Called as each stage starts: remember layer 1's weights when stage 2 begins.
        callbacks: (stage) => { if (stage.startsWith('pretrain layer 2')) w0.push(bits((s.encoder.layers[0] as Dense).weight)); return []; },
      });
      assert.deepEqual(pre.map((st) => [st.name, st.kind, st.layer, st.loss]), [
        ['pretrain layer 1 (784 -> 64)', 'pretrain', 1, 'bce'],
        ['pretrain layer 2 (64 -> 16)', 'pretrain', 2, 'mse'],
      ]);
      assert.deepEqual(bits((s.encoder.layers[0] as Dense).weight), w0[0], 'layer 1 stays frozen while layer 2 trains');
      const errPre = s.reconstructionError(MNIST);
      const fine = await s.finetune(MNIST, { finetuneEpochs: 3, batchSize: 32, lr: 1e-2, loss: 'bce', seed: 1 });
      const errFine = s.reconstructionError(MNIST);
      for (const st of [...pre, fine]) {
        const l = st.history.loss;
        assert.equal(l.length, 3);
        assert.ok(l[2] < l[0], `${st.name}: ${l}`);
      }
      assert.ok(errFine < 0.85 * errPre, `MSE after pretraining ${errPre}, after fine-tuning ${errFine}`);
    });
  }

  test('fit() runs every stage in order and reports each', async () => {
    const h = await mnistStack({ hidden: [32, 16], latentDim: 8 }).fit(MNIST, { pretrainEpochs: 1, finetuneEpochs: 2, batchSize: 64 });
    assert.deepEqual(h.stages.map((s) => [s.name, s.history.epoch.length]), [
      ['pretrain layer 1 (784 -> 32)', 1], ['pretrain layer 2 (32 -> 16)', 1], ['pretrain layer 3 (16 -> 8)', 1], ['fine-tune', 2],
    ]);
    assert.ok(h.seconds > 0);
  });

  test('model file round trip (tied): bit-identical weights, the tie survives loading, identical reconstructions', () => {
    const s = mnistStack({ tiedWeights: true });
    const rng = new Rng(11);
    for (const p of s.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = rng.normal(0, 0.2);
    const { model, header } = decodeModel(encodeModel(s));
    assert.equal(header.kind, 'StackedAutoencoder');
    assert.ok(model instanceof StackedAutoencoder);
    assert.deepEqual(model.config, s.config);
    assert.deepEqual(model.namedTensors().map(([n]) => n), s.namedTensors().map(([n]) => n));
    model.namedTensors().forEach(([, t], i) => assert.deepEqual(bits(t), bits(s.namedTensors()[i][1])));
    assert.equal((model.decoder.layers[1] as TiedDense).weight, (model.encoder.layers[0] as Dense).weight);
    assert.deepEqual(bits(model.reconstruct(MNIST)), bits(s.reconstruct(MNIST)));
  });
});
