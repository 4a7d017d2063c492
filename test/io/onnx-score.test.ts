/**
 * docs/scale.md's claim, on a small file: an anomaly detector exported whole (`aekit export --part score`) and
 * run by ONNX Runtime chunk by chunk over a streamed .npy (scripts/onnx-score.ts, what Spark, Ray Data and Beam
 * do per batch) gives `aekit detect score`'s numbers: scores within 1e-5 of the CLI's, the same decisions, and
 * the same outputs whatever the chunk size.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { loadModelFile } from '../../src/io/model-file.js';
import { writeNpyFile } from '../../src/io/tables.js';
import { Rng } from '../../src/tensor/rng.js';
import { type ChunkScores, scoreInChunks } from '../../scripts/onnx-score.js';
import { aekit, cli } from '../cli/helpers.js';

let dir: string, npy: string, detector: string;
const ROWS = 203, F = 6;

before(() => {
  assert.ok(process.env.AEKIT_CLI_SOURCE || existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  dir = mkdtempSync(join(tmpdir(), 'aekit-onnx-score-'));
  // Rows on a 2-D plane in 6-D, in units far from 0..1 (so the graph's preprocessing matters), every 10th off it.
  const rng = new Rng(5);
  const x = new Float32Array(ROWS * F);
  for (let i = 0; i < ROWS; i++) {
    const a = rng.normal(), b = rng.normal();
    for (let j = 0; j < F; j++) x[i * F + j] = 50 + 10 * (a * Math.cos(j) + b * Math.sin(j)) + (i % 10 === 0 ? 8 * rng.normal() : 0.1 * rng.normal());
  }
  npy = join(dir, 'rows.npy');
  writeNpyFile(npy, x, [ROWS, F]);
  const fit = aekit(['detect', 'fit', '--data', npy, '--hidden', '8', '--latent', '2', '--epochs', '30', '--out', join(dir, 'det.safetensors')]);
  assert.equal(fit.status, 0, fit.stderr);
  detector = join(dir, 'det.safetensors');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('chunked ONNX Runtime scoring reproduces aekit detect score, for any chunk size', async () => {
  const loaded = loadModelFile(detector);
  const onnx = exportOnnx(loaded.model as never, { part: 'score', extras: { preprocessing: loaded.preprocessing } });
  const cliRun = aekit(['detect', 'score', detector, '--data', npy, '--out', join(dir, 'scores.csv'), '--top', '0']);
  assert.equal(cliRun.status, 0, cliRun.stderr);
  const [head, ...lines] = readFileSync(join(dir, 'scores.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  const cliScore = lines.map((l) => Number(l.split(',')[cols.indexOf('score')]));
  const cliFlag = lines.map((l) => Number(l.split(',')[cols.indexOf('is_anomaly')]));
  assert.equal(cliScore.length, ROWS, 'detect score scores every row of a file without a test split');

  const runs: Record<number, ChunkScores[]> = {};
  for (const chunk of [ROWS, 64, 7]) {
    runs[chunk] = [];
    const summary = await scoreInChunks(onnx, npy, { chunk, check: detector, onChunk: (c) => runs[chunk].push(c) });
    assert.equal(summary.chunks, Math.ceil(ROWS / chunk));
    assert.ok(summary.check!.scoreRelError <= 1e-5, `scores: ONNX Runtime vs aekit, relative ${summary.check!.scoreRelError}`);
    assert.equal(summary.check!.inconsistent, 0, 'every decision and probability is the detector\'s rule applied to the score');
    assert.ok(summary.check!.decisionsDiffer <= 2, `decisions differing from aekit's (ties at the threshold): ${summary.check!.decisionsDiffer}`);
  }
  const joined = (chunks: ChunkScores[], name: string): number[] => chunks.flatMap((c) => Array.from(c.outputs[name], Number));
  for (const name of ['reconstruction_error', 'is_anomaly', 'anomaly_probability']) {
    assert.deepEqual(joined(runs[7], name), joined(runs[ROWS], name), `${name}: chunks of 7 rows give the numbers of one chunk`);
    assert.deepEqual(joined(runs[64], name), joined(runs[ROWS], name));
  }
  const score = joined(runs[ROWS], 'reconstruction_error');
  const top = Math.max(...cliScore.map(Math.abs));
  const worst = Math.max(...score.map((s, i) => Math.abs(s - cliScore[i])));
  assert.ok(worst / top <= 1e-5, `scores vs aekit detect score: ${worst / top}`);
  const flags = joined(runs[ROWS], 'is_anomaly');
  // A decision may only differ where the score sits within rounding of the threshold.
  const threshold = (loaded.model as unknown as { threshold: number }).threshold;
  flags.forEach((f, i) => { if (f !== cliFlag[i]) assert.ok(Math.abs(cliScore[i] - threshold) <= 1e-5 * top, `row ${i}: decisions differ away from the threshold`); });
  assert.ok(flags.some((f) => f === 1) && flags.some((f) => f === 0), 'the data has both decisions');
});
