import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASHION_CLASSES, fashionMnistDir, loadFashionMnist } from '../../src/data/fashion.js';

describe('Fashion-MNIST from the fashion-mnist package', () => {
  test('train: 60000 images of 784 pixels in [0, 1], 6000 per class, classes interleaved', () => {
    const ds = loadFashionMnist({ split: 'train' });
    assert.equal(ds.length, 60000);
    assert.deepEqual(ds.sampleShape, [784]);
    assert.equal(ds.scale, 1 / 255);
    const labels = ds.labels!;
    const counts = new Array(10).fill(0);
    for (let k = 0; k < labels.length; k++) {
      assert.equal(labels[k], k % 10, `label ${k}`);
      counts[labels[k]]++;
    }
    assert.deepEqual(counts, new Array(10).fill(6000));
    const x = ds.toFloat32();
    let min = Infinity, max = -Infinity;
    for (const v of x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
  });

  test('test: 10000 images, the last 1000 of each class file; train + test = all 70000, disjoint', () => {
    const testSet = loadFashionMnist({ split: 'test' });
    assert.equal(testSet.length, 10000);
    assert.equal(loadFashionMnist({ split: 'all' }).length, 70000);
    // Class 0's file in the package: its non-empty entries 6000.. are the test split, 0..5999 the train split.
    const raw = (JSON.parse(readFileSync(join(fashionMnistDir(), '0.json'), 'utf8')) as { data: number[][] }).data.filter((r) => r.length > 0);
    assert.equal(raw.length, 7000);
    const bytes = (ds: ReturnType<typeof loadFashionMnist>, i: number): number[] => Array.from(ds.gather([i]), (v) => Math.round(v * 255));
    assert.deepEqual(bytes(testSet, 0), raw[6000]);
    assert.deepEqual(bytes(testSet, 9990), raw[6999]);
    const train = loadFashionMnist({ split: 'train', limit: 20 });
    assert.deepEqual(bytes(train, 0), raw[0]);
    assert.deepEqual(bytes(train, 10), raw[1]);
    assert.equal(testSet.labels![9999], 9);
  });

  test('limit keeps a class-balanced prefix; flat: false gives [28, 28, 1]; the class names', () => {
    const ds = loadFashionMnist({ split: 'test', limit: 25, flat: false });
    assert.equal(ds.length, 25);
    assert.deepEqual(ds.sampleShape, [28, 28, 1]);
    assert.deepEqual(Array.from(ds.labels!), Array.from({ length: 25 }, (_, k) => k % 10));
    assert.equal(loadFashionMnist({ split: 'test', limit: 1e6 }).length, 10000);
    assert.equal(FASHION_CLASSES.length, 10);
    assert.equal(FASHION_CLASSES[9], 'Ankle boot');
  });

  test('bad options are clear errors', () => {
    assert.throws(() => loadFashionMnist({ split: 'valid' as 'train' }), /split must be 'train', 'test' or 'all', got "valid"/);
    assert.throws(() => loadFashionMnist({ limit: 0 }), /limit must be a positive integer, got 0/);
    assert.throws(() => loadFashionMnist({ limit: 2.5 }), /limit must be a positive integer/);
    assert.throws(() => loadFashionMnist({ testPerClass: -1 }), /testPerClass must be a non-negative integer/);
    assert.throws(() => loadFashionMnist({ testPerClass: 7000 }), /holds 7000 images, not more than the 7000 test images per class/);
  });
});

describe('Fashion-MNIST loader on small fixture files', () => {
  let dir: string;
  const image = (v: number): number[] => new Array(784).fill(v);
  const writeClasses = (perClass: number, edit?: (c: number, data: unknown[]) => unknown): void => {
    for (let c = 0; c < 10; c++) {
      const data: unknown[] = Array.from({ length: perClass }, (_, i) => image(c * 10 + i));
      writeFileSync(join(dir, `${c}.json`), JSON.stringify(edit ? edit(c, data) : { data }));
    }
  };
  before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-fashion-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('splits each class into train (first) and test (last testPerClass), skipping empty entries', () => {
    writeClasses(3, (c, data) => ({ data: c === 0 ? [data[0], [], data[1], data[2], []] : data }));
    const train = loadFashionMnist({ dir, testPerClass: 1 });
    assert.equal(train.length, 20);
    assert.deepEqual(Array.from(train.labels!.subarray(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert.equal(Math.round(train.gather([0])[0] * 255), 0); // class 0, image 0
    assert.equal(Math.round(train.gather([11])[0] * 255), 11); // class 1, image 1
    const testSet = loadFashionMnist({ dir, testPerClass: 1, split: 'test' });
    assert.equal(testSet.length, 10);
    assert.equal(Math.round(testSet.gather([0])[0] * 255), 2); // class 0's last image, past the empty entry
    assert.equal(Math.round(testSet.gather([9])[0] * 255), 92);
  });

  test('a changed file is read again (the cache keys on size and modification time)', () => {
    writeClasses(4);
    assert.equal(loadFashionMnist({ dir, testPerClass: 1 }).length, 30);
    writeClasses(5);
    assert.equal(loadFashionMnist({ dir, testPerClass: 1 }).length, 40);
  });

  const corrupt: Array<[string, (c: number, data: unknown[]) => unknown, RegExp]> = [
    ['not JSON', () => '{"data": [[1, 2', /3\.json is not valid JSON .*corrupt or truncated/],
    ['no data array', () => ({ images: [] }), /3\.json: expected a JSON object \{"data"/],
    ['an entry that is not an array', (_, d) => ({ data: [d[0], 'oops'] }), /3\.json: entry 1 is the string "oops", expected an array of 784 pixels/],
    ['an entry of the wrong length', (_, d) => ({ data: [d[0], [1, 2, 3]] }), /3\.json: entry 1 has 3 values, expected 784/],
    ['a pixel out of range', (_, d) => ({ data: [d[0], image(256)] }), /3\.json: entry 1, pixel 0 is 256, expected an integer 0-255/],
    ['a fractional pixel', (_, d) => ({ data: [d[0], image(0.5)] }), /pixel 0 is 0\.5, expected an integer/],
    ['no images', () => ({ data: [[]] }), /3\.json holds no images/],
  ];
  for (const [name, edit, pattern] of corrupt) {
    test(`corrupt class file: ${name}`, () => {
      writeClasses(3, (c, data) => (c === 3 ? edit(c, data) : { data }));
      // Raw text for the 'not JSON' case: writeClasses stringified the string, so write it as is.
      if (name === 'not JSON') writeFileSync(join(dir, '3.json'), '{"data": [[1, 2');
      assert.throws(() => loadFashionMnist({ dir, testPerClass: 1 }), (e: Error) => pattern.test(e.message) && e.message.includes(join(dir, '3.json')));
    });
  }

  test('a missing file, and a class too small for its test images', () => {
    writeClasses(3);
    unlinkSync(join(dir, '7.json'));
    assert.throws(() => loadFashionMnist({ dir }), new RegExp(`Fashion-MNIST file ${join(dir, '7.json').replace(/[.]/g, '\\.')} not found`));
    writeClasses(3);
    assert.throws(() => loadFashionMnist({ dir }), /0\.json holds 3 images, not more than the 1000 test images per class/);
  });
});
