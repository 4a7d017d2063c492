/**
 * Pooling, upsampling and reshaping layers (the companions of the convolution layers): values against direct
 * loops with Keras's 'same'/'valid' semantics, gradients, edge cases, and a Sequential of them saved and
 * loaded through the model file.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grad } from '../../src/autograd/backward.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { decodeModel, encodeModel } from '../../src/io/model-file.js';
import { Conv2D, Conv2DTranspose } from '../../src/nn/conv.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { AvgPool2D, MaxPool2D, type Pool2DConfig } from '../../src/nn/pool.js';
import { Flatten, Reshape, UpSampling2D } from '../../src/nn/reshape.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

function randT(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const rng = new Rng(seed);
  return tensor(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(lo, hi)), shape, { dtype: 'float32' });
}

/** Keras pooling by direct loops: windows clipped to the image (so 'same' never averages or maximises padding). */
function directPool(op: 'max' | 'avg', x: Tensor, k: number[], s: number[], pads: number[], oh: number, ow: number): Float64Array {
  const [n, h, w, c] = x.shape, X = x.toTypedArray();
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    let m = -Infinity, sum = 0, count = 0;
    for (let ky = 0; ky < k[0]; ky++) for (let kx = 0; kx < k[1]; kx++) {
      const iy = oy * s[0] + ky - pads[0], ix = ox * s[1] + kx - pads[2];
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const v = X[((b * h + iy) * w + ix) * c + ch];
      m = Math.max(m, v);
      sum += v;
      count++;
    }
    out[((b * oh + oy) * ow + ox) * c + ch] = op === 'max' ? m : sum / count;
  }
  return out;
}

describe('MaxPool2D and AvgPool2D', () => {
  const cases: [string, Pool2DConfig, number[], number[], number[]][] = [
    // name, config, input, expected output shape, pads [top, bottom, left, right]
    ["2x2 'valid' (Keras default)", {}, [2, 6, 4, 3], [2, 3, 2, 3], [0, 0, 0, 0]],
    ["2x2 'valid' drops an odd last row", {}, [1, 7, 7, 2], [1, 3, 3, 2], [0, 0, 0, 0]],
    ["2x2 'same' 7 -> 4 (the extra pad at the bottom/right)", { padding: 'same' }, [2, 7, 7, 8], [2, 4, 4, 8], [0, 1, 0, 1]],
    ["3x3 stride 2 'same' (overlapping windows)", { poolSize: 3, strides: 2, padding: 'same' }, [1, 5, 6, 5], [1, 3, 3, 5], [1, 1, 0, 1]],
    ["[2, 3] stride [1, 2] 'valid'", { poolSize: [2, 3], strides: [1, 2] }, [2, 4, 7, 1], [2, 3, 3, 1], [0, 0, 0, 0]],
  ];
  for (const [name, cfg, shape, want, pads] of cases) {
    test(`${name}: shape and values`, () => {
      // All negative: a padded max that let its zeros win would show up at once.
      const x = randT(shape, shape[1] * 10 + shape[2], -3, -0.1);
      for (const [Layer, op] of [[MaxPool2D, 'max'], [AvgPool2D, 'avg']] as const) {
        const layer = new Layer(cfg);
        const y = layer.forward(x);
        assert.deepEqual(y.shape, want);
        assert.deepEqual(layer.outputShape(shape.slice(1)), want.slice(1));
        const { poolSize, strides } = layer.config;
        assertClose(y.toTypedArray(), directPool(op, x, poolSize, strides, pads, want[1], want[2]), 1e-6, 1e-6, `${op} ${name}`);
      }
    });
  }

  test('max pooling: the gradient goes to the first maximum of each window (ties are not split)', () => {
    const x = tensor([[[[1], [3]], [[3], [2]]]]); // one 2x2 window holding a tie
    x.requiresGrad = true;
    const [g] = grad(ops.sum(new MaxPool2D().forward(x)), [x]);
    assert.deepEqual([...g.toTypedArray()], [0, 1, 0, 0]);
  });

  test("avg pooling 'same': the gradient of a border window spreads over its real pixels only", () => {
    const x = randT([1, 3, 3, 1], 1);
    x.requiresGrad = true;
    const [g] = grad(ops.sum(new AvgPool2D({ padding: 'same' }).forward(x)), [x]);
    // Windows: {0,1,3,4} (4 real), {2,5} (2), {6,7} (2), {8} (1).
    assertClose(g.toTypedArray(), [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1], 1e-7);
  });

  test('NaN in a window gives NaN for that window only', () => {
    const x = randT([1, 4, 4, 1], 2);
    x.data[x.offset + 5] = NaN; // pixel (1, 1): window (0, 0)
    for (const layer of [new MaxPool2D(), new AvgPool2D()]) {
      const y = [...layer.forward(x).toTypedArray()];
      assert.deepEqual(y.map(Number.isNaN), [true, false, false, false]);
    }
  });

  test('bad configs and inputs', () => {
    assert.throws(() => new MaxPool2D({ poolSize: 0 }), /MaxPool2D: poolSize must be a positive integer/);
    assert.throws(() => new AvgPool2D({ padding: 'causal' as 'same' }), /padding must be 'same' or 'valid'/);
    assert.throws(() => new MaxPool2D().forward(randT([2, 8], 1)), /MaxPool2D expects NHWC input/);
    assert.throws(() => new MaxPool2D({ poolSize: 3 }).forward(randT([1, 2, 2, 1], 1)), /a window of 3 does not fit an input of 2/);
  });
});

