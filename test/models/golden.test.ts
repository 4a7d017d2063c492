/**
 * Golden numbers for a tiny fixed-weight autoencoder, computed ONCE by an independent implementation:
 * scripts/golden/tiny_ae.py — hand-written NumPy (float64) forward pass and hand-derived backpropagation
 * (no autodiff, no aekit code), cross-checked there against central finite differences. Its output is
 * test/fixtures/golden-tiny-ae.json (regenerate with `python3 scripts/golden/tiny_ae.py`).
 *
 * Network: Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2, activation: 'sigmoid', outputActivation: 'sigmoid' }),
 * Dense weights [units, inputDim], y = sigmoid(x @ W^T + b). Every weight is set from the fixture through
 * loadStateDict, then forward, MSE/BCE (mean) and the MSE/BCE gradients w.r.t. every parameter are compared:
 * - float64: each tensor within 1e-12 of its own scale (|a - e| <= 1e-12 * max(|e|_inf, 1e-300) + 1e-12 |e|);
 * - float32: the fixture's float64 weights are rounded to float32 first, so the tolerance is 1e-6 of each tensor's
 *   scale (float32 has ~6e-8 relative precision; a few layers of rounding stay well inside 1e-6).
 * Gradients span 1e-6 (first encoder layer) to 1e-2 (last decoder layer), hence tolerances per tensor scale.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { valueAndGrad } from '../../src/autograd/backward.js';
import type { DType } from '../../src/kernels/types.js';
import { bce, mse } from '../../src/losses/losses.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';

interface Fixture {
  generator: string;
  config: { inputDim: number; hidden: number[]; latentDim: number; activation: 'sigmoid'; outputActivation: 'sigmoid' };
  params: { name: string; shape: number[]; values: number[] }[];
  input: { shape: number[]; values: number[] };
  code: { shape: number[]; values: number[] };
  reconstruction: { shape: number[]; values: number[] };
  mse_mean: number;
  bce_mean: number;
  bce_epsilon: number;
  mse_grads: Record<string, number[]>;
  bce_grads: Record<string, number[]>;
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/golden-tiny-ae.json', import.meta.url)), 'utf8'),
) as Fixture;

/** |a - e| <= rel * (max|e| over the tensor) + rel * |e|: relative to the tensor's own scale. */
function assertScaled(actual: ArrayLike<number>, expected: readonly number[], rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(...expected.map(Math.abs), 1e-300);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * scale + rel * Math.abs(expected[i]);
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|diff| ${Math.abs(actual[i] - expected[i])} > tol ${tol})`,
    );
  }
}

function loadedModel(dtype: DType): { model: Autoencoder; x: Tensor } {
  const model = new Autoencoder({ ...fixture.config, dtype, seed: 123 });
  const state = new Map<string, Tensor>();
  for (const p of fixture.params) state.set(p.name, tensor(p.values, p.shape, { dtype }));
  model.loadStateDict(state);
  const x = tensor(fixture.input.values, fixture.input.shape, { dtype });
  return { model, x };
}

describe('golden tiny autoencoder (fixture by NumPy, hand-derived backprop)', () => {
  test('the fixture describes this architecture, with parameters in the model\'s own order', () => {
    assert.match(fixture.generator, /NumPy/);
    const model = new Autoencoder({ ...fixture.config });
    assert.deepEqual(
      model.namedParameters().map(([n, t]) => [n, [...t.shape]]),
      fixture.params.map((p) => [p.name, p.shape]),
    );
    // All four layers are sigmoid (latentActivation defaults to activation).
    assert.equal(model.config.latentActivation, 'sigmoid');
  });

  for (const [dtype, rel] of [['float64', 1e-12], ['float32', 1e-6]] as const) {
    describe(dtype, () => {
      test('loadStateDict puts the fixture values into the model', () => {
        const { model } = loadedModel(dtype);
        const sd = model.stateDict();
        for (const p of fixture.params) {
          const t = sd.get(p.name)!;
          assert.equal(t.dtype, dtype);
          const want = dtype === 'float32' ? Array.from(Float32Array.from(p.values)) : p.values;
          assert.deepEqual(Array.from(t.toTypedArray()), want, p.name);
        }
      });

      test('forward: code and reconstruction', () => {
        const { model, x } = loadedModel(dtype);
        const code = model.encoder.forward(x);
        assert.deepEqual([...code.shape], fixture.code.shape);
        assertScaled(code.toTypedArray(), fixture.code.values, rel, 'code');
        const r = model.forward(x);
        assert.equal(r.dtype, dtype);
        assert.deepEqual([...r.shape], fixture.reconstruction.shape);
        assertScaled(r.toTypedArray(), fixture.reconstruction.values, rel, 'reconstruction');
        // encode/reconstruct (the no-grad inference paths) agree with forward
        assertScaled(model.encode(x).toTypedArray(), fixture.code.values, rel, 'encode()');
        assertScaled(model.reconstruct(x).toTypedArray(), fixture.reconstruction.values, rel, 'reconstruct()');
      });

      test('MSE (mean) and BCE (mean, eps 1e-7) values', () => {
        const { model, x } = loadedModel(dtype);
        const r = model.forward(x);
        assertScaled([mse(r, x).item()], [fixture.mse_mean], rel, 'mse');
        assertScaled([bce(r, x).item()], [fixture.bce_mean], rel, 'bce');
        assert.equal(fixture.bce_epsilon, 1e-7);
        // reconstructionError('mean') is the same MSE
        assertScaled([model.reconstructionError(x)], [fixture.mse_mean], rel, 'reconstructionError');
      });

      for (const lossName of ['mse', 'bce'] as const) {
        test(`backward: gradient of the ${lossName.toUpperCase()} loss w.r.t. every parameter`, () => {
          const { model, x } = loadedModel(dtype);
          const named = model.namedParameters();
          const lossFn = lossName === 'mse' ? mse : bce;
          const { value, grads } = valueAndGrad(() => lossFn(model.forward(x), x), named.map(([, p]) => p));
          assertScaled([value.item()], [lossName === 'mse' ? fixture.mse_mean : fixture.bce_mean], rel, 'loss');
          const expected = lossName === 'mse' ? fixture.mse_grads : fixture.bce_grads;
          assert.deepEqual(Object.keys(expected), named.map(([n]) => n));
          named.forEach(([name, p], i) => {
            assert.equal(grads[i].dtype, dtype);
            assert.deepEqual([...grads[i].shape], [...p.shape], `${name}: gradient shape`);
            assertScaled(grads[i].toTypedArray(), expected[name], rel, `d${lossName}/d${name}`);
          });
        });
      }
    });
  }
});
