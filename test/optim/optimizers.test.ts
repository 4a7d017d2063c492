/**
 * Optimizers: the first steps of each one against numbers worked out by hand, for a float64 parameter
 * p0 = [1, -2] with fixed gradients g1 = [0.5, -1], g2 = [0.25, 2], g3 = [-1, 0].
 * The arithmetic is written in the comments. Where a square root appears, the expected value is the written
 * formula evaluated with Math (these are independent of the kernels, which are not called to get them).
 * Tolerance 1e-15 absolute: the kernels and these formulas differ at most by one rounding.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Dense } from '../../src/nn/dense.js';
import { Adam, makeOptimizer, Optimizer, OPTIMIZERS, RMSProp, SGD } from '../../src/optim/index.js';
import type { OptimizerName } from '../../src/optim/index.js';
import { asParameter } from '../../src/nn/module.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

const G1 = [0.5, -1], G2 = [0.25, 2], G3 = [-1, 0];

function param(values = [1, -2], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return asParameter(tensor(values, [values.length], { dtype }));
}
const g = (v: number[], dtype: 'float32' | 'float64' = 'float64') => tensor(v, [v.length], { dtype });
const vals = (t: Tensor) => Array.from(t.toTypedArray());

/** Runs steps with the given gradients, returning the parameter after each step. */
function steps(opt: Optimizer, p: Tensor, grads: number[][]): number[][] {
  return grads.map((gr) => {
    opt.step([g(gr)]);
    return vals(p);
  });
}

function expectSteps(actual: number[][], expected: number[][], what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assertClose(a, expected[i], 1e-15, 0, `${what} step ${i + 1}`));
}

describe('SGD', () => {
  test('plain: p -= lr g', () => {
    // lr 0.1
    // step 1: [1 - 0.1*0.5, -2 - 0.1*(-1)]      = [0.95, -1.9]
    // step 2: [0.95 - 0.1*0.25, -1.9 - 0.1*2]  = [0.925, -2.1]
    const p = param();
    expectSteps(steps(new SGD([p], { lr: 0.1 }), p, [G1, G2]), [[0.95, -1.9], [0.925, -2.1]], 'sgd');
  });

  test('weightDecay (L2): g\' = g + wd p', () => {
    // lr 0.1, wd 0.1
    // step 1: g' = [0.5 + 0.1*1, -1 + 0.1*(-2)] = [0.6, -1.2];   p = [1 - 0.06, -2 + 0.12]          = [0.94, -1.88]
    // step 2: g' = [0.25 + 0.094, 2 - 0.188] = [0.344, 1.812];   p = [0.94 - 0.0344, -1.88 - 0.1812] = [0.9056, -2.0612]
    const p = param();
    expectSteps(steps(new SGD([p], { lr: 0.1, weightDecay: 0.1 }), p, [G1, G2]), [[0.94, -1.88], [0.9056, -2.0612]], 'sgd wd');
  });

  test('momentum (PyTorch form): v = mu v + g, p -= lr v', () => {
    // lr 0.1, mu 0.9
    // step 1: v = [0.5, -1];                                   p = [0.95, -1.9]
    // step 2: v = [0.45 + 0.25, -0.9 + 2] = [0.7, 1.1];        p = [0.95 - 0.07, -1.9 - 0.11]   = [0.88, -2.01]
    // step 3: v = [0.63 - 1, 0.99 + 0] = [-0.37, 0.99];        p = [0.88 + 0.037, -2.01 - 0.099] = [0.917, -2.109]
    const p = param();
    expectSteps(steps(new SGD([p], { lr: 0.1, momentum: 0.9 }), p, [G1, G2, G3]), [[0.95, -1.9], [0.88, -2.01], [0.917, -2.109]], 'momentum');
  });

  test('Nesterov: v = mu v + g, p -= lr (g + mu v)', () => {
    // lr 0.1, mu 0.9
    // step 1: v = [0.5, -1];   g + mu v = [0.5 + 0.45, -1 - 0.9] = [0.95, -1.9];   p = [1 - 0.095, -2 + 0.19]      = [0.905, -1.81]
    // step 2: v = [0.7, 1.1];  g + mu v = [0.25 + 0.63, 2 + 0.99] = [0.88, 2.99];  p = [0.905 - 0.088, -1.81 - 0.299] = [0.817, -2.109]
    const p = param();
    expectSteps(steps(new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }), p, [G1, G2]), [[0.905, -1.81], [0.817, -2.109]], 'nesterov');
  });

  test('float32 parameters are updated and rounded to float32', () => {
    const p = param([1, -2], 'float32');
    new SGD([p], { lr: 0.1 }).step([g(G1, 'float32')]);
    assert.equal(p.dtype, 'float32');
    assert.deepEqual(vals(p), [Math.fround(1 - 0.1 * 0.5), Math.fround(-2 + 0.1)]);
  });

  test('lr can be changed between steps (schedules)', () => {
    // step 1 lr 0.1: [0.95, -1.9]; step 2 lr 0.2 with g2: [0.95 - 0.05, -1.9 - 0.4] = [0.9, -2.3]
    const p = param();
    const opt = new SGD([p], { lr: 0.1 });
    opt.step([g(G1)]);
    opt.lr = 0.2;
    opt.step([g(G2)]);
    assertClose(vals(p), [0.9, -2.3], 1e-15, 0, 'schedule');
  });
});

