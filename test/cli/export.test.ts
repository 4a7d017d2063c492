/**
 * `aekit export`: models trained by the CLI (a dense autoencoder on a table, the conv autoencoder on MNIST, a
 * detector), exported to ONNX, run in ONNX Runtime Web on the same raw data, and compared with what the CLI
 * itself writes for that data: `aekit reconstruct` (table rows, data units), `aekit encode`, `aekit eval`'s MSE
 * and `aekit detect score`. The measure is test/io/onnx-helpers.ts relErr (max error over the output's scale),
 * under 1e-5; a decision or probability may differ only where a calibration score lies between the two scores.
 * And bad input: a missing file, a part the kind lacks, an unwritable --out: one line, non-zero exit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyFile } from '../../src/data/npy-file.js';
import { loadMnist } from '../../src/data/mnist.js';
import { loadAnomalyDetector } from '../../src/io/model-file.js';
import { Rng } from '../../src/tensor/rng.js';
import { relErr, runOnnx } from '../io/onnx-helpers.js';
import { aekit, assertOneLineError, jsonLine } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'aekit-export-'));
const p = (name: string): string => join(dir, name);
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const TOL = 1e-5;
/** t.csv's rows by id, as numbers (the raw data every command reads). */
const rows = new Map<string, number[]>();

/** A CSV written by the CLI: header, and rows keyed by the first column. */
function readCsv(path: string): { head: string[]; byId: Map<string, string[]> } {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
  return { head, byId: new Map(lines.map((l) => [l[0], l])) };
}

function run(args: string[]): string {
  const r = aekit(args);
  assert.equal(r.status, 0, `aekit ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const exportTo = (model: string, part: string): Uint8Array => {
  const out = p(`${part}-${model.replace(/\W/g, '_')}.onnx`);
  const stdout = run(['export', model, '--format', 'onnx', '--out', out, '--part', part]);
  assert.match(stdout, new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ONNX opset 17, `));
  return new Uint8Array(readFileSync(out));
};

