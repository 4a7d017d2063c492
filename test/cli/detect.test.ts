/**
 * `aekit detect fit | score | eval` in child processes (AEKIT_CLI_SOURCE=1 runs them from the sources).
 *
 * Data written here: 8 sensor columns driven by 2 hidden factors plus a little noise (a correlated Gaussian),
 * with an id column. normal.csv trains the detector; new.csv holds 5 planted rows, each a normal row with ONE
 * column pushed 4-5 of its standard deviations off the correlation structure; fresh.csv is more normal rows, for the false-positive rate on data the detector never saw.
 * Oracles: the planted rows and columns, the threshold recomputed from the saved held-out scores, the scores
 * recomputed in the test from the saved preprocessing and autoencoder, and mnistOneClass run in-process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mnistOneClass } from '../../src/analysis/anomaly-bench.js';
import type { AnomalyDetector } from '../../src/analysis/anomaly.js';
import { Autoencoder, Dataset, loadAnomalyDetector, loadModelFile, readNpyFile, readParquetFile, saveModel } from '../../src/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { run as detect } from '../../cli/detect.js';
import { UsageError } from '../../cli/errors.js';
import { aekit, assertOneLineError, jsonLine } from './helpers.js';

/**
 * `aekit detect ARGS` in this process, for errors: a child process per bad flag would cost seconds each. The
 * one-line stderr contract is checked on a few spawned runs; here, the error class (usage = exit 2) and message.
 */
async function fails(args: string[], usage: boolean, mentions: string | RegExp): Promise<void> {
  await assert.rejects(detect(args), (e: Error) => {
    assert.equal(e instanceof UsageError, usage, `${usage ? 'a usage' : 'a runtime'} error: ${e.message}`);
    if (typeof mentions === 'string') assert.ok(e.message.includes(mentions), `'${e.message}' should mention ${mentions}`);
    else assert.match(e.message, mentions);
    return true;
  });
}

const NAMES = ['temp', 'humidity', 'wind', 'pressure', 'rain', 'cloud', 'sun', 'dew'];
const LOADINGS = [[1, -0.8, 0.3, -0.5, 0.6, 0.7, -0.9, 0.9], [0.4, 0.5, 1, -0.7, -0.4, 0.5, 0.2, -0.3]];
/** Planted rows of new.csv: row index, the column pushed, by how much (4-5 std of the column). */
const PLANTED = [
  { row: 17, column: 2, delta: 15 }, { row: 61, column: 5, delta: -15 }, { row: 102, column: 0, delta: 15 },
  { row: 150, column: 7, delta: -15 }, { row: 233, column: 3, delta: 15 },
];

function normalRow(rng: Rng): number[] {
  const z = [rng.normal(), rng.normal()];
  return NAMES.map((_, j) => 20 + 3 * (z[0] * LOADINGS[0][j] + z[1] * LOADINGS[1][j]) + 0.3 * rng.normal());
}

function writeCsv(path: string, rows: number[][], withId = true): void {
  const head = `${withId ? 'id,' : ''}${NAMES.join(',')}`;
  writeFileSync(path, `${[head, ...rows.map((r, i) => `${withId ? `r${i},` : ''}${r.map((v) => v.toFixed(4)).join(',')}`)].join('\n')}\n`);
}

/** A CSV's rows as records of cells (no quoting in what these tests write and read). */
function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const names = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((c, j) => [names[j], c])));
}

