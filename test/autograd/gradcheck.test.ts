/**
 * Every primitive, activation and loss against central differences, in float64 (as PyTorch's gradcheck does):
 * eps 1e-6, atol 1e-6, rtol 1e-4. Inputs avoid kinks (relu at 0, |x| at 0, the max of ties), where the
 * difference quotient straddles two slopes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import type { PatchAttrs, Primitive } from '../../src/autograd/primitives.js';
import { gradRules } from '../../src/autograd/rules.js';
import * as convOps from '../../src/tensor/conv-ops.js';
import * as ops from '../../src/tensor/ops.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import * as act from '../../src/nn/activations.js';
import { bce, bceWithLogits, huber, mae, mse } from '../../src/losses/losses.js';
import { rand } from '../helpers.js';

const TOL = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 };

function check(name: string, fn: (...x: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = gradcheck(fn, inputs, TOL);
  assert.ok(r.ok, `${name}: ${JSON.stringify(r.worst)} excess ${r.maxExcess}`);
}

/** Away from 0 so |x|, relu and sign have no kink in reach of the finite difference. */
const nz = (shape: number[], seed: number): Tensor => {
  const t = rand(shape, seed, 0.1, 1);
  for (let i = 0; i < t.size; i++) if (i % 2) t.data[i] = -t.data[i];
  return t;
};

const win = (kernel: [number, number], strides: [number, number], pads: [number, number, number, number]): PatchAttrs => ({ kernel, strides, pads });

