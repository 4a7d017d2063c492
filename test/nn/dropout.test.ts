/**
 * Dropout: keep rate and 1/(1 - rate) scaling, identity at inference, seeded determinism, gradient = mask
 * (gradcheck with a fixed mask, float64), and edge cases. Float32 cases run on the current test backend.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradients } from '../../src/autograd/backward.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { full, ones, tensor, zeros } from '../../src/tensor/tensor.js';
import { rand } from '../helpers.js';

const TOL = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 };

describe('Dropout', () => {
  test('keeps about 1 - rate of the elements and scales them by exactly 1 / (1 - rate); the mean is preserved', () => {
    const rate = 0.3, n = 200 * 50;
    const d = new Dropout(rate, { rng: new Rng(7) });
    const y = d.forward(ones([200, 50])).toTypedArray();
    const scale = Math.fround(1 / (1 - rate));
    let kept = 0, total = 0;
    for (const v of y) {
      assert.ok(v === 0 || v === scale, `value ${v} is neither 0 nor ${scale}`);
      if (v !== 0) kept++;
      total += v;
    }
    // Binomial(n, 0.7): the kept fraction lies within 5 standard deviations of 0.7.
    const sd = Math.sqrt(rate * (1 - rate) / n);
    assert.ok(Math.abs(kept / n - (1 - rate)) < 5 * sd, `kept fraction ${kept / n}`);
    assert.ok(Math.abs(total / n - 1) < 5 * sd / (1 - rate), `mean output ${total / n}, expected 1`);
  });

  test('is the identity at inference (eval()), also inside a Sequential; train() turns it back on', () => {
    const d = new Dropout(0.5, { rng: new Rng(1) });
    const net = new Sequential([new Dense({ inputDim: 4, units: 4 }), d]);
    const x = rand([3, 4], 2, -1, 1, 'float32');
    net.eval();
    assert.equal(d.forward(x), x, 'the same tensor, untouched');
    const a = net.forward(x).toTypedArray(), b = net.forward(x).toTypedArray();
    assert.deepEqual(Array.from(a), Array.from(b));
    net.train();
    assert.ok(Array.from(d.forward(full([20, 20], 1)).toTypedArray()).some((v) => v === 0), 'drops again in training');
  });

  test('the same seed gives the same masks; successive calls and other seeds give different ones', () => {
    const x = ones([8, 16]);
    const masks = (seed: number) => {
      const d = new Dropout(0.5, { rng: new Rng(seed) });
      return [Array.from(d.forward(x).toTypedArray()), Array.from(d.forward(x).toTypedArray())];
    };
    const [a1, a2] = masks(3), [b1, b2] = masks(3), [c1] = masks(4);
    assert.deepEqual(a1, b1);
    assert.deepEqual(a2, b2);
    assert.notDeepEqual(a1, a2);
    assert.notDeepEqual(a1, c1);
  });

  test('gradcheck (float64) with a fixed mask; the gradient is the mask itself', () => {
    const d = new Dropout(0.4, { rng: new Rng(5) });
    const x = rand([3, 5], 11);
    const mask = d.sampleMask(x);
    const r = gradcheck((t) => d.forward(t, mask), [x], TOL);
    assert.ok(r.ok, JSON.stringify(r.worst));
    const g = gradients(ops.sum(d.forward(x, mask))).get(x)!;
    assert.deepEqual(Array.from(g.toTypedArray()), Array.from(mask.toTypedArray()));
    assert.ok(!mask.requiresGrad && mask.node === null, 'the mask is a constant, outside the graph');
  });

  test('edge cases: rate checks, rate 0, empty input, mask shape, NaN, no parameters', () => {
    for (const bad of [-0.1, 1, 1.5, NaN]) assert.throws(() => new Dropout(bad), /rate must be a number in \[0, 1\)/);
    const x = rand([2, 3], 1, -1, 1, 'float32');
    assert.equal(new Dropout(0).forward(x), x);
    assert.deepEqual([...new Dropout(0.5).forward(zeros([0, 3])).shape], [0, 3]);
    assert.throws(() => new Dropout(0.5).forward(x, zeros([3, 2])), /mask shape \[3, 2\] does not match input \[2, 3\]/);
    // NaN * 0 is NaN: a NaN survives even where it is dropped, as in PyTorch and Keras (both multiply).
    const y = new Dropout(0.5, { rng: new Rng(2) }).forward(tensor([NaN, NaN, NaN, NaN, NaN, NaN], [2, 3])).toTypedArray();
    assert.ok(Array.from(y).every(Number.isNaN));
    assert.equal(new Dropout(0.5).parameterCount(), 0);
    assert.deepEqual(new Dropout(0.5).namedTensors(), []);
  });
});
