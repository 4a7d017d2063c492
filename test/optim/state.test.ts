/**
 * Optimizer.state() / loadState(): an optimizer given another's state continues exactly as that one would
 * (oracle: the uninterrupted optimizer, compared bit for bit), for every named optimizer; mismatched
 * hyper-parameters or parameters are refused and change nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeOptimizer, OPTIMIZERS } from '../../src/optim/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';

const rng = new Rng(3);
const vec = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const INIT = [vec(6), vec(3)];
const GRADS = Array.from({ length: 6 }, () => [vec(6), vec(3)]);
const params = (): [string, Tensor][] => [['w', tensor(INIT[0].slice(), [2, 3])], ['b', tensor(INIT[1].slice(), [3])]];
const grads = (i: number): Tensor[] => [tensor(GRADS[i][0], [2, 3]), tensor(GRADS[i][1], [3])];
const hex = (ps: [string, Tensor][]): string[] => ps.map(([, p]) => Buffer.from((p.toTypedArray() as Float32Array).buffer).toString('hex'));

describe('optimizer state', () => {
  for (const name of OPTIMIZERS) {
    test(`${name}: a fresh optimizer loaded with the state after 3 steps takes the same next 3 steps`, () => {
      const a = params(), optA = makeOptimizer(name, a, { lr: 0.05 });
      for (let i = 0; i < 6; i++) optA.step(grads(i));
      const b = params(), optB = makeOptimizer(name, b, { lr: 0.05 });
      for (let i = 0; i < 3; i++) optB.step(grads(i));
      const state = optB.state();
      const c: [string, Tensor][] = b.map(([n, p]) => [n, tensor(p.toTypedArray(), p.shape)]);
      const optC = makeOptimizer(name, c, { lr: 0.05 });
      optC.loadState(state);
      for (let i = 3; i < 6; i++) optC.step(grads(i));
      assert.deepEqual(hex(c), hex(a));
      assert.equal(optC.iterations, 6);
    });
  }

  test('refuses a state of other hyper-parameters or parameters, naming them, and changes nothing', () => {
    const adam = makeOptimizer('adam', params());
    adam.step(grads(0));
    const s = adam.state();
    const other = makeOptimizer('adam', params(), { beta1: 0.8 });
    assert.throws(() => other.loadState(s), /beta1 0\.9, this one has 0\.8/);
    assert.equal(other.iterations, 0);
    assert.throws(() => makeOptimizer('sgd', params()).loadState(s), /name "adam", this one has "sgd"/);
    const fewer = makeOptimizer('adam', [params()[0]]);
    assert.throws(() => fewer.loadState(s), /parameter 'b', which this optimizer does not train/);
  });
});