describe('RMSProp', () => {
  test("style 'pytorch' (default): s = rho s + (1 - rho) g^2, p -= lr g / (sqrt(s) + eps), eps 1e-8", () => {
    // lr 0.01, rho 0.9
    // step 1: s = 0.1 [0.25, 1] = [0.025, 0.1]
    //         p = [1 - 0.01*0.5/(sqrt(0.025) + 1e-8), -2 + 0.01/(sqrt(0.1) + 1e-8)] ~ [1 - 0.0316228, -2 + 0.0316228]
    //         (the first RMSProp step is lr * sign(g) / sqrt(1 - rho) whatever |g|)
    // step 2: s = 0.9 [0.025, 0.1] + 0.1 [0.0625, 4] = [0.02875, 0.49]
    //         p -= [0.01*0.25/(sqrt(0.02875) + 1e-8), 0.01*2/(0.7 + 1e-8)] ~ [0.0147442, 0.0285714]
    const p = param();
    const opt = new RMSProp([p], { lr: 0.01 });
    assert.equal(opt.epsilon, 1e-8);
    assert.equal(opt.style, 'pytorch');
    const a1 = 1 - (0.01 * 0.5) / (Math.sqrt(0.025) + 1e-8), b1 = -2 + 0.01 / (Math.sqrt(0.1) + 1e-8);
    const a2 = a1 - (0.01 * 0.25) / (Math.sqrt(0.02875) + 1e-8), b2 = b1 - (0.01 * 2) / (0.7 + 1e-8);
    expectSteps(steps(opt, p, [G1, G2]), [[a1, b1], [a2, b2]], 'rmsprop pytorch');
    assertClose([a1, b1], [0.9683772, -1.9683772], 1e-7, 0, 'sanity');
  });

  test("style 'keras': p -= lr g / sqrt(s + eps), eps 1e-7", () => {
    // the same s as above; only where eps goes differs:
    // step 1: p = [1 - 0.005/sqrt(0.025 + 1e-7), -2 + 0.01/sqrt(0.1 + 1e-7)]
    // step 2: p -= [0.0025/sqrt(0.02875 + 1e-7), 0.02/sqrt(0.49 + 1e-7)]
    const p = param();
    const opt = new RMSProp([p], { lr: 0.01, style: 'keras' });
    assert.equal(opt.epsilon, 1e-7);
    const a1 = 1 - 0.005 / Math.sqrt(0.025 + 1e-7), b1 = -2 + 0.01 / Math.sqrt(0.1 + 1e-7);
    const a2 = a1 - 0.0025 / Math.sqrt(0.02875 + 1e-7), b2 = b1 - 0.02 / Math.sqrt(0.49 + 1e-7);
    expectSteps(steps(opt, p, [G1, G2]), [[a1, b1], [a2, b2]], 'rmsprop keras');
  });

  test('the two styles differ visibly with a large epsilon', () => {
    // eps 0.1, lr 0.1, g = [0.5, -1]: s = [0.025, 0.1]
    // pytorch: 0.1*0.5/(0.158114 + 0.1) = 0.193713;  keras: 0.1*0.5/sqrt(0.125) = 0.141421
    const p1 = param(), p2 = param();
    new RMSProp([p1], { lr: 0.1, epsilon: 0.1 }).step([g(G1)]);
    new RMSProp([p2], { lr: 0.1, epsilon: 0.1, style: 'keras' }).step([g(G1)]);
    assertClose([1 - vals(p1)[0], 1 - vals(p2)[0]], [0.193713, 0.141421], 1e-6, 0, 'eps placement');
  });

  test('weightDecay is added to the gradient', () => {
    // wd 1, lr 0.01: g' = g + p = [1.5, -3]; s = 0.1 g'^2 = [0.225, 0.9]; p = [1 - 0.015/(sqrt(0.225) + 1e-8), -2 + 0.03/(sqrt(0.9) + 1e-8)]
    const p = param();
    new RMSProp([p], { lr: 0.01, weightDecay: 1 }).step([g(G1)]);
    assertClose(vals(p), [1 - 0.015 / (Math.sqrt(0.225) + 1e-8), -2 + 0.03 / (Math.sqrt(0.9) + 1e-8)], 1e-15, 0, 'rmsprop wd');
  });
});

