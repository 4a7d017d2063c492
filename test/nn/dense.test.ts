/** Dense: a hand-computed forward pass, layout [units, inputDim], bias handling, dtype, and shape errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import type { ActivationName } from '../../src/nn/activations.js';
import { assertClose } from '../helpers.js';

/** A 3 -> 2 layer with W = [[1, 2, 3], [4, 5, 6]] ([units, inputDim]) and b = [0.5, -1]. */
function handLayer(activation: ActivationName = 'linear', dtype: 'float32' | 'float64' = 'float64'): Dense {
  const d = new Dense({ inputDim: 3, units: 2, activation }, { dtype });
  d.weight.data.set([1, 2, 3, 4, 5, 6]);
  d.bias!.data.set([0.5, -1]);
  return d;
}

describe('Dense', () => {
  test('forward y = x @ W^T + b, computed by hand', () => {
    // x = [[1, 0, -1], [2, 1, 0.5]]
    // row 0: [1*1 + 0*2 + (-1)*3 + 0.5, 1*4 + 0*5 + (-1)*6 - 1] = [-1.5, -3]
    // row 1: [2*1 + 1*2 + 0.5*3 + 0.5, 2*4 + 1*5 + 0.5*6 - 1] = [6, 15]
    const x = tensor([[1, 0, -1], [2, 1, 0.5]], undefined, { dtype: 'float64' });
    const y = handLayer().forward(x);
    assert.deepEqual([...y.shape], [2, 2]);
    assert.deepEqual(Array.from(y.toTypedArray()), [-1.5, -3, 6, 15]);
    assert.deepEqual(Array.from(handLayer().preActivation(x).toTypedArray()), [-1.5, -3, 6, 15]);
    // relu zeroes the negative row; sigmoid against Math
    assert.deepEqual(Array.from(handLayer('relu').forward(x).toTypedArray()), [0, 0, 6, 15]);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    assertClose(handLayer('sigmoid').forward(x).toTypedArray(), [-1.5, -3, 6, 15].map(sig), 1e-15, 0, 'sigmoid');
    // float32 gives the same (exactly representable) numbers
    const y32 = handLayer('linear', 'float32').forward(tensor([[1, 0, -1], [2, 1, 0.5]]));
    assert.equal(y32.dtype, 'float32');
    assert.deepEqual(Array.from(y32.toTypedArray()), [-1.5, -3, 6, 15]);
  });

  test('weight is [units, inputDim] (PyTorch layout); bias starts at zero; useBias false has no bias', () => {
    const d = new Dense({ inputDim: 5, units: 3 });
    assert.deepEqual([...d.weight.shape], [3, 5]);
    assert.deepEqual(Array.from(d.bias!.toTypedArray()), [0, 0, 0]);
    assert.equal(d.weight.dtype, 'float32');
    assert.deepEqual(d.config, { inputDim: 5, units: 3, activation: 'linear', useBias: true, init: 'glorotUniform' });
    const nb = new Dense({ inputDim: 2, units: 2, useBias: false });
    assert.equal(nb.bias, null);
    assert.deepEqual(nb.namedParameters().map(([n]) => n), ['weight']);
    nb.weight.data.set([1, 2, 3, 4]);
    assert.deepEqual(Array.from(nb.forward(tensor([[1, 1]])).toTypedArray()), [3, 7]);
  });

  test('dtype option gives float64 parameters', () => {
    const d = new Dense({ inputDim: 2, units: 2 }, { dtype: 'float64' });
    assert.equal(d.weight.dtype, 'float64');
    assert.equal(d.bias!.dtype, 'float64');
  });

  test('same rng seed gives the same weights; a different one does not', () => {
    const a = new Dense({ inputDim: 4, units: 3 }, { rng: new Rng(9) });
    const b = new Dense({ inputDim: 4, units: 3 }, { rng: new Rng(9) });
    const c = new Dense({ inputDim: 4, units: 3 }, { rng: new Rng(10) });
    assert.deepEqual(Array.from(a.weight.toTypedArray()), Array.from(b.weight.toTypedArray()));
    assert.notDeepEqual(Array.from(a.weight.toTypedArray()), Array.from(c.weight.toTypedArray()));
  });

  test('input shape errors name the expected and actual shapes', () => {
    const d = handLayer();
    assert.throws(() => d.forward(tensor([1, 2, 3], undefined, { dtype: 'float64' })), /Dense expects input of shape \[batch, 3\], got \[3\]/);
    assert.throws(() => d.forward(tensor([[1, 2]], undefined, { dtype: 'float64' })), /Dense expects input of shape \[batch, 3\], got \[1, 2\]/);
    assert.throws(() => d.forward(tensor([[[1, 2, 3]]], undefined, { dtype: 'float64' })), /got \[1, 1, 3\]/);
  });

  test('bad configs are rejected', () => {
    assert.throws(() => new Dense({ inputDim: 0, units: 2 }), /inputDim must be a positive integer, got 0/);
    assert.throws(() => new Dense({ inputDim: 2.5, units: 2 }), /inputDim must be a positive integer, got 2\.5/);
    assert.throws(() => new Dense({ inputDim: 2, units: -1 }), /units must be a positive integer, got -1/);
    assert.throws(() => new Dense({ inputDim: 2, units: NaN }), /units must be a positive integer/);
    assert.throws(() => new Dense({ inputDim: 2, units: 2, activation: 'gelu' as ActivationName }), /unknown activation 'gelu'/);
    assert.throws(() => new Dense({ inputDim: 2, units: 2, init: 'orthogonal' as 'zeros' }), /unknown initializer 'orthogonal'/);
  });

  test('Sequential applies layers in order', () => {
    const a = handLayer();
    const b = new Dense({ inputDim: 2, units: 1 }, { dtype: 'float64' });
    b.weight.data.set([1, -1]);
    b.bias!.data.set([2]);
    const x = tensor([[1, 0, -1], [2, 1, 0.5]], undefined, { dtype: 'float64' });
    // [-1.5 - (-3) + 2, 6 - 15 + 2] = [3.5, -7]
    assert.deepEqual(Array.from(new Sequential([a, b]).forward(x).toTypedArray()), [3.5, -7]);
  });
});
