/**
 * The user's own files, dropped on the page, read as `aekit train --data FILE` reads the same file on disk
 * (src/data/open.ts for the readers, cli/train-data.ts for the split and the preprocessing), so the DataInfo
 * and preprocessing in a model file the page writes are the ones the CLI would have written, and
 * `aekit eval MODEL --data FILE` reads the file the same way. Parsing is the library's (browser-safe half of
 * the data layer); this file only picks the reader, splits and preprocesses. Nothing leaves the browser.
 *
 * Accepted: one table (.csv, .tsv, .txt, .parquet, .pq), one array file (.npy, .npz), or image files (one
 * dropped folder or loose images: image-files.ts). Mixing them, or giving several tables, is one error naming
 * the files. Files and folders whose names start with a dot (.DS_Store) are skipped, as the CLI skips them in
 * a folder; so are other files in a dropped folder of images, as the CLI's folder reader does.
 *
 * The rules the CLI applies after reading are the library's own, shared with it: the .npz array names
 * (npzSamples), the seeded random split (randomSplit) and the default preprocessing (preprocessFor,
 * fitPreprocessing).
 */
import {
  arraySamples, type DataSource, EmptySplitError, fitPreprocessing, npzSamples, parseCsvTable, parseNpy, parseNpz, preprocessFor, randomSplit,
  readParquetTable, tableSamples,
} from '../../src/browser.js';
import type { LoadedData } from './data.js';
import { decodeImage, IMAGE_EXTENSIONS, imageLayout, imagesToSource, isImageName, type RgbaImage } from './image-files.js';
import type { FileOptions } from './protocol.js';

export interface DroppedFile {
  /** The file's name; a path inside the folder ('pets/cats/1.png') when a folder was dropped. */
  name: string;
  bytes: ArrayBuffer;
}

/** Held out as the test split when the data has none of its own (the CLI's DEFAULT_VALIDATION_SPLIT, seed 0). */
export const TEST_FRACTION = 0.2;
export const SPLIT_SEED = 0;

const extOf = (name: string): string => {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
};

type Reader = (f: DroppedFile, o: FileOptions) => DataSource | Promise<DataSource>;

const columnOptions = (o: FileOptions): { label?: string } => (o.label ? { label: o.label } : {});

const readCsv: Reader = (f, o) => {
  const text = new TextDecoder().decode(f.bytes);
  return tableSamples(parseCsvTable(text, { delimiter: extOf(f.name) === '.tsv' ? '\t' : ',' }, f.name), columnOptions(o));
};

/** One reader per extension, as open.ts's READERS. */
const READERS: Record<string, Reader> = {
  '.csv': readCsv, '.tsv': readCsv, '.txt': readCsv,
  '.parquet': async (f, o) => tableSamples(await readParquetTable(new Uint8Array(f.bytes), f.name), columnOptions(o)),
  '.pq': async (f, o) => tableSamples(await readParquetTable(new Uint8Array(f.bytes), f.name), columnOptions(o)),
  '.npy': (f) => arraySamples(parseNpy(new Uint8Array(f.bytes), f.name), null, f.name),
  '.npz': (f) => npzSamples(parseNpz(new Uint8Array(f.bytes), f.name), f.name, {}, 'name it x (or x_train and x_test), labels y'),
};

export const ACCEPTED = `one .csv, .tsv, .txt, .parquet, .pq, .npy or .npz file, or images (${IMAGE_EXTENSIONS.join(', ')})`;

/** The held-out test indices (as `aekit train` holds them out), or an error naming the file and the count. */
function holdOut(n: number, source: string): { keep: Uint32Array; held: Uint32Array } {
  try {
    return randomSplit(n, TEST_FRACTION, SPLIT_SEED);
  } catch (e) {
    if (!(e instanceof EmptySplitError)) throw e;
    throw new Error(`${source}: ${n} sample${n === 1 ? ' is' : 's are'} too few to hold out ${TEST_FRACTION} of them for testing`);
  }
}

const hidden = (name: string): boolean => name.replace(/^\/+/, '').split('/').some((p) => p.startsWith('.'));

const listNames = (files: readonly DroppedFile[], max = 5): string =>
  files.slice(0, max).map((f) => f.name).join(', ') + (files.length > max ? ` and ${files.length - max} more` : '');