describe('Adam', () => {
  test('step 1 moves each parameter by ~lr * sign(g); step 2 as computed by hand', () => {
    // lr 0.001, b1 0.9, b2 0.999, eps 1e-8
    // step 1: m = 0.1 g1 = [0.05, -0.1], v = 0.001 g1^2 = [0.00025, 0.001]
    //         m^ = m / 0.1 = g1, v^ = v / 0.001 = g1^2  =>  p -= lr g1 / (|g1| + eps) ~ lr sign(g1)
    //         p = [1 - 0.001*0.5/(0.5 + 1e-8), -2 + 0.001*1/(1 + 1e-8)] ~ [0.999, -1.999]
    // step 2: m = 0.9 [0.05, -0.1] + 0.1 [0.25, 2] = [0.07, 0.11]
    //         v = 0.999 [0.00025, 0.001] + 0.001 [0.0625, 4] = [0.00031225, 0.004999]
    //         bias corrections 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999
    //         m^ = m / 0.19 = [0.368421, 0.578947], v^ = v / 0.001999 = [0.156203, 2.500750], sqrt(v^) = [0.395225, 1.581376]
    //         p -= 0.001 m^ / (sqrt(v^) + 1e-8) ~ [0.000932180, 0.000366104]
    const p = param();
    const opt = new Adam([p]);
    opt.step([g(G1)]);
    const a1 = 1 - (0.001 * 0.5) / (0.5 + 1e-8), b1 = -2 + 0.001 / (1 + 1e-8);
    assertClose(vals(p), [a1, b1], 1e-15, 0, 'adam step 1');
    assertClose(vals(p), [0.999, -1.999], 1e-10, 0, 'adam step 1 ~ lr sign(g)');
    opt.step([g(G2)]);
    const d = (m: number, v: number) => (0.001 * (m / 0.19)) / (Math.sqrt(v / 0.001999) + 1e-8);
    assertClose(vals(p), [a1 - d(0.07, 0.00031225), b1 - d(0.11, 0.004999)], 1e-15, 0, 'adam step 2');
    assertClose([a1 - vals(p)[0], b1 - vals(p)[1]], [0.000932180, 0.000366104], 1e-9, 0, 'adam step 2 sizes');
    assert.equal(opt.iterations, 2);
  });

  test('the first step is ~lr * sign(g) whatever the gradient scale', () => {
    // |step| = lr |g| / (|g| + 1e-8): eps matters only in relative 1e-8/|g| (1e-5 for |g| = 1e-3)
    const p = param([0, 0, 0, 0]);
    new Adam([p], { lr: 0.01 }).step([g([1e-3, -1e3, 7, -0.02])]);
    assertClose(vals(p), [-0.01, 0.01, -0.01, 0.01], 1e-4 * 0.01, 0, 'adam sign step');
    assertClose(vals(p), [-0.01 * 1e-3 / (1e-3 + 1e-8), 0.01 * 1e3 / (1e3 + 1e-8), -0.01 * 7 / (7 + 1e-8), 0.01 * 0.02 / (0.02 + 1e-8)], 1e-17, 0, 'exact');
  });

  test('L2 weightDecay (decoupled false): g\' = g + wd p before the moments', () => {
    // lr 0.1, wd 0.1: g' = [0.6, -1.2]; step 1 p -= 0.1 g'/(|g'| + 1e-8) = [1 - 0.06/(0.6 + 1e-8), -2 + 0.12/(1.2 + 1e-8)] ~ [0.9, -1.9]
    const p = param();
    new Adam([p], { lr: 0.1, weightDecay: 0.1 }).step([g(G1)]);
    assertClose(vals(p), [1 - 0.06 / (0.6 + 1e-8), -2 + 0.12 / (1.2 + 1e-8)], 1e-15, 0, 'adam L2');
  });

  test('AdamW: decoupled decay p -= lr wd p, then the Adam step from the raw gradient', () => {
    // lr 0.1, wd 0.1
    // step 1: p = p (1 - 0.1*0.1) = [0.99, -1.98];  then p -= 0.1 g1/(|g1| + 1e-8)  =>  [0.99 - 0.05/(0.5 + 1e-8), -1.98 + 0.1/(1 + 1e-8)] ~ [0.89, -1.88]
    // step 2: p = [a1 * 0.99, b1 * 0.99], m = [0.07, 0.11], v = [0.00031225, 0.004999] (the raw gradients, as for Adam)
    //         p -= 0.1 (m / 0.19) / (sqrt(v / 0.001999) + 1e-8)
    const p = param();
    const opt = makeOptimizer('adamw', [p], { lr: 0.1, weightDecay: 0.1 });
    opt.step([g(G1)]);
    const a1 = 0.99 - 0.05 / (0.5 + 1e-8), b1 = -1.98 + 0.1 / (1 + 1e-8);
    assertClose(vals(p), [a1, b1], 1e-15, 0, 'adamw step 1');
    opt.step([g(G2)]);
    const d = (m: number, v: number) => (0.1 * (m / 0.19)) / (Math.sqrt(v / 0.001999) + 1e-8);
    assertClose(vals(p), [a1 * 0.99 - d(0.07, 0.00031225), b1 * 0.99 - d(0.11, 0.004999)], 1e-15, 0, 'adamw step 2');
  });
});

