/** MLP: learns XOR by backprop, classifies with softmax + cross-entropy, trains in mini-batches, saves and loads. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeModel, encodeModel, registerModelKind } from '../../src/io/model-file.js';
import { crossEntropyWithLogits, MLP, type MLPConfig } from '../../src/models/mlp.js';
import { TOY_INPUTS, XOR_TARGETS } from '../../src/models/perceptron.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

const XOR_2D = [[0, 0], [0, 1], [1, 0], [1, 1]];

/** Three Gaussian blobs in 2-D (std 0.5) around well-separated centres, labels 0, 1, 2. */
function blobs(perClass: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const centres = [[0, 0], [4, 0], [0, 4]];
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < perClass * 3; i++) {
    const c = i % 3;
    x.push([rng.normal(centres[c][0], 0.5), rng.normal(centres[c][1], 0.5)]);
    y.push(c);
  }
  return { x, y };
}

describe('MLP', () => {
  test('learns XOR: all four outputs on the right side of 0.5 (2-4-1, tanh, Adam)', async () => {
    const net = new MLP({ sizes: [2, 4, 1], activation: 'tanh', seed: 0 });
    const h = await net.fit(XOR_2D, XOR_TARGETS, { epochs: 500, lr: 0.05 });
    const out = Array.from(net.predict(XOR_2D).toTypedArray());
    out.forEach((v, i) => assert.ok(XOR_TARGETS[i] === 1 ? v > 0.5 : v < 0.5, `XOR outputs ${out}`));
    assert.ok(h.loss[h.loss.length - 1] < 0.1, `final loss ${h.loss[h.loss.length - 1]}`);
  });

  test("learns XOR the seed's way too: sigmoid layers, squared error, plain gradient descent", async () => {
    const net = new MLP({ sizes: [3, 4, 1], seed: 0 });
    await net.fit(TOY_INPUTS, XOR_TARGETS, { epochs: 3000, optimizer: 'sgd', lr: 1, loss: 'mse' });
    assert.deepEqual(Array.from(net.predictClasses(TOY_INPUTS)), XOR_TARGETS);
  });

  test('softmax + cross-entropy classifies three blobs from integer labels, in shuffled mini-batches', async () => {
    const train = blobs(40, 1), test = blobs(30, 2);
    const net = new MLP({ sizes: [2, 8, 3], activation: 'relu', outputActivation: 'softmax', seed: 0 });
    assert.equal(net.defaultLoss(), 'crossEntropy');
    const h = await net.fit(train.x, train.y, { epochs: 30, batchSize: 16, lr: 0.05, seed: 3 });
    assert.ok(h.loss[h.loss.length - 1] < h.loss[0] / 4, `loss ${h.loss[0]} -> ${h.loss[h.loss.length - 1]}`);
    assert.ok(net.accuracy(test.x, test.y) > 0.95, `test accuracy ${net.accuracy(test.x, test.y)}`);
    const rows = Array.from(net.predict(test.x.slice(0, 5)).toTypedArray());
    for (let i = 0; i < 5; i++) assertClose([rows[3 * i] + rows[3 * i + 1] + rows[3 * i + 2]], [1], 1e-5, 0, 'softmax row sum');
  });

  test('crossEntropyWithLogits = mean of -log softmax at the target, finite for logits of ±300', () => {
    const z = [[1, 2, 3], [0, -1, 0.5]];
    const t = [[0, 0, 1], [1, 0, 0]];
    const manual = z.map((row, i) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      return lse - row[t[i].indexOf(1)];
    });
    const ce = crossEntropyWithLogits(tensor(z, undefined, { dtype: 'float64' }), tensor(t, undefined, { dtype: 'float64' })).item();
    assertClose([ce], [(manual[0] + manual[1]) / 2], 1e-12);
    const big = crossEntropyWithLogits(tensor([[300, -300]]), tensor([[0, 1]])).item();
    assertClose([big], [600], 1e-3, 0, 'extreme logits');
  });

  test('the same seed gives the same weights and history', async () => {
    const run = async () => {
      const net = new MLP({ sizes: [2, 3, 1], seed: 7 });
      const h = await net.fit(XOR_2D, XOR_TARGETS, { epochs: 20, batchSize: 2, seed: 1 });
      return { loss: h.loss, w: net.parameters().map((p) => Array.from(p.toTypedArray())) };
    };
    assert.deepEqual(await run(), await run());
  });

  test('saves and loads through the model file (modelConfig)', async () => {
    registerModelKind('MLP', (c) => new MLP(c as unknown as MLPConfig));
    const net = new MLP({ sizes: [2, 5, 3], activation: 'tanh', outputActivation: 'softmax', seed: 4 });
    await net.fit(XOR_2D, [0, 1, 2, 1], { epochs: 10 });
    const cfg = net.modelConfig();
    assert.equal(cfg.kind, 'MLP');
    assert.deepEqual(cfg.config.sizes, [2, 5, 3]);
    const { model } = decodeModel(encodeModel(net));
    assert.ok(model instanceof MLP);
    assert.deepEqual(model.namedParameters().map(([n]) => n), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']);
    assert.deepEqual(Array.from(model.predict(XOR_2D).toTypedArray()), Array.from(net.predict(XOR_2D).toTypedArray()));
  });

  test('bad configs, labels and shapes give clear errors; onEpochEnd can stop training', async () => {
    assert.throws(() => new MLP({ sizes: [3] }), /sizes needs at least an input and an output size/);
    assert.throws(() => new MLP({ sizes: [3, 0, 1] }), /sizes\[1\] must be a positive integer, got 0/);
    assert.throws(() => new MLP({ sizes: [3, 1], activation: 'swish' as 'relu' }), /unknown activation 'swish'/);
    const net = new MLP({ sizes: [2, 3], outputActivation: 'softmax' });
    await assert.rejects(() => net.fit(XOR_2D, [0, 1, 3, 0]), /target 2 is 3: class labels must be integers in \[0, 3\)/);
    await assert.rejects(() => net.fit([[1, 2, 3]], [0]), /MLP expects inputs \[n, 2\], got \[1, 3\]/);
    await assert.rejects(() => net.fit(XOR_2D, [0, 1, 2, 0], { loss: 'hinge' as 'mse' }), /unknown loss 'hinge'/);
    const h = await net.fit(XOR_2D, [0, 1, 2, 0], { epochs: 50, onEpochEnd: (e) => e < 3 });
    assert.equal(h.loss.length, 3);
    assert.match(h.stopReason ?? '', /stopped by onEpochEnd at epoch 3/);
  });
});
