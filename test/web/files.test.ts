/**
 * The playground's reader of dropped files (web/src/files.ts, web/src/image-files.ts), against the CLI's data
 * layer on the same files written to disk: the DataInfo must be what `openData` gives (so `aekit eval --data
 * FILE` reads a page's model file), and the train/test split and preprocessing what `aekit train` makes
 * (openData, withTestSplit, fitPreprocessing). Hand-computed values check the parts the CLI cannot (the
 * standardization, the area resize, the grey test). The image decoding itself needs a browser; the pixels ->
 * samples part is fed hand-made RGBA here.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { fitPreprocessing as cliFitPreprocessing, withTestSplit } from '../../cli/train-data.js';
import { preprocessFor as cliPreprocessFor } from '../../cli/presets-fit.js';
import { encodeNpy } from '../../src/data/npy.js';
import { openData, randomSplit as cliRandomSplit } from '../../src/data/open.js';
import { Preprocessing } from '../../src/data/preprocess.js';
import { encodeParquet } from '../../src/io/tables.js';
import { ACCEPTED, prepare, readFiles } from '../../web/src/files.js';
import { imageLayout, imagesToSource, type RgbaImage } from '../../web/src/image-files.js';
import type { LoadedData } from '../../web/src/data.js';

const NPY = fileURLToPath(new URL('../fixtures/data/npy/', import.meta.url));
const PARQUET = fileURLToPath(new URL('../fixtures/data/parquet/', import.meta.url));

const buf = (b: Uint8Array | string): ArrayBuffer => {
  const u = typeof b === 'string' ? new TextEncoder().encode(b) : b;
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
};
const file = (name: string, b: Uint8Array | string): { name: string; bytes: ArrayBuffer } => ({ name, bytes: buf(b) });

let dir: string;
let cwd: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-web-files-'));
  cwd = process.cwd();
  // The CLI names its source by the path it was given: in this folder, the bare file name, as the page does.
  process.chdir(dir);
});
after(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

/** What `aekit train --data NAME` makes of the file: info, raw splits, preprocessing, model-unit splits. */
async function cli(name: string, opts: Parameters<typeof openData>[1] = {}) {
  const o = await openData(name, opts);
  const s = withTestSplit(o.train, o.test, o.testSource, name, 0);
  const prep = cliFitPreprocessing(cliPreprocessFor(o.info), o.info, s.train);
  return { info: o.info, rawTrain: s.train, rawTest: s.test, prep, train: prep.apply(s.train), test: prep.apply(s.test), notes: o.notes };
}

/** The page's data equals the CLI's: info, split, preprocessing, values and labels. */
function assertSameAsCli(d: LoadedData, c: Awaited<ReturnType<typeof cli>>): void {
  assert.deepEqual(d.info, c.info);
  assert.deepEqual(d.preprocessing.toState(), c.prep.toState());
  assert.deepEqual(d.train.toFloat32(), c.train.toFloat32());
  assert.deepEqual(d.test.toFloat32(), c.test.toFloat32());
  assert.deepEqual(d.train.labels, c.train.labels);
  assert.deepEqual(d.test.labels, c.test.labels);
  assert.deepEqual(d.summary.testImages, c.test.toFloat32());
}

