/** Activations' forward values against the Math formulas, including extreme inputs (float64). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as act from '../../src/nn/activations.js';
import type { ActivationName } from '../../src/nn/activations.js';
import { tanh } from '../../src/tensor/ops.js';
import { tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

const xs = [-3, -1, -0.25, 0, 0.5, 2, 4];
const t = (v: number[]) => tensor(v, [v.length], { dtype: 'float64' });
const run = (f: (x: ReturnType<typeof t>) => ReturnType<typeof t>, v: number[]) => Array.from(f(t(v)).toTypedArray());

describe('activations: forward values', () => {
  test('sigmoid = 1 / (1 + e^-x)', () => {
    assertClose(run(act.sigmoid, xs), xs.map((x) => 1 / (1 + Math.exp(-x))), 1e-15, 1e-15, 'sigmoid');
    assert.equal(run(act.sigmoid, [0])[0], 0.5);
  });

  test('tanh', () => assertClose(run(tanh, xs), xs.map(Math.tanh), 1e-15, 0, 'tanh'));

  test('relu = max(x, 0)', () => assert.deepEqual(run(act.relu, xs), xs.map((x) => Math.max(x, 0))));

  test('leakyRelu: alpha 0.3 by default (Keras), or given', () => {
    assertClose(run(act.leakyRelu, xs), xs.map((x) => (x > 0 ? x : 0.3 * x)), 1e-15, 0, 'leakyRelu');
    assertClose(run((x) => act.leakyRelu(x, 0.01), xs), xs.map((x) => (x > 0 ? x : 0.01 * x)), 1e-15, 0, 'leakyRelu 0.01');
  });

  test('elu = x (x > 0), alpha (e^x - 1) otherwise', () => {
    assertClose(run(act.elu, xs), xs.map((x) => (x > 0 ? x : Math.expm1(x))), 1e-15, 0, 'elu');
    assertClose(run((x) => act.elu(x, 2), xs), xs.map((x) => (x > 0 ? x : 2 * Math.expm1(x))), 1e-15, 0, 'elu alpha 2');
  });

  test('softplus = log(1 + e^x)', () => assertClose(run(act.softplus, xs), xs.map((x) => Math.log1p(Math.exp(x))), 1e-15, 1e-15, 'softplus'));

  test('linear is the identity (the same tensor)', () => {
    const x = t(xs);
    assert.equal(act.linear(x), x);
  });

  test('softmax along the last axis', () => {
    const rows = [[1, 2, 3], [-1, 0, 5]];
    const y = act.softmax(tensor(rows, undefined, { dtype: 'float64' }));
    const want = rows.flatMap((r) => {
      const e = r.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    assertClose(y.toTypedArray(), want, 1e-15, 1e-14, 'softmax');
    // along axis 0 each column (a, b) gives [1 / (1 + e^(b - a)), 1 / (1 + e^(a - b))]:
    // columns (1, -1), (2, 0), (3, 5) -> row 0 [s(2), s(2), s(-2)], row 1 [s(-2), s(-2), s(2)], s(d) = 1 / (1 + e^-d)
    const s = (d: number) => 1 / (1 + Math.exp(-d));
    const y0 = act.softmax(tensor(rows, undefined, { dtype: 'float64' }), 0);
    assertClose(y0.toTypedArray(), [s(2), s(2), s(-2), s(-2), s(-2), s(2)], 1e-15, 1e-14, 'softmax axis 0');
  });

  test('logSumExp = log(sum(e^x))', () => {
    const y = act.logSumExp(tensor([[1, 2, 3], [0, 0, 0]], undefined, { dtype: 'float64' }), 1);
    assert.deepEqual([...y.shape], [2]);
    assertClose(y.toTypedArray(), [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), Math.log(3)], 1e-15, 1e-15, 'logSumExp');
  });

  test('extreme inputs stay finite and exact in the limit', () => {
    // float64 keeps the true tail value e^-300 / (1 + e^-300) (the tanh form used to cancel it to 0).
    assert.deepEqual(run(act.sigmoid, [-300, 300]), [Math.exp(-300) / (1 + Math.exp(-300)), 1]);
    assert.deepEqual(run(act.softplus, [-800, 800]), [0, 800]);
    assert.deepEqual(run(act.elu, [-800]), [-1]);
    const sm = act.softmax(tensor([[1000, 1000, -1000]], undefined, { dtype: 'float64' }));
    assertClose(sm.toTypedArray(), [0.5, 0.5, 0], 1e-15, 0, 'softmax large');
    assertClose(act.logSumExp(tensor([[1000, 1000]], undefined, { dtype: 'float64' })).toTypedArray(), [1000 + Math.LN2], 1e-12, 0, 'lse large');
  });

  test('activation(name) looks up by name; unknown names rejected', () => {
    const x = t(xs);
    for (const name of act.ACTIVATIONS) {
      const f = act.activation(name);
      const y = f(x);
      assert.deepEqual([...y.shape], [xs.length], name);
    }
    assertClose(act.activation('leakyRelu')(x).toTypedArray(), run(act.leakyRelu, xs), 0, 0, 'leakyRelu by name');
    assert.throws(() => act.activation('swish' as ActivationName), /unknown activation 'swish' \(expected one of: sigmoid, tanh/);
  });
});
