/**
 * Convolution layers on NHWC images: Keras's padding arithmetic, Conv2D and Conv2DTranspose against direct
 * loops, the fused conv primitives against their composed oracle (im2col + matmul) in value and gradient, and
 * config errors. Runs on whatever backend the suite runs on (float32), with float64 oracles on the reference.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grad } from '../../src/autograd/backward.js';
import { refBackend } from '../../src/kernels/ref/index.js';
import { axisPadding, Conv2D, type Conv2DConfig, Conv2DTranspose, windowAttrs } from '../../src/nn/conv.js';
import * as convOps from '../../src/tensor/conv-ops.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

function randT(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float64Array.from({ length: n }, () => rng.uniform(-1, 1)), shape, { dtype, backend: dtype === 'float64' ? refBackend : undefined });
}

/** Direct NHWC convolution in float64: out[b, oy, ox, f] = sum x[b, oy*s + ky - pt, ox*s + kx - pl, c] w[ky, kx, c, f]. */
function directConv(x: Tensor, w: Tensor, s: [number, number], pads: number[], oh: number, ow: number): Float64Array {
  const [n, h, wd, c] = x.shape, [kh, kw, , f] = w.shape;
  const X = x.toTypedArray(), W = w.toTypedArray();
  const out = new Float64Array(n * oh * ow * f);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let o = 0; o < f; o++) {
    let acc = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * s[0] + ky - pads[0], ix = ox * s[1] + kx - pads[2];
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      for (let ci = 0; ci < c; ci++) acc += X[((b * h + iy) * wd + ix) * c + ci] * W[((ky * kw + kx) * c + ci) * f + o];
    }
    out[((b * oh + oy) * ow + ox) * f + o] = acc;
  }
  return out;
}

describe("Keras's padding", () => {
  test("'same': ceil(size / stride) outputs, the odd pad at the bottom/right; 'valid': none", () => {
    // [size, kernel, stride] -> [before, after, out], as tf.nn.conv2d computes them.
    const same: [number[], number[]][] = [
      [[28, 3, 1], [1, 1, 28]], [[28, 2, 2], [0, 0, 14]], [[7, 2, 2], [0, 1, 4]], [[6, 3, 2], [0, 1, 3]],
      [[5, 3, 2], [1, 1, 3]], [[5, 4, 1], [1, 2, 5]], [[1, 5, 3], [2, 2, 1]], [[10, 1, 3], [0, 0, 4]],
    ];
    for (const [[size, k, s], want] of same) assert.deepEqual(axisPadding(size, k, s, 'same', 't'), want, `same ${size},${k},${s}`);
    assert.deepEqual(axisPadding(16, 3, 1, 'valid', 't'), [0, 0, 14]);
    assert.deepEqual(axisPadding(7, 2, 2, 'valid', 't'), [0, 0, 3]);
    assert.throws(() => axisPadding(2, 3, 1, 'valid', 'Conv2D'), /Conv2D: a window of 3 does not fit an input of 2 with 'valid' padding/);
  });
});

