/**
 * Initializers: bounds and moments on large tensors. With n = 200 000 samples the sample std of a normal is
 * within ~0.2% of the true one (standard error std/sqrt(2n)), so "within 2%" is a loose, seed-fixed check.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { initialize, INITS } from '../../src/nn/init.js';
import type { InitName } from '../../src/nn/init.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { Rng } from '../../src/tensor/rng.js';

const N = 200_000;

function stats(a: Float64Array): { mean: number; std: number; min: number; max: number } {
  let s = 0, min = Infinity, max = -Infinity;
  for (const v of a) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / a.length;
  let q = 0;
  for (const v of a) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / a.length), min, max };
}

function draw(name: InitName, fanIn: number, fanOut: number, seed = 3): Float64Array {
  const out = new Float64Array(N);
  initialize(out, name, fanIn, fanOut, new Rng(seed));
  return out;
}

describe('initializers', () => {
  test('the list of names', () => {
    assert.deepEqual([...INITS], ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros']);
  });

  test('glorotUniform: inside [-a, a], a = sqrt(6 / (fanIn + fanOut)), filling the range, std a/sqrt(3)', () => {
    const a = Math.sqrt(6 / (300 + 100));
    const s = stats(draw('glorotUniform', 300, 100));
    assert.ok(s.min >= -a && s.max <= a, `range [${s.min}, ${s.max}] vs a = ${a}`);
    assert.ok(s.min < -0.999 * a && s.max > 0.999 * a, 'the whole range is used');
    assert.ok(Math.abs(s.mean) < 0.01 * a);
    assert.ok(Math.abs(s.std / (a / Math.sqrt(3)) - 1) < 0.02, `std ${s.std}`);
  });

  test('heUniform: inside [-a, a], a = sqrt(6 / fanIn)', () => {
    const a = Math.sqrt(6 / 50);
    const s = stats(draw('heUniform', 50, 7));
    assert.ok(s.min >= -a && s.max <= a);
    assert.ok(s.min < -0.999 * a && s.max > 0.999 * a);
  });

  test('heNormal: mean 0, std sqrt(2 / fanIn) within 2%', () => {
    const want = Math.sqrt(2 / 64);
    const s = stats(draw('heNormal', 64, 1000));
    assert.ok(Math.abs(s.mean) < 0.01 * want, `mean ${s.mean}`);
    assert.ok(Math.abs(s.std / want - 1) < 0.02, `std ${s.std}, expected ${want}`);
    assert.ok(s.max > 3.5 * want, 'not truncated');
  });

  test('glorotNormal: mean 0, std sqrt(2 / (fanIn + fanOut)) within 2%', () => {
    const want = Math.sqrt(2 / (64 + 32));
    const s = stats(draw('glorotNormal', 64, 32));
    assert.ok(Math.abs(s.mean) < 0.01 * want);
    assert.ok(Math.abs(s.std / want - 1) < 0.02, `std ${s.std}, expected ${want}`);
  });

  test('zeros fills with zeros', () => {
    const out = new Float64Array(10).fill(7);
    initialize(out, 'zeros', 3, 3, new Rng(0));
    assert.ok(out.every((v) => v === 0));
  });

  test('the same seed gives the same numbers; another seed does not', () => {
    for (const name of ['glorotUniform', 'heNormal'] as const) {
      assert.deepEqual(draw(name, 10, 10, 42).subarray(0, 100), draw(name, 10, 10, 42).subarray(0, 100));
      assert.notDeepEqual(draw(name, 10, 10, 42).subarray(0, 100), draw(name, 10, 10, 43).subarray(0, 100));
    }
  });

  test('unknown name rejected', () => {
    assert.throws(() => initialize(new Float64Array(2), 'lecun' as InitName, 1, 1, new Rng(0)), /unknown initializer 'lecun' \(expected one of: glorotUniform/);
  });

  test('Autoencoder seed and init option drive every layer', () => {
    const w = (seed: number, init?: InitName) =>
      new Autoencoder({ inputDim: 8, hidden: [4], latentDim: 2, seed, init }).parameters().map((p) => Array.from(p.toTypedArray()));
    assert.deepEqual(w(5), w(5));
    assert.notDeepEqual(w(5), w(6));
    assert.ok(w(5, 'zeros').every((p) => p.every((v) => v === 0)));
    // glorotUniform bound of the first layer: sqrt(6 / (8 + 4))
    const first = w(5)[0];
    assert.ok(first.every((v) => Math.abs(v) <= Math.sqrt(6 / 12)));
  });
});
