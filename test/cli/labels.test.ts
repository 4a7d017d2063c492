/**
 * probe, classify, pca, compare-pca and som on your own data, run as the CLI (a child process; the sources with
 * AEKIT_CLI_SOURCE=1). Data, written here: 300 rows of three Gaussian blobs (std 1, centres 8 apart along
 * features f0, f1, f2; f3 is noise) with an id column and string class names, the same rows without labels,
 * and the committed 32x32 RGB image folder. Oracles: the split is randomSplit(300, 0.2, seed 0), recomputed
 * here; blobs 8 standard deviations apart are linearly separable, so the raw-feature probe scores 1; PCA's
 * explained variance and test error come from ml-matrix's eigendecomposition of the standardized training rows.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import {
  Autoencoder, type DataInfo, Dataset, decodePca, decodePng, encodePca, loadPca, openData, Preprocessing, randomSplit, saveModel,
} from '../../src/index.js';
import { PCA } from '../../src/analysis/pca.js';
import { Rng } from '../../src/tensor/rng.js';
import { UsageError } from '../../cli/errors.js';
import { labelClasses } from '../../cli/analysis-data.js';
import { run as runProbe } from '../../cli/probe.js';
import { run as runSom } from '../../cli/som.js';
import { aekitAsync, assertOneLineError, jsonLine, root, type Run } from './helpers.js';

const aekit = aekitAsync;

const N = 300;
const NAMES = ['alpha', 'beta', 'gamma'];
const F = 4;
/** Rows in the data's units (as the CSV holds them: 4 decimals) and their class index. */
const rows: number[][] = [];
const cls: number[] = [];
{
  const rng = new Rng(7);
  for (let i = 0; i < N; i++) {
    const c = i % 3;
    rows.push(Array.from({ length: F }, (_, j) => Number(((j === c ? 8 : 0) + rng.normal()).toFixed(4))));
    cls.push(c);
  }
}
const { keep, held } = randomSplit(N, 0.2, 0);

let dir: string;
let blobs: string, nolabel: string, modelPath: string, widePath: string;
const rgb32 = join(root, 'test/fixtures/data/images/rgb32');
const out = (name: string): string => join(dir, name);
const csvArgs = (): string[] => ['--data', blobs, '--label', 'species', '--id', 'id'];

/** Standardized training rows and the statistics (population std, as Preprocessing's 'standardize'). */
function standardized(): { mean: number[]; std: number[]; z: (i: number) => number[] } {
  const mean = Array.from({ length: F }, (_, j) => keep.reduce((s, i) => s + rows[i][j], 0) / keep.length);
  const std = Array.from({ length: F }, (_, j) => Math.sqrt(keep.reduce((s, i) => s + (rows[i][j] - mean[j]) ** 2, 0) / keep.length));
  return { mean, std, z: (i) => rows[i].map((v, j) => (v - mean[j]) / std[j]) };
}

/** PCA by ml-matrix on the standardized training rows: variance ratios and the test MSE with k components. */
function pcaOracle(k: number): { ratios: number[]; testMse: number } {
  const { z } = standardized();
  const x = new Matrix(Array.from(keep, (i) => z(i)));
  const mu = x.mean('column');
  const c = x.clone().subRowVector(mu);
  const cov = c.transpose().mmul(c).div(keep.length - 1);
  const eig = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
  const order = eig.realEigenvalues.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
  const total = order.reduce((s, [v]) => s + v, 0);
  const v = order.slice(0, k).map(([, i]) => eig.eigenvectorMatrix.getColumn(i));
  let sse = 0;
  for (const i of held) {
    const d = z(i).map((val, j) => val - mu[j]);
    const proj = v.map((col) => col.reduce((s, cj, j) => s + cj * d[j], 0));
    for (let j = 0; j < F; j++) sse += (d[j] - v.reduce((s, col, m) => s + col[j] * proj[m], 0)) ** 2;
  }
  return { ratios: order.slice(0, k).map(([val]) => val / total), testMse: sse / (held.length * F) };
}

