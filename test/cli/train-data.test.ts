/**
 * `aekit train --data`: training on a user's own files end to end (a CSV with an id and a class-name column, an
 * RGB image folder, .npy tables and sequences, a CSV cut into windows), what the model file keeps (data info
 * and the preprocessing fitted on the training split, checked against an independent fit here), and the
 * one-line errors for data a model cannot take.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, loadAutoencoderModel, parseCsv, Preprocessing, randomSplit, Rng, writeNpyFile } from '../../src/index.js';
import { aekit, assertOneLineError, jsonLine } from './helpers.js';

let dir = '';
const N = 200;
const csvPath = (): string => join(dir, 'readings.csv');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-train-data-'));
  const rng = new Rng(1);
  const lines = ['id,a,b,c,d,e,f,cls'];
  for (let i = 0; i < N; i++) {
    const u = rng.normal(), v = rng.normal();
    const row = [u, 2 * u + 0.1 * rng.normal(), v, v - u, 10 + 3 * v, 0.5 * rng.normal()].map((x) => x.toFixed(4));
    lines.push([`r${i}`, ...row, u > 0 ? 'high' : 'low'].join(','));
  }
  writeFileSync(csvPath(), lines.join('\n') + '\n');
  // sequences [n, 12, 2]: two phase-shifted sines per sample
  const seq = new Float32Array(64 * 12 * 2);
  for (let s = 0; s < 64; s++) for (let t = 0; t < 12; t++) {
    seq[(s * 12 + t) * 2] = Math.sin(0.5 * t + s);
    seq[(s * 12 + t) * 2 + 1] = Math.cos(0.5 * t + s);
  }
  writeNpyFile(join(dir, 'seq.npy'), seq, [64, 12, 2]);
  writeFileSync(join(dir, 'series.csv'), 'time,x,y\n' + Array.from({ length: 80 }, (_, i) => `t${i},${Math.sin(i / 3).toFixed(4)},${Math.cos(i / 5).toFixed(4)}`).join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('aekit train --data readings.csv (an id column and class names)', () => {
  let out: string;
  let summary: Record<string, any>;
  before(() => {
    out = join(dir, 'csv-out');
    const r = aekit(['train', '--data', csvPath(), '--id', 'id', '--label', 'cls', '--epochs', '2', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    summary = jsonLine(r.stdout) as Record<string, any>;
  });

  test('holds out a seeded 20%, standardizes, sizes the preset to 6 features, linear output and MSE', () => {
    const t = summary.config.training;
    assert.deepEqual([t.kind, t.sampleShape, t.preprocessing, t.loss, t.trainSamples, t.testSamples], ['tabular', [6], 'standardize', 'mse', 160, 40]);
    assert.deepEqual(t.dataRequest, { spec: csvPath(), validationSplit: 0.2, seed: 0 });
    assert.deepEqual([summary.config.model.inputDim, summary.config.model.hidden, summary.config.model.latentDim, summary.config.model.outputActivation], [6, [16], 3, 'linear']);
    assert.ok(Number.isFinite(summary.testMse) && summary.testMse > 0);
    assert.ok(summary.files.includes(join(out, 'feature-errors.png')));
    for (const f of summary.files) assert.ok(existsSync(f), f);
  });

  test('the model file keeps the columns, class names and the preprocessing fitted on the training rows only', () => {
    const { data, preprocessing } = loadAutoencoderModel(join(out, 'model.safetensors'));
    assert.deepEqual(data!.columns, { label: 'cls', id: 'id', features: ['a', 'b', 'c', 'd', 'e', 'f'] });
    assert.deepEqual(data!.classNames, ['high', 'low']);
    const all = parseCsv(readFileSync(csvPath(), 'utf8'), { labelColumn: 'cls', id: 'id' });
    const { keep } = randomSplit(N, 0.2, 0);
    const expected = Preprocessing.fit(all.take(keep), 'standardize', 6);
    assert.deepEqual([preprocessing!.method, preprocessing!.shift, preprocessing!.scale], ['standardize', expected.shift, expected.scale]);
  });
});

test('an RGB image folder with --model conv: 32x32x3 images, the figure at their own size and colours', () => {
  const out = join(dir, 'img-out');
  const r = aekit(['train', '--model', 'conv', '--data', 'test/fixtures/data/images/rgb32', '--validation-split', '0.34', '--epochs', '1', '--batch-size', '2', '--out', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = jsonLine(r.stdout) as Record<string, any>;
  assert.deepEqual([s.config.model.inputShape, s.config.training.preprocessing, s.config.training.testSamples], [[32, 32, 3], 'scale', 2]);
  const png = decodePng(readFileSync(join(out, 'reconstructions.png')));
  // 2 test images over their reconstructions, 32 px at scale 4 (112 / 32 rounded), 2 px gaps
  assert.deepEqual([png.width, png.height], [2 * 128 + 2, 2 * 128 + 2]);
});

test('an .npy of sequences [n, 12, 2] with --model sequence, and a CSV time series cut into windows', () => {
  const r = aekit(['train', '--model', 'sequence', '--data', join(dir, 'seq.npy'), '--epochs', '1', '--out', join(dir, 'seq-out'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = jsonLine(r.stdout) as Record<string, any>;
  assert.deepEqual([s.config.model.timesteps, s.config.model.inputDim, s.config.training.kind], [12, 2, 'sequence']);
  assert.ok((s.metrics.meanBaselineMse as number) > 0 && existsSync(join(dir, 'seq-out', 'sequences.png')));
  const w = aekit(['train', '--model', 'sequence', '--data', join(dir, 'series.csv'), '--id', 'time', '--window', '10', '--stride', '5', '--epochs', '1', '--out', join(dir, 'win-out'), '--json']);
  assert.equal(w.status, 0, w.stderr);
  const ws = jsonLine(w.stdout) as Record<string, any>;
  // floor((80 - 10) / 5) + 1 = 15 windows: 12 train, 3 test
  assert.deepEqual([ws.config.model.timesteps, ws.config.model.inputDim, ws.config.training.trainSamples + ws.config.training.testSamples], [10, 2, 15]);
});

test('data a model cannot take, and bad data flags: one line each', () => {
  assertOneLineError(aekit(['train', '--model', 'conv', '--data', csvPath(), '--id', 'id', '--label', 'cls']), 2, 'trains on images');
  assertOneLineError(aekit(['train', '--model', 'sequence', '--data', csvPath(), '--id', 'id', '--label', 'cls']), 2, '--window T');
  assertOneLineError(aekit(['train', '--data', csvPath(), '--id', 'id', '--label', 'cls', '--loss', 'bce']), 2, '--preprocess minmax');
  assertOneLineError(aekit(['train', '--data', csvPath(), '--label', 'cls']), 1, 'column "id" holds text');
  assertOneLineError(aekit(['train', '--data', join(dir, 'missing.csv')]), 1, 'data not found');
  assertOneLineError(aekit(['train', '--data', csvPath(), '--features', 'a,zz']), 1, 'feature column "zz" not found');
  assertOneLineError(aekit(['train', '--model', 'vae', '--data', join(dir, 'seq.npy'), '--stream']), 2, '--model vae trains on data in memory');
  assertOneLineError(aekit(['train', '--image-size', '64']), 2, '--image-size must be WIDTHxHEIGHT');
  assertOneLineError(aekit(['train', '--stride', '2']), 2, '--stride needs --window');
});