describe('Conv2D', () => {
  const cases: [string, Conv2DConfig, number[]][] = [
    ["3x3 'same'", { inChannels: 3, filters: 4, kernelSize: 3, padding: 'same' }, [2, 5, 6, 3]],
    ["3x3 'same' stride 2, odd sizes (extra pad bottom/right)", { inChannels: 2, filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, [1, 6, 7, 2]],
    ["2x3 'valid' stride [1, 2]", { inChannels: 1, filters: 9, kernelSize: [2, 3], strides: [1, 2], padding: 'valid' }, [3, 4, 7, 1]],
    ['1 output channel (a decoder\'s last layer)', { inChannels: 16, filters: 1, kernelSize: 3, padding: 'same' }, [2, 6, 5, 16]],
  ];
  for (const [name, cfg, shape] of cases) {
    test(`${name}: matches a direct convolution; shape by Keras's rule`, () => {
      const layer = new Conv2D(cfg, { rng: new Rng(4) });
      const x = randT(shape, 5);
      const y = layer.preActivation(x);
      const { attrs, oh, ow } = windowAttrs(shape[1], shape[2], layer.config.kernelSize, layer.config.strides, layer.config.padding, 't');
      assert.deepEqual(y.shape, [shape[0], oh, ow, cfg.filters]);
      assert.deepEqual(layer.outputShape(shape.slice(1)), [oh, ow, cfg.filters]);
      assert.deepEqual(layer.weight.shape, [...layer.config.kernelSize, cfg.inChannels, cfg.filters]);
      const expect = directConv(x, layer.weight, layer.config.strides, attrs.pads, oh, ow);
      assertClose(y.toTypedArray(), expect, 1e-5, 1e-5, name); // bias starts at 0
    });
  }

  test('fused conv2d equals im2col + matmul (the oracle) in value and in both gradients, float64', () => {
    const x = randT([2, 5, 4, 3], 6, 'float64'), w = randT([3, 2, 3, 5], 7, 'float64'), gy = randT([2, 3, 4, 5], 8, 'float64');
    const attrs = windowAttrs(5, 4, [3, 2], [2, 1], 'same', 't').attrs;
    x.requiresGrad = true;
    w.requiresGrad = true;
    const fused = convOps.conv2d(x, w, attrs);
    const composed = ops.reshape(ops.matmul(ops.reshape(convOps.im2col(x, attrs), [2 * 3 * 4, 18]), ops.reshape(w, [18, 5])), [2, 3, 4, 5]);
    assertClose(fused.toTypedArray(), composed.toTypedArray(), 1e-12);
    const [gx1, gw1] = grad(ops.sum(ops.mul(fused, gy)), [x, w]);
    const [gx2, gw2] = grad(ops.sum(ops.mul(composed, gy)), [x, w]);
    assertClose(gx1.toTypedArray(), gx2.toTypedArray(), 1e-12, 0, 'dx');
    assertClose(gw1.toTypedArray(), gw2.toTypedArray(), 1e-12, 0, 'dw');
  });

  test('gradients on this backend (float32) match the float64 reference', () => {
    const layer = new Conv2D({ inChannels: 8, filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }, { rng: new Rng(9) });
    const x = randT([3, 7, 6, 8], 10);
    x.requiresGrad = true;
    const gy = randT([3, 7, 6, 16], 11);
    const [gx, gw, gb] = grad(ops.sum(ops.mul(layer.preActivation(x), gy)), [x, layer.weight, layer.bias!]);
    const x64 = tensor(x.toTypedArray(), x.shape, { dtype: 'float64', backend: refBackend });
    const w64 = tensor(layer.weight.toTypedArray(), layer.weight.shape, { dtype: 'float64', backend: refBackend });
    const g64 = tensor(gy.toTypedArray(), gy.shape, { dtype: 'float64', backend: refBackend });
    x64.requiresGrad = true;
    w64.requiresGrad = true;
    const attrs = windowAttrs(7, 6, [3, 3], [1, 1], 'same', 't').attrs;
    const [ex, ew] = grad(ops.sum(ops.mul(convOps.conv2d(x64, w64, attrs), g64)), [x64, w64]);
    assertClose(gx.toTypedArray(), ex.toTypedArray(), 1e-4, 1e-4, 'dx');
    assertClose(gw.toTypedArray(), ew.toTypedArray(), 1e-4, 1e-4, 'dw');
    assertClose(gb.toTypedArray(), ops.sum(g64, [0, 1, 2]).toTypedArray(), 1e-4, 1e-4, 'db');
  });

  test('bad configs and inputs give clear errors', () => {
    assert.throws(() => new Conv2D({ inChannels: 0, filters: 2, kernelSize: 3 }), /Conv2D: inChannels must be a positive integer, got 0/);
    assert.throws(() => new Conv2D({ inChannels: 1, filters: 2, kernelSize: [3, 0] }), /Conv2D: kernelSize must be a positive integer or \[height, width\]/);
    assert.throws(() => new Conv2D({ inChannels: 1, filters: 2, kernelSize: 3, padding: 'full' as 'same' }), /padding must be 'same' or 'valid', got 'full'/);
    const layer = new Conv2D({ inChannels: 3, filters: 2, kernelSize: 3 });
    assert.throws(() => layer.forward(randT([2, 5, 5, 1], 1)), /Conv2D expects NHWC input \[batch, height, width, 3\], got \[2, 5, 5, 1\]/);
    assert.throws(() => layer.forward(randT([2, 75], 1)), /Conv2D expects NHWC input/);
    assert.throws(() => layer.forward(randT([1, 2, 5, 3], 1)), /does not fit an input of 2 with 'valid' padding/);
  });

  test('an empty batch gives an empty output of the right shape', () => {
    const layer = new Conv2D({ inChannels: 2, filters: 3, kernelSize: 3, padding: 'same' });
    assert.deepEqual(layer.forward(randT([0, 4, 4, 2], 1)).shape, [0, 4, 4, 3]);
  });

  test('NaN in the input reaches only the outputs whose windows contain it', () => {
    const layer = new Conv2D({ inChannels: 1, filters: 1, kernelSize: 3, padding: 'same' }, { rng: new Rng(2) });
    const x = randT([1, 6, 6, 1], 3);
    x.data[x.offset + 0] = NaN; // pixel (0, 0): windows of (0,0), (0,1), (1,0), (1,1)
    const y = layer.forward(x).toTypedArray();
    const nan = [...y].map((v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(nan, [0, 1, 6, 7]);
  });
});

describe('Conv2DTranspose', () => {
  test("output sizes follow Keras: 'same' h * s, 'valid' h * s + max(k - s, 0)", () => {
    const sizes: [Conv2DConfig, number[], number[]][] = [
      [{ inChannels: 2, filters: 3, kernelSize: 3, strides: 2, padding: 'same' }, [4, 5, 2], [8, 10, 3]],
      [{ inChannels: 2, filters: 3, kernelSize: 3, strides: 2, padding: 'valid' }, [4, 5, 2], [9, 11, 3]],
      [{ inChannels: 1, filters: 1, kernelSize: 2, strides: 3, padding: 'valid' }, [3, 3, 1], [9, 9, 1]],
      [{ inChannels: 4, filters: 2, kernelSize: [3, 1], padding: 'same' }, [5, 5, 4], [5, 5, 2]],
    ];
    for (const [cfg, input, want] of sizes) {
      const layer = new Conv2DTranspose(cfg, { rng: new Rng(1) });
      assert.deepEqual(layer.outputShape(input), want);
      assert.deepEqual(layer.forward(randT([2, ...input], 2)).shape, [2, ...want]);
      assert.deepEqual(layer.weight.shape, [...layer.config.kernelSize, cfg.filters, cfg.inChannels]);
    }
  });

  test('is the adjoint of Conv2D with the same kernel: <convT(y), x> = <y, conv(x)>', () => {
    for (const padding of ['same', 'valid'] as const) {
      const t = new Conv2DTranspose({ inChannels: 3, filters: 2, kernelSize: 3, strides: 2, padding, useBias: false }, { rng: new Rng(3) });
      const y = randT([2, 4, 3, 3], 4);
      const out = t.forward(y);
      const x = randT(out.shape as number[], 5);
      const c = new Conv2D({ inChannels: 2, filters: 3, kernelSize: 3, strides: 2, padding, useBias: false });
      c.weight.data.set(t.weight.toTypedArray());
      const cx = c.forward(x);
      assert.deepEqual(cx.shape, y.shape);
      const lhs = ops.sum(ops.mul(out, x)).item(), rhs = ops.sum(ops.mul(y, cx)).item();
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `${padding}: ${lhs} vs ${rhs}`);
    }
  });

  test('fused conv2dTranspose equals matmul + col2im (the oracle), float64, with gradients', () => {
    const y = randT([2, 3, 3, 4], 6, 'float64'), w = randT([3, 3, 2, 4], 7, 'float64'), gx = randT([2, 5, 6, 2], 8, 'float64');
    const attrs = windowAttrs(5, 6, [3, 3], [2, 2], 'same', 't').attrs;
    y.requiresGrad = true;
    w.requiresGrad = true;
    const fused = convOps.conv2dTranspose(y, w, { ...attrs, size: [5, 6] });
    const cols = ops.matmul(ops.reshape(y, [18, 4]), ops.transpose(ops.reshape(w, [18, 4])));
    const composed = convOps.col2im(ops.reshape(cols, [2, 3, 3, 18]), { ...attrs, size: [5, 6] });
    assertClose(fused.toTypedArray(), composed.toTypedArray(), 1e-12);
    const a = grad(ops.sum(ops.mul(fused, gx)), [y, w]), b = grad(ops.sum(ops.mul(composed, gx)), [y, w]);
    assertClose(a[0].toTypedArray(), b[0].toTypedArray(), 1e-12, 0, 'dy');
    assertClose(a[1].toTypedArray(), b[1].toTypedArray(), 1e-12, 0, 'dw');
  });
});