let dir: string;
let normal: number[][];
let planted: number[][];
let detector: string;
let fitSummary: Record<string, unknown>;
const p = (name: string): string => join(dir, name);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-detect-'));
  const rng = new Rng(7);
  normal = Array.from({ length: 600 }, () => normalRow(rng));
  planted = Array.from({ length: 300 }, () => normalRow(rng));
  for (const { row, column, delta } of PLANTED) planted[row][column] += delta;
  writeCsv(p('normal.csv'), normal);
  writeCsv(p('new.csv'), planted);
  writeCsv(p('fresh.csv'), Array.from({ length: 2000 }, () => normalRow(rng)));
  writeCsv(p('no-ids.csv'), planted.slice(0, 20), false);
  // new.csv without its wind column (and with an extra one, which is fine)
  writeFileSync(p('no-wind.csv'), readFileSync(p('new.csv'), 'utf8').split('\n').map((l) => l.split(',').filter((_, j) => j !== 3).concat(l ? ['x'] : []).join(',')).join('\n'));
  // labelled.csv: 200 rows, every fifth one an anomaly (one column pushed), labelled ok / odd
  const lab = Array.from({ length: 200 }, (_, i) => {
    const x = normalRow(rng);
    if (i % 5 === 4) x[i % 8] += 15;
    return `r${i},${x.map((v) => v.toFixed(4)).join(',')},${i % 5 === 4 ? 'odd' : 'ok'}`;
  });
  writeFileSync(p('labelled.csv'), `id,${NAMES.join(',')},kind\n${lab.join('\n')}\n`);
  detector = p('detector.safetensors');
  const r = aekit(['detect', 'fit', '--data', p('normal.csv'), '--id', 'id', '--threshold', 'target-fpr:0.05', '--out', detector, '--json']);
  assert.equal(r.status, 0, r.stderr);
  fitSummary = jsonLine(r.stdout);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('aekit detect fit', () => {
  test('holds out 20% of the normal rows and sets the threshold from their scores alone', () => {
    const det = loadAnomalyDetector(detector);
    const cal = Array.from(det.calibrationScores!.data);
    assert.equal(cal.length, 120);
    assert.equal(fitSummary.trainSamples, 480);
    assert.equal(det.calibrationSource, 'heldOut');
    // target-fpr 0.05 of 120: at most 6 held-out scores above, the most sensitive such threshold
    assert.equal(det.threshold, cal[120 - 1 - 6]);
    const c = fitSummary.calibration as Record<string, number>;
    assert.equal(c.above, 6);
    assert.equal(c.heldOutFpr, 0.05);
    assert.equal(fitSummary.strategy, 'target-fpr:0.05');
    const file = loadModelFile(detector);
    assert.equal(file.header.kind, 'AnomalyDetector');
    assert.deepEqual(file.data!.columns, { label: null, id: 'id', features: NAMES });
    assert.equal(file.preprocessing!.method, 'standardize');
    // standardized with the 480 training rows' statistics (the held-out ones play no part)
    const keep = (file.header.training as { dataRequest: { validationSplit: number } }).dataRequest;
    assert.equal(keep.validationSplit, 0.2);
  });

  test('prints the threshold, the held-out distribution and the expected false-positive rate', () => {
    const r = aekit(['detect', 'fit', '--data', p('normal.csv'), '--id', 'id', '--out', p('d2.safetensors'), '--epochs', '2', '--validation-split', '0.5']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /held-out normal samples \(300\): scores min \S+, median \S+, p90 \S+, p99 \S+, max \S+/);
    // default target-fpr:0.01 of 300: 3 above, expected on new data between 3/301 and 4/301
    assert.match(r.stdout, /threshold \S+ \(target-fpr:0\.01\): 3 of the 300 score above it \(1\.00%\); expected false-positive rate on new normal data 1\.00%-1\.33%/);
    assert.match(r.stdout, new RegExp(`wrote ${p('d2.safetensors').replace(/[.\\]/g, '\\$&')}`));
  });

  test('bad flags fail before any training', async () => {
    assertOneLineError(aekit(['detect', 'fit', '--threshold', 'target-fpr:1']), 2, 'target-fpr must be in [0, 1)');
    await fails(['fit', '--threshold', 'often'], true, '--threshold must be NAME:VALUE');
    await fails(['fit', '--threshold', 'percentile:101'], true, 'percentile must be in [0, 100]');
    await fails(['fit', '--out', p('det.bin')], true, 'a detector is saved as a .safetensors file');
    await fails(['fit', '--out', dir], true, 'is a directory');
    await fails(['fit', '--model', 'nope'], true, '--model must be one of');
    await fails(['fit', '--data', p('missing.csv'), '--out', p('never.safetensors')], false, 'data not found');
  });
});

