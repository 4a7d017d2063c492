/**
 * eval, encode, reconstruct and plot-latent on your own data, end to end (each command run as the CLI runs it,
 * all in one child process, and one through the real CLI): a CSV with an id
 * and a class-name label column (a standardized model tested on its saved validation split), a folder of
 * 32x32 RGB images in two class folders, an .npy of rows scaled to [0, 1] (sigmoid: a BCE) and an .npy of
 * sequences. Models are trained here with the library, saved with their data info and preprocessing; every
 * number a command writes is checked against the test's own computation from the values it wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  Autoencoder, type AutoencoderModel, decodePng, encodePng, loadAutoencoderModel, noGrad, openData, Preprocessing, saveModel, SequenceAutoencoder, tensor,
} from '../../src/index.js';
import { readCsvTable } from '../../src/data/csv-file.js';
import { readNpyFile } from '../../src/data/npy-file.js';
import { randomSplit } from '../../src/data/open.js';
import { readParquetFile } from '../../src/data/parquet-file.js';
import { writeNpyFile } from '../../src/io/tables.js';
import { aekit, assertOneLineError, baseEnv, jsonLine, root, type Run } from './helpers.js';

/**
 * Runs every command of `cmds` in ONE child process, one after the other, each as the CLI runs it (its
 * module's run(args), an error reported by reportError: one line, exit code), with its stdout and stderr
 * captured: a child per command would spend most of this file's time starting node and loading the library.
 */
