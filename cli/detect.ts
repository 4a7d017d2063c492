/**
 * `aekit detect`: anomaly detection by reconstruction error (MISSION §4). MNIST one-class by default (train on
 * one digit, score the whole test set, ROC-AUC with the other digits as anomalies; --all for every digit), or
 * a labelled CSV table (--csv FILE --label-column NAME) with standardized features.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { imageGrid, lineChartSvg, loadCsv, loadMnist, type RasterImage, saveModel, svgToPng, writePng } from '../src/index.js';
import { thresholdFromScores, type ThresholdStrategy } from '../src/analysis/anomaly.js';
import { mnistOneClass, type OneClassResult, tabularOneClass } from '../src/analysis/anomaly-bench.js';
import { rocCurve } from '../src/analysis/auc.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import type { Dataset } from '../src/data/dataset.js';
import { intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { UsageError } from './errors.js';

export const help = `Usage: aekit detect [options]

Anomaly detection by reconstruction error: an autoencoder trained on NORMAL data only rebuilds normal
samples well and others badly, so its per-sample mean squared error is an anomaly score.

MNIST one-class (default): train on the training images of one digit, score all 10000 test images,
and report the ROC-AUC with the other nine digits as anomalies (plus average precision, and the
true/false positive rates of the thresholded detector).
Tabular: --csv FILE --label-column NAME. Rows labelled --normal-label are normal; a seeded
--train-fraction of them trains the model, the test set is the other normal rows plus every
anomaly. Features are standardized with the training rows' mean and std.

Options:
  --digit N             the normal digit, 0-9 (default 0)
  --all                 every digit in turn: each AUC and the mean
  --train-limit N       at most N training images of the digit (default: all, about 6000)
  --test-limit N        score only the first N test images (default: all 10000)
  --csv FILE            tabular mode: a numeric CSV file
  --label-column NAME   its label column (a header name, or a 0-based index)
  --normal-label V      label of the normal rows (default 0)
  --train-fraction F    share of normal rows used for training (default 0.6)
  --no-standardize      CSV: keep raw feature values (and a sigmoid output, for values in [0, 1])
  --hidden LIST         encoder hidden sizes (default 128 for MNIST, 16 for CSV)
  --code N              code size (default 32 for MNIST, min(8, features/2) for CSV)
  --epochs N            training epochs (default 10 for MNIST, 50 for CSV)
  --lr X                Adam learning rate (default 0.001)
  --batch-size N        (default 64 for MNIST, 32 for CSV)
  --threshold S         NAME:VALUE with NAME contamination, percentile, meanPlusKStd, targetFpr or value,
                        computed from the training scores (default contamination:0.1)
  --seed N              seeds weights, shuffling and the CSV split (default 0)
  --out DIR             output folder (default ./aekit-out/detect)
  --json                print the summary as one JSON line on stdout (and nothing else)
  -h, --help            show this help

Writes DIR/roc.png (ROC curves), DIR/summary.json, and for one digit or a CSV the detector as
DIR/detector.safetensors (threshold and scaler included: 'loadModel' restores it). One digit also
writes DIR/errors.png: the 6 lowest- then the 6 highest-scoring test images (top row), their
reconstructions, and |reconstruction - input| per pixel.
`;

const options = {
  digit: { type: 'string' }, all: { type: 'boolean' }, 'train-limit': { type: 'string' }, 'test-limit': { type: 'string' },
  csv: { type: 'string' }, 'label-column': { type: 'string' }, 'normal-label': { type: 'string' },
  'train-fraction': { type: 'string' }, 'no-standardize': { type: 'boolean' },
  hidden: { type: 'string' }, code: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' },
  'batch-size': { type: 'string' }, threshold: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const STRATEGIES = ['contamination', 'percentile', 'meanPlusKStd', 'targetFpr', 'value'] as const;

function thresholdArg(value: string): ThresholdStrategy {
  const m = /^(\w+):(.+)$/.exec(value.trim());
  const name = m?.[1] as (typeof STRATEGIES)[number] | undefined;
  const v = m ? Number(m[2]) : NaN;
  if (!name || !STRATEGIES.includes(name) || !Number.isFinite(v)) {
    throw new UsageError(`--threshold must be NAME:VALUE with NAME one of ${STRATEGIES.join(', ')} (e.g. contamination:0.05), got '${value}'`);
  }
  const strategy = { [name]: v } as ThresholdStrategy;
  try {
    thresholdFromScores([0], strategy); // range checks now, not after training
  } catch (e) {
    throw new UsageError(`--threshold: ${(e as Error).message}`);
  }
  return strategy;
}

function fractionArg(flag: string, value: string): number {
  const v = Number(value);
  if (!(v > 0 && v < 1)) throw new UsageError(`--${flag} must be a number strictly between 0 and 1, got '${value}'`);
  return v;
}

/** Every flag checked before any data is read. */
function readConfig(v: Parsed<typeof options>['values']) {
  const csv = v.csv;
  if (csv !== undefined && v['label-column'] === undefined) throw new UsageError("--csv needs --label-column (which column says normal or anomaly)");
  if (csv === undefined && (v['label-column'] ?? v['normal-label'] ?? v['train-fraction'] ?? v['no-standardize']) !== undefined) {
    throw new UsageError('--label-column, --normal-label, --train-fraction and --no-standardize need --csv');
  }
  if (csv !== undefined && (v.all || v.digit !== undefined)) throw new UsageError('--digit and --all are for MNIST, not --csv');
  const digit = intArg('digit', v.digit ?? '0', 0);
  if (digit > 9) throw new UsageError(`--digit must be 0-9, got '${v.digit}'`);
  const normalLabel = v['normal-label'] === undefined ? 0 : Number(v['normal-label']);
  if (!Number.isInteger(normalLabel)) throw new UsageError(`--normal-label must be an integer, got '${v['normal-label']}'`);
  return {
    csv, digit, all: v.all === true, normalLabel,
    labelColumn: v['label-column'] === undefined ? undefined : /^\d+$/.test(v['label-column']) ? Number(v['label-column']) : v['label-column'],
    trainFraction: v['train-fraction'] === undefined ? 0.6 : fractionArg('train-fraction', v['train-fraction']),
    standardize: v['no-standardize'] !== true,
    trainLimit: v['train-limit'] === undefined ? undefined : intArg('train-limit', v['train-limit']),
    testLimit: v['test-limit'] === undefined ? undefined : intArg('test-limit', v['test-limit']),
    hidden: v.hidden === undefined ? undefined : intListArg('hidden', v.hidden),
    latentDim: v.code === undefined ? undefined : intArg('code', v.code),
    epochs: v.epochs === undefined ? undefined : intArg('epochs', v.epochs),
    lr: positiveArg('lr', v.lr ?? '0.001'),
    batchSize: v['batch-size'] === undefined ? undefined : intArg('batch-size', v['batch-size']),
    threshold: thresholdArg(v.threshold ?? 'contamination:0.1'),
    seed: intArg('seed', v.seed ?? '0', 0),
    out: v.out ?? './aekit-out/detect',
  };
}