function checkNotEmpty(f: DroppedFile): void {
  if (f.bytes.byteLength === 0) throw new Error(`${f.name}: the file is empty (0 bytes)`);
}

/** Which files are read, and how: the images, or the one data file (see the module comment). */
function choose(files: readonly DroppedFile[]): { images: DroppedFile[] | null; file: DroppedFile | null; notes: string[] } {
  const notes: string[] = [];
  const dotted = files.filter((f) => hidden(f.name));
  if (dotted.length) notes.push(`hidden files, not read: ${listNames(dotted)}`);
  const visible = files.filter((f) => !hidden(f.name));
  if (visible.length === 0) throw new Error(files.length ? `only hidden files were given (${listNames(files)}): give ${ACCEPTED}` : `no files: give ${ACCEPTED}`);
  const images = visible.filter((f) => isImageName(f.name));
  const others = visible.filter((f) => !isImageName(f.name));
  if (images.length) {
    if (others.length) {
      // A dropped folder is read as the CLI reads a folder: its images, and a note about the rest.
      if (visible.every((f) => f.name.replace(/^\/+/, '').includes('/'))) notes.push(`not images, not read: ${listNames(others)}`);
      else throw new Error(`images and other files cannot be read together (${listNames(others)} with ${listNames(images, 2)}): give ${ACCEPTED}`);
    }
    return { images, file: null, notes };
  }
  const unknown = others.find((f) => !(extOf(f.name) in READERS));
  if (unknown) throw new Error(`${unknown.name}: cannot read ${extOf(unknown.name) ? `${extOf(unknown.name)} files` : 'a file without an extension'}; the page reads ${ACCEPTED}`);
  if (others.length > 1) throw new Error(`${others.length} data files given (${listNames(others)}): the page reads one table or array file at a time`);
  return { images: null, file: others[0], notes };
}

/** Decodes the image files (in the browser's decoders) and makes them samples. */
async function readImages(files: readonly DroppedFile[], o: FileOptions): Promise<DataSource> {
  imageLayout(files.map((f) => f.name)); // a layout the CLI would refuse fails before any decoding
  files.forEach(checkNotEmpty);
  const decoded: RgbaImage[] = [];
  for (const f of files) decoded.push(await decodeImage(f.name, f.bytes));
  return imagesToSource(decoded, o.imageSide);
}

/** Samples with their source's test split, or a seeded TEST_FRACTION held out (as `aekit train` does), preprocessed. */
export function prepare(src: DataSource, title: string, bytes: number, notes: string[]): LoadedData {
  const { info } = src;
  let rawTrain = src.samples;
  let rawTest = src.test;
  if (!rawTest) {
    const { keep, held } = holdOut(rawTrain.length, info.source);
    rawTest = rawTrain.take(held);
    rawTrain = rawTrain.take(keep);
    notes.push(`${info.source} has no test split: holding out a random ${TEST_FRACTION} of it (seed ${SPLIT_SEED}) for testing, as aekit train does`);
  }
  const preprocessing = fitPreprocessing(preprocessFor(info), info, rawTrain);
  const train = preprocessing.apply(rawTrain);
  const test = preprocessing.apply(rawTest);
  const testLabels = test.labels ? Int32Array.from(test.labels) : new Int32Array(test.length).fill(-1);
  return {
    info, preprocessing, train, test,
    summary: {
      title, kind: info.kind === 'image' ? 'images' : 'table', sampleShape: [...info.sampleShape],
      trainCount: train.length, testCount: test.length, classNames: info.classNames, bytes, loadMs: 0,
      testImages: test.toFloat32(), testLabels, notes,
    },
  };
}

/** Reads dropped files into train and test sets in model units (see the module comment). loadMs is left 0 for data.ts. */
export async function readFiles(files: DroppedFile[], options: FileOptions): Promise<LoadedData> {
  const { images, file, notes } = choose(files);
  const bytes = files.reduce((s, f) => s + f.bytes.byteLength, 0);
  let src: DataSource;
  if (images) src = await readImages(images, options);
  else {
    checkNotEmpty(file!);
    src = await READERS[extOf(file!.name)](file!, options);
  }
  notes.push(...src.notes);
  const title = images ? `${src.info.source} (${src.samples.length} images)` : file!.name;
  return prepare(src, title, bytes, notes);
}
