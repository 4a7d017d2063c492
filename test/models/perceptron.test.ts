/** Perceptron: learns seed 003's toy set, cannot learn XOR, takes the seed's exact update, saves and loads. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeModel, encodeModel, registerModelKind } from '../../src/io/model-file.js';
import { Perceptron, type PerceptronConfig, TOY_INPUTS, TOY_TARGETS, XOR_TARGETS } from '../../src/models/perceptron.js';
import { tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('Perceptron', () => {
  test("learns seed 003's toy set: outputs round to the targets, and the loss falls", async () => {
    const p = new Perceptron({ inputDim: 3, seed: 0 });
    const h = await p.fit(TOY_INPUTS, TOY_TARGETS, { epochs: 1000 });
    const out = Array.from(p.predict(TOY_INPUTS).toTypedArray());
    assert.deepEqual(out.map(Math.round), TOY_TARGETS, `outputs ${out}`);
    assert.deepEqual(Array.from(p.predictClasses(TOY_INPUTS)), TOY_TARGETS);
    assert.equal(h.loss.length, 1000);
    assert.ok(h.loss[999] < h.loss[0] / 10, `loss ${h.loss[0]} -> ${h.loss[999]}`);
    assert.equal(h.stopReason, null);
  });

  test('cannot learn XOR: a single hyperplane gets at least one of the four wrong, however long it trains', async () => {
    for (const loss of ['mse', 'bce'] as const) {
      const p = new Perceptron({ inputDim: 3, seed: 1 });
      await p.fit(TOY_INPUTS, XOR_TARGETS, { epochs: 5000, loss });
      const cls = Array.from(p.predictClasses(TOY_INPUTS));
      const wrong = cls.filter((c, i) => c !== XOR_TARGETS[i]).length;
      assert.ok(wrong >= 1, `${loss}: predicted ${cls}, which would be XOR`);
    }
  });

  test("one full-batch step equals the seed's update W += lr * X^T ((y - p) * p (1 - p)), scaled by MSE's 2/n", async () => {
    const p = new Perceptron({ inputDim: 3, useBias: false, seed: 3, dtype: 'float64' });
    const w0 = Array.from(p.layer.weight.toTypedArray());
    const n = TOY_INPUTS.length, lr = 0.7;
    const delta = TOY_INPUTS.map((row, i) => {
      const out = sigmoid(row.reduce((s, v, k) => s + v * w0[k], 0));
      return (TOY_TARGETS[i] - out) * out * (1 - out);
    });
    const expected = w0.map((w, k) => w + lr * (2 / n) * TOY_INPUTS.reduce((s, row, i) => s + row[k] * delta[i], 0));
    await p.fit(TOY_INPUTS, TOY_TARGETS, { epochs: 1, lr });
    assertClose(p.layer.weight.toTypedArray(), expected, 1e-12, 0, 'weights after one step');
  });

  test('the same seed gives the same model and history; another seed a different one', async () => {
    const run = async (seed: number) => {
      const p = new Perceptron({ inputDim: 3, seed });
      const h = await p.fit(TOY_INPUTS, TOY_TARGETS, { epochs: 50 });
      return { w: Array.from(p.layer.weight.toTypedArray()), loss: h.loss };
    };
    assert.deepEqual(await run(4), await run(4));
    assert.notDeepEqual((await run(4)).w, (await run(5)).w);
  });

  test('saves and loads through the model file (modelConfig)', async () => {
    registerModelKind('Perceptron', (c) => new Perceptron(c as unknown as PerceptronConfig));
    const p = new Perceptron({ inputDim: 3, outputDim: 2, seed: 2 });
    await p.fit(TOY_INPUTS, [[0, 1], [0, 1], [1, 0], [1, 0]], { epochs: 20 });
    assert.deepEqual(p.modelConfig(), { kind: 'Perceptron', config: { inputDim: 3, outputDim: 2, useBias: true, seed: 2, dtype: 'float32' } });
    const { model } = decodeModel(encodeModel(p));
    assert.ok(model instanceof Perceptron);
    assert.deepEqual(Array.from(model.predict(TOY_INPUTS).toTypedArray()), Array.from(p.predict(TOY_INPUTS).toTypedArray()));
  });

  test('extreme inputs stay finite; wrong shapes and losses give clear errors', async () => {
    const p = new Perceptron({ inputDim: 1, seed: 0 });
    p.layer.weight.data[0] = 1;
    const out = Array.from(p.predict([[300], [-300]]).toTypedArray());
    assert.deepEqual(out, [1, 0]);
    const q = new Perceptron({ inputDim: 3 });
    await assert.rejects(() => q.fit([[1, 2]], [1]), /Perceptron expects inputs \[n, 3\], got \[1, 2\]/);
    await assert.rejects(() => q.fit(TOY_INPUTS, [1, 0]), /targets have shape \[2, 1\], expected \[4, 1\]/);
    await assert.rejects(() => q.fit(TOY_INPUTS, TOY_TARGETS, { loss: 'huber' as 'mse' }), /loss must be 'mse' or 'bce'/);
    await assert.rejects(() => q.fit(TOY_INPUTS, TOY_TARGETS, { epochs: 0 }), /epochs must be a positive integer/);
    assert.throws(() => q.predict(tensor([[1, 2, 3]], undefined, { dtype: 'float64' })), /inputs are float64 but the model is float32/);
  });
});
