/**
 * The data layer's front door: column selection (select.ts) shared by every table format, samples from
 * tables, arrays and image folders (samples.ts), and openData's readers and splits (open.ts). Files are written
 * here or come from the committed fixtures (written by NumPy, Pillow and arrow-rs; see their READMEs).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvTable } from '../../src/data/csv.js';
import { openData, randomSplit, readData, readerFor } from '../../src/data/open.js';
import { arraySamples, tableSamples } from '../../src/data/samples.js';
import { labelsFromCells, planColumns, takeRows } from '../../src/data/select.js';
import { writeNpyFile } from '../../src/io/tables.js';

let dir = '';
const CSV = 'ts,temp,city,wind,state\n' +
  '2024-01-01,1.5,Paris,3,ok\n' +
  '2024-01-02,,Oslo,4,fault\n' +
  '2024-01-03,2.5,Rome,NA,ok\n' +
  '2024-01-04,3.5,Oslo,6,ok\n';

before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-open-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('column selection', () => {
  const table = parseCsvTable(CSV, {}, 'r.csv');

  test('label, id and features by name; text columns are named with a hint', () => {
    const plan = planColumns(table.names, { label: 'state', id: 'ts', drop: ['city'], missing: 'drop' }, 'r.csv');
    assert.deepEqual(plan.featureNames, ['temp', 'wind']);
    const rows = takeRows(table, plan);
    assert.deepEqual([rows.n, rows.dropped], [2, 2]);
    assert.deepEqual(Array.from(rows.values), [1.5, 3, 3.5, 6]);
    assert.deepEqual(rows.ids, ['2024-01-01', '2024-01-04']);
    assert.deepEqual(rows.labelCells, ['ok', 'ok']);
    assert.throws(() => takeRows(table, planColumns(table.names, { id: 'ts', label: 'state' }, 'r.csv')),
      /r\.csv: column "city" holds text, not numbers \("Paris" at line 2\): leave it out with --drop city, or use it as --id or --label/);
  });

  test('missing policies: error names line, column and value; mean keeps NaN for preprocessing to fill', () => {
    const plan = (missing: 'error' | 'mean') => planColumns(table.names, { id: 'ts', label: 'state', features: ['temp', 'wind'], missing }, 'r.csv');
    assert.throws(() => takeRows(table, plan('error')), /r\.csv: line 3, column "temp" is empty \(--missing drop leaves such rows out/);
    const rows = takeRows(table, plan('mean'));
    assert.equal(rows.missingCells, 2);
    assert.ok(Number.isNaN(rows.values[2]) && Number.isNaN(rows.values[5]));
  });

  test('bad column options', () => {
    assert.throws(() => planColumns(table.names, { label: 'nope' }, 'r.csv'), /label column "nope" not found; columns are "ts", "temp"/);
    assert.throws(() => planColumns(table.names, { label: 'ts', id: 'ts' }, 'r.csv'), /cannot be both the label and the id/);
    assert.throws(() => planColumns(table.names, { features: ['temp', 'temp'] }, 'r.csv'), /listed twice/);
    assert.throws(() => planColumns(table.names, { features: ['temp'], drop: ['wind'] }, 'r.csv'), /not both/);
    assert.throws(() => planColumns(table.names, { label: 'state', features: ['state'] }, 'r.csv'), /is the label; it cannot also be a feature/);
    assert.throws(() => planColumns(['a'], { label: 'a' }, 'r.csv'), /no feature columns left/);
  });

  test('optional label and id (a model\'s saved columns on new data): used where present, skipped where absent', () => {
    const plan = planColumns(table.names, { label: 'state', id: 'nope', optional: ['label', 'id'], drop: ['city', 'ts'], missing: 'drop' }, 'r.csv');
    assert.deepEqual([plan.labelName, plan.idName, plan.featureNames], ['state', null, ['temp', 'wind']]);
    assert.throws(() => planColumns(table.names, { id: 'nope', optional: ['label'] }, 'r.csv'), /id column "nope" not found/);
  });

  test('labels: integers stay, names get sorted indices, known names keep theirs', () => {
    assert.deepEqual(Array.from(labelsFromCells([3, '1', 2], String).labels), [3, 1, 2]);
    const named = labelsFromCells(['ok', 'fault', 'ok'], String);
    assert.deepEqual([Array.from(named.labels), named.classNames], [[1, 0, 1], ['fault', 'ok']]);
    const known = labelsFromCells(['new', 'ok'], String, ['ok', 'fault']);
    assert.deepEqual([Array.from(known.labels), known.classNames], [[2, 0], ['ok', 'fault', 'new']]);
    assert.throws(() => labelsFromCells([1.5], () => 'x.csv: data row 1'), /label "1.5" is not an integer/);
  });

  test('windows of rows become sequences [T, features], with the first row\'s id', () => {
    const t = parseCsvTable('t,v\n' + Array.from({ length: 7 }, (_, i) => `t${i},${i}`).join('\n'), {}, 's.csv');
    const src = tableSamples(t, { id: 't', window: { size: 3, stride: 2 } });
    assert.equal(src.info.kind, 'sequence');
    assert.deepEqual(src.samples.sampleShape, [3, 1]);
    assert.deepEqual(Array.from(src.samples.toFloat32()), [0, 1, 2, 2, 3, 4, 4, 5, 6]);
    assert.deepEqual(src.samples.ids, ['t0', 't2', 't4']);
    assert.throws(() => tableSamples(t, { id: 't', window: { size: 9, stride: 1 } }), /7 rows are fewer than one window of 9/);
    assert.throws(() => tableSamples(t, { id: 't', kind: 'sequence' }), /need a window/);
  });
});

describe('arrays', () => {
  const arr = (dtype: 'uint8' | 'float32', shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { dtype, shape, data: dtype === 'uint8' ? new Uint8Array(n).map((_, i) => i % 256) : new Float32Array(n).map((_, i) => i / 10) };
  };

  test('the kind follows the shape (bytes of rank 2 are grey images), or --kind', () => {
    assert.equal(arraySamples(arr('float32', [5, 4]), null, 'a').info.kind, 'tabular');
    assert.equal(arraySamples(arr('float32', [5, 6, 2]), null, 'a').info.kind, 'sequence');
    const img = arraySamples(arr('uint8', [5, 6, 4]), null, 'a');
    assert.deepEqual([img.info.kind, img.samples.sampleShape, img.info.valueRange], ['image', [6, 4, 1], [0, 255]]);
    assert.deepEqual(arraySamples(arr('float32', [5, 6, 2]), null, 'a', { kind: 'tabular' }).samples.sampleShape, [12]);
    assert.throws(() => arraySamples(arr('float32', [5]), null, 'a'), /at least 2 dimensions/);
    assert.throws(() => arraySamples(arr('float32', [5, 2]), { dtype: 'float32', shape: [4], data: new Float32Array(4) }, 'a'), /labels have shape \[4\], expected \[5\]/);
  });
});

describe('openData', () => {
  test('readers by spec, and one line for what cannot be read', () => {
    assert.equal(readerFor('mnist').name, 'mnist');
    assert.equal(readerFor('fashion').name, 'fashion-mnist');
    assert.equal(readerFor('test/fixtures/data/images/rgb32').name, 'images');
    assert.throws(() => readerFor(join(dir, 'nope.csv')), /data not found: .*nope\.csv \(give mnist, fashion-mnist, a folder of images/);
    writeFileSync(join(dir, 'x.xlsx'), 'x');
    assert.throws(() => readerFor(join(dir, 'x.xlsx')), /cannot tell what kind of data .*x\.xlsx is/);
  });

  test('a CSV with --test-data: the same columns by name are required, class names shared', async () => {
    writeFileSync(join(dir, 'train.csv'), 'id,a,b,y\nr1,1,2,cat\nr2,3,4,dog\nr3,5,6,cat\n');
    writeFileSync(join(dir, 'test.csv'), 'id,a,b,y\nq1,7,8,emu\n');
    writeFileSync(join(dir, 'other.csv'), 'id,a,c,y\nq1,7,8,cat\n');
    const o = await openData(join(dir, 'train.csv'), { id: 'id', label: 'y', testData: join(dir, 'test.csv') });
    assert.deepEqual([o.train.length, o.test!.length, o.info.classNames], [3, 1, ['cat', 'dog', 'emu']]);
    assert.deepEqual([Array.from(o.test!.labels!), o.test!.ids], [[2], ['q1']]);
    await assert.rejects(openData(join(dir, 'train.csv'), { id: 'id', label: 'y', features: ['a', 'b'], testData: join(dir, 'other.csv') }), /feature column "b" not found/);
  });

  test('a seeded validation split is a random part, the same for the same seed, both parts in file order', async () => {
    writeNpyFile(join(dir, 'x.npy'), Float32Array.from({ length: 40 }, (_, i) => i), [20, 2]);
    const a = await openData(join(dir, 'x.npy'), { validationSplit: 0.25, seed: 4 });
    const b = await openData(join(dir, 'x.npy'), { validationSplit: 0.25, seed: 4 });
    assert.deepEqual([a.train.length, a.test!.length], [15, 5]);
    assert.deepEqual(a.test!.toFloat32(), b.test!.toFloat32());
    const firsts = Array.from(a.test!.toFloat32()).filter((_, i) => i % 2 === 0);
    assert.deepEqual(firsts, [...firsts].sort((x, y) => x - y));
    const { keep, held } = randomSplit(20, 0.25, 4);
    assert.deepEqual([...keep, ...held].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
    assert.throws(() => randomSplit(3, 0.1, 0), /leaves no validation samples/);
  });

  test('an image folder: 32x32 RGB with class names from sub-folders and file names as ids', async () => {
    const src = await readData('test/fixtures/data/images/rgb32');
    assert.deepEqual([src.info.kind, src.info.sampleShape, src.info.classNames], ['image', [32, 32, 3], ['circle', 'square']]);
    assert.equal(src.samples.ids!.length, 6);
    assert.ok(src.notes.some((n) => n.includes('README.txt')), 'skipped files are reported');
    const small = await readData('test/fixtures/data/images/rgb32', { imageSize: [8, 4], channels: 1 });
    assert.deepEqual(small.info.sampleShape, [4, 8, 1]);
  });

  test('an .npz with x_train/x_test gives its own test split', async () => {
    const o = await openData('test/fixtures/data/npy/xy.npz');
    assert.ok(o.train.length > 0);
    assert.equal(o.test, null); // x/y: no test arrays
    await assert.rejects(openData('test/fixtures/data/npy/xy.npz', { arrays: { x: 'nope' } }), /no array named "nope"/);
  });

  test('MNIST is 28x28x1 bytes in 0..255 with its own test split', async () => {
    const o = await openData('mnist', { limit: 10, testLimit: 5 });
    assert.deepEqual([o.info.kind, o.info.sampleShape, o.info.valueRange, o.train.length, o.test!.length], ['image', [28, 28, 1], [0, 255], 10, 5]);
    assert.ok(o.train.values instanceof Uint8Array && o.train.scale === 1);
  });
});
