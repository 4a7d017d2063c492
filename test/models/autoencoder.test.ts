/**
 * Autoencoder: architecture from the config, encode/decode/reconstruct on every input kind, reconstructionError
 * reductions, and input errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad } from '../../src/autograd/mode.js';
import { Dataset } from '../../src/data/dataset.js';
import { Autoencoder, type AutoencoderConfig } from '../../src/models/autoencoder.js';
import type { ActivationName } from '../../src/nn/activations.js';
import { Dense } from '../../src/nn/dense.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

const layerShapes = (layers: unknown[]) => layers.map((l) => [...(l as Dense).weight.shape]);
const layerActs = (layers: unknown[]) => layers.map((l) => (l as Dense).config.activation);

function randomRows(n: number, d: number, seed = 1): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.uniform(0, 1)));
}

describe('Autoencoder: architecture', () => {
  test('hidden sizes mirrored: 10 -> 8 -> 5 -> 3 and back; activations per layer', () => {
    const ae = new Autoencoder({ inputDim: 10, hidden: [8, 5], latentDim: 3, activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid' });
    assert.deepEqual(layerShapes(ae.encoder.layers), [[8, 10], [5, 8], [3, 5]]);
    assert.deepEqual(layerShapes(ae.decoder.layers), [[5, 3], [8, 5], [10, 8]]);
    assert.deepEqual(layerActs(ae.encoder.layers), ['relu', 'relu', 'linear']);
    assert.deepEqual(layerActs(ae.decoder.layers), ['relu', 'relu', 'sigmoid']);
    assert.equal(ae.parameterCount(), (80 + 8) + (40 + 5) + (15 + 3) + (15 + 5) + (40 + 8) + (80 + 10));
  });

  test('no hidden layers: one Dense each way; defaults relu / latent = activation / sigmoid output', () => {
    const ae = new Autoencoder({ inputDim: 6, latentDim: 2 });
    assert.deepEqual(layerShapes(ae.encoder.layers), [[2, 6]]);
    assert.deepEqual(layerShapes(ae.decoder.layers), [[6, 2]]);
    assert.deepEqual(layerActs(ae.encoder.layers), ['relu']);
    assert.deepEqual(layerActs(ae.decoder.layers), ['sigmoid']);
    assert.deepEqual(ae.config, {
      inputDim: 6, hidden: [], latentDim: 2, activation: 'relu', latentActivation: 'relu', outputActivation: 'sigmoid',
      init: 'glorotUniform', seed: 0, dtype: 'float32',
    });
  });

  test('modelConfig copies the config (mutating it does not touch the model)', () => {
    const ae = new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2 });
    const mc = ae.modelConfig();
    assert.equal(mc.kind, 'Autoencoder');
    assert.deepEqual(mc.config, ae.config);
    mc.config.hidden!.push(99);
    assert.deepEqual(ae.config.hidden, [3]);
  });

  test('bad configs are rejected with clear errors', () => {
    const bad: [Partial<AutoencoderConfig>, RegExp][] = [
      [{ inputDim: 0 }, /Autoencoder: inputDim must be a positive integer, got 0/],
      [{ latentDim: 1.5 }, /Autoencoder: latentDim must be a positive integer, got 1\.5/],
      [{ hidden: [4, -2] }, /Autoencoder: hidden\[1\] must be a positive integer, got -2/],
      [{ activation: 'swish' as ActivationName }, /unknown activation 'swish'/],
      [{ latentActivation: 'swish' as ActivationName }, /unknown latentActivation 'swish'/],
      [{ outputActivation: 'swish' as ActivationName }, /unknown outputActivation 'swish'/],
    ];
    for (const [patch, re] of bad) {
      assert.throws(() => new Autoencoder({ inputDim: 4, latentDim: 2, ...patch }), re);
    }
  });
});

describe('Autoencoder: inference on every input kind', () => {
  const ae = new Autoencoder({ inputDim: 5, hidden: [4], latentDim: 2, activation: 'tanh', seed: 3 });
  const arr = randomRows(7, 5);
  const t = tensor(arr);
  const ds = Dataset.fromArrays(arr);

  test('encode / decode / reconstruct shapes and values agree for Tensor, number[][] and Dataset', () => {
    const direct = noGrad(() => ae.forward(t)).toTypedArray();
    const codeDirect = noGrad(() => ae.encoder.forward(t)).toTypedArray();
    for (const [name, x] of [['tensor', t], ['array', arr], ['dataset', ds]] as const) {
      const code = ae.encode(x);
      assert.deepEqual([...code.shape], [7, 2], name);
      assert.deepEqual(code.toTypedArray(), codeDirect, `${name}: encode`);
      const r = ae.reconstruct(x);
      assert.deepEqual([...r.shape], [7, 5], name);
      assert.deepEqual(r.toTypedArray(), direct, `${name}: reconstruct`);
      assert.equal(r.requiresGrad, false, `${name}: inference records no graph`);
    }
    const codes = ae.encode(t);
    const dec = ae.decode(codes);
    assert.deepEqual([...dec.shape], [7, 5]);
    assert.deepEqual(dec.toTypedArray(), direct);
    const codeRows = (codes.toArray() as number[][]);
    assert.deepEqual(ae.decode(codeRows).toTypedArray(), direct);
    assert.deepEqual(ae.decode(Dataset.fromArrays(codeRows)).toTypedArray(), direct);
  });

  test('large inputs are processed in batches with the same results', () => {
    const big = randomRows(5000, 5, 2);
    const r = ae.reconstruct(big);
    assert.deepEqual([...r.shape], [5000, 5]);
    const tail = tensor(big.slice(4990));
    assert.deepEqual(r.toTypedArray().subarray(4990 * 5), noGrad(() => ae.forward(tail)).toTypedArray());
    const e = ae.reconstructionError(big, { reduce: 'perSample' });
    assert.equal(e.length, 5000);
  });

  test('reconstructionError: none, perSample and mean agree with each other and with a direct computation', () => {
    const r = noGrad(() => ae.forward(t)).toTypedArray();
    const x = t.toTypedArray();
    const sq = Array.from(x, (v, i) => (r[i] - v) ** 2);
    const per = Array.from({ length: 7 }, (_, i) => sq.slice(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0) / 5);
    const mean = sq.reduce((a, b) => a + b, 0) / sq.length;
    for (const [name, input] of [['tensor', t], ['array', arr], ['dataset', ds]] as const) {
      const none = ae.reconstructionError(input, { reduce: 'none' }) as Tensor;
      assert.deepEqual([...none.shape], [7, 5]);
      assertClose(none.toTypedArray(), sq, 1e-7, 1e-6, `${name} none`);
      const ps = ae.reconstructionError(input, { reduce: 'perSample' });
      assert.ok(ps instanceof Float32Array);
      assertClose(ps, per, 1e-7, 1e-6, `${name} perSample`);
      const m = ae.reconstructionError(input);
      assert.equal(typeof m, 'number');
      assertClose([m], [mean], 1e-8, 1e-6, `${name} mean`);
      assert.equal(ae.reconstructionError(input, { reduce: 'mean' }), m);
      // mutual consistency
      const noneArr = Array.from(none.toTypedArray());
      assertClose(ps, per.map((_, i) => noneArr.slice(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0) / 5), 1e-7, 1e-6, 'perSample vs none');
      assertClose([m], [Array.from(ps).reduce((a, b) => a + b, 0) / 7], 1e-8, 1e-6, 'mean vs perSample');
    }
    assert.throws(() => ae.reconstructionError(t, { reduce: 'max' as 'mean' }), /reduce must be 'mean', 'perSample' or 'none', got 'max'/);
  });

  test('a float64 model accepts every input kind', () => {
    const ae64 = new Autoencoder({ inputDim: 5, hidden: [4], latentDim: 2, activation: 'tanh', seed: 3, dtype: 'float64' });
    const want = noGrad(() => ae64.forward(tensor(arr, undefined, { dtype: 'float64' }))).toTypedArray();
    for (const [name, x] of [['array', arr], ['dataset', ds]] as const) {
      const r = ae64.reconstruct(x);
      assert.equal(r.dtype, 'float64', name);
      // float32 storage of the dataset's values (number[][] and Dataset hold float32) -> within float32 precision
      assertClose(r.toTypedArray(), want, 1e-6, 0, name);
      assert.equal(typeof ae64.reconstructionError(x), 'number');
    }
  });

  test('wrong widths and non-finite values give clear errors', () => {
    assert.throws(() => ae.reconstruct(tensor([[1, 2, 3]])), /Autoencoder expects input of shape \[batch, 5\], got \[1, 3\]/);
    // a rank-1 tensor reads as 5 samples of 1 value each
    assert.throws(() => ae.encode(tensor([1, 2, 3, 4, 5])), /encode: samples have 1 values, the model expects 5/);
    assert.throws(() => ae.reconstruct([[1, 2, 3]]), /reconstruct: samples have 3 values, the model expects 5/);
    assert.throws(() => ae.encode(Dataset.fromArrays([[1, 2]])), /encode: samples have 2 values, the model expects 5/);
    assert.throws(() => ae.decode([[1, 2, 3]]), /decode: samples have 3 values, the model expects 2/);
    assert.throws(() => ae.decode(tensor([[1, 2, 3]])), /decode expects codes of shape \[batch, 2\], got \[1, 3\]/);
    assert.throws(() => ae.reconstructionError([[0.1, 0.2, 0.3]]), /reconstructionError: samples have 3 values, the model expects 5/);
    assert.throws(() => ae.reconstruct([[0.1, 0.2, NaN, 0.4, 0.5]]), /reconstruct: sample 0, value 2 is NaN \(inputs must be finite numbers\)/);
    assert.throws(() => ae.encode([[0.1, 0.2, 0.3, 0.4, 0.5], [0.1, Infinity, 0.3, 0.4, 0.5]]), /encode: sample 1, value 1 is Infinity/);
    assert.throws(() => ae.reconstruct([[1, 2, 3, 4, 5], [1, 2]]), /ragged|equal-length/);
  });

  test('empty input gives empty results', () => {
    assert.deepEqual([...ae.reconstruct([]).shape], [0, 5]);
    assert.equal(ae.reconstructionError([], { reduce: 'perSample' }).length, 0);
  });
});