const primitiveCases: { [P in Primitive]: () => void } = {
  add: () => {
    check('add', ops.add, [rand([3, 4], 1), rand([3, 4], 2)]);
    check('add broadcast row', ops.add, [rand([3, 4], 1), rand([4], 2)]);
    check('add broadcast col', ops.add, [rand([3, 1], 1), rand([1, 4], 2)]);
    check('add scalar tensor', ops.add, [rand([2, 3], 1), rand([], 2)]);
  },
  sub: () => check('sub broadcast', ops.sub, [rand([2, 3, 4], 3), rand([3, 1], 4)]),
  mul: () => {
    check('mul', ops.mul, [rand([5], 5), rand([5], 6)]);
    check('mul broadcast', ops.mul, [rand([2, 1, 4], 5), rand([3, 1], 6)]);
    check('mul same tensor twice', (a) => ops.mul(a, a), [rand([4], 7)]);
    check('mul same tensor twice, and used again', (a) => ops.add(ops.mul(a, a), ops.mul(a, 3)), [rand([2, 3], 7)]);
  },
  div: () => check('div broadcast', ops.div, [rand([3, 4], 8), rand([4], 9, 0.5, 2)]),
  maximum: () => check('maximum', ops.maximum, [rand([6], 10), ops.add(rand([6], 11), 0.05)]),
  compare: () => {
    // No gradient flows through a comparison: the result is piecewise constant.
    const a = rand([4], 12);
    check('compare (zero grad)', (x) => ops.mul(ops.compare('gt', x, 0), 3), [a]);
  },
  neg: () => check('neg', ops.neg, [rand([3], 13)]),
  exp: () => check('exp', ops.exp, [rand([3, 2], 14)]),
  log: () => check('log', ops.log, [rand([3, 2], 15, 0.2, 3)]),
  sqrt: () => check('sqrt', ops.sqrt, [rand([3, 2], 16, 0.2, 3)]),
  tanh: () => check('tanh', ops.tanh, [rand([7], 17, -3, 3)]),
  sigmoid: () => check('sigmoid', ops.sigmoid, [rand([7], 117, -6, 6)]),
  abs: () => check('abs', ops.abs, [nz([6], 18)]),
  sign: () => check('sign (zero grad)', (x) => ops.mul(ops.sign(x), x), [nz([6], 19)]),
  where: () => {
    const c = ops.compare('gt', rand([3, 4], 20), 0);
    check('where', (a, b) => ops.where(c, a, b), [rand([3, 4], 21), rand([4], 22)]);
  },
  sum: () => {
    check('sum all', (x) => ops.sum(x), [rand([3, 4], 23)]);
    check('sum axis 0', (x) => ops.sum(x, 0), [rand([3, 4], 24)]);
    check('sum axes 0,2 keepDims', (x) => ops.sum(x, [0, 2], true), [rand([2, 3, 4], 25)]);
  },
  max: () => {
    check('max axis 1', (x) => ops.max(x, 1), [rand([3, 5], 26)]);
    check('max all', (x) => ops.max(x), [rand([3, 5], 27)]);
  },
  matmul: () => {
    check('matmul', ops.matmul, [rand([3, 4], 28), rand([4, 5], 29)]);
    check('matmul transposed views', (a, b) => ops.matmul(ops.transpose(a), ops.transpose(b)), [rand([4, 3], 30), rand([5, 4], 31)]);
  },
  linear: () => {
    for (const act of ['linear', 'sigmoid', 'tanh', 'relu'] as const) {
      check(`linear ${act}`, (x, w, b) => ops.linear(x, w, b, act), [rand([3, 4], 36), rand([5, 4], 37), rand([5], 38)]);
    }
    check('linear without bias', (x, w) => ops.linear(x, w, null, 'sigmoid'), [rand([3, 4], 39), rand([5, 4], 40)]);
  },
  reshape: () => check('reshape', (x) => ops.mul(ops.reshape(x, [6, 2]), rand([6, 2], 99)), [rand([3, 4], 32)]),
  permute: () => check('permute', (x) => ops.mul(ops.permute(x, [2, 0, 1]), rand([4, 2, 3], 98)), [rand([2, 3, 4], 33)]),
  expand: () => check('expand', (x) => ops.mul(ops.expand(x, [3, 4]), rand([3, 4], 97)), [rand([1, 4], 34)]),
  slice: () => check('slice', (x) => ops.slice(x, [1, 1], [2, 2]), [rand([3, 4], 35)]),
  pad: () => check('pad', (x) => ops.mul(ops.pad(x, [1, 0], [0, 2]), rand([4, 6], 96)), [rand([3, 4], 36)]),
  concat: () => check('concat', (a, b) => ops.mul(ops.concat([a, b], 1), rand([2, 5], 95)), [rand([2, 3], 37), rand([2, 2], 38)]),
  im2col: () => {
    check('im2col 3x3 same', (x) => convOps.im2col(x, win([3, 3], [1, 1], [1, 1, 1, 1])), [rand([2, 4, 5, 3], 39)]);
    check('im2col 3x2 stride 2, uneven pads', (x) => convOps.im2col(x, win([3, 2], [2, 2], [0, 1, 1, 0])), [rand([1, 5, 4, 2], 60)]);
  },
  col2im: () => {
    // Overlapping windows: every pixel sums several rows.
    check('col2im 3x3 same', (c) => convOps.col2im(c, { ...win([3, 3], [1, 1], [1, 1, 1, 1]), size: [3, 4] }), [rand([2, 3, 4, 18], 61)]);
    check('col2im 2x3 stride [2, 1] (a transposed conv)', (c) => convOps.col2im(c, { ...win([2, 3], [2, 1], [0, 0, 1, 1]), size: [5, 3] }), [rand([1, 2, 3, 12], 62)]);
  },
  conv2d: () => {
    check("conv2d 3x3 'same', 3 -> 2 channels", (x, w) => convOps.conv2d(x, w, win([3, 3], [1, 1], [1, 1, 1, 1])), [rand([2, 4, 5, 3], 68), rand([3, 3, 3, 2], 69)]);
    check('conv2d 2x3 stride [2, 1], uneven pads, 2 -> 9 channels', (x, w) => convOps.conv2d(x, w, win([2, 3], [2, 1], [0, 1, 2, 0])), [rand([1, 5, 4, 2], 70), rand([2, 3, 2, 9], 71)]);
  },
  conv2dTranspose: () => {
    check('conv2dTranspose 3x3 stride 2 (a 2x upsampling)', (y, w) => convOps.conv2dTranspose(y, w, { ...win([3, 3], [2, 2], [1, 1, 1, 1]), size: [5, 6] }), [rand([2, 3, 3, 4], 72), rand([3, 3, 2, 4], 73)]);
  },
  conv2dFilter: () => {
    check('conv2dFilter 3x2 stride [1, 2]', (x, y) => convOps.conv2dFilter(x, y, win([3, 2], [1, 2], [1, 1, 0, 1])), [rand([2, 4, 5, 3], 74), rand([2, 4, 3, 5], 75)]);
  },
  maxPool: () => {
    // Random draws are distinct, so every window's maximum is out of a finite difference's reach.
    check("maxPool(x, x): max pooling, 'same' 2x2 on 5x5", (x) => convOps.maxPool(x, x, win([2, 2], [2, 2], [0, 1, 0, 1])), [rand([2, 5, 5, 3], 63)]);
    const sel = rand([1, 5, 4, 2], 64);
    check('maxPool(sel, v): overlapping windows', (v) => convOps.maxPool(sel, v, win([3, 2], [1, 2], [1, 1, 0, 0])), [rand([1, 5, 4, 2], 65)]);
  },
  maxUnpool: () => {
    const sel = rand([2, 3, 4, 2], 66);
    check('maxUnpool, overlapping windows', (g) => convOps.maxUnpool(sel, g, win([2, 3], [1, 1], [0, 0, 1, 1])), [rand([2, 2, 4, 2], 67)]);
  },
};