describe('makeOptimizer', () => {
  const p = () => [param()];
  test('every name builds the documented optimizer', () => {
    assert.deepEqual([...OPTIMIZERS], ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw']);
    assert.deepEqual(makeOptimizer('sgd', p()).config(), { name: 'sgd', lr: 0.01, momentum: 0, nesterov: false, weightDecay: 0 });
    assert.deepEqual(makeOptimizer('momentum', p()).config(), { name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: false, weightDecay: 0 });
    assert.deepEqual(makeOptimizer('nesterov', p(), { momentum: 0.5 }).config(), { name: 'sgd', lr: 0.01, momentum: 0.5, nesterov: true, weightDecay: 0 });
    assert.deepEqual(makeOptimizer('rmsprop', p(), { lr: 0.5 }).config(), { name: 'rmsprop', lr: 0.5, rho: 0.9, epsilon: 1e-8, weightDecay: 0, style: 'pytorch' });
    assert.deepEqual(makeOptimizer('adam', p()).config(), { name: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: false });
    assert.deepEqual(makeOptimizer('adamw', p()).config(), { name: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, decoupled: true });
    assert.ok(makeOptimizer('rmsprop', p()) instanceof RMSProp);
    assert.ok(makeOptimizer('nesterov', p()) instanceof SGD);
  });

  test('unknown name rejected, listing the known ones', () => {
    assert.throws(() => makeOptimizer('adagrad' as OptimizerName, p()), /unknown optimizer 'adagrad' \(expected one of: sgd, momentum, nesterov, rmsprop, adam, adamw\)/);
  });

  test('takes a Module (named parameters) or [name, tensor] pairs', () => {
    const d = new Dense({ inputDim: 2, units: 2 });
    const opt = makeOptimizer('sgd', d);
    assert.deepEqual(opt.params.map(([n]) => n), ['weight', 'bias']);
    const t = param();
    assert.deepEqual(new SGD([['my.param', t]]).params.map(([n]) => n), ['my.param']);
    assert.deepEqual(new SGD([t]).params.map(([n]) => n), ['0']);
  });
});

describe('validation', () => {
  const p = () => [param()];
  test('bad hyper-parameters rejected with clear errors', () => {
    for (const lr of [0, -1, NaN]) assert.throws(() => new SGD(p(), { lr }), /learning rate must be in \(0, Infinity\], got/);
    assert.throws(() => new SGD(p(), { momentum: -0.1 }), /momentum must be in \[0, 1\], got -0\.1/);
    assert.throws(() => new SGD(p(), { momentum: 1.5 }), /momentum must be in \[0, 1\], got 1\.5/);
    assert.throws(() => new SGD(p(), { nesterov: true }), /nesterov needs momentum > 0/);
    assert.throws(() => new SGD(p(), { weightDecay: -1 }), /weightDecay must be in \[0, Infinity\], got -1/);
    assert.throws(() => new RMSProp(p(), { rho: 1.5 }), /rho must be in \[0, 1\], got 1\.5/);
    assert.throws(() => new RMSProp(p(), { epsilon: -1 }), /epsilon must be in \[0, 1\], got -1/);
    assert.throws(() => new RMSProp(p(), { style: 'tf' as 'keras' }), /RMSProp style must be 'pytorch' or 'keras', got 'tf'/);
    assert.throws(() => new Adam(p(), { beta1: 1 }), /Adam betas must be below 1/);
    assert.throws(() => new Adam(p(), { beta2: -0.1 }), /beta2 must be in \[0, 1\], got -0\.1/);
    assert.throws(() => new Adam(p(), { beta1: NaN }), /beta1 must be in \[0, 1\], got NaN/);
    assert.throws(() => new Adam(p(), { lr: -0.001 }), /learning rate must be in/);
    assert.throws(() => new Adam([]), /no parameters to optimize/);
  });

  test('step() with a wrong-shaped gradient is rejected, naming the parameter and both shapes', () => {
    const opt = new SGD([['w', param()]], { lr: 0.1 });
    assert.throws(() => opt.step([g([1, 2, 3])]), /optimizer\.step: gradient for 'w' has shape \[3\], parameter has \[2\]/);
    assert.throws(() => opt.step([g([1, 2]), g([1, 2])]), /optimizer\.step: got 2 gradients for 1 parameters/);
  });

  test('a rejected step changes nothing (no parameter updated, no iteration counted)', () => {
    const a = param(), b = param([3, 4]);
    const opt = new SGD([['a', a], ['b', b]], { lr: 0.1 });
    assert.throws(() => opt.step([g(G1), g([1, 1, 1])]), /gradient for 'b' has shape \[3\]/);
    assert.deepEqual(vals(a), [1, -2], 'a must not be updated by a step that was rejected');
    assert.deepEqual(vals(b), [3, 4]);
    assert.equal(opt.iterations, 0);
  });

  test('parameters without a gradient are skipped (explicit null, or .grad null)', () => {
    const a = param(), b = param([3, 4]);
    const opt = new SGD([a, b], { lr: 0.1 });
    opt.step([g(G1), null]);
    assertClose(vals(a), [0.95, -1.9], 1e-15, 0, 'a');
    assert.deepEqual(vals(b), [3, 4]);
    // from .grad
    a.grad = null;
    b.grad = g(G1);
    opt.step();
    assertClose(vals(a), [0.95, -1.9], 1e-15, 0, 'a unchanged');
    assertClose(vals(b), [2.95, 4.1], 1e-15, 0, 'b');
    opt.zeroGrad();
    assert.equal(b.grad, null);
  });

  test('momentum state of a skipped parameter does not advance', () => {
    // b skipped on step 1; on step 2 its update must be that of a first step: v = g1, p -= 0.1 g1
    const a = param(), b = param();
    const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
    opt.step([g(G1), null]);
    opt.step([g(G2), g(G1)]);
    assertClose(vals(b), [0.95, -1.9], 1e-15, 0, 'b after its first gradient');
  });

  test('Adam: a parameter skipped on step 1 gets a first-step (bias-corrected) update on step 2, as in PyTorch', () => {
    // PyTorch keeps the step count per parameter. b's first gradient arrives on the optimizer's 2nd step, so its
    // update is a first Adam step: m^ = g, v^ = g^2, p -= lr g/(|g| + eps) ~ lr sign(g) = [0.999, -1.999].
    // (With the global count t = 2, m^ = 0.1 g / 0.19 and v^ = 0.001 g^2 / 0.001999 => a step of ~0.744 lr.)
    const a = param(), b = param();
    const opt = new Adam([a, b]);
    opt.step([g(G1), null]);
    opt.step([g(G1), g(G1)]);
    assertClose(vals(b), [1 - (0.001 * 0.5) / (0.5 + 1e-8), -2 + 0.001 / (1 + 1e-8)], 1e-12, 0, 'b after its first gradient');
  });
});
