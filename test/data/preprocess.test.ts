/** Preprocessing (src/data/preprocess.ts) against closed forms: what each method maps data to, and back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dataset } from '../../src/data/dataset.js';
import { Preprocessing } from '../../src/data/preprocess.js';
import { assertClose } from '../helpers.js';

// 4 rows x 2 features: feature 0 is 1, 2, 3, 4 (mean 2.5, population std sqrt(1.25)); feature 1 is constant 7.
const X = Float32Array.of(1, 7, 2, 7, 3, 7, 4, 7);
const ds = Dataset.fromTyped(X, 4, [2]);

test('standardize: per-feature mean 0 and population std 1; a constant feature maps to 0 (scale 1)', () => {
  const p = Preprocessing.fit(ds, 'standardize', 2);
  assertClose(p.shift, [2.5, 7], 1e-12);
  assertClose(p.scale, [Math.sqrt(1.25), 1], 1e-12);
  const z = p.transform(X);
  const s = Math.sqrt(1.25);
  assertClose(z, [-1.5 / s, 0, -0.5 / s, 0, 0.5 / s, 0, 1.5 / s, 0], 1e-6);
  assertClose(p.inverse(z), X, 1e-6, 0, 'inverse');
});

test('minmax: [0, 1] per feature; scale: by the top of the value range; none: identity', () => {
  const m = Preprocessing.fit(ds, 'minmax', 2);
  assertClose(m.transform(X), [0, 0, 1 / 3, 0, 2 / 3, 0, 1, 0], 1e-6);
  const s = Preprocessing.scaleBy(255);
  assertClose(s.transform(Float32Array.of(0, 51, 255)), [0, 0.2, 1], 1e-7);
  assert.ok(Preprocessing.none(2).isIdentity);
  assert.deepEqual(Preprocessing.fit(ds, 'none', 2).transform(X), X);
});

test('one statistic over every value when the period is 1 (images)', () => {
  const p = Preprocessing.fit(ds, 'minmax', 1);
  assert.deepEqual([p.shift[0], p.scale[0]], [1, 6]);
});

test('a missing value (NaN) is filled with its feature mean over the non-missing training values', () => {
  const withNaN = Dataset.fromTyped(Float32Array.of(1, 10, NaN, 20, 3, NaN), 3, [2], { missing: true });
  const p = Preprocessing.fit(withNaN, 'none', 2);
  assertClose(p.fill!, [2, 15], 1e-12);
  assert.deepEqual(Array.from(p.transform(Float32Array.of(NaN, NaN))), [2, 15]);
  assert.throws(() => new Preprocessing({ ...p.toState(), fill: null }).transform(Float32Array.of(NaN, 1)), /value 0 is missing/);
  assert.throws(() => p.transform(Float32Array.of(Infinity, 1)), /value 0 is Infinity/);
  assert.throws(() => Dataset.fromTyped(Float32Array.of(NaN), 1, [1]), /is NaN/);
});

test('apply: uint8 images under a global scale stay uint8 and give exactly the float32 values transform gives', () => {
  const bytes = Uint8Array.of(0, 1, 128, 254, 255, 37);
  const img = Dataset.fromTyped(bytes, 2, [3]);
  const p = Preprocessing.scaleBy(255);
  const applied = p.apply(img);
  assert.ok(applied.values instanceof Uint8Array, 'no float32 copy');
  assert.deepEqual(applied.toFloat32(), p.transform(bytes));
  const labelled = Dataset.fromTyped(X, 4, [2], { labels: [0, 1, 0, 1], ids: ['a', 'b', 'c', 'd'] });
  const out = Preprocessing.fit(labelled, 'standardize', 2).apply(labelled);
  assert.deepEqual([Array.from(out.labels!), out.ids], [[0, 1, 0, 1], ['a', 'b', 'c', 'd']]);
  assert.throws(() => Preprocessing.fit(ds, 'minmax', 2).apply(Dataset.fromTyped(Float32Array.of(1, 2, 3), 1, [3])), /groups of 2 values/);
});

test('bad states are refused', () => {
  assert.throws(() => new Preprocessing({ method: 'minmax', shift: Float64Array.of(0), scale: Float64Array.of(0), fill: null }), /scale\[0\] is 0/);
  assert.throws(() => new Preprocessing({ method: 'minmax', shift: Float64Array.of(0, 1), scale: Float64Array.of(1), fill: null }), /equal, non-zero length/);
  assert.throws(() => new Preprocessing({ method: 'whiten' as 'none', shift: Float64Array.of(0), scale: Float64Array.of(1), fill: null }), /method must be one of/);
});