function batch(cmds: Record<string, string[]>): Record<string, Run> {
  // As test/cli/helpers.ts: the sources with AEKIT_CLI_SOURCE=1, else the build.
  const src = Boolean(process.env.AEKIT_CLI_SOURCE);
  const url = (name: string): string => JSON.stringify(pathToFileURL(join(root, src ? `cli/${name}.ts` : `dist/cli/${name}.js`)).href);
  const io = join(dir, 'batch.json');
  writeFileSync(io, JSON.stringify(cmds));
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    const { reportError } = await import(${url('errors')});
    const commands = { ${Object.values(cmds).map((a) => a[0]).filter((c, i, all) => all.indexOf(c) === i).map((c) => `${JSON.stringify(c)}: () => import(${url(c)})`).join(', ')} };
    const cmds = JSON.parse(readFileSync(process.argv[1], 'utf8'));
    const results = {};
    const [out, err] = [process.stdout.write, process.stderr.write];
    for (const [key, [name, ...args]] of Object.entries(cmds)) {
      const r = { status: null, stdout: '', stderr: '' };
      process.stdout.write = (s) => { r.stdout += s; return true; };
      process.stderr.write = (s) => { r.stderr += s; return true; };
      try { r.status = await (await commands[name]()).run(args); } catch (e) { r.status = reportError(e); }
      [process.stdout.write, process.stderr.write] = [out, err];
      results[key] = r;
    }
    writeFileSync(process.argv[1], JSON.stringify(results));`;
  const r = spawnSync(process.execPath, [...(src ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script, io], { cwd: root, env: baseEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, `batch runner: ${r.stderr}`);
  return JSON.parse(readFileSync(io, 'utf8')) as Record<string, Run>;
}

let runs: Record<string, Run>;
/** A batch command's result, checked to have succeeded. */
function ok(key: string): Run {
  const r = runs[key];
  assert.ok(r, `no command '${key}' in the batch`);
  assert.equal(r.status, 0, `${key}: ${r.stderr}`);
  return r;
}

const close = (a: number, b: number, tol = 1e-5, what = ''): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
/** A CSV file's cells by column name (the data layer's own reader; values as written). */
function csvColumns(path: string): Record<string, string[]> {
  const t = readCsvTable(path);
  return Object.fromEntries(t.names.map((name, c) => [name, Array.from(t.cells(c), (v) => String(v ?? ''))]));
}
/** Model outputs of `x` (rows in the model's units), computed here in one batch. */
const outputs = (m: AutoencoderModel, x: Float32Array, n: number, what: 'reconstruct' | 'encode'): Float32Array =>
  noGrad(() => m[what](tensor(x, [n, ...m.inputShape])).toTypedArray()) as Float32Array;

let dir: string;
const SPECIES = ['oak', 'pine', 'elm'];
const FEATURES = ['temp', 'pressure', 'humidity', 'flow'];
/** The CSV: 300 rows, ids s000..s299, values as float32 (what the reader keeps), labels as names. */
const csv = { path: '', model: '', n: 300, ids: [] as string[], species: [] as string[], values: new Float32Array(0), held: new Uint32Array(0) as Uint32Array };
const img = { dir: '', model: '', files: [] as string[], classes: [] as string[], pixels: [] as Uint8Array[] };
const npy = { path: '', model: '', values: new Float32Array(0), n: 150, d: 5 };
const seq = { path: '', model: '', values: new Float32Array(0), n: 30, t: 16, f: 2 };

async function makeCsv(): Promise<void> {
  const lines = [['sample_id', ...FEATURES, 'species'].join(',')];
  const v: number[] = [];
  for (let i = 0; i < csv.n; i++) {
    const sp = SPECIES[i % 3];
    const cells = [10 + 5 * Math.sin(i) + 3 * (i % 3), 1000 + (i % 7) * 2.5, 40 + 20 * Math.cos(i / 3), 0.5 * Math.sin(i) + (i % 3)].map((x) => x.toFixed(3));
    csv.ids.push(`s${String(i).padStart(3, '0')}`);
    csv.species.push(sp);
    v.push(...cells.map(Number));
    lines.push([csv.ids[i], ...cells, sp].join(','));
  }
  csv.values = Float32Array.from(v);
  csv.path = join(dir, 'trees.csv');
  writeFileSync(csv.path, `${lines.join('\n')}\n`);
  // As `aekit train` does: a seeded random 0.2 held out, preprocessing fitted on the rest.
  const { keep, held } = randomSplit(csv.n, 0.2, 0);
  csv.held = held;
  const opened = await openData(csv.path, { label: 'species', id: 'sample_id' });
  const train = opened.train.take(keep);
  const prep = Preprocessing.fit(train, 'standardize', 4);
  const model = new Autoencoder({ inputDim: 4, hidden: [8], latentDim: 2, activation: 'tanh', outputActivation: 'linear', seed: 1 });
  await model.fit(prep.apply(train), { epochs: 2, batchSize: 16, seed: 1 });
  csv.model = join(dir, 'trees.safetensors');
  saveModel(csv.model, model, { dataRequest: { spec: csv.path, validationSplit: 0.2, seed: 0 } }, { data: opened.info, preprocessing: prep });
}

async function makeImages(): Promise<void> {
  img.dir = join(dir, 'shapes');
  for (const cls of ['cats', 'dogs']) {
    mkdirSync(join(img.dir, cls), { recursive: true });
    for (let k = 0; k < 6; k++) {
      const data = new Uint8Array(32 * 32 * 3);
      for (let p = 0; p < 32 * 32; p++) {
        const [y, x] = [Math.floor(p / 32), p % 32];
        data[3 * p] = cls === 'cats' ? (8 * x + 20 * k) % 256 : 30;
        data[3 * p + 1] = (4 * y + 40 * k) % 256;
        data[3 * p + 2] = cls === 'dogs' && (x - 16) ** 2 + (y - 16) ** 2 < (4 + k) ** 2 ? 250 : 10;
      }
      writeFileSync(join(img.dir, cls, `${cls[0]}${k}.png`), encodePng({ width: 32, height: 32, channels: 3, data }));
      img.files.push(`${cls}/${cls[0]}${k}.png`);
      img.classes.push(cls);
      img.pixels.push(data);
    }
  }
  const opened = await openData(img.dir);
  const model = new Autoencoder({ inputDim: 3072, hidden: [16], latentDim: 4, seed: 3 });
  const prep = Preprocessing.scaleBy(255);
  await model.fit(prep.apply(opened.train).reshape([3072]), { epochs: 1, batchSize: 4, seed: 1 });
  img.model = join(dir, 'shapes.safetensors');
  saveModel(img.model, model, { dataRequest: { spec: img.dir } }, { data: opened.info, preprocessing: prep });
}

async function makeNpys(): Promise<void> {
  npy.values = Float32Array.from({ length: npy.n * npy.d }, (_, i) => 2 + 6 * Math.abs(Math.sin(i * 0.37)) + (i % npy.d));
  npy.path = join(dir, 'rows.npy');
  writeNpyFile(npy.path, npy.values, [npy.n, npy.d]);
  const opened = await openData(npy.path);
  const prep = Preprocessing.fit(opened.train, 'minmax', npy.d);
  npy.model = join(dir, 'rows.safetensors');
  saveModel(npy.model, new Autoencoder({ inputDim: npy.d, hidden: [4], latentDim: 3, seed: 5 }), { dataRequest: { spec: npy.path } }, { data: opened.info, preprocessing: prep });

  seq.values = Float32Array.from({ length: seq.n * seq.t * seq.f }, (_, i) => Math.sin(i / 5) + (i % 2) * 0.5);
  seq.path = join(dir, 'waves.npy');
  writeNpyFile(seq.path, seq.values, [seq.n, seq.t, seq.f]);
  const sOpened = await openData(seq.path);
  seq.model = join(dir, 'waves.safetensors');
  saveModel(seq.model, new SequenceAutoencoder({ inputDim: 2, timesteps: 16, units: 6, latentDim: 3, seed: 2 }), { dataRequest: { spec: seq.path } },
    { data: sOpened.info, preprocessing: Preprocessing.none(2) });
}

const out = (f: string): string => join(dir, f);

/** Every command the tests look at, by key (run in order: 'good' is written before 'missing' tries to replace it). */
function commands(): Record<string, string[]> {
  const noHumidity = out('no-humidity.csv');
  writeFileSync(noHumidity, 'sample_id,temp,pressure,flow,species\na,1,2,3,oak\nb,2,3,4,elm\n');
  return {
    csvEval: ['eval', csv.model, '--json'],
    csvEvalAll: ['eval', csv.model, '--split', 'all', '--json'],
    csvEvalText: ['eval', csv.model],
    csvCodes: ['encode', csv.model, '--out', out('codes.csv')],
    csvCodesPq: ['encode', csv.model, '--out', out('codes.parquet')],
    csvCodesNpy: ['encode', csv.model, '--out', out('codes.npy')],
    csvRec: ['reconstruct', csv.model, '--out', out('rec.csv')],
    csvPlot: ['plot-latent', csv.model, '--out', out('pl-csv'), '--json'],
    csvPlotScore: ['plot-latent', csv.model, '--color', 'score', '--out', out('pl-csv-score'), '--json'],
    good: ['encode', csv.model, '--out', out('good.csv')],
    missing: ['encode', csv.model, '--data', noHumidity, '--out', out('good.csv')],
    recExt: ['reconstruct', csv.model, '--out', out('rec.png')],
    wide: ['eval', csv.model, '--data', npy.path],
    noTest: ['encode', csv.model, '--data', csv.path, '--split', 'test', '--out', out('good.csv')],
    imgEval: ['eval', img.model, '--json'],
    imgCodes: ['encode', img.model, '--out', out('img-codes.csv')],
    imgGrid: ['reconstruct', img.model, '--out', out('img-grid.png'), '--count', '3', '--offset', '6'],
    imgCsv: ['reconstruct', img.model, '--out', out('img.csv')],
    imgPast: ['reconstruct', img.model, '--out', out('img-grid.png'), '--offset', '10', '--count', '5'],
    imgPlot: ['plot-latent', img.model, '--out', out('pl-img'), '--json'],
    imgSize: ['eval', img.model, '--image-size', '16x16'],
    rowsEval: ['eval', npy.model, '--json'],
    rowsRec: ['reconstruct', npy.model, '--out', out('rows-rec.parquet'), '--count', '20'],
    rowsCodes: ['encode', npy.model, '--out', out('rows-codes.npy')],
    rowsPlot: ['plot-latent', npy.model, '--out', out('pl-rows'), '--json'],
    rowsLabel: ['plot-latent', npy.model, '--color', 'label', '--out', out('pl-rows')],
    seqEval: ['eval', seq.model, '--json'],
    seqCsv: ['reconstruct', seq.model, '--out', out('waves.csv'), '--offset', '2', '--count', '3'],
    seqPng: ['reconstruct', seq.model, '--out', out('waves.png')],
    seqMany: ['reconstruct', seq.model, '--out', out('waves.png'), '--count', '5'],
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-inspect-'));
  await makeCsv();
  await makeImages();
  await makeNpys();
  runs = batch(commands());
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The CSV model, its preprocessing, and its held-out rows in data and model units (computed here). */
function csvHeld(): { model: AutoencoderModel; prep: Preprocessing; raw: Float32Array; x: Float32Array; n: number } {
  const loaded = loadAutoencoderModel(csv.model);
  const prep = loaded.preprocessing!;
  const n = csv.held.length;
  const raw = new Float32Array(n * 4);
  csv.held.forEach((r, i) => raw.set(csv.values.subarray(r * 4, r * 4 + 4), i * 4));
  const x = raw.map((v, i) => (v - prep.shift[i % 4]) * (1 / prep.scale[i % 4]));
  return { model: loaded.model, prep, raw, x, n };
}

/** Mean binary cross-entropy per value as Keras computes it (probabilities clamped to [1e-7, 1 - 1e-7]). */
function meanBce(r: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Math.min(Math.max(r[i], 1e-7), 1 - 1e-7);
    s -= x[i] * Math.log(p) + (1 - x[i]) * Math.log(1 - p);
  }
  return s / x.length;
}

const meanSq = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
};

describe('a CSV with an id and a class-name label (standardized, linear output, a saved validation split)', () => {
  test('eval: MSE in model units and in data units on the held-out rows; no BCE, and why', () => {
    const { model, prep, raw, x, n } = csvHeld();
    const r = outputs(model, x, n, 'reconstruct');
    const j = jsonLine(ok('csvEval').stdout);
    assert.deepEqual([j.kind, j.layers, j.data, j.split, j.samples, j.preprocessing], ['Autoencoder', '4-8-2-8-4', csv.path, 'test', 60, 'standardize']);
    close(j.mse as number, meanSq(r, x), 1e-5, 'mse');
    close(j.mseDataUnits as number, meanSq(prep.inverse(r), raw), 1e-5, 'mseDataUnits');
    assert.equal(j.bce, null);
    assert.match(j.bceAbsent as string, /linear, not sigmoid/);
    assert.equal(jsonLine(ok('csvEvalAll').stdout).samples, 300);
    const text = ok('csvEvalText').stdout;
    assert.match(text, /60 test samples of .*trees\.csv/);
    assert.match(text, /MSE\s+[\d.]+ \(data units\)/);
    assert.match(text, /BCE\s+none: /);
  });

  test('encode: CSV, Parquet and .npy hold the same codes, with ids and class names, in row order', async () => {
    const { model, x, n } = csvHeld();
    const codes = outputs(model, x, n, 'encode');
    ok('csvCodes');
    const c = csvColumns(out('codes.csv'));
    assert.deepEqual(Object.keys(c), ['sample_id', 'species', 'z0', 'z1']);
    assert.deepEqual(c.sample_id, Array.from(csv.held, (r) => csv.ids[r]));
    assert.deepEqual(c.species, Array.from(csv.held, (r) => csv.species[r]));
    for (let i = 0; i < n; i++) for (let k = 0; k < 2; k++) close(Number(c[`z${k}`][i]), codes[i * 2 + k], 1e-5, `z${k} of row ${i}`);
    ok('csvCodesPq');
    const pq = await readParquetFile(out('codes.parquet'));
    assert.deepEqual(pq.names, ['sample_id', 'species', 'z0', 'z1']);
    assert.deepEqual(Array.from(pq.cells(0)), c.sample_id);
    assert.deepEqual(Array.from(pq.cells(1)), c.species);
    // float32 in both: the 9 digits of the CSV and the FLOAT of the Parquet are the same number
    for (let i = 0; i < n; i++) assert.equal(pq.cells(2)[i], Math.fround(Number(c.z0[i])));
    ok('csvCodesNpy');
    const a = readNpyFile(out('codes.npy'));
    assert.deepEqual([a.dtype, a.shape], ['float32', [n, 2]]);
    assert.deepEqual(Array.from(a.data.subarray(0, 2)), [Math.fround(Number(c.z0[0])), Math.fround(Number(c.z1[0]))]);
  });

  test('reconstruct: per feature the value, its reconstruction (Preprocessing.inverse of the output) and squared error', () => {
    const { model, prep, raw, x, n } = csvHeld();
    const back = prep.inverse(outputs(model, x, n, 'reconstruct'));
    assert.match(ok('csvRec').stdout, /test samples 0\.\.59/);
    const c = csvColumns(out('rec.csv'));
    assert.deepEqual(Object.keys(c), ['sample_id', 'species', ...FEATURES.flatMap((f) => [f, `${f}_reconstructed`, `${f}_sq_error`]), 'total_sq_error']);
    assert.deepEqual(c.sample_id, Array.from(csv.held, (i) => csv.ids[i]));
    for (let i = 0; i < n; i++) {
      let total = 0;
      FEATURES.forEach((f, j) => {
        assert.equal(Math.fround(Number(c[f][i])), raw[i * 4 + j]);
        close(Number(c[`${f}_reconstructed`][i]), back[i * 4 + j], 1e-5, `${f} row ${i}`);
        const sq = (back[i * 4 + j] - raw[i * 4 + j]) ** 2;
        close(Number(c[`${f}_sq_error`][i]), sq, 1e-4, `${f}_sq_error row ${i}`);
        total += sq;
      });
      close(Number(c.total_sq_error[i]), total, 1e-4, `total row ${i}`);
    }
  });

  test('plot-latent: coloured by class name; metadata.tsv holds label, id and index; --color score adds the error', () => {
    const j = jsonLine(ok('csvPlot').stdout);
    assert.deepEqual([j.split, j.samples, j.codeDim, j.method, j.color], ['test', 60, 2, 'direct', 'label']);
    const svg = readFileSync(out('pl-csv/latent.svg'), 'utf8');
    for (const s of SPECIES) assert.match(svg, new RegExp(`>${s}</text>`));
    assert.match(svg, />species</, 'legend title: the label column');
    const meta = readFileSync(out('pl-csv/metadata.tsv'), 'utf8');
    assert.equal(meta, `species\tsample_id\tindex\n${Array.from(csv.held, (r, i) => `${csv.species[r]}\t${csv.ids[r]}\t${i}\n`).join('')}`);
    assert.equal(jsonLine(ok('csvPlotScore').stdout).color, 'score');
    const { model, x, n } = csvHeld();
    const r = outputs(model, x, n, 'reconstruct');
    const lines = readFileSync(out('pl-csv-score/metadata.tsv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'species\tsample_id\tindex\treconstruction_mse');
    lines.slice(1).forEach((l, i) => close(Number(l.split('\t')[3]), meanSq(r.subarray(i * 4, i * 4 + 4), x.subarray(i * 4, i * 4 + 4)), 1e-5, `error ${i}`));
    assert.match(readFileSync(out('pl-csv-score/latent.svg'), 'utf8'), />reconstruction MSE</);
  });

  test('errors: wrong --out extension, a missing column, data that does not fit, a split that is not there; no good file is overwritten', () => {
    ok('good');
    assertOneLineError(runs.missing, 1, '"humidity" not found');
    assert.equal(readFileSync(out('good.csv'), 'utf8'), readFileSync(out('codes.csv'), 'utf8'), 'the good file is untouched');
    assertOneLineError(runs.recExt, 2, 'reconstructions of tables are written as .csv, .tsv, .parquet');
    const line = assertOneLineError(runs.wide, 1, 'rows of 5 features ([5])');
    assert.ok(line.includes('takes [4]'), line);
    assertOneLineError(runs.noTest, 2, 'has no test split');
    assert.ok(!existsSync(out('rec.png')));
  });

  test('through the real CLI: a wrong --out extension is exit 2, one line', () => {
    assertOneLineError(aekit(['encode', csv.model, '--out', out('codes.txt')]), 2, "not '.txt'");
  });
});

describe('a folder of 32x32 RGB images in two class folders (scaled, sigmoid output)', () => {
  const flat = (): Float32Array => {
    const x = new Float32Array(12 * 3072);
    img.pixels.forEach((p, i) => x.set(Float32Array.from(p, (v) => v * (1 / 255)), i * 3072));
    return x;
  };

  test('eval: MSE and BCE over every image (the folder has no test split)', () => {
    const x = flat();
    const r = outputs(loadAutoencoderModel(img.model).model, x, 12, 'reconstruct');
    const j = jsonLine(ok('imgEval').stdout);
    assert.deepEqual([j.split, j.samples, j.preprocessing], ['all', 12, 'scale']);
    close(j.mse as number, meanSq(r, x), 1e-5, 'mse');
    close(j.bce as number, meanBce(r, x), 1e-4, 'bce');
    assert.equal(j.mseDataUnits, undefined, 'images: no MSE in 0..255 units');
  });

  test('encode: file names and class names carried through, codes as the model gives them', () => {
    const codes = outputs(loadAutoencoderModel(img.model).model, flat(), 12, 'encode');
    assert.match(ok('imgCodes').stdout, /12 samples of .*shapes, 4 code values each/);
    const c = csvColumns(out('img-codes.csv'));
    assert.deepEqual(Object.keys(c), ['file', 'label', 'z0', 'z1', 'z2', 'z3']);
    assert.deepEqual(c.file, img.files);
    assert.deepEqual(c.label, img.classes);
    for (let i = 0; i < 12; i++) for (let k = 0; k < 4; k++) close(Number(c[`z${k}`][i]), codes[i * 4 + k], 1e-5, `code ${i}.${k}`);
  });

  test('reconstruct: an RGB grid at the data size (scale 4), originals on top; a .csv and a range past the end are refused', () => {
    ok('imgGrid');
    const bytes = readFileSync(out('img-grid.png'));
    assert.equal(bytes[25], 2, 'PNG colour type 2: RGB');
    const g = decodePng(bytes);
    assert.deepEqual([g.width, g.height], [3 * 128 + 2 * 2, 2 * 128 + 2]);
    // top-left cell: image 6 (dogs/d0.png), pixel (0, 0) upscaled 4x; decodePng gives RGBA
    for (const px of [0, 3]) assert.deepEqual(Array.from(g.data.subarray(4 * px, 4 * px + 3)), Array.from(img.pixels[6].subarray(0, 3)));
    assertOneLineError(runs.imgCsv, 2, 'reconstructions of images are written as .png');
    assertOneLineError(runs.imgPast, 2, 'goes past the 12 samples');
  });

  test('plot-latent: PCA of 4-D codes, legend of class names, metadata label/file/index', () => {
    const j = jsonLine(ok('imgPlot').stdout);
    assert.deepEqual([j.samples, j.codeDim, j.method, j.color], [12, 4, 'pca', 'label']);
    assert.match(readFileSync(out('pl-img/latent.svg'), 'utf8'), />dogs<\/text>/);
    assert.equal(readFileSync(out('pl-img/metadata.tsv'), 'utf8'), `label\tfile\tindex\n${img.files.map((f, i) => `${img.classes[i]}\t${f}\t${i}\n`).join('')}`);
  });

  test('images of another size do not fit: one line naming both shapes', () => {
    const line = assertOneLineError(runs.imgSize, 1, '[16, 16, 3]');
    assert.ok(line.includes('takes [3072]'), line);
  });
});

describe('.npy files: rows scaled to [0, 1] by minmax (a BCE), and sequences', () => {
  test('rows: eval reports a BCE; encode .npy; reconstruct .parquet reads back; plot-latent without labels', async () => {
    const { model, preprocessing } = loadAutoencoderModel(npy.model);
    const x = preprocessing!.transform(npy.values);
    const r = outputs(model, x, npy.n, 'reconstruct');
    const back = preprocessing!.inverse(r);
    const j = jsonLine(ok('rowsEval').stdout);
    close(j.bce as number, meanBce(r, x), 1e-4, 'bce');
    close(j.mseDataUnits as number, meanSq(back, npy.values), 1e-4, 'data mse');
    ok('rowsRec');
    const t = await readParquetFile(out('rows-rec.parquet'));
    assert.equal(t.rowCount, 20);
    assert.deepEqual(t.names.slice(0, 3), ['x0', 'x0_reconstructed', 'x0_sq_error']);
    for (let i = 0; i < 20; i++) close(t.cells(1)[i] as number, back[i * npy.d], 1e-5, `x0_reconstructed ${i}`);
    ok('rowsCodes');
    const a = readNpyFile(out('rows-codes.npy'));
    assert.deepEqual(a.shape, [npy.n, 3]);
    close(a.data[3], outputs(model, x, npy.n, 'encode')[3], 1e-5, 'code');
    assert.equal(jsonLine(ok('rowsPlot').stdout).color, 'plain');
    const meta = readFileSync(out('pl-rows/metadata.tsv'), 'utf8').split('\n');
    assert.equal(meta[0], 'index\treconstruction_mse', 'no label, no id: the error makes the second column');
    assertOneLineError(runs.rowsLabel, 2, 'has no labels');
  });

  test('sequences: eval, a long CSV (sequence, step, value, reconstruction), a chart PNG', () => {
    const r = outputs(loadAutoencoderModel(seq.model).model, seq.values, seq.n, 'reconstruct');
    const j = jsonLine(ok('seqEval').stdout);
    close(j.mse as number, meanSq(r, seq.values), 1e-5, 'mse');
    close(j.mseDataUnits as number, meanSq(r, seq.values), 1e-5, 'preprocessing none: the same in data units');
    ok('seqCsv');
    const c = csvColumns(out('waves.csv'));
    assert.deepEqual(Object.keys(c), ['sequence', 'step', 'x0', 'x0_reconstructed', 'x0_sq_error', 'x1', 'x1_reconstructed', 'x1_sq_error']);
    assert.equal(c.sequence.length, 3 * seq.t);
    const row = seq.t + 5; // --offset 2: the second sequence written is sequence 3; step 5
    assert.deepEqual([c.sequence[row], c.step[row]], ['3', '5']);
    const at = (3 * seq.t + 5) * seq.f + 1;
    assert.equal(Math.fround(Number(c.x1[row])), seq.values[at]);
    close(Number(c.x1_reconstructed[row]), r[at], 1e-5, 'x1 reconstructed');
    ok('seqPng');
    assert.ok(decodePng(readFileSync(out('waves.png'))).width > 300);
    assertOneLineError(runs.seqMany, 2, 'at most 4 sequences');
  });
});