const round = (v: number): number => Number(v.toPrecision(6));

/** The numbers of one run, without the arrays and the model. */
function summaryOf(name: string, r: OneClassResult): Record<string, unknown> {
  return {
    normal: name, auc: r.auc, averagePrecision: r.averagePrecision, threshold: r.threshold, tpr: r.tpr, fpr: r.fpr,
    trainSamples: r.trainSamples, testSamples: r.testSamples, testAnomalies: r.testAnomalies, seconds: round(r.seconds),
  };
}

async function rocPng(runs: { name: string; r: OneClassResult }[], title: string): Promise<Uint8Array> {
  const series = runs.map(({ name, r }) => {
    const c = rocCurve(r.scores, r.labels, { maxPoints: 200 });
    return { name: `${name}: ${r.auc.toFixed(3)}`, x: c.fpr, y: c.tpr }; // legend: name and ROC-AUC
  });
  series.push({ name: 'chance', x: [0, 1], y: [0, 1] });
  const svg = await lineChartSvg({ title: `${title} (legend: ROC-AUC)`, xLabel: 'false positive rate (normal flagged)', yLabel: 'true positive rate (anomalies caught)', series, width: 360, height: 360, points: false });
  return svgToPng(svg, { width: 1000 });
}

/** Lowest- and highest-scoring test images, their reconstructions and |error| (MNIST, one digit). */
function errorFigure(r: OneClassResult, test: Dataset): RasterImage {
  const order = Array.from(r.scores.keys()).sort((a, b) => r.scores[a] - r.scores[b]);
  const pick = [...order.slice(0, 6), ...order.slice(-6)];
  const x = test.take(pick);
  const rec = r.detector.reconstruct(x).toTypedArray();
  const err = r.detector.errorMap(x).toTypedArray().map(Math.sqrt);
  const px = x.toFloat32(), d = x.sampleSize;
  const row = (a: Float32Array | Float64Array) => pick.map((_, i) => a.subarray(i * d, (i + 1) * d));
  return imageGrid([row(px), row(rec), row(err)], { height: 28, width: 28, scale: 3, gap: 2 });
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('detect', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('detect', given, []);
  const cfg = readConfig(values);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true }); // now, so an unwritable --out fails before training
  const files: Record<string, string> = { roc: join(out, 'roc.png'), summary: join(out, 'summary.json') };
  const setup = { hidden: cfg.hidden, latentDim: cfg.latentDim, epochs: cfg.epochs, lr: cfg.lr, batchSize: cfg.batchSize, seed: cfg.seed, threshold: cfg.threshold };
  const runs: { name: string; r: OneClassResult }[] = [];
  let title: string;
  if (cfg.csv !== undefined) {
    const data = loadCsv(cfg.csv, { labelColumn: cfg.labelColumn });
    process.stderr.write(`aekit: ${data.length} rows of ${data.sampleSize} features from ${cfg.csv}; normal label ${cfg.normalLabel}\n`);
    const r = await tabularOneClass({ ...setup, data, normalLabel: cfg.normalLabel, trainFraction: cfg.trainFraction, standardize: cfg.standardize });
    runs.push({ name: `label ${cfg.normalLabel}`, r });
    files.model = join(out, 'detector.safetensors');
    saveModel(files.model, r.detector, { data: cfg.csv, normalLabel: cfg.normalLabel, trainRows: r.trainSamples });
    title = `Anomaly detection on ${cfg.csv.split(/[\\/]/).pop()}`;
  } else {
    const train = loadMnist('train'), test = loadMnist('test');
    const digits = cfg.all ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [cfg.digit];
    for (const digit of digits) {
      const r = await mnistOneClass({ ...setup, digit, trainLimit: cfg.trainLimit, testLimit: cfg.testLimit, train, test });
      process.stderr.write(`aekit: digit ${digit}: AUC ${r.auc.toFixed(4)}, AP ${r.averagePrecision.toFixed(4)} (${r.trainSamples} training images, ${r.seconds.toFixed(1)} s)\n`);
      runs.push({ name: `digit ${digit}`, r });
    }
    if (!cfg.all) {
      const r = runs[0].r;
      files.model = join(out, 'detector.safetensors');
      saveModel(files.model, r.detector, { data: 'mnist', digit: cfg.digit, trainImages: r.trainSamples });
      files.errors = join(out, 'errors.png');
      writePng(files.errors, errorFigure(r, cfg.testLimit ? test.slice(0, Math.min(cfg.testLimit, test.length)) : test));
    }
    title = cfg.all ? 'MNIST one-class ROC, each digit against the rest' : `MNIST one-class ROC: digit ${cfg.digit} normal`;
  }
  writeFileAtomic(files.roc, await rocPng(runs, title));
  const meanAuc = runs.reduce((a, { r }) => a + r.auc, 0) / runs.length;
  const summary = {
    mode: cfg.csv === undefined ? 'mnist' : 'csv',
    config: { ...cfg, out },
    results: runs.map(({ name, r }) => summaryOf(name, r)),
    meanAuc,
    files: Object.values(files),
  };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const lines = runs.map(({ name, r }) => `  ${name.padEnd(10)} ${r.auc.toFixed(4).padStart(8)} ${r.averagePrecision.toFixed(4).padStart(8)} ${r.tpr.toFixed(3).padStart(8)} ${r.fpr.toFixed(3).padStart(8)}`);
    process.stdout.write(
      `  ${'normal'.padEnd(10)} ${'ROC-AUC'.padStart(8)} ${'AP'.padStart(8)} ${'TPR'.padStart(8)} ${'FPR'.padStart(8)}\n${lines.join('\n')}\n` +
        (runs.length > 1 ? `  mean ROC-AUC ${meanAuc.toFixed(4)}\n` : '') +
        `TPR/FPR: anomalies caught / normal test samples flagged at the threshold (${JSON.stringify(cfg.threshold)} of the training scores)\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