describe('aekit detect score', () => {
  let rows: Record<string, string>[];
  before(() => {
    const r = aekit(['detect', 'score', detector, '--data', p('new.csv'), '--out', p('scores.csv')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^scored 300 samples of .*new\.csv: \d+ flagged as anomalies/);
    rows = readCsv(p('scores.csv'));
  });

  test('the planted rows score highest, are flagged, and blame the column that was pushed', () => {
    assert.deepEqual(Object.keys(rows[0]), ['id', 'score', 'is_anomaly', 'probability', 'top_features']);
    assert.deepEqual(rows.map((r) => r.id), planted.map((_, i) => `r${i}`));
    const ranked = [...rows].sort((a, b) => Number(b.score) - Number(a.score));
    assert.deepEqual(ranked.slice(0, PLANTED.length).map((r) => r.id).sort(), PLANTED.map((x) => `r${x.row}`).sort());
    for (const { row, column } of PLANTED) {
      const r = rows[row];
      assert.equal(r.is_anomaly, '1', `r${row}`);
      assert.equal(r.probability, '1', `r${row} scores above every held-out normal row`);
      const top = r.top_features.split(';').map((s) => s.split(':'));
      assert.equal(top.length, 3);
      assert.equal(top[0][0], NAMES[column], `r${row}: ${r.top_features}`);
      const shares = top.map(([, v]) => Number(v));
      assert.ok(shares[0] >= shares[1] && shares[1] >= shares[2] && shares[0] + shares[1] + shares[2] <= 1.0015);
    }
  });

  test('scores are the saved preprocessing and autoencoder\'s reconstruction error, recomputed here', () => {
    const file = loadModelFile(detector);
    const det = file.model as AnomalyDetector;
    const { shift, scale } = file.preprocessing!;
    const z = Float32Array.from(planted.flat().map((v, i) => (Math.fround(Number(v.toFixed(4))) - shift[i % 8]) / scale[i % 8]));
    const rec = det.autoencoder.reconstruct(Dataset.fromTyped(z, planted.length, [8])).toTypedArray();
    const cal = Array.from(det.calibrationScores!.data);
    rows.forEach((r, i) => {
      let s = 0;
      for (let j = 0; j < 8; j++) s += (rec[i * 8 + j] - z[i * 8 + j]) ** 2;
      assert.ok(Math.abs(Number(r.score) - s / 8) <= 1e-4 * (s / 8) + 1e-7, `row ${i}: ${r.score} vs ${s / 8}`);
      assert.equal(r.is_anomaly, Number(r.score) > det.threshold ? '1' : '0');
      assert.equal(Number(r.probability), cal.filter((c) => c <= Number(r.score)).length / cal.length);
    });
  });

  test('on fresh normal rows the false-positive rate is near the 5% target', () => {
    const r = aekit(['detect', 'score', detector, '--data', p('fresh.csv'), '--out', p('fresh.csv.npy'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout);
    const rate = (s.flagged as number) / 2000;
    // expected between 6/121 and 7/121 (the conformal range), plus the spread of 120 held-out samples
    assert.ok(rate > 0.02 && rate < 0.12, `false-positive rate ${rate}`);
    const npy = readNpyFile(p('fresh.csv.npy'));
    assert.deepEqual(npy.shape, [2000, 3]);
    let flagged = 0;
    for (let i = 0; i < 2000; i++) flagged += npy.data[i * 3 + 1] as number;
    assert.equal(flagged, s.flagged);
  });

  test('the detector loads back with identical scores (Parquet output; .npy above)', async () => {
    const again = aekit(['detect', 'score', detector, '--data', p('new.csv'), '--out', p('again.parquet')]);
    assert.equal(again.status, 0, again.stderr);
    const table = await readParquetFile(p('again.parquet'));
    const scores = table.cells(table.names.indexOf('score'));
    assert.deepEqual(Array.from(scores, Number), rows.map((r) => Number(r.score)));
    // In-process, the library's scores of the same rows, fed through the file's preprocessing.
    const det = loadAnomalyDetector(detector);
    const file = loadModelFile(detector);
    const input = file.preprocessing!.apply(Dataset.fromTyped(Float32Array.from(planted.flat().map((v) => Number(v.toFixed(4)))), planted.length, [8]));
    const mine = Array.from(det.scores(input));
    if (process.env.AEKIT_TEST_BACKEND === undefined) assert.deepEqual(mine, rows.map((r) => Number(r.score)));
    else mine.forEach((v, i) => assert.ok(Math.abs(v - Number(rows[i].score)) <= 1e-5 * v));
  });

  test('data without an id column, a new threshold, and --top 0', () => {
    const r = aekit(['detect', 'score', detector, '--data', p('no-ids.csv'), '--out', p('no-ids-scores.csv'), '--threshold', 'value:0', '--top', '0']);
    assert.equal(r.status, 0, r.stderr);
    const out = readCsv(p('no-ids-scores.csv'));
    assert.deepEqual(Object.keys(out[0]), ['score', 'is_anomaly', 'probability']);
    assert.ok(out.every((x) => x.is_anomaly === '1'), 'value:0 flags every sample with an error');
    assert.match(r.stdout, /20 flagged .* at threshold 0 \(value:0;/);
  });

  test('refuses data missing a column, naming it, and writes nothing', () => {
    const line = assertOneLineError(aekit(['detect', 'score', detector, '--data', p('no-wind.csv'), '--out', p('bad.csv')]), 1, '"wind" not found');
    assert.match(line, /no-wind\.csv/);
    assert.throws(() => readFileSync(p('bad.csv')));
  });

  test('other bad input', async () => {
    await fails(['score', detector, '--data', p('new.csv')], true, 'needs --out FILE');
    await fails(['score', detector, '--out', p('s.json')], true, "not '.json'");
    await fails(['score', p('nope.safetensors'), '--out', p('s.csv')], false, 'detector file not found');
    await fails(['score', dir, '--out', p('s.csv')], false, 'is a directory, not a detector file');
    await fails(['score', '--out', p('s.csv')], true, 'needs DETECTOR');
    await fails(['score', detector, '--out', p('s.csv'), '--top', '-1'], true, '--top must be an integer >= 0');
    await fails(['score', detector, '--out', p('s.csv'), '--threshold', 'k:1'], true, '--threshold must be NAME:VALUE');
    const plain = p('plain.safetensors');
    saveModel(plain, new Autoencoder({ inputDim: 8, hidden: [], latentDim: 2 }));
    await fails(['score', plain, '--out', p('s.csv')], false, "holds a model of kind 'Autoencoder', not an anomaly detector");
  });
});

describe('aekit detect eval', () => {
  test('a labelled table: the train-fraction protocol, and a detector that detect score reads', () => {
    const out = p('eval-table');
    const r = aekit(['detect', 'eval', '--data', p('labelled.csv'), '--id', 'id', '--label', 'kind', '--normal-label', 'ok', '--epochs', '30', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = jsonLine(r.stdout);
    const [res] = s.results as Record<string, number | string>[];
    assert.equal(res.normal, 'ok');
    assert.equal(res.trainSamples, 96); // floor(0.6 * 160 normal rows)
    assert.equal(res.testSamples, 104); // the other 64 normal rows and the 40 anomalies
    assert.equal(res.testAnomalies, 40);
    assert.ok((res.auc as number) > 0.95, `AUC ${res.auc}`);
    const sc = aekit(['detect', 'score', join(out, 'detector.safetensors'), '--data', p('labelled.csv'), '--out', p('eval-scores.csv')]);
    assert.equal(sc.status, 0, sc.stderr);
    const scored = readCsv(p('eval-scores.csv'));
    assert.deepEqual(Object.keys(scored[0]), ['id', 'kind', 'score', 'is_anomaly', 'probability', 'top_features']);
    assert.equal(scored[4].kind, 'odd');
  });

  test('MNIST keeps its numbers: the CLI gives what mnistOneClass gives in-process', async () => {
    const r = aekit(['detect', 'eval', '--digit', '1', '--train-limit', '300', '--test-limit', '500', '--epochs', '3', '--out', p('eval-mnist'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const [res] = jsonLine(r.stdout).results as Record<string, number>[];
    const lib = await mnistOneClass({ digit: 1, trainLimit: 300, testLimit: 500, epochs: 3, seed: 0 });
    assert.equal(res.trainSamples, 300);
    assert.equal(res.testSamples, 500);
    assert.equal(res.testAnomalies, lib.testAnomalies);
    // Same kernels unless the suite runs on another backend than the CLI's default.
    const same = process.env.AEKIT_TEST_BACKEND === undefined;
    for (const k of ['auc', 'averagePrecision', 'threshold', 'tpr', 'fpr'] as const) {
      if (same) assert.equal(res[k], lib[k], k);
      else assert.ok(Math.abs(res[k] - lib[k]) < 0.02, `${k}: ${res[k]} vs ${lib[k]}`);
    }
  });

  test('retired flags and wrong combinations name the new flags', async () => {
    assertOneLineError(aekit(['detect', 'eval', '--csv', 'x.csv']), 2, '--csv FILE is now --data FILE');
    await fails(['eval', '--label-column', 'y'], true, '--label-column NAME is now --label NAME');
    await fails(['eval', '--no-standardize'], true, '--preprocess none');
    await fails(['eval', '--all', '--digit', '3'], true, '--all takes every class in turn');
    await fails(['eval', '--code', '4', '--latent', '4'], true, '--code is --latent');
    await fails(['eval', '--train-fraction', '0.5', '--test-limit', '10', '--out', p('e1')], true, '--train-fraction is for data without a test split');
    await fails(['eval', '--data', p('normal.csv'), '--id', 'id', '--out', p('e2')], true, 'has no labels');
    await fails(['eval', '--data', p('labelled.csv'), '--id', 'id', '--label', 'kind', '--normal-label', 'fine', '--out', p('e3')], true, 'not a class of');
  });
});

describe('aekit detect', () => {
  test('without a subcommand: a usage error listing fit, score and eval', async () => {
    assertOneLineError(aekit(['detect']), 2, 'fit, score or eval');
    await fails(['--digit', '1'], true, /fit, score or eval \(the MNIST one-class benchmark is now 'aekit detect eval'\)/);
    await fails(['find'], true, "not 'find'");
    const h = aekit(['detect', '--help']);
    assert.equal(h.status, 0);
    for (const sub of ['fit', 'score', 'eval']) {
      assert.match(h.stdout, new RegExp(`aekit detect ${sub}`));
      const own = (await import(`../../cli/detect-${sub}.js`)) as { help: string };
      assert.match(own.help, new RegExp(`^Usage: aekit detect ${sub}`));
    }
  });
});
