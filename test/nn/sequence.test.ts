/**
 * RepeatVector and TimeDistributed: values against plain loops, gradcheck (float64), float32 on the current
 * backend, and edge cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { Dense } from '../../src/nn/dense.js';
import { RepeatVector, TimeDistributed } from '../../src/nn/sequence.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor, zeros } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

const TOL = { eps: 1e-6, atol: 1e-6, rtol: 1e-4 };

describe('RepeatVector', () => {
  test('[B, F] -> [B, n, F], the same vector at every step', () => {
    const y = new RepeatVector(3).forward(tensor([[1, 2], [3, 4]]));
    assert.deepEqual(y.toArray(), [[[1, 2], [1, 2], [1, 2]], [[3, 4], [3, 4], [3, 4]]]);
  });

  test('gradcheck (float64): the gradient sums over the repeated steps', () => {
    const r = gradcheck((x) => new RepeatVector(4).forward(x), [rand([2, 3], 1)], TOL);
    assert.ok(r.ok, JSON.stringify(r.worst));
  });

  test('edge cases: n = 0, zero batch, wrong rank, bad n', () => {
    assert.deepEqual([...new RepeatVector(0).forward(zeros([2, 3])).shape], [2, 0, 3]);
    assert.deepEqual([...new RepeatVector(2).forward(zeros([0, 3])).shape], [0, 2, 3]);
    assert.throws(() => new RepeatVector(2).forward(zeros([2, 3, 1])), /RepeatVector expects input of shape \[batch, features\], got \[2, 3, 1\]/);
    assert.throws(() => new RepeatVector(-1), /n must be a non-negative integer/);
    assert.equal(new RepeatVector(3).parameterCount(), 0);
  });
});

describe('TimeDistributed', () => {
  test('applies the Dense to every step with shared weights (against a per-step loop)', () => {
    const dense = new Dense({ inputDim: 3, units: 2, activation: 'tanh' }, { rng: new Rng(1) });
    const td = new TimeDistributed(dense);
    const x = rand([2, 4, 3], 2, -1, 1, 'float32');
    const y = td.forward(x);
    assert.deepEqual([...y.shape], [2, 4, 2]);
    for (let t = 0; t < 4; t++) {
      const step = dense.forward(ops.reshape(ops.slice(x, [0, t, 0], [2, 1, 3]), [2, 3]));
      assertClose(ops.slice(y, [0, t, 0], [2, 1, 2]).toTypedArray(), step.toTypedArray(), 1e-6, 0, `step ${t}`);
    }
    // The wrapped layer's parameters are the wrapper's, under 'layer.'.
    assert.deepEqual(td.namedParameters().map(([n]) => n), ['layer.weight', 'layer.bias']);
  });

  test('gradcheck (float64): input, weight and bias, gradients summed over steps', () => {
    const dense = new Dense({ inputDim: 3, units: 2, activation: 'sigmoid' }, { dtype: 'float64', rng: new Rng(3) });
    dense.bias!.data.set([0.1, -0.2]);
    const td = new TimeDistributed(dense);
    const r = gradcheck((x) => td.forward(x), [rand([2, 3, 3], 4), dense.weight, dense.bias!], TOL);
    assert.ok(r.ok, JSON.stringify(r.worst));
  });

  test('edge cases: zero steps, zero batch, too few axes, a wrong feature count names the layer\'s shape', () => {
    const td = new TimeDistributed(new Dense({ inputDim: 3, units: 2 }));
    assert.deepEqual([...td.forward(zeros([2, 0, 3])).shape], [2, 0, 2]);
    assert.deepEqual([...td.forward(zeros([0, 5, 3])).shape], [0, 5, 2]);
    assert.throws(() => td.forward(zeros([2, 3])), /TimeDistributed expects input of shape \[batch, time, \.\.\.features\], got \[2, 3\]/);
    assert.throws(() => td.forward(zeros([2, 4, 5])), /Dense expects input of shape \[batch, 3\], got \[8, 5\]/);
  });
});