describe('readFiles: tables', () => {
  // 20 rows: a = i, b = i^2 mod 7, label cat for i divisible by 3, else dog.
  const rows = Array.from({ length: 20 }, (_, i) => [i, (i * i) % 7, i % 3 === 0 ? 'cat' : 'dog'] as const);
  const csv = `a,b,label\n${rows.map((r) => r.join(',')).join('\n')}\n`;

  test('a CSV with a label column: features, labels, a seeded 20% test split, standardized with the training rows\' statistics', async () => {
    writeFileSync('pets.csv', csv);
    const d = await readFiles([file('pets.csv', csv)], { label: 'label' });
    assertSameAsCli(d, await cli('pets.csv', { label: 'label' }));
    assert.deepEqual(d.info.columns, { label: 'label', id: null, features: ['a', 'b'] });
    assert.deepEqual(d.info.classNames, ['cat', 'dog']);
    assert.deepEqual([d.train.length, d.test.length, d.summary.trainCount, d.summary.testCount], [16, 4, 16, 4]);
    assert.deepEqual([d.summary.kind, d.summary.sampleShape, d.summary.title, d.summary.bytes], ['table', [2], 'pets.csv', csv.length]);
    // The held-out rows are open.ts's random split of 20 with seed 0, in file order.
    const { keep, held } = cliRandomSplit(20, 0.2, 0);
    assert.deepEqual(Array.from(d.test.labels!), Array.from(held, (i) => (rows[i][2] === 'cat' ? 0 : 1)));
    assert.deepEqual(Array.from(d.summary.testLabels), Array.from(d.test.labels!));
    // Standardization by hand: mean and population std of each column over the 16 training rows only.
    for (let j = 0; j < 2; j++) {
      const col = Array.from(keep, (i) => rows[i][j] as number);
      const mean = col.reduce((s, v) => s + v, 0) / col.length;
      const std = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / col.length);
      held.forEach((i, k) => assert.ok(Math.abs(d.summary.testImages[k * 2 + j] - ((rows[i][j] as number) - mean) / std) < 1e-5));
      keep.forEach((i, k) => assert.ok(Math.abs(d.train.toFloat32()[k * 2 + j] - ((rows[i][j] as number) - mean) / std) < 1e-5));
    }
    // Fitted on the training split, not on all rows (which would give other statistics).
    const rawTrain = await cli('pets.csv', { label: 'label' }).then((c) => c.rawTrain);
    assert.deepEqual(d.preprocessing.toState(), Preprocessing.fit(rawTrain, 'standardize', 2).toState());
    const all = (await openData('pets.csv', { label: 'label' })).train;
    assert.notDeepEqual(d.preprocessing.toState(), Preprocessing.fit(all, 'standardize', 2).toState());
    assert.ok(d.summary.notes.some((n) => n.includes('no test split') && n.includes('0.2') && n.includes('seed 0')));
    assert.equal(d.summary.loadMs, 0);
  });

  test('a TSV splits on tabs; without a label option nothing is guessed (label is a text column: an error naming it)', async () => {
    const tsv = csv.replaceAll(',', '\t');
    writeFileSync('pets.tsv', tsv);
    const d = await readFiles([file('pets.tsv', tsv)], { label: 'label' });
    assertSameAsCli(d, await cli('pets.tsv', { label: 'label' }));
    await assert.rejects(readFiles([file('pets.csv', csv)], {}), /^Error: pets\.csv: column "label" holds text, not numbers \("cat" at line 2\)/);
    const numeric = `a,b,target\n${rows.map((r) => `${r[0]},${r[1]},${r[0] % 2}`).join('\n')}\n`;
    const n = await readFiles([file('n.csv', numeric)], {});
    assert.deepEqual([n.info.sampleShape, n.info.columns?.label, n.test.labels], [[3], null, null]);
    assert.deepEqual(Array.from(n.summary.testLabels), [-1, -1, -1, -1]);
  });

  test('a Parquet file: the fixture with a text column fails as the CLI fails; a numeric one reads as the CLI reads it', async () => {
    const fixture = readFileSync(join(PARQUET, 'types-plain.parquet'));
    writeFileSync('types-plain.parquet', fixture);
    const cliError = await openData('types-plain.parquet').then(() => null, (e: Error) => e.message);
    assert.match(cliError!, /^types-plain\.parquet: column "name" holds text/);
    await assert.rejects(readFiles([file('types-plain.parquet', fixture)], {}), { message: cliError! });
    const bytes = await encodeParquet([
      { name: 'x1', values: Float64Array.from({ length: 15 }, (_, i) => Math.sin(i)) },
      { name: 'x2', values: Float32Array.from({ length: 15 }, (_, i) => i / 4) },
      { name: 'species', values: Array.from({ length: 15 }, (_, i) => ['setosa', 'virginica', 'versicolor'][i % 3]) },
    ]);
    writeFileSync('iris.parquet', bytes);
    const d = await readFiles([file('iris.parquet', bytes)], { label: 'species' });
    assertSameAsCli(d, await cli('iris.parquet', { label: 'species' }));
    assert.deepEqual([d.info.classNames, d.train.length, d.test.length], [['setosa', 'versicolor', 'virginica'], 12, 3]);
  });
});