const close = (a: number, b: number, rel: number, what: string): void => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-labels-'));
  blobs = join(dir, 'blobs.csv');
  nolabel = join(dir, 'nolabel.csv');
  const text = (s: (number | string)[][]): string => `${s.map((r) => r.join(',')).join('\n')}\n`;
  writeFileSync(blobs, text([['id', 'f0', 'f1', 'f2', 'f3', 'species'], ...rows.map((r, i) => [`s${i}`, ...r, NAMES[cls[i]]])]));
  writeFileSync(nolabel, text([['f0', 'f1', 'f2', 'f3'], ...rows]));

  // A model as `aekit train` would save it: trained on the standardized training split, with the data's
  // description (columns by name, label and id columns) and the preprocessing in the file.
  const opened = await openData(blobs, { label: 'species', id: 'id' });
  const train = opened.train.take(keep);
  const prep = Preprocessing.fit(train, 'standardize', F);
  const ae = new Autoencoder({ inputDim: F, hidden: [3], latentDim: 2, outputActivation: 'linear', seed: 1 });
  await ae.fit(prep.apply(train), { epochs: 2, batchSize: 16, seed: 1 });
  modelPath = join(dir, 'blobs-ae.safetensors');
  saveModel(modelPath, ae, undefined, { data: opened.info, preprocessing: prep });
  // A model of another width, from before model files kept their data (read as rows of 5 features).
  widePath = join(dir, 'wide.safetensors');
  saveModel(widePath, new Autoencoder({ inputDim: 5, hidden: [3], latentDim: 2, seed: 2 }));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The species of the held-out rows, counted: what every per-class table must add up to. */
function heldCounts(): Record<string, number> {
  const c: Record<string, number> = {};
  for (const i of held) c[NAMES[cls[i]]] = (c[NAMES[cls[i]]] ?? 0) + 1;
  return c;
}

type Row = { features: string; model?: string; dim: number; trainAccuracy: number; testAccuracy: number; perClass: { class: string; samples: number; recall: number }[] };