before(() => {
  const rng = new Rng(7);
  const lines = Array.from({ length: 150 }, (_, i) => {
    const x = NAMES.map((_, j) => 10 * j + (j + 1) * rng.normal());
    x[4] += 0.5 * x[0]; // some structure to learn
    rows.set(`r${i}`, x.map((v) => Number(v.toFixed(4))));
    return `r${i},${x.map((v) => v.toFixed(4)).join(',')}`;
  });
  writeFileSync(p('t.csv'), `id,${NAMES.join(',')}\n${lines.join('\n')}\n`);
  run(['train', '--data', p('t.csv'), '--id', 'id', '--epochs', '2', '--out', p('ae')]);
  run(['train', '--model', 'conv', '--limit', '64', '--test-limit', '16', '--epochs', '1', '--batch-size', '32', '--out', p('conv')]);
  run(['detect', 'fit', '--data', p('t.csv'), '--id', 'id', '--epochs', '2', '--threshold', 'target-fpr:0.2', '--out', p('det.safetensors')]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Every row of t.csv in `ids` order, as the graph's float32 input. */
const rowsOf = (ids: string[]): { data: Float32Array; dims: number[] } => ({ data: Float32Array.from(ids.flatMap((id) => rows.get(id)!)), dims: [ids.length, NAMES.length] });

describe('aekit export --format onnx, run in ONNX Runtime Web, matches the CLI', () => {
  test('a dense autoencoder on a table: full = aekit reconstruct (data units), encoder = aekit encode, decoder(code) = the reconstruction', async () => {
    const model = p('ae/model.safetensors');
    run(['reconstruct', model, '--data', p('t.csv'), '--split', 'all', '--out', p('r.csv')]);
    run(['encode', model, '--data', p('t.csv'), '--split', 'all', '--out', p('c.csv')]);
    const r = readCsv(p('r.csv')), c = readCsv(p('c.csv'));
    const ids = [...r.byId.keys()];
    assert.equal(ids.length, 150);
    const cols = NAMES.map((n) => r.head.indexOf(`${n}_reconstructed`));
    const want = ids.flatMap((id) => cols.map((k) => Number(r.byId.get(id)![k])));
    const full = await runOnnx(exportTo(model, 'full'), { input: rowsOf(ids) });
    assert.ok(relErr(full.reconstruction.data, want) <= TOL, `full: ${relErr(full.reconstruction.data, want)}`);
    const k = c.head.filter((h) => /^z\d+$/.test(h)).length;
    const codes = Float32Array.from(ids.flatMap((id) => c.byId.get(id)!.slice(1, 1 + k).map(Number)));
    const enc = await runOnnx(exportTo(model, 'encoder'), { input: rowsOf(ids) });
    assert.ok(relErr(enc.code.data, codes) <= TOL, `encoder: ${relErr(enc.code.data, codes)}`);
    const dec = await runOnnx(exportTo(model, 'decoder'), { code: { data: codes, dims: [ids.length, k] } });
    assert.ok(relErr(dec.reconstruction.data, want) <= TOL, `decoder: ${relErr(dec.reconstruction.data, want)}`);
  });

  test('the conv autoencoder on MNIST: encoder = aekit encode (.npy), full gives aekit eval\'s MSE', async () => {
    const model = p('conv/model.safetensors');
    run(['encode', model, '--data', 'mnist', '--test-limit', '16', '--out', p('conv-codes.npy')]);
    const codes = readNpyFile(p('conv-codes.npy'));
    const n = codes.shape[0];
    assert.equal(n, 16);
    const images = { data: Float32Array.from(loadMnist('test', { limit: n, flat: false }).values), dims: [n, 28, 28, 1] };
    const enc = await runOnnx(exportTo(model, 'encoder'), { input: images });
    assert.deepEqual(enc.code.dims, [n, 4, 4, 8]);
    assert.ok(relErr(enc.code.data, codes.data as Float32Array) <= TOL, `encoder: ${relErr(enc.code.data, codes.data as Float32Array)}`);
    const full = await runOnnx(exportTo(model, 'full'), { input: images });
    let se = 0;
    for (let i = 0; i < images.data.length; i++) se += (full.reconstruction.data[i] / 255 - images.data[i] / 255) ** 2;
    const mse = jsonLine(run(['eval', model, '--data', 'mnist', '--test-limit', '16', '--json'])).mse as number;
    assert.ok(Math.abs(se / images.data.length - mse) <= TOL * mse, `MSE ${se / images.data.length} vs aekit eval ${mse}`);
  });

  test('a detector: score = aekit detect score (score, is_anomaly, probability)', async () => {
    const det = p('det.safetensors');
    run(['detect', 'score', det, '--data', p('t.csv'), '--out', p('s.csv'), '--top', '0']);
    const s = readCsv(p('s.csv'));
    const ids = [...s.byId.keys()];
    const col = (name: string): number[] => ids.map((id) => Number(s.byId.get(id)![s.head.indexOf(name)]));
    const score = await runOnnx(exportTo(det, 'score'), { input: rowsOf(ids) });
    const cliScores = col('score');
    assert.ok(relErr(score.reconstruction_error.data, cliScores) <= TOL, `score: ${relErr(score.reconstruction_error.data, cliScores)}`);
    const d = loadAnomalyDetector(det);
    const cal = Array.from(d.calibrationScores!.data);
    const between = (a: number, b: number, v: number): boolean => Math.min(a, b) <= v && v <= Math.max(a, b);
    const flags = col('is_anomaly'), probs = col('probability');
    let flagged = 0;
    ids.forEach((_, i) => {
      const a = score.reconstruction_error.data[i], b = cliScores[i];
      flagged += flags[i];
      if (!between(a, b, d.threshold)) assert.equal(score.is_anomaly.data[i], flags[i], `is_anomaly of row ${i}`);
      const straddled = cal.filter((v) => between(a, b, v)).length;
      assert.ok(Math.abs(score.anomaly_probability.data[i] - probs[i]) * cal.length <= straddled + 1e-9, `probability of row ${i}`);
    });
    assert.ok(flagged > 0, 'some rows flagged');
  });
});

describe('aekit export --format pytorch', () => {
  test('writes model.py and a state dict that aekit import turns back into the same weights (aekit eval gives the same MSE)', () => {
    const out = p('pt');
    const stdout = run(['export', p('ae/model.safetensors'), '--format', 'pytorch', '--out', out]);
    assert.match(stdout, /^wrote .*model\.py\n\s+.*model\.safetensors\n\(PyTorch: from model import load/);
    assert.match(readFileSync(join(out, 'model.py'), 'utf8'), /class \w+\(nn\.Module\)/);
    run(['import', join(out, 'model.safetensors'), '--out', p('back.safetensors')]);
    const mse = (m: string): number => (JSON.parse(run(['eval', m, '--json'])) as { mse: number }).mse;
    assert.equal(mse(p('back.safetensors')), mse(p('ae/model.safetensors')));
    assertOneLineError(aekit(['export', p('ae/model.safetensors'), '--format', 'pytorch', '--out', p('pt2'), '--part', 'encoder']), 2, '--part is for --format onnx');
    assertOneLineError(aekit(['export', p('ae/model.safetensors'), '--format', 'pytorch', '--out', p('t.csv')]), 1, 'is a file: the PyTorch export writes a folder');
  });
});

describe('aekit export: bad input is one line and a non-zero exit', () => {
  const model = (): string => p('ae/model.safetensors');
  test('a missing file, a part the kind lacks, an unwritable --out, a wrong extension, format or part', () => {
    assertOneLineError(aekit(['export', p('nope.safetensors'), '--format', 'onnx', '--out', p('x.onnx')]), 1, 'model file not found');
    assertOneLineError(aekit(['export', model(), '--format', 'onnx', '--out', p('x.onnx'), '--part', 'score']), 1, "an Autoencoder exports full, encoder, decoder, not 'score'");
    assertOneLineError(aekit(['export', model(), '--format', 'onnx', '--out', join(p('t.csv'), 'm.onnx')]), 1, 'cannot write --out');
    assertOneLineError(aekit(['export', model(), '--format', 'onnx', '--out', p('missing/m.onnx')]), 1, 'does not exist');
    assertOneLineError(aekit(['export', model(), '--format', 'onnx', '--out', p('m.pt')]), 2, "not '.pt'");
    assertOneLineError(aekit(['export', model(), '--format', 'tflite', '--out', p('m.onnx')]), 2, '--format must be one of onnx, pytorch');
    assertOneLineError(aekit(['export', model(), '--format', 'onnx', '--out', p('m.onnx'), '--part', 'all']), 2, '--part must be one of full, encoder, decoder, score');
    assertOneLineError(aekit(['export', model(), '--out', p('m.onnx')]), 2, 'needs --format');
  });

  test('--help names the formats and parts', () => {
    const r = aekit(['export', '--help']);
    assert.equal(r.status, 0);
    for (const w of ['--format', 'onnx', 'pytorch', 'full', 'encoder', 'decoder', 'score', 'docs/export.md', 'docs/pytorch.md']) assert.ok(r.stdout.includes(w), w);
  });
});