describe('readFiles: arrays', () => {
  test('an .npy of float rows: tabular, standardized per column, split 80/20 as the CLI splits it', async () => {
    const x = Float32Array.from({ length: 30 }, (_, i) => (i * 37) % 11 - 5 + i / 10);
    const bytes = encodeNpy(x, [10, 3]);
    writeFileSync('rows.npy', bytes);
    const d = await readFiles([file('rows.npy', bytes)], {});
    assertSameAsCli(d, await cli('rows.npy'));
    assert.deepEqual([d.info.kind, d.info.featureNames, d.train.length, d.test.length, d.summary.kind], ['tabular', ['x0', 'x1', 'x2'], 8, 2, 'table']);
  });

  test('an .npy of uint8 images (the NumPy fixture): images scaled by 255', async () => {
    const bytes = readFileSync(join(NPY, 'images_u8.npy'));
    writeFileSync('images_u8.npy', bytes);
    const d = await readFiles([file('images_u8.npy', bytes)], {});
    assertSameAsCli(d, await cli('images_u8.npy'));
    assert.deepEqual([d.info.kind, d.info.sampleShape, d.info.valueRange, d.summary.kind], ['image', [28, 28, 1], [0, 255], 'images']);
    assert.deepEqual(d.preprocessing.toState(), Preprocessing.scaleBy(255).toState());
    const raw = await cli('images_u8.npy').then((c) => c.rawTest.toFloat32());
    assert.deepEqual(d.summary.testImages, raw.map((v) => v / 255));
  });

  test('an .npz with x and y (the NumPy fixture): labels, and a held-out split since it has no test arrays', async () => {
    const bytes = readFileSync(join(NPY, 'xy.npz'));
    writeFileSync('xy.npz', bytes);
    const d = await readFiles([file('xy.npz', bytes)], {});
    assertSameAsCli(d, await cli('xy.npz'));
    assert.deepEqual([d.train.length, d.test.length], [3, 1]);
    // y is [0, 1, 2, 3]: each label is its row, so the test label names the held-out row.
    assert.deepEqual(Array.from(d.summary.testLabels), Array.from(cliRandomSplit(4, 0.2, 0).held));
  });

  test('an .npz with x_train/y_train/x_test/y_test: its own test split, no held-out part', async () => {
    const xTrain = Float32Array.from({ length: 12 }, (_, i) => i * 1.5);
    const xTest = Float32Array.from({ length: 6 }, (_, i) => 100 - i);
    const bytes = zipSync({
      'x_train.npy': encodeNpy(xTrain, [6, 2]), 'y_train.npy': encodeNpy(Int32Array.from([0, 1, 0, 1, 2, 2]), [6]),
      'x_test.npy': encodeNpy(xTest, [3, 2]), 'y_test.npy': encodeNpy(Int32Array.from([2, 1, 0]), [3]),
    });
    writeFileSync('split.npz', bytes);
    const d = await readFiles([file('split.npz', bytes)], {});
    assertSameAsCli(d, await cli('split.npz'));
    assert.deepEqual([d.train.length, d.test.length, Array.from(d.summary.testLabels)], [6, 3, [2, 1, 0]]);
    assert.ok(!d.summary.notes.some((n) => n.includes('no test split')));
    // Standardized with the training arrays' statistics: column 0 of x_train is 0, 3, ..., 15 (mean 7.5).
    const mean0 = 7.5, std0 = Math.sqrt([0, 3, 6, 9, 12, 15].reduce((s, v) => s + (v - mean0) ** 2, 0) / 6);
    assert.ok(Math.abs(d.summary.testImages[0] - (100 - mean0) / std0) < 1e-5);
  });
});

// --- images: hand-made RGBA through the pure path, and the same pixels as PNG files through the CLI's folder reader

/** An RGBA image from grey values (opaque). */
const grey = (name: string, w: number, h: number, v: number[]): RgbaImage =>
  ({ name, width: w, height: h, data: Uint8Array.from(v.flatMap((g) => [g, g, g, 255])) });
/** An RGBA image from RGB triples (opaque). */
const rgb = (name: string, w: number, h: number, v: number[][]): RgbaImage =>
  ({ name, width: w, height: h, data: Uint8Array.from(v.flatMap((p) => [...p, 255])) });

/** Writes an image as a PNG the CLI reads: grey (colour type 0) when every pixel is, else RGB. */
function writePng(path: string, im: RgbaImage): void {
  const png = new PNG({ width: im.width, height: im.height });
  png.data = Buffer.from(im.data);
  let isGrey = true;
  for (let p = 0; p < im.data.length; p += 4) if (im.data[p] !== im.data[p + 1] || im.data[p] !== im.data[p + 2]) isGrey = false;
  writeFileSync(path, PNG.sync.write(png, { colorType: isGrey ? 0 : 2 }));
}

function writeFolder(images: RgbaImage[]): void {
  for (const im of images) {
    mkdirSync(join(...im.name.split('/').slice(0, -1)), { recursive: true });
    writePng(im.name, im);
  }
}