describe('UpSampling2D, Flatten, Reshape', () => {
  test('UpSampling2D repeats each pixel size[0] x size[1] times; its gradient sums each block', () => {
    const x = randT([2, 3, 2, 4], 3);
    x.requiresGrad = true;
    const up = new UpSampling2D({ size: [2, 3] });
    const y = up.forward(x);
    assert.deepEqual(y.shape, [2, 6, 6, 4]);
    assert.deepEqual(up.outputShape([3, 2, 4]), [6, 6, 4]);
    const X = x.toTypedArray(), Y = y.toTypedArray();
    for (let b = 0; b < 2; b++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) for (let c = 0; c < 4; c++) {
      assert.equal(Y[((b * 6 + i) * 6 + j) * 4 + c], X[((b * 3 + Math.floor(i / 2)) * 2 + Math.floor(j / 3)) * 4 + c]);
    }
    const w = randT([2, 6, 6, 4], 4);
    const [g] = grad(ops.sum(ops.mul(y, w)), [x]);
    const W = w.toTypedArray(), expect = new Float64Array(x.size);
    for (let b = 0; b < 2; b++) for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) for (let c = 0; c < 4; c++) {
      expect[((b * 3 + Math.floor(i / 2)) * 2 + Math.floor(j / 3)) * 4 + c] += W[((b * 6 + i) * 6 + j) * 4 + c];
    }
    assertClose(g.toTypedArray(), expect, 1e-5);
    assert.deepEqual(new UpSampling2D().forward(randT([1, 4, 4, 8], 5)).shape, [1, 8, 8, 8]);
    assert.throws(() => new UpSampling2D({ interpolation: 'bilinear' as 'nearest' }), /only 'nearest' interpolation/);
  });

  test('Flatten and Reshape keep the batch axis; Reshape infers one -1', () => {
    const x = randT([3, 4, 4, 2], 6);
    assert.deepEqual(new Flatten().forward(x).shape, [3, 32]);
    assert.deepEqual(new Reshape({ targetShape: [8, -1] }).forward(x).shape, [3, 8, 4]);
    assert.deepEqual(new Reshape({ targetShape: [2, 4, 4] }).outputShape([32]), [2, 4, 4]);
    assert.throws(() => new Reshape({ targetShape: [5, -1] }).forward(x), /Reshape: cannot reshape samples of shape \[4, 4, 2\] \(32 values\) to \[5, -1\]/);
    assert.throws(() => new Reshape({ targetShape: [-1, -1] }), /at most one -1/);
    assert.deepEqual(new Flatten().forward(randT([0, 3, 3, 1], 1)).shape, [0, 9]);
  });
});

