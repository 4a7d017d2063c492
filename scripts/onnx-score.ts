/**
 * Batch scoring with an exported ONNX model, chunk by chunk, as the scale-out engines of docs/scale.md run it:
 * Spark (mapInPandas with onnxruntime, or SynapseML's ONNXModel), Ray Data (map_batches) and Apache Beam
 * (RunInference) each hand ONNX Runtime one batch of rows at a time and keep nothing between batches. This does
 * the same on one machine: an .npy file of any size is read in windows through aekit's streaming data layer
 * (positioned reads; memory holds one chunk, not the file), each window goes through ONNX Runtime as it is, raw
 * (the preprocessing is inside the graph), and the outputs are appended to a CSV.
 *
 *   node --import tsx scripts/onnx-score.ts MODEL.onnx DATA.npy --out scores.csv [--chunk 65536]
 *        [--check DETECTOR.safetensors]
 *
 * --check also scores every chunk with aekit itself (the model file the .onnx was exported from) and reports
 * the scores' largest difference relative to their scale (as the export tests measure it), and whether every
 * decision and probability ONNX Runtime gives is the detector's rule applied to its score; it exits 1 when the
 * scores differ by more than 1e-5 or a row is decided otherwise. The engines above run the same graph through ONNX Runtime's CPU kernels row by row, so
 * chunking cannot change a row's numbers: what this prints is what they would compute.
 *
 * ONNX Runtime here is onnxruntime-web (its wasm backend runs in Node; a devDependency), one thread.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import type { AnomalyDetector } from '../src/analysis/anomaly.js';
import { openNpyStream } from '../src/data/stream-files.js';
import { useBackend } from '../src/kernels/select.js';
import { loadModelFile } from '../src/io/model-file.js';
import { tensor } from '../src/tensor/tensor.js';

ort.env.wasm.numThreads = 1;

export interface ChunkScores {
  start: number;
  outputs: Record<string, ArrayLike<number | boolean>>;
}

export interface ScoreSummary {
  rows: number;
  chunks: number;
  outputs: string[];
  /**
   * With a check: the scores' largest |onnx - aekit| over the largest |aekit| score (1e-6 at least); the rows
   * whose decision differs from aekit's (a score within rounding of the threshold, which a detector scoring its
   * own training rows always has: the threshold is one of their scores); and the rows where ONNX's decision or
   * probability is not what aekit's rule gives for ONNX's own score (must be 0).
   */
  check: { scoreRelError: number; decisionsDiffer: number; inconsistent: number } | null;
  seconds: number;
  /** The largest resident set size seen (bytes), for the larger-than-memory claim. */
  peakRss: number;
}

/** aekit's scores of a chunk (in the model's units, as `aekit detect score` computes them). */
function aekitScores(det: AnomalyDetector, prep: ReturnType<typeof loadModelFile>['preprocessing'], raw: Float32Array, rows: number, shape: readonly number[]): Float64Array {
  const x = prep ? prep.transform(raw) : raw;
  return det.scores(tensor(x, [rows, ...shape]));
}

/**
 * Scores `npyPath` with the ONNX model `onnxBytes` in chunks of `chunk` rows; `onChunk` receives each chunk's
 * outputs in order. With `check` (a model file), compares every chunk with aekit's own scores.
 */
