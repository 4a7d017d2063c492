/**
 * Corruptions for denoising: Gaussian statistics before clipping and the clip range, exact masked / salted
 * counts per sample with uniformly spread positions, salt-and-pepper values, determinism from the seed, and
 * that the input is never modified.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addNoise, checkNoiseSpec, gaussianNoise, makeCorruption, maskingNoise, type NoiseSpec, saltAndPepperNoise } from '../../src/data/noise.js';
import { Rng } from '../../src/tensor/rng.js';
import { full, type Tensor } from '../../src/tensor/tensor.js';
import { rand } from '../helpers.js';

/** n samples of d values in (0.05, 0.95): nothing is 0 or 1 already, so every corrupted value is visible. */
const inner = (n: number, d: number, seed = 1, dtype: 'float32' | 'float64' = 'float32'): Tensor => rand([n, d], seed, 0.05, 0.95, dtype);

function meanStd(v: ArrayLike<number>): [number, number] {
  let s = 0, s2 = 0;
  for (let i = 0; i < v.length; i++) { s += v[i]; s2 += v[i] * v[i]; }
  const m = s / v.length;
  return [m, Math.sqrt(s2 / v.length - m * m)];
}

describe('gaussianNoise', () => {
  test('without clipping, the added noise has mean 0 and std = factor', () => {
    const x = full([200, 100], 0.5);
    const y = gaussianNoise(0.3, { clip: false })(x, new Rng(5)).toTypedArray();
    const [m, s] = meanStd(y.map((v) => v - 0.5));
    assert.ok(Math.abs(m) < 0.01, `mean ${m}`); // standard error 0.3 / sqrt(20000) = 0.002
    assert.ok(Math.abs(s / 0.3 - 1) < 0.02, `std ${s}`);
    assert.ok(y.some((v) => v < 0) && y.some((v) => v > 1), 'unclipped noise leaves [0, 1]');
  });

  test('clipping (the default) is the unclipped result clamped to [0, 1]', () => {
    const x = inner(50, 40);
    const clipped = gaussianNoise(0.5)(x, new Rng(9)).toTypedArray();
    const raw = gaussianNoise(0.5, { clip: false })(x, new Rng(9)).toTypedArray();
    assert.deepEqual(clipped, raw.map((v) => Math.min(1, Math.max(0, v))));
    assert.ok(clipped.every((v) => v >= 0 && v <= 1));
    assert.ok(clipped.filter((v) => v === 0 || v === 1).length > 100, 'factor 0.5 clips a good share');
  });

  test('factor 0 returns the input values; bad factors are rejected', () => {
    const x = inner(3, 4);
    assert.deepEqual(gaussianNoise(0)(x, new Rng(1)).toTypedArray(), x.toTypedArray());
    assert.throws(() => gaussianNoise(-0.1), /factor must be a finite number >= 0/);
    assert.throws(() => gaussianNoise(NaN), /factor must be a finite number >= 0/);
  });
});

