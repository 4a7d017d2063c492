import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Dataset, batchIndices, splitValidation } from '../../src/data/dataset.js';
import { Rng } from '../../src/tensor/rng.js';

const close = (a: ArrayLike<number>, b: number[]): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `index ${i}: ${a[i]} vs ${b[i]}`);
};

describe('Dataset', () => {
  test('fromTyped with uint8 data and scale: gather packs scaled rows', () => {
    const data = new Uint8Array([0, 255, 51, 102, 153, 204]);
    const ds = Dataset.fromTyped(data, 3, [2], { scale: 1 / 255, labels: [1, 2, 3] });
    assert.equal(ds.length, 3);
    assert.equal(ds.sampleSize, 2);
    assert.deepEqual(Array.from(ds.labels!), [1, 2, 3]);
    close(ds.gather([2, 0]), [0.6, 0.8, 0, 1]);
    close(ds.toFloat32(), [0, 1, 0.2, 0.4, 0.6, 0.8]);
    const out = new Float32Array(4);
    assert.equal(ds.gather([1, 1], out), out);
    close(out, [0.2, 0.4, 0.2, 0.4]);
    assert.throws(() => ds.gather([3]), /index 3.*out of range/);
    assert.throws(() => ds.gather([-1]), /out of range/);
    assert.throws(() => ds.gather([0, 1, 2], out), /out has 4 values/);
  });

  test('fromTyped validates lengths, shapes, labels and float values', () => {
    assert.throws(() => Dataset.fromTyped(new Float32Array(5), 2, [3]), /5 values but 2 samples.*need 6/);
    assert.throws(() => Dataset.fromTyped(new Float32Array(6), 2, [3], { labels: [1] }), /labels has 1 entries but there are 2/);
    assert.throws(() => Dataset.fromTyped(new Float32Array(6), 2, [0, 3]), /positive integers/);
    assert.throws(() => Dataset.fromTyped(new Float64Array([1, 2, NaN, 4]), 2, [2]), /element 2 \(sample 1, position 0\) is NaN/);
    assert.throws(() => Dataset.fromTyped(new Float64Array([1, Infinity]), 1, [2]), /element 1.*is Infinity/);
    assert.throws(() => Dataset.fromTyped(new Float32Array(2), 1, [2], { labels: [0.5] }), /label 0 is 0.5/);
  });

  test('fromArrays: rows, labels, ragged rows and NaN are named', () => {
    const ds = Dataset.fromArrays([[1, 2], [3, 4], [5, 6]], [0, 1, 0]);
    assert.deepEqual(ds.sampleShape, [2]);
    close(ds.gather([1]), [3, 4]);
    assert.throws(() => Dataset.fromArrays([[1, 2], [3]]), /row 1 has 1 values, expected 2/);
    assert.throws(() => Dataset.fromArrays([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, NaN]]), /row 3 column 5 is NaN/);
    assert.throws(() => Dataset.fromArrays([[1, -Infinity]]), /row 0 column 1 is -Infinity/);
    assert.throws(() => Dataset.fromArrays([[1], [2]], [1, 2, 3]), /labels has 3 entries/);
    assert.throws(() => Dataset.fromArrays([]), /empty/);
  });

  test('slice shares storage; take copies', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const ds = Dataset.fromTyped(data, 4, [2], { labels: [10, 11, 12, 13] });
    const s = ds.slice(1, 3);
    assert.equal(s.length, 2);
    close(s.toFloat32(), [2, 3, 4, 5]);
    assert.deepEqual(Array.from(s.labels!), [11, 12]);
    data[2] = 42;
    close(s.gather([0]), [42, 3]);
    assert.throws(() => ds.slice(3, 5), /out of range/);
    assert.throws(() => ds.slice(2, 1), /out of range/);
    assert.equal(ds.slice(2, 2).length, 0);

    const t = ds.take([3, 0, 3]);
    assert.equal(t.length, 3);
    close(t.toFloat32(), [6, 7, 0, 1, 6, 7]);
    assert.deepEqual(Array.from(t.labels!), [13, 10, 13]);
    data[6] = -1;
    close(t.gather([0]), [6, 7]);
    assert.throws(() => ds.take([4]), /index 4.*out of range/);
  });

  test('take keeps the uint8 store and scale', () => {
    const ds = Dataset.fromTyped(new Uint8Array([10, 20, 30]), 3, [1], { scale: 0.1 });
    close(ds.take([2, 1]).toFloat32(), [3, 2]);
  });
});

describe('batchIndices', () => {
  const flat = (bs: Uint32Array[]): number[] => bs.flatMap((b) => Array.from(b));

  test('in order, last batch smaller', () => {
    const bs = batchIndices(10, 4);
    assert.deepEqual(bs.map((b) => Array.from(b)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    assert.deepEqual(batchIndices(0, 3), []);
  });

  test('shuffled: covers every index exactly once, reproducible per seed, fresh per call', () => {
    const a = batchIndices(103, 10, new Rng(1));
    assert.equal(a.length, 11);
    assert.equal(a[10].length, 3);
    assert.deepEqual(flat(a).sort((x, y) => x - y), Array.from({ length: 103 }, (_, i) => i));
    assert.deepEqual(flat(batchIndices(103, 10, new Rng(1))), flat(a));
    assert.notDeepEqual(flat(batchIndices(103, 10, new Rng(2))), flat(a));
    const rng = new Rng(1);
    const e1 = flat(batchIndices(103, 10, rng));
    const e2 = flat(batchIndices(103, 10, rng));
    assert.deepEqual(e1, flat(a));
    assert.notDeepEqual(e2, e1);
  });

  test('batchSize must be a positive integer', () => {
    assert.throws(() => batchIndices(10, 0), /batchSize must be a positive integer/);
    assert.throws(() => batchIndices(10, 2.5), /batchSize must be a positive integer/);
    assert.throws(() => batchIndices(10, -1), /batchSize/);
  });
});

describe('splitValidation', () => {
  const ds = Dataset.fromTyped(new Float32Array(100).map((_, i) => i), 100, [1], { labels: new Array(100).fill(0).map((_, i) => i % 10) });

  test('the last fraction becomes validation', () => {
    const { train, val } = splitValidation(ds, 0.2);
    assert.equal(train.length, 80);
    assert.equal(val.length, 20);
    close(val.gather([0]), [80]);
    assert.equal(val.labels![0], 0);
    const s = splitValidation(ds, 0.43);
    assert.equal(s.train.length, 57);
    assert.equal(s.val.length, 43);
    const odd = splitValidation(ds.slice(0, 7), 0.5);
    assert.equal(odd.train.length, 3);
    assert.equal(odd.val.length, 4);
  });

  test('fraction must be in (0, 1) and leave both parts non-empty', () => {
    assert.throws(() => splitValidation(ds, 0), /between 0 and 1/);
    assert.throws(() => splitValidation(ds, 1), /between 0 and 1/);
    assert.throws(() => splitValidation(ds, NaN), /between 0 and 1/);
    assert.throws(() => splitValidation(ds.slice(0, 1), 0.5), /leaves no training samples/);
    assert.throws(() => splitValidation(ds, 1e-12), /leaves no validation samples/);
    assert.equal(splitValidation(ds.slice(0, 3), 0.1).val.length, 1);
  });
});