describe('a Sequential of convolution layers in the model file', () => {
  test('modelConfig lists every layer; the file rebuilds the same function', () => {
    const rng = new Rng(7);
    const net = new Sequential([
      new Conv2D({ inChannels: 1, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }, { rng }),
      new MaxPool2D({ padding: 'same' }),
      new AvgPool2D({ poolSize: 1 }),
      new Conv2DTranspose({ inChannels: 4, filters: 2, kernelSize: 3, strides: 2, padding: 'same' }, { rng }),
      new UpSampling2D(),
      new Flatten(),
      new Dense({ inputDim: 16 * 16 * 2, units: 10 }, { rng }), // 7 -> pool 4 -> convT 8 -> up 16
      new Reshape({ targetShape: [5, 2] }),
    ]);
    const { config } = net.modelConfig();
    assert.deepEqual(config.layers.map((l) => l.type), ['Conv2D', 'MaxPool2D', 'AvgPool2D', 'Conv2DTranspose', 'UpSampling2D', 'Flatten', 'Dense', 'Reshape']);
    assert.deepEqual(config.layers[0], {
      type: 'Conv2D', inChannels: 1, filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu',
      useBias: true, init: 'glorotUniform', dtype: 'float32',
    });
    const { model } = decodeModel(encodeModel(net));
    const x = randT([2, 7, 7, 1], 8);
    assert.deepEqual(model.forward(x).toTypedArray(), net.forward(x).toTypedArray());
    assert.deepEqual((model as Sequential).modelConfig(), net.modelConfig());
  });

  test('an unknown layer type in a file is rejected', () => {
    const bytes = encodeModel({ modelConfig: () => ({ kind: 'Sequential', config: { layers: [{ type: 'Conv3D' }] } }), namedTensors: () => [] } as never);
    assert.throws(() => decodeModel(bytes, 'm.safetensors'), /m\.safetensors: invalid model config: m\.safetensors: layer 0 has unknown type 'Conv3D'/);
  });
});

describe('every image layer against central differences (float64 gradcheck, input and parameters)', () => {
  const TOL = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 };
  const f64 = (shape: number[], seed: number): Tensor => rand(shape, seed, -1, 1, 'float64');
  /** Checks d(sum(layer(x) * r))/dx and /d(each parameter), with r a fixed random weighting of the outputs. */
  function checkLayer(name: string, layer: { forward(x: Tensor): Tensor; parameters(): Tensor[] }, x: Tensor, seed: number): void {
    const params = layer.parameters();
    const y = layer.forward(x);
    const r = f64([...y.shape], seed);
    const loss = (): Tensor => ops.sum(ops.mul(layer.forward(x), r));
    // gradcheck perturbs the tensors it is given: x and every parameter, in place, through one closure.
    const res = gradcheck(() => loss(), [x, ...params], TOL);
    assert.ok(res.ok, `${name}: max |error| ${res.maxAbsError}, worst ${JSON.stringify(res.worst)}`);
  }
  const opts = { dtype: 'float64' as const, rng: new Rng(5) };
  test("Conv2D: 3x3 'same' relu-free and 2x2 stride 2 'valid' tanh", () => {
    checkLayer('Conv2D same', new Conv2D({ inChannels: 2, filters: 3, kernelSize: 3, padding: 'same', activation: 'linear' }, opts), f64([2, 5, 4, 2], 1), 2);
    checkLayer('Conv2D valid stride 2', new Conv2D({ inChannels: 2, filters: 2, kernelSize: 2, strides: 2, padding: 'valid', activation: 'tanh' }, opts), f64([1, 5, 5, 2], 3), 4);
  });
  test("Conv2DTranspose: 3x3 stride 2 'same' and 'valid'", () => {
    checkLayer('Conv2DTranspose same', new Conv2DTranspose({ inChannels: 3, filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'linear' }, opts), f64([2, 3, 2, 3], 5), 6);
    checkLayer('Conv2DTranspose valid', new Conv2DTranspose({ inChannels: 2, filters: 2, kernelSize: 3, strides: 2, padding: 'valid', activation: 'sigmoid' }, opts), f64([1, 2, 3, 2], 7), 8);
  });
  test("MaxPool2D and AvgPool2D, 'same' and 'valid'; UpSampling2D; Flatten and Reshape", () => {
    // Distinct values per window so max pooling's argmax is stable under the +-eps perturbation.
    const x = tensor(Float64Array.from({ length: 2 * 5 * 5 * 2 }, (_, i) => ((i * 37) % 101) / 50 - 1), [2, 5, 5, 2], { dtype: 'float64' });
    checkLayer('MaxPool2D same', new MaxPool2D({ poolSize: 2, padding: 'same' }), x, 9);
    checkLayer('MaxPool2D valid 3x3 stride 1', new MaxPool2D({ poolSize: 3, strides: 1, padding: 'valid' }), x, 10);
    checkLayer('AvgPool2D same', new AvgPool2D({ poolSize: 2, padding: 'same' }), x, 11);
    checkLayer('AvgPool2D valid', new AvgPool2D({ poolSize: [2, 3], padding: 'valid' }), x, 12);
    checkLayer('UpSampling2D 2x3', new UpSampling2D({ size: [2, 3] }), f64([2, 3, 2, 2], 13), 14);
    checkLayer('Flatten', new Flatten(), f64([2, 3, 2, 2], 15), 16);
    checkLayer('Reshape', new Reshape({ targetShape: [4, -1] }), f64([2, 3, 2, 2], 17), 18);
  });
});