describe('maskingNoise and saltAndPepperNoise', () => {
  test('masking zeroes exactly round(fraction * d) values of every sample and keeps the rest', () => {
    const x = inner(300, 50);
    const xv = x.toTypedArray();
    const y = maskingNoise(0.3)(x, new Rng(2)).toTypedArray();
    const perPosition = new Float64Array(50);
    for (let s = 0; s < 300; s++) {
      let zeros = 0;
      for (let j = 0; j < 50; j++) {
        const i = s * 50 + j;
        if (y[i] === 0) { zeros++; perPosition[j]++; } else assert.equal(y[i], xv[i]);
      }
      assert.equal(zeros, 15, `sample ${s}`);
    }
    // Every position is masked about 30% of the time (binomial, 300 draws: std 0.026).
    for (let j = 0; j < 50; j++) assert.ok(Math.abs(perPosition[j] / 300 - 0.3) < 0.12, `position ${j}: ${perPosition[j] / 300}`);
    // Fractions that do not divide d round to the nearest count.
    const z = maskingNoise(0.25)(inner(10, 10), new Rng(3)).toTypedArray();
    assert.equal(z.filter((v) => v === 0).length, 10 * Math.round(2.5));
  });

  test('salt-and-pepper sets exactly round(fraction * d) values per sample, each to 0 or 1, about half each', () => {
    const x = inner(400, 25);
    const xv = x.toTypedArray();
    const y = saltAndPepperNoise(0.2)(x, new Rng(4)).toTypedArray();
    let salt = 0, pepper = 0;
    for (let s = 0; s < 400; s++) {
      let changed = 0;
      for (let j = 0; j < 25; j++) {
        const i = s * 25 + j;
        if (y[i] === xv[i]) continue;
        changed++;
        assert.ok(y[i] === 0 || y[i] === 1, `changed value ${y[i]} is neither 0 nor 1`);
        if (y[i] === 1) salt++; else pepper++;
      }
      assert.equal(changed, 5, `sample ${s}`);
    }
    assert.ok(Math.abs(salt / (salt + pepper) - 0.5) < 0.05, `salt share ${salt / (salt + pepper)}`);
  });

  test('fraction 0 and 1 are the extremes; fractions outside [0, 1] are rejected', () => {
    const x = inner(4, 6);
    assert.deepEqual(maskingNoise(0)(x, new Rng(1)).toTypedArray(), x.toTypedArray());
    assert.ok(maskingNoise(1)(x, new Rng(1)).toTypedArray().every((v) => v === 0));
    assert.ok(saltAndPepperNoise(1)(x, new Rng(1)).toTypedArray().every((v) => v === 0 || v === 1));
    assert.throws(() => maskingNoise(1.5), /fraction must be a number in \[0, 1\]/);
    assert.throws(() => saltAndPepperNoise(-0.1), /fraction must be a number in \[0, 1\]/);
  });
});

describe('determinism, shapes and specs', () => {
  const specs: NoiseSpec[] = [{ type: 'gaussian', factor: 0.5 }, { type: 'masking', fraction: 0.3 }, { type: 'saltAndPepper', fraction: 0.2 }];

  test('the same seed gives the same noise, another seed different noise; the input is untouched', () => {
    const x = inner(8, 30);
    const before = x.toTypedArray();
    for (const spec of specs) {
      const a = addNoise(x, spec, 7).toTypedArray();
      assert.deepEqual(addNoise(x, spec, 7).toTypedArray(), a, spec.type);
      assert.notDeepEqual(addNoise(x, spec, 8).toTypedArray(), a, spec.type);
      assert.deepEqual(makeCorruption(spec)(x, new Rng(7)).toTypedArray(), a, `${spec.type}: addNoise = corruption with Rng(seed)`);
    }
    assert.deepEqual(x.toTypedArray(), before);
  });

  test('shape, dtype and backend are kept; rank > 2 samples count as one sample each', () => {
    const x = rand([3, 2, 5], 2, 0.05, 0.95, 'float64');
    for (const spec of specs) {
      const y = addNoise(x, spec, 1);
      assert.deepEqual(y.shape, [3, 2, 5]);
      assert.equal(y.dtype, 'float64');
      assert.equal(y.backend, x.backend);
      assert.equal(y.node, null, 'noise is data: no graph');
    }
    const m = addNoise(x, { type: 'masking', fraction: 0.5 }, 1).toTypedArray();
    for (let s = 0; s < 3; s++) assert.equal(m.slice(s * 10, s * 10 + 10).filter((v) => v === 0).length, 5);
  });

  test('specs are validated and normalised', () => {
    assert.deepEqual(checkNoiseSpec({ type: 'gaussian', factor: 0.5 }), { type: 'gaussian', factor: 0.5, clip: true });
    assert.throws(() => checkNoiseSpec({ type: 'speckle' } as unknown as NoiseSpec), /unknown noise type 'speckle' \(expected one of: gaussian, masking, saltAndPepper\)/);
    assert.throws(() => checkNoiseSpec({ type: 'masking', fraction: 2 }), /masking noise: fraction must be a number in \[0, 1\], got 2/);
  });
});