export async function scoreInChunks(
  onnxBytes: Uint8Array, npyPath: string, opts: { chunk?: number; check?: string; onChunk?: (c: ChunkScores) => void } = {},
): Promise<ScoreSummary> {
  const t0 = performance.now();
  const chunk = opts.chunk ?? 65536;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`--chunk must be a positive integer, got ${chunk}`);
  const stream = await openNpyStream(npyPath);
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'] });
  if (opts.check) useBackend(); // aekit's side of the check on the fastest backend here (AEKIT_BACKEND to choose)
  const loaded = opts.check ? loadModelFile(opts.check) : null;
  if (loaded && loaded.header.kind !== 'AnomalyDetector') throw new Error(`--check ${opts.check}: a detector file (aekit detect fit) is compared by its score part; this is a ${loaded.header.kind}`);
  const check = { diff: 0, top: 0, decisionsDiffer: 0, inconsistent: 0 };
  let chunks = 0, peakRss = 0;
  const size = stream.sampleShape.reduce((a, b) => a * b, 1);
  // A dense model takes flat rows whatever the file's sample shape (images in an .npy are [n, h, w, c]).
  const meta = session.inputMetadata[0] as { isTensor?: boolean; shape?: readonly unknown[] } | undefined;
  const sampleShape = meta?.isTensor && meta.shape?.length === 2 ? [size] : [...stream.sampleShape];
  const buffer = new Float32Array(Math.min(chunk, stream.length) * size);
  try {
    for (let start = 0; start < stream.length; start += chunk) {
      const rows = Math.min(chunk, stream.length - start);
      const raw = await stream.read(start, start + rows, buffer);
      const out = await session.run({ input: new ort.Tensor('float32', raw, [rows, ...sampleShape]) });
      const outputs = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as ArrayLike<number | boolean>]));
      for (const t of Object.values(out)) t.dispose();
      if (loaded) {
        const det = loaded.model as AnomalyDetector;
        const mine = aekitScores(det, loaded.preprocessing, raw, rows, sampleShape);
        const score = outputs.reconstruction_error, flag = outputs.is_anomaly, prob = outputs.anomaly_probability;
        if (!score || !flag || !prob) throw new Error('the ONNX model lacks the score part\'s outputs (export it with --part score)');
        const onnxScore = Float64Array.from(score as ArrayLike<number>);
        const ruleFlag = det.decide(onnxScore), ruleProb = det.probability(onnxScore), myFlag = det.decide(mine);
        for (let i = 0; i < rows; i++) {
          const d = Math.abs(onnxScore[i] - mine[i]);
          if (!(d <= check.diff)) check.diff = d;
          check.top = Math.max(check.top, Math.abs(mine[i]));
          if (Number(flag[i]) !== myFlag[i]) check.decisionsDiffer++;
          if (Number(flag[i]) !== ruleFlag[i] || Math.abs(Number(prob[i]) - ruleProb[i]) > 1e-12) check.inconsistent++;
        }
      }
      opts.onChunk?.({ start, outputs });
      chunks++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  } finally {
    await session.release();
    await stream.close();
  }
  return {
    rows: stream.length, chunks, outputs: session.outputNames.slice(),
    check: loaded ? { scoreRelError: check.diff / Math.max(1e-6, check.top), decisionsDiffer: check.decisionsDiffer, inconsistent: check.inconsistent } : null,
    seconds: (performance.now() - t0) / 1000, peakRss,
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, chunk: { type: 'string' }, check: { type: 'string' } },
  });
  const [model, data] = positionals;
  if (!model || !data || !values.out) {
    process.stderr.write('usage: node --import tsx scripts/onnx-score.ts MODEL.onnx DATA.npy --out scores.csv [--chunk N] [--check DETECTOR.safetensors]\n');
    return 2;
  }
  const fd = openSync(values.out, 'w');
  let header = false;
  try {
    const summary = await scoreInChunks(new Uint8Array(readFileSync(model)), data, {
      chunk: values.chunk ? Number(values.chunk) : undefined,
      check: values.check,
      onChunk: ({ start, outputs }) => {
        const names = Object.keys(outputs).filter((k) => outputs[k].length && Object.keys(outputs).every((o) => outputs[o].length === outputs[k].length));
        if (!header) writeSync(fd, `row,${names.join(',')}\n`);
        header = true;
        const n = outputs[names[0]].length;
        const lines: string[] = [];
        for (let i = 0; i < n; i++) lines.push(`${start + i},${names.map((k) => Number(outputs[k][i])).join(',')}`);
        writeSync(fd, `${lines.join('\n')}\n`);
      },
    });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    const c = summary.check;
    if (c && !(c.scoreRelError <= 1e-5 && c.inconsistent === 0)) {
      process.stderr.write(`onnx-score: ONNX Runtime and aekit differ: scores by ${c.scoreRelError} (relative), ${c.inconsistent} row(s) decided against the detector's rule\n`);
      return 1;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => { process.exitCode = code; }, (e: unknown) => { process.stderr.write(`onnx-score: ${(e as Error).message}\n`); process.exitCode = 1; });
}