describe('gradcheck: every primitive (float64)', () => {
  test('the rule table covers exactly the primitives tested here', () => {
    assert.deepEqual(Object.keys(gradRules).sort(), Object.keys(primitiveCases).sort());
  });
  for (const [name, run] of Object.entries(primitiveCases)) test(name, run);
});

describe('gradcheck: activations (float64)', () => {
  const x = () => nz([2, 5], 40);
  test('sigmoid', () => check('sigmoid', act.sigmoid, [rand([2, 5], 41, -4, 4)]));
  test('tanh', () => check('tanh', ops.tanh, [rand([2, 5], 42, -3, 3)]));
  test('relu', () => check('relu', act.relu, [x()]));
  test('leakyRelu', () => check('leakyRelu', (t) => act.leakyRelu(t, 0.2), [x()]));
  test('elu', () => check('elu', (t) => act.elu(t), [x()]));
  test('softplus', () => check('softplus', act.softplus, [rand([2, 5], 43, -5, 5)]));
  test('softmax', () => check('softmax', (t) => act.softmax(t), [rand([3, 4], 44, -2, 2)]));
  test('logSumExp', () => check('logSumExp', (t) => act.logSumExp(t, 1), [rand([3, 4], 45, -2, 2)]));
  test('linear', () => check('linear', (t) => ops.mul(act.linear(t), 2), [x()]));
});

describe('gradcheck: losses (float64), every reduction', () => {
  for (const reduction of ['mean', 'sum', 'sumPerSample'] as const) {
    const t = rand([3, 4], 50, 0, 1);
    test(`mse ${reduction}`, () => check('mse', (p) => mse(p, t, { reduction }), [rand([3, 4], 51)]));
    test(`mae ${reduction}`, () => check('mae', (p) => mae(p, t, { reduction }), [ops.add(t, nz([3, 4], 52))]));
    test(`huber ${reduction}`, () => check('huber', (p) => huber(p, t, { reduction, delta: 0.5 }), [ops.add(t, nz([3, 4], 53))]));
    test(`bce ${reduction}`, () => check('bce', (p) => bce(p, t, { reduction }), [rand([3, 4], 54, 0.05, 0.95)]));
    test(`bceWithLogits ${reduction}`, () => check('bceWithLogits', (z) => bceWithLogits(z, t, { reduction }), [rand([3, 4], 55, -4, 4)]));
  }
});
