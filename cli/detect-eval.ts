/**
 * `aekit detect eval`: the one-class benchmark on any labelled data (src/analysis/anomaly-bench.ts). One class
 * is normal, a dense autoencoder trains on its training samples only, and the test samples are ranked by
 * reconstruction error: ROC-AUC and average precision with every other class as the anomalies. MNIST digit 0
 * by default (--all: each digit in turn), as the benchmark always ran; a labelled table with --label.
 */
import { basename, join, resolve } from 'node:path';
import { AnomalyDetector } from '../src/analysis/anomaly.js';
import { type OneClassKind, oneClassAutoencoder, type OneClassResult, oneClassSplit, runOneClass } from '../src/analysis/anomaly-bench.js';
import { rocCurve } from '../src/analysis/auc.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import {
  type DataInfo, type Dataset, imageGrid, lineChartSvg, openData, type OpenedData, PREPROCESS_METHODS, Preprocessing,
  type RasterImage, saveModel, svgToPng, writePng,
} from '../src/index.js';
import { choiceArg, intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { writeOutputSet } from './output-set.js';
import { requireFinite, prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, fractionArg, readDataArgs } from './data-args.js';
import { strategyLabel, THRESHOLD_HELP, thresholdArg } from './detect-threshold.js';
import { UsageError } from './errors.js';
import { figureScale } from './figures.js';
import { preprocessFor } from './presets-fit.js';
import { fitPreprocessing, inUnitRange } from './train-data.js';

export const help = `Usage: aekit detect eval [--data SPEC] [--normal-label V | --all] [options]

The one-class benchmark: the samples of one class are normal, every other class is an anomaly.
A dense autoencoder trains on the normal class's training samples only; the test samples are
scored by reconstruction error and the report gives the ROC-AUC (anomalies as positives), the
average precision, and the true/false positive rates of the thresholded detector.

Default: MNIST, digit 0 normal: train on its training images, score all 10000 test images (the
protocol of Ruff et al. 2018). Any labelled data works the same way: a source with a test split
(MNIST, Fashion-MNIST, an .npz with x_test, --test-data, --validation-split) trains on the normal
class of the training split and scores the whole test split; a table without one (--data FILE
--label COL) trains on a seeded --train-fraction of its normal rows and scores the other normal
rows and every anomaly. Preprocessing is fitted on the normal training samples only: images
scaled to [0, 1] (sigmoid output), tables standardized (linear output).

Options:
  --normal-label V      the normal class: a label (integer) or a class name (default 0)
  --digit N             the same, for MNIST (--digit 3 = --normal-label 3)
  --all                 every class in turn: each ROC-AUC and the mean
  --train-limit N       at most N normal training samples (default: all)
  --train-fraction F    without a test split: share of normal rows that train (default 0.6)
  --preprocess NAME     ${PREPROCESS_METHODS.join(', ')} (default: scale for 8-bit images, else standardize)
  --hidden LIST         encoder hidden sizes (default 128 for images, 16 for tables)
  --latent N            code size (default 32 for images, min(8, features/2) for tables)
  --epochs N            training epochs (default 10 for images, 50 for tables)
  --lr X                Adam learning rate (default 0.001)
  --batch-size N        (default 64 for images, 32 for tables)
  --threshold S         ${THRESHOLD_HELP}
                        computed from the normal TRAINING scores (default contamination:0.1)
  --seed N              seeds weights, shuffling and the splits (default 0)
  --out DIR             output folder (default ./aekit-out/detect)
  --json                print the summary as one JSON line on stdout (and nothing else)
  -h, --help            show this help

${DATA_HELP}
Writes DIR/roc.png (ROC curves), DIR/summary.json, and for one class the detector as
DIR/detector.safetensors ('aekit detect score' reads it), and for images DIR/errors.png: the 6
lowest- then the 6 highest-scoring test images (top row; all of them, in score order, when there
are 12 or fewer), their reconstructions, and |reconstruction - input| per pixel.
`;

const options = {
  ...DATA_OPTIONS,
  'normal-label': { type: 'string' }, digit: { type: 'string' }, all: { type: 'boolean' }, 'train-limit': { type: 'string' },
  'train-fraction': { type: 'string' }, preprocess: { type: 'string' },
  hidden: { type: 'string' }, latent: { type: 'string' }, code: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' },
  'batch-size': { type: 'string' }, threshold: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  // retired with --data: named so that old scripts get the new flags, not "unknown option"
  csv: { type: 'string' }, 'label-column': { type: 'string' }, 'no-standardize': { type: 'boolean' },
} as const;
type Values = Parsed<typeof options>['values'];

const RETIRED: Record<string, string> = {
  csv: '--csv FILE is now --data FILE',
  'label-column': '--label-column NAME is now --label NAME',
  'no-standardize': '--no-standardize is now --preprocess none',
};

/** Every flag checked before any data is read. */
function readConfig(v: Values) {
  for (const [flag, now] of Object.entries(RETIRED)) if (v[flag as keyof Values] !== undefined) throw new UsageError(`${now} (see 'aekit detect eval --help')`);
  if (v.digit !== undefined && v['normal-label'] !== undefined) throw new UsageError('give --digit or --normal-label, not both (they are the same)');
  if (v.all && (v.digit ?? v['normal-label']) !== undefined) throw new UsageError('--all takes every class in turn: leave out --digit / --normal-label');
  if (v.code !== undefined && v.latent !== undefined) throw new UsageError('--code is --latent: give one');
  const latent = v.latent ?? v.code;
  const seed = intArg('seed', v.seed ?? '0', 0);
  return {
    normal: v.digit ?? v['normal-label'] ?? '0', all: v.all === true, seed,
    trainLimit: v['train-limit'] === undefined ? undefined : intArg('train-limit', v['train-limit']),
    trainFraction: v['train-fraction'] === undefined ? undefined : fractionArg('train-fraction', v['train-fraction']),
    preprocess: v.preprocess === undefined ? undefined : choiceArg('preprocess', v.preprocess, PREPROCESS_METHODS),
    setup: {
      hidden: v.hidden === undefined ? undefined : intListArg('hidden', v.hidden),
      latentDim: latent === undefined ? undefined : intArg(v.code !== undefined ? 'code' : 'latent', latent),
      epochs: v.epochs === undefined ? undefined : intArg('epochs', v.epochs),
      lr: positiveArg('lr', v.lr ?? '0.001'),
      batchSize: v['batch-size'] === undefined ? undefined : intArg('batch-size', v['batch-size']),
      seed,
    },
    threshold: thresholdArg(v.threshold ?? 'contamination:0.1'),
    out: v.out ?? './aekit-out/detect',
  };
}

/** The normal class as a label: an integer, or one of the data's class names. */
function labelOf(v: string, info: DataInfo, spec: string): number {
  const names = info.classNames;
  if (names?.includes(v)) return names.indexOf(v);
  if (/^-?\d+$/.test(v.trim())) return Number(v);
  throw new UsageError(`--normal-label ${v}: ${names ? `not a class of ${spec} (classes: ${names.join(', ')})` : 'labels of this data are integers'}`);
}

/** What a class is called in the report: "digit 3" for MNIST, its name, or "label 3". */
function className(label: number, info: DataInfo, spec: string): string {
  return spec === 'mnist' ? `digit ${label}` : info.classNames?.[label] ?? `label ${label}`;
}


interface ClassRun {
  name: string;
  label: number;
  r: OneClassResult;
  preprocessing: Preprocessing;
  test: Dataset;
}

type Config = ReturnType<typeof readConfig>;

async function runClass(cfg: Config, opened: OpenedData, label: number, spec: string): Promise<ClassRun> {
  const split = oneClassSplit(opened.train, label, { test: opened.test, trainFraction: cfg.trainFraction, seed: cfg.seed, trainLimit: cfg.trainLimit });
  const info = opened.info;
  const method = cfg.preprocess ?? preprocessFor(info);
  const prep = fitPreprocessing(method, info, split.train);
  const d = split.train.sampleSize;
  const train = prep.apply(split.train).reshape([d]), test = prep.apply(split.test).reshape([d]);
  const kind: OneClassKind = info.kind === 'image' ? 'image' : 'tabular';
  const unit = method === 'scale' || method === 'minmax' || (method === 'none' && inUnitRange(train));
  const detector = new AnomalyDetector(oneClassAutoencoder(d, kind, cfg.setup, unit ? 'sigmoid' : 'linear'), { threshold: cfg.threshold });
  const r = await runOneClass({ train, test, labels: split.labels }, detector, kind, cfg.setup).catch((e: Error) => {
    // The detector's own check of its calibration scores: said as what it means for this class's model.
    if (!/NaN|Infinity|finite/.test(e.message)) throw e;
    throw new Error(`${spec}: the anomaly scores of ${className(label, info, spec)}'s model are not finite (${e.message}): the model diverged (try a lower --lr) or the data holds non-finite values; nothing written`);
  });
  for (const [what, v] of [['ROC-AUC', r.auc], ['average precision', r.averagePrecision]] as const) {
    requireFinite(`${spec}: the ${what} of ${className(label, info, spec)}`, v);
  }
  return { name: className(label, info, spec), label, r, preprocessing: prep, test };
}

async function rocPng(runs: ClassRun[], title: string): Promise<Uint8Array> {
  const series = runs.map(({ name, r }) => {
    const c = rocCurve(r.scores, r.labels, { maxPoints: 200 });
    return { name: `${name}: ${r.auc.toFixed(3)}`, x: c.fpr, y: c.tpr }; // legend: name and ROC-AUC
  });
  series.push({ name: 'chance', x: [0, 1], y: [0, 1] });
  const svg = await lineChartSvg({ title: `${title} (legend: ROC-AUC)`, xLabel: 'false positive rate (normal flagged)', yLabel: 'true positive rate (anomalies caught)', series, width: 360, height: 360, points: false });
  return svgToPng(svg, { width: 1000 });
}

/** Lowest- and highest-scoring test images, their reconstructions and |error|, in the model's [0, 1] units. */
function errorFigure(run: ClassRun, info: DataInfo): RasterImage {
  const { r } = run;
  const order = Array.from(r.scores.keys()).sort((a, b) => r.scores[a] - r.scores[b]);
  const pick = order.length <= 12 ? order : [...order.slice(0, 6), ...order.slice(-6)];
  const x = run.test.take(pick);
  const rec = r.detector.reconstruct(x).toTypedArray();
  const err = r.detector.errorMap(x).toTypedArray().map(Math.sqrt);
  const px = x.toFloat32(), d = x.sampleSize;
  const row = (a: Float32Array | Float64Array) => pick.map((_, i) => a.subarray(i * d, (i + 1) * d));
  const [height, width, c] = info.sampleShape;
  return imageGrid([row(px), row(rec), row(err)], { height, width, channels: c === 3 ? 3 : 1, scale: figureScale(info), gap: 2 });
}

/** The numbers of one run, without the arrays and the model. */
function summaryOf(run: ClassRun): Record<string, unknown> {
  const { r } = run;
  return {
    normal: run.name, label: run.label, auc: r.auc, averagePrecision: r.averagePrecision, threshold: r.threshold, tpr: r.tpr, fpr: r.fpr,
    trainSamples: r.trainSamples, testSamples: r.testSamples, testAnomalies: r.testAnomalies, seconds: Number(r.seconds.toPrecision(6)),
  };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('detect eval', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('detect eval', given, []);
  const cfg = readConfig(values);
  const req = readDataArgs(values, cfg.seed);
  const spec = req.spec ?? 'mnist';
  const out = resolve(cfg.out);
  prepareOutputDir(out); // now, so an unwritable --out fails before training
  const opened = await openData(spec, req.options);
  for (const note of opened.notes) process.stderr.write(`aekit: ${note}\n`);
  const { info } = opened;
  if (!opened.train.labels) throw new UsageError(`${spec} has no labels: 'aekit detect eval' needs them to know which samples are normal (a table: --label COL)`);
  if (opened.test && cfg.trainFraction !== undefined) throw new UsageError(`--train-fraction is for data without a test split, and ${spec} has one (${opened.testSource})`);
  if (opened.test && !opened.test.labels) throw new UsageError(`the test split of ${spec} has no labels`);
  const labels = cfg.all ? [...new Set(opened.train.labels)].sort((a, b) => a - b) : [labelOf(cfg.normal, info, spec)];
  process.stderr.write(`aekit: ${opened.train.length} samples of ${spec}${opened.test ? ` + ${opened.test.length} test samples (${opened.testSource})` : ''}\n`);

  const runs: ClassRun[] = [];
  for (const label of labels) {
    const run = await runClass(cfg, opened, label, spec);
    process.stderr.write(`aekit: ${run.name}: AUC ${run.r.auc.toFixed(4)}, AP ${run.r.averagePrecision.toFixed(4)} (${run.r.trainSamples} normal training samples, ${run.r.seconds.toFixed(1)} s)\n`);
    runs.push(run);
  }
  const files: Record<string, string> = { roc: join(out, 'roc.png'), summary: join(out, 'summary.json') };
  if (!cfg.all) {
    files.model = join(out, 'detector.safetensors');
    if (info.kind === 'image') files.errors = join(out, 'errors.png');
  }
  const title = spec === 'mnist' ? (cfg.all ? 'MNIST one-class ROC, each digit against the rest' : `MNIST one-class ROC: digit ${runs[0].label} normal`)
    : `One-class ROC on ${basename(spec)}${cfg.all ? ', each class against the rest' : `: ${runs[0].name} normal`}`;
  const roc = await rocPng(runs, title);
  const meanAuc = runs.reduce((a, { r }) => a + r.auc, 0) / runs.length;
  const summary = {
    data: spec, kind: info.kind, protocol: opened.test ? `test split (${opened.testSource})` : `train fraction ${cfg.trainFraction ?? 0.6} of the normal samples`,
    config: { ...cfg, threshold: strategyLabel(cfg.threshold), out, limit: req.options.limit ?? null, testLimit: req.options.testLimit ?? null },
    results: runs.map(summaryOf), meanAuc, files: Object.values(files),
  };
  await writeOutputSet(out, (at) => {
    if (!cfg.all) {
      const one = runs[0];
      const record = { command: 'detect eval', data: spec, normal: one.name, normalLabel: one.label, trainSamples: one.r.trainSamples, auc: one.r.auc, strategy: strategyLabel(cfg.threshold) };
      saveModel(at(files.model), one.r.detector, record, { data: info, preprocessing: one.preprocessing });
      if (files.errors) writePng(at(files.errors), errorFigure(one, info));
    }
    writeFileAtomic(at(files.roc), roc);
    writeFileAtomic(at(files.summary), `${JSON.stringify(summary, null, 2)}\n`);
  });
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const w = Math.max(10, ...runs.map((x) => x.name.length));
    const lines = runs.map(({ name, r }) => `  ${name.padEnd(w)} ${r.auc.toFixed(4).padStart(8)} ${r.averagePrecision.toFixed(4).padStart(8)} ${r.tpr.toFixed(3).padStart(8)} ${r.fpr.toFixed(3).padStart(8)}`);
    process.stdout.write(
      `  ${'normal'.padEnd(w)} ${'ROC-AUC'.padStart(8)} ${'AP'.padStart(8)} ${'TPR'.padStart(8)} ${'FPR'.padStart(8)}\n${lines.join('\n')}\n` +
        (runs.length > 1 ? `  mean ROC-AUC ${meanAuc.toFixed(4)}\n` : '') +
        `TPR/FPR: anomalies caught / normal test samples flagged at the threshold (${strategyLabel(cfg.threshold)} of the normal training scores)\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