describe('aekit probe', { concurrency: 2 }, () => {
  // Run once, read by two tests (the second compares its raw row with this one's).
  let plain: Promise<Run> | undefined;
  const plainProbe = (): Promise<Run> => (plain ??= aekit(['probe', ...csvArgs(), '--codes', '2', '--ae-epochs', '2', '--epochs', '30', '--json', '--out', out('probe')]));

  test('raw features, PCA and an autoencoder on labelled blobs: raw accuracy 1, per class by name', async () => {
    const r = await plainProbe();
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { config: Record<string, unknown>; classes: string[]; rows: Row[] };
    assert.equal(s.config.trainSamples, keep.length);
    assert.equal(s.config.testSamples, held.length);
    assert.equal(s.config.preprocessing, 'standardize');
    assert.deepEqual(s.classes, NAMES);
    assert.deepEqual(s.rows.map((x) => `${x.features}:${x.dim}`), ['raw:4', 'pca:2', 'autoencoder:2']);
    const rawRow = s.rows[0];
    assert.equal(rawRow.testAccuracy, 1);
    assert.deepEqual(rawRow.perClass.map((c) => [c.class, c.recall]), NAMES.map((n) => [n, 1]));
    for (const row of s.rows) {
      assert.deepEqual(Object.fromEntries(row.perClass.map((c) => [c.class, c.samples])), heldCounts());
      // The test accuracy is the per-class recalls weighted by their samples.
      close(row.perClass.reduce((a, c) => a + c.recall * c.samples, 0) / held.length, row.testAccuracy, 1e-12, `${row.features} accuracy`);
    }
    assert.match(r.stderr, /has no test split: holding out a random 0\.2/);
    assert.deepEqual(JSON.parse(readFileSync(join(out('probe'), 'summary.json'), 'utf8')).rows, s.rows);
  });

  test('a saved model is probed on the data its way (its label and id columns); its raw row is the same', async () => {
    const r = await aekit(['probe', modelPath, '--data', blobs, '--epochs', '30', '--json', '--out', out('probe-model')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { rows: Row[]; config: { models: string[]; trainSamples: number } };
    assert.deepEqual(s.rows.map((x) => `${x.model ?? x.features}:${x.dim}`), ['raw:4', 'pca:2', 'blobs-ae.safetensors:2']);
    assert.equal(s.config.trainSamples, keep.length);
    // The model's preprocessing was fitted on the same training split: raw features are the same numbers.
    const rawRow = (jsonLine((await plainProbe()).stdout) as { rows: Row[] }).rows[0];
    assert.deepEqual([s.rows[0].trainAccuracy, s.rows[0].testAccuracy], [rawRow.trainAccuracy, rawRow.testAccuracy]);
  });

  test('a model that does not fit the data is refused in one line; so is data without labels', async () => {
    const wide = await aekit(['probe', widePath, ...csvArgs(), '--out', out('probe-wide')]);
    assertOneLineError(wide, 1, 'wide.safetensors takes [5]');
    const second = await aekit(['probe', modelPath, widePath, '--data', blobs, '--out', out('probe-two')]);
    assertOneLineError(second, 1, 'rows of 4 features ([4]), but');
    const bare = await aekit(['probe', '--data', nolabel, '--out', out('probe-bare')]);
    const line = assertOneLineError(bare, 2, 'probe needs labels: give --label COLUMN (tables), class sub-folders (images), or an .npz with y');
    assert.match(line, /nolabel\.csv has none/);
  });

  test('flag errors are usage errors, before any data is read', async () => {
    await assert.rejects(runProbe([modelPath, '--codes', '4']), (e: unknown) => e instanceof UsageError && /--codes and a MODEL exclude each other/.test(e.message));
    await assert.rejects(runProbe(['--limit', '10', '--train-limit', '10']), (e: unknown) => e instanceof UsageError && /--train-limit is another name for --limit/.test(e.message));
    await assert.rejects(runProbe([modelPath, '--hidden', '8']), (e: unknown) => e instanceof UsageError && /with a MODEL it trains none/.test(e.message));
  });
});

describe('aekit classify', () => {
  test('one autoencoder per class on the blobs: predictions.csv holds the held-out rows by id, by class name', async () => {
    const r = await aekit(['classify', ...csvArgs(), '--epochs', '10', '--json', '--out', out('classify')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { accuracy: number; classes: string[]; confusion: number[][]; perClass: { class: string; samples: number; recall: number }[]; config: Record<string, unknown> };
    assert.deepEqual(s.classes, NAMES);
    assert.equal(s.config.outputActivation, 'linear');
    assert.equal(s.config.preprocessing, 'standardize');
    const lines = readFileSync(join(out('classify'), 'predictions.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    assert.deepEqual(lines[0], ['id', 'class', 'predicted', 'error alpha', 'error beta', 'error gamma']);
    const body = lines.slice(1);
    assert.deepEqual(body.map((l) => l[0]), Array.from(held, (i) => `s${i}`));
    assert.deepEqual(body.map((l) => l[1]), Array.from(held, (i) => NAMES[cls[i]]));
    let right = 0;
    const confusion = NAMES.map(() => NAMES.map(() => 0));
    for (const l of body) {
      const errors = l.slice(3).map(Number);
      assert.equal(l[2], NAMES[errors.indexOf(Math.min(...errors))], 'the predicted class rebuilds the row best');
      confusion[NAMES.indexOf(l[1])][NAMES.indexOf(l[2])]++;
      if (l[1] === l[2]) right++;
    }
    assert.equal(s.accuracy, right / held.length);
    assert.deepEqual(s.confusion, confusion);
    assert.deepEqual(Object.fromEntries(s.perClass.map((c) => [c.class, c.samples])), heldCounts());
    assert.ok(s.accuracy >= 0.9, `accuracy ${s.accuracy} on blobs 8 std apart`);
    assert.ok(existsSync(join(out('classify'), 'confusion.png')));
  });

  test('without labels: one line, exit 2', async () => {
    assertOneLineError(await aekit(['classify', '--data', nolabel, '--out', out('classify-bare')]), 2, 'classify needs labels');
  });
});

describe('aekit pca and compare-pca', { concurrency: 2 }, () => {
  test('pca on a table: explained variance and test MSE as ml-matrix gives them; the file keeps data and preprocessing', async () => {
    const r = await aekit(['pca', ...csvArgs(), '--components', '2', '--json', '--out', out('pca')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { explainedVarianceRatio: number[]; testMse: number; trainSamples: number; files: string[] };
    const oracle = pcaOracle(2);
    s.explainedVarianceRatio.forEach((v, k) => close(v, oracle.ratios[k], 1e-5, `ratio ${k}`));
    close(s.testMse, oracle.testMse, 1e-5, 'test MSE');
    assert.equal(s.trainSamples, keep.length);
    assert.ok(!s.files.some((f) => f.endsWith('components.png')), 'no component images for a table');
    const loaded = loadPca(join(out('pca'), 'pca.safetensors'));
    assert.deepEqual(loaded.data?.featureNames, ['f0', 'f1', 'f2', 'f3']);
    assert.deepEqual(loaded.data?.classNames, NAMES);
    assert.equal(loaded.data?.columns?.id, 'id');
    assert.equal(loaded.preprocessing?.method, 'standardize');
    const { mean, std } = standardized();
    Array.from(loaded.preprocessing!.shift).forEach((v, j) => close(v, mean[j], 1e-6, `shift ${j}`));
    Array.from(loaded.preprocessing!.scale).forEach((v, j) => close(v, std[j], 1e-6, `scale ${j}`));
  });

  test('pca on RGB images writes RGB component images; --components past the features is a usage error', async () => {
    const r = await aekit(['pca', '--data', rgb32, '--components', '3', '--json', '--out', out('pca-rgb')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { sampleShape: number[]; trainSamples: number; testSamples: number };
    assert.deepEqual(s.sampleShape, [32, 32, 3]);
    assert.deepEqual([s.trainSamples, s.testSamples], [5, 1]); // 6 images, round(0.2 * 6) held out
    // decodePng gives RGBA: colour components show as pixels whose red and green differ (grey ones never do).
    const png = decodePng(readFileSync(join(out('pca-rgb'), 'components.png')));
    assert.ok(png.data.some((v, i) => i % 4 === 0 && v !== png.data[i + 1]), 'the component images are in colour');
    assert.deepEqual(loadPca(join(out('pca-rgb'), 'pca.safetensors')).data?.sampleShape, [32, 32, 3]);
    const big = await aekit(['pca', ...csvArgs(), '--components', '5', '--out', out('pca-big')]);
    assertOneLineError(big, 2, '--components must be at most 4 (the values per sample of');
  });

  test('compare-pca on a table: PCA rows as ml-matrix gives them, a linear-output autoencoder', async () => {
    const r = await aekit(['compare-pca', ...csvArgs(), '--codes', '1,2', '--hidden', '4', '--epochs', '1', '--json', '--out', out('cmp')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { rows: { code: number; pcaMse: number; aeMse: number; pcaExplainedVariance: number }[]; dim: number; setup: { outputActivation: string } };
    assert.equal(s.dim, 4);
    assert.equal(s.setup.outputActivation, 'linear');
    for (const row of s.rows) {
      const oracle = pcaOracle(row.code);
      close(row.pcaMse, oracle.testMse, 1e-5, `PCA MSE at ${row.code}`);
      close(row.pcaExplainedVariance, oracle.ratios.reduce((a, b) => a + b, 0), 1e-5, `variance at ${row.code}`);
      assert.ok(Number.isFinite(row.aeMse) && row.aeMse > 0);
    }
    for (const f of ['table.md', 'table.csv', 'mse.png', 'summary.json']) assert.ok(existsSync(join(out('cmp'), f)), f);
    assertOneLineError(await aekit(['compare-pca', ...csvArgs(), '--codes', '5', '--out', out('cmp-big')]), 2, '--codes: 5 is larger than the 4 values per sample');
  });
});

describe('aekit som', { concurrency: 2 }, () => {
  test('with labels: a label map and its colours by class name; well-separated blobs give purity 1', async () => {
    const r = await aekit(['som', ...csvArgs(), '--rows', '6', '--cols', '6', '--iterations', '3000', '--json', '--out', out('som')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as { purity: number; classes: { class: string; colour: string }[]; config: { samples: number }; quantizationError: number; initialQuantizationError: number };
    assert.equal(s.config.samples, N);
    assert.deepEqual(s.classes.map((c) => c.class), NAMES);
    assert.equal(s.purity, 1);
    assert.ok(s.quantizationError < s.initialQuantizationError);
    const map = decodePng(readFileSync(join(out('som'), 'labels.png')));
    assert.deepEqual([map.width, map.height], [6 * 24, 6 * 24]);
  });

  test('without labels: the U-matrix only; test-split flags are refused', async () => {
    const r = await aekit(['som', '--data', nolabel, '--iterations', '1000', '--json', '--out', out('som-bare')]);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout) as Record<string, unknown>;
    assert.equal(s.purity, undefined);
    assert.ok(existsSync(join(out('som-bare'), 'umatrix.png')));
    assert.ok(!existsSync(join(out('som-bare'), 'labels.png')));
    await assert.rejects(runSom(['--data', nolabel, '--validation-split', '0.2']), (e: unknown) => e instanceof UsageError && /'aekit som' does not take --validation-split/.test(e.message));
  });
});

describe('labels as classes (labelClasses)', () => {
  const info = (classNames: string[] | null): DataInfo => ({
    kind: 'tabular', sampleShape: [1], source: 'x.csv', featureNames: ['a'], classNames, valueRange: null, columns: null, window: null,
  });
  const ds = (labels: number[] | null): Dataset => Dataset.fromTyped(new Float32Array(labels?.length ?? 2), labels?.length ?? 2, [1], labels ? { labels } : {});

  test('integer labels of any sign become class indices in sorted order, named by their value', () => {
    const c = labelClasses('probe', info(null), [['training', ds([1, -1, 1])], ['test', ds([-1, 7])]]);
    assert.deepEqual(c.labels, [-1, 1, 7]);
    assert.deepEqual(c.labels.map((l) => c.name(l)), ['-1', '1', '7']);
    assert.deepEqual(Array.from(c.indices(ds([7, -1, 1]))), [2, 0, 1]);
  });

  test('class names name the labels; no labels, or a single class, is one clear error', () => {
    const c = labelClasses('classify', info(['cat', 'dog']), [['training', ds([1, 0])]]);
    assert.deepEqual(c.labels.map((l) => c.name(l)), ['cat', 'dog']);
    assert.throws(() => labelClasses('probe', info(null), [['training', ds(null)], ['test', ds(null)]]),
      (e: unknown) => e instanceof UsageError && e.message === 'probe needs labels: give --label COLUMN (tables), class sub-folders (images), or an .npz with y (x.csv has none)');
    assert.throws(() => labelClasses('probe', info(null), [['training', ds([0, 1])], ['test', ds(null)]]), /its test samples have none/);
    assert.throws(() => labelClasses('classify', info(['cat']), [['training', ds([0, 0])]]), /needs at least 2 classes, but every sample of x\.csv is cat/);
    assert.equal(labelClasses('som', info(null), [['training', ds([3, 3])]], 1).labels.length, 1);
  });
});

describe('PCA file: data and preprocessing', () => {
  const x = Dataset.fromArrays([[0, 1], [2, 2], [4, 6], [1, 0]]);
  const pca = new PCA().fit(x, { components: 1 });

  test('a file written without them (as before) loads with data and preprocessing null', () => {
    const loaded = decodePca(encodePca(pca, { data: 'old' }));
    assert.equal(loaded.data, null);
    assert.equal(loaded.preprocessing, null);
    assert.deepEqual(loaded.training, { data: 'old' });
  });

  test('they round-trip; a preprocessing or data info that does not fit the PCA is refused', () => {
    const prep = Preprocessing.fit(x, 'standardize', 2);
    const data: DataInfo = { kind: 'tabular', sampleShape: [2], source: 't.csv', featureNames: ['a', 'b'], classNames: null, valueRange: null, columns: { label: null, id: null, features: ['a', 'b'] }, window: null };
    const loaded = decodePca(encodePca(pca, undefined, { data, preprocessing: prep }));
    assert.deepEqual(loaded.data, data);
    assert.deepEqual(loaded.preprocessing?.toState(), prep.toState());
    const three = new Preprocessing({ method: 'minmax', shift: new Float64Array(3), scale: new Float64Array(3).fill(1), fill: null });
    assert.throws(() => decodePca(encodePca(pca, undefined, { preprocessing: three }), 'p.safetensors'), /p\.safetensors: invalid PCA file: the preprocessing works on groups of 3 values, but the PCA's samples have 2/);
    assert.throws(() => decodePca(encodePca(pca, undefined, { data: { ...data, sampleShape: [3] } }), 'p.safetensors'), /describes samples of \[3\], but the PCA's have 2 values/);
  });
});
