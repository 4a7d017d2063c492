/** noisySines: shape, the sine formula, seeded determinism, the noise level, and option checks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noisySines } from '../../src/data/sequences.js';

describe('noisySines', () => {
  test('[n, timesteps, 1]; without noise every sequence is a unit sine of a frequency within range', () => {
    const x = noisySines({ n: 20, timesteps: 30, seed: 1, noise: 0 });
    assert.deepEqual([...x.shape], [20, 30, 1]);
    assert.equal(x.dtype, 'float32');
    const v = x.toTypedArray();
    for (let s = 0; s < 20; s++) {
      const seq = Array.from(v.subarray(s * 30, s * 30 + 30));
      assert.ok(seq.every((y) => Math.abs(y) <= 1));
      // A sine satisfies y[t+1] + y[t-1] = 2 cos(w) y[t]: recover cos(w) and check the frequency range.
      let num = 0, den = 0;
      for (let t = 1; t < 29; t++) { num += (seq[t + 1] + seq[t - 1]) * seq[t]; den += 2 * seq[t] * seq[t]; }
      const freq = Math.acos(num / den) / (2 * Math.PI);
      assert.ok(freq > 0.02 - 1e-3 && freq < 0.1 + 1e-3, `sequence ${s}: frequency ${freq}`);
    }
  });

  test('seeded: the same seed gives the same data, another seed other data; noise does not change the waves', () => {
    const a = noisySines({ n: 8, timesteps: 10, seed: 3 }), b = noisySines({ n: 8, timesteps: 10, seed: 3 });
    assert.deepEqual(Array.from(a.toTypedArray()), Array.from(b.toTypedArray()));
    assert.notDeepEqual(Array.from(a.toTypedArray()), Array.from(noisySines({ n: 8, timesteps: 10, seed: 4 }).toTypedArray()));
    const clean = noisySines({ n: 400, timesteps: 25, seed: 5, noise: 0 }).toTypedArray();
    const noisy = noisySines({ n: 400, timesteps: 25, seed: 5, noise: 0.2 }).toTypedArray();
    let s1 = 0, s2 = 0;
    for (let i = 0; i < clean.length; i++) { const d = noisy[i] - clean[i]; s1 += d; s2 += d * d; }
    const mean = s1 / clean.length, sd = Math.sqrt(s2 / clean.length - mean * mean);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(sd - 0.2) < 0.01, `noise mean ${mean}, sd ${sd}`);
  });

  test('options: dtype, frequency range, amplitude; invalid values are rejected', () => {
    assert.equal(noisySines({ n: 2, timesteps: 3, dtype: 'float64' }).dtype, 'float64');
    assert.deepEqual([...noisySines({ n: 0, timesteps: 3 }).shape], [0, 3, 1]);
    const flat = noisySines({ n: 3, timesteps: 5, noise: 0, minFreq: 0, maxFreq: 0, amplitude: 2 }).toTypedArray();
    for (let s = 0; s < 3; s++) assert.ok(flat.subarray(s * 5, s * 5 + 5).every((y) => y === flat[s * 5]), 'frequency 0: constant');
    assert.throws(() => noisySines({ n: -1, timesteps: 3 }), /n must be a non-negative integer/);
    assert.throws(() => noisySines({ n: 1, timesteps: 0 }), /timesteps must be a positive integer/);
    assert.throws(() => noisySines({ n: 1, timesteps: 3, noise: -1 }), /noise must be a finite number >= 0/);
    assert.throws(() => noisySines({ n: 1, timesteps: 3, minFreq: 0.2, maxFreq: 0.1 }), /need 0 <= minFreq <= maxFreq/);
  });
});