describe('images: pixels to samples', () => {
  // 16 values whose 2x2 block means are 11.5, 21, 100.25 and 0.5: rounding half up gives 12, 21, 100, 1.
  const big = [10, 11, 20, 20, 12, 13, 21, 23, 100, 100, 0, 1, 101, 100, 0, 1];
  const images = [
    grey('pets/dogs/b.png', 2, 2, [5, 6, 7, 8]),
    grey('pets/cats/2.png', 4, 4, big),
    grey('pets/cats/10.png', 2, 2, [0, 50, 100, 200]),
  ];

  test('class folders: sorted by folder then file (code units), labels by sorted class name, the dropped folder as source', () => {
    const layout = imageLayout(images.map((im) => im.name));
    assert.deepEqual(layout, {
      root: 'pets', order: ['pets/cats/10.png', 'pets/cats/2.png', 'pets/dogs/b.png'],
      labels: Int32Array.from([0, 0, 1]), classNames: ['cats', 'dogs'],
    });
    // A name with a space sorts before '/', but folder 'a' still comes before folder 'a b' (folders first).
    assert.deepEqual(imageLayout(['r/a b/x.png', 'r/a/y.png']).order, ['r/a/y.png', 'r/a b/x.png']);
    assert.deepEqual(imageLayout(['/pets/x.png', '/pets/y.png']), { root: 'pets', order: ['/pets/x.png', '/pets/y.png'], labels: null, classNames: null });
    assert.deepEqual(imageLayout(['cats/1.png', 'dogs/1.png']).classNames, ['cats', 'dogs']);
    assert.deepEqual(imageLayout(['b.png', 'a.png']), { root: '', order: ['a.png', 'b.png'], labels: null, classNames: null });
  });

  test('all grey: one channel; a 4x4 image area-averaged to the first image\'s 2x2 and rounded half up', () => {
    const src = imagesToSource(images);
    assert.deepEqual([src.info.kind, src.info.sampleShape, src.info.valueRange, src.info.source, src.info.classNames], ['image', [2, 2, 1], [0, 255], 'pets', ['cats', 'dogs']]);
    assert.deepEqual(Array.from(src.samples.values), [0, 50, 100, 200, 12, 21, 100, 1, 5, 6, 7, 8]);
    assert.deepEqual(Array.from(src.samples.labels!), [0, 0, 1]);
    assert.deepEqual(src.samples.ids, ['cats/10.png', 'cats/2.png', 'dogs/b.png']);
    assert.ok(src.notes.some((n) => n.includes('1 of 3 images resized to 2x2') && n.includes('pets/cats/2.png (4x4)')));
  });

  test('the same pixels as PNG files in a folder: what the CLI reads (info, bytes, labels, ids)', async () => {
    writeFolder(images);
    const o = await openData('pets', { imageSize: [2, 2] });
    const src = imagesToSource(images);
    assert.deepEqual(src.info, o.info);
    assert.deepEqual(src.samples.values, o.train.values);
    assert.deepEqual([src.samples.labels, src.samples.ids], [o.train.labels, o.train.ids]);
  });

  test('one colour image makes them all RGB (grey replicated exactly), as the CLI reads the folder', async () => {
    const colour = [...images, rgb('pets/dogs/c.png', 2, 2, [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]])];
    const src = imagesToSource(colour);
    assert.deepEqual(src.info.sampleShape, [2, 2, 3]);
    assert.deepEqual(Array.from(src.samples.values.subarray(0, 12)), [0, 0, 0, 50, 50, 50, 100, 100, 100, 200, 200, 200]);
    assert.deepEqual(Array.from(src.samples.values.subarray(36)), [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
    // Any channel differing makes a pixel colour, blue alone too.
    assert.deepEqual(imagesToSource([rgb('a.png', 1, 1, [[10, 10, 200]])]).info.sampleShape, [1, 1, 3]);
    assert.deepEqual(imagesToSource([rgb('a.png', 1, 1, [[10, 200, 200]])]).info.sampleShape, [1, 1, 3]);
    writeFolder(colour);
    const o = await openData('pets', { imageSize: [2, 2] });
    assert.deepEqual([src.info, src.samples.values], [o.info, o.train.values]);
  });

  test('a side: every image resized to side x side; alpha composited over black', () => {
    const src = imagesToSource([grey('a.png', 2, 2, [40, 80, 120, 160]), { name: 'b.png', width: 1, height: 1, data: Uint8Array.from([200, 200, 200, 51]) }], 1);
    // a: the mean 100; b: 200 * 51 / 255 = 40.
    assert.deepEqual([src.info.sampleShape, Array.from(src.samples.values), src.info.source, src.samples.labels], [[1, 1, 1], [100, 40], '2 image files', null]);
    assert.throws(() => imagesToSource(images, 0), /the image side must be a positive integer, got 0/);
  });

  test('layouts the CLI refuses fail the same way', () => {
    assert.throws(() => imageLayout(['pets/a.png', 'pets/cats/b.png']), /folder pets has both images \(e\.g\. a\.png\) and sub-folders \(e\.g\. cats\/\)/);
    assert.throws(() => imageLayout(['pets/cats/x/a.png', 'pets/dogs/b.png']), /pets\/cats\/x\/a\.png is in a folder inside class folder cats\/: only one level/);
    assert.throws(() => imageLayout(['a.png', 'a.png']), /a\.png is given twice/);
  });

  test('the split and preprocessing of image files: a seeded 20% held out, scaled by 255', () => {
    const many = Array.from({ length: 10 }, (_, i) => grey(`d/${i < 5 ? 'x' : 'y'}/${i}.png`, 1, 1, [i * 20]));
    const src = imagesToSource(many);
    const d = prepare(src, 'd', 0, []);
    const { held } = cliRandomSplit(10, 0.2, 0);
    assert.deepEqual(Array.from(d.summary.testImages), Array.from(held, (i) => Math.fround((i * 20) / 255)));
    assert.deepEqual(Array.from(d.summary.testLabels), Array.from(held, (i) => (i < 5 ? 0 : 1)));
    assert.deepEqual([d.summary.kind, d.summary.classNames, d.train.length], ['images', ['x', 'y'], 8]);
  });
});

describe('readFiles: errors and skipped files', () => {
  test('an empty file, an unknown extension (listing what is read), no files', async () => {
    await assert.rejects(readFiles([file('data.csv', '')], {}), { message: 'data.csv: the file is empty (0 bytes)' });
    await assert.rejects(readFiles([file('a.png', '')], {}), { message: 'a.png: the file is empty (0 bytes)' });
    await assert.rejects(readFiles([file('notes.docx', 'x')], {}), { message: `notes.docx: cannot read .docx files; the page reads ${ACCEPTED}` });
    await assert.rejects(readFiles([file('README', 'x')], {}), /README: cannot read a file without an extension; the page reads one \.csv, \.tsv, \.txt, \.parquet, \.pq, \.npy or \.npz file, or images \(\.png, \.jpg/);
    await assert.rejects(readFiles([], {}), /^Error: no files: give one \.csv/);
  });

  test('mixed formats and several tables: one error naming the files', async () => {
    await assert.rejects(readFiles([file('a.csv', 'x\n1\n'), file('b.png', 'p')], {}), /images and other files cannot be read together \(a\.csv with b\.png\)/);
    await assert.rejects(readFiles([file('a.csv', 'x\n1\n'), file('b.npy', 'p')], {}), /2 data files given \(a\.csv, b\.npy\): the page reads one table or array file at a time/);
  });

  test('hidden files are skipped with a note; so are non-images in a dropped folder of images, as the CLI does', async () => {
    const csv = `a,b\n${Array.from({ length: 10 }, (_, i) => `${i},${i % 4}`).join('\n')}\n`;
    const d = await readFiles([file('.DS_Store', 'junk'), file('t.csv', csv)], {});
    assert.deepEqual([d.train.length, d.test.length], [8, 2]);
    assert.ok(d.summary.notes.includes('hidden files, not read: .DS_Store'));
    await assert.rejects(readFiles([file('.DS_Store', 'junk')], {}), /only hidden files were given \(\.DS_Store\)/);
    // In a folder, README.txt is skipped; the empty image then fails before any decoding is tried.
    await assert.rejects(readFiles([file('pets/README.txt', 'hi'), file('pets/a.png', '')], {}), { message: 'pets/a.png: the file is empty (0 bytes)' });
    await assert.rejects(readFiles([file('pets/a.png', 'p'), file('pets/cats/b.png', 'p')], {}), /folder pets has both images/);
  });

  test('a table too small to hold out a test split, and a bad .npy, name the file', async () => {
    await assert.rejects(readFiles([file('two.csv', 'a\n1\n2\n')], {}), { message: 'two.csv: 2 samples are too few to hold out 0.2 of them for testing' });
    await assert.rejects(readFiles([file('bad.npy', 'not numpy')], {}), /^NpyError: bad\.npy: /);
    await assert.rejects(readFiles([file('bad.npz', 'not a zip')], {}), /bad\.npz/);
    await assert.rejects(readFiles([file('one.npy', encodeNpy(Float32Array.from([1, 2]), [1, 2]))], {}), { message: 'one.npy: 1 sample is too few to hold out 0.2 of them for testing' });
  });
});
