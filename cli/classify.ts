/**
 * `aekit classify`: classification by reconstruction (MISSION §4). One autoencoder per class, each trained
 * only on that class's samples; a test sample goes to the class whose autoencoder rebuilds it best. Prints the
 * accuracy and writes the confusion matrix as a figure and every test sample's prediction as a table.
 *
 * Below the command: what the commands that analyse data without a model file share (probe, classify, pca,
 * compare-pca, som): opening data as `aekit train` does, the built-in sets' default limits, labels as classes.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type DataInfo, type Dataset, describeData, featureAxis, openData, Preprocessing, randomSplit, READERS,
} from '../src/index.js';
import { accuracyScore, confusionMatrix, ReconstructionClassifier } from '../src/analysis/classify.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { type TableColumn, writeCsvFile } from '../src/io/tables.js';
import { confusionMatrixImage } from '../src/viz/confusion.js';
import { intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { DATA_HELP, DATA_OPTIONS, type DataRequest, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { fitToData, preprocessFor, readTrainConfig } from './presets.js';
import { DEFAULT_VALIDATION_SPLIT } from './train-data.js';

export const help = `Usage: aekit classify [--data SPEC] [options]

Classification by reconstruction: one autoencoder per class, each trained only on the training
samples of its class. A test sample is assigned to the class whose autoencoder reconstructs it with
the smallest mean squared error. No model ever sees a label during training; the labels only
decide which samples each model trains on. Default data: MNIST (ten digits).

The data needs labels: --label COLUMN for a table, one sub-folder per class for images, y in an
.npz. The test split is --test-data, the source's own, --validation-split F, or else a seeded
random ${DEFAULT_VALIDATION_SPLIT} of the samples; preprocessing is what 'aekit train' would choose (images scaled to
[0, 1]; tables standardized, then the autoencoders get a linear output), fitted on the training split.

Options:
  --hidden LIST       encoder hidden sizes of every autoencoder (default 128)
  --code N            code size (default 32)
                      (both sized for MNIST's 784 values: for smaller samples they shrink in
                      proportion, never below 2, as in 'aekit train', unless given)
  --epochs N          training epochs per autoencoder (default 10)
  --lr X              Adam learning rate (default 0.001)
  --batch-size N      (default 64; for a small table, small enough for 50 steps per epoch of
                      a class's samples, at least 16, as in 'aekit train')
  --seed N            seeds weights, shuffling and the validation split (default 0)
  --train-limit N     same as --limit
  --out DIR           output folder (default ./aekit-out/classify)
  --json              print the summary as one JSON line on stdout (and nothing else)
  -h, --help          show this help
${DATA_HELP}  MNIST and Fashion-MNIST: --limit and --test-limit default to 10000 (your own data: all of it).

Writes DIR/confusion.png (rows: true class, columns: predicted class, counts in the cells, colour
= share of the row), DIR/predictions.csv (per test sample: its id, or its index, the true and
the predicted class, and each class model's reconstruction error, a mean squared error in the
preprocessed units) and DIR/summary.json.
`;

const options = {
  ...DATA_OPTIONS,
  'train-limit': { type: 'string' }, hidden: { type: 'string' }, code: { type: 'string' },
  epochs: { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' },
  out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** The built-in sets' default limits for probe and classify (MNIST: about 1000 training images per digit). */
export const BUILTIN_LIMITS = { limit: 10000, testLimit: 10000 };

function readConfig(v: Parsed<typeof options>['values']) {
  return {
    hidden: intListArg('hidden', v.hidden ?? '128'),
    code: intArg('code', v.code ?? '32'),
    given: { hidden: v.hidden !== undefined, latent: v.code !== undefined, batchSize: v['batch-size'] !== undefined },
    epochs: intArg('epochs', v.epochs ?? '10'),
    lr: positiveArg('lr', v.lr ?? '0.001'),
    batchSize: intArg('batch-size', v['batch-size'] ?? '64'),
    seed: intArg('seed', v.seed ?? '0', 0),
    out: v.out ?? './aekit-out/classify',
  };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('classify', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('classify', given, []);
  const cfg = readConfig(values);
  const req = builtinDefaults(readDataArgs(trainLimitAlias(values), cfg.seed), BUILTIN_LIMITS);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true });
  const data = await openAsTrain(req, cfg.seed);
  const classes = labelClasses('classify', data.info, [['training', data.train], ['test', data.test]]);
  const d = data.train.sampleSize;
  const train = data.train.reshape([d]), test = data.test.reshape([d]);
  const trainCounts = countLabels(train.labels!);
  const unseen = [...countLabels(test.labels!).keys()].filter((l) => !trainCounts.has(l));
  if (unseen.length) throw new Error(`class ${classes.name(unseen[0])} has test samples but no training samples in ${data.spec}: no autoencoder can learn it`);
  printNotes(data.notes);
  // Each autoencoder trains on one class: its batches are sized for a class's share of the training samples.
  const { hidden, latent, batchSize } = fitSizes({ hidden: cfg.hidden, latent: cfg.code, batchSize: cfg.batchSize }, data.info, cfg.given, train.length / trainCounts.size);
  const outputActivation = data.unitRange ? 'sigmoid' : 'linear';
  const clf = new ReconstructionClassifier({
    autoencoder: { hidden, latentDim: latent, activation: 'relu', latentActivation: 'linear', outputActivation, seed: cfg.seed },
  });
  const layers = `${d}-[${hidden.join(',')}]-${latent}`;
  process.stderr.write(
    `aekit: classifying ${data.spec} (${describeData(data.info)}) by reconstruction: ${trainCounts.size} autoencoders ${layers}, ` +
      `${outputActivation} output, preprocessing ${data.preprocessing.method}; ${train.length} training and ${test.length} test samples (${data.testSource})\n`,
  );
  const start = performance.now();
  await clf.fit(train, undefined, {
    epochs: cfg.epochs, lr: cfg.lr, batchSize, seed: cfg.seed, loss: 'mse',
    onClass: (label, _k, n) => process.stderr.write(`aekit: training the autoencoder of class ${classes.name(label)} on ${n} samples\n`),
  });
  const trainSeconds = (performance.now() - start) / 1000;

  // evaluate() keeps only the predictions, and predictions.csv wants every class model's error too: predict's
  // rule (smallest error, ties to the smaller label) over errors computed once.
  const k = clf.classes.length;
  const errors = clf.errors(test);
  const predictions = new Int32Array(test.length);
  for (let i = 0; i < test.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (errors[i * k + c] < errors[i * k + best]) best = c;
    predictions[i] = clf.classes[best];
  }
  const accuracy = finite(accuracyScore(test.labels!, predictions), 'the test accuracy');
  const confusion = confusionMatrix(test.labels!, predictions, clf.classes);
  const names = clf.classes.map((l) => classes.name(l));
  const perClass = confusion.flatMap((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? [{ class: names[i], label: clf.classes[i], samples: total, recall: row[i] / total }] : [];
  });

  const files = { confusion: join(out, 'confusion.png'), predictions: join(out, 'predictions.csv'), summary: join(out, 'summary.json') };
  const { png } = await confusionMatrixImage(confusion, {
    labels: names, title: `Classification by reconstruction: accuracy ${(100 * accuracy).toFixed(1)} %`,
  });
  writeFileAtomic(files.confusion, png);
  const columns: TableColumn[] = [
    test.ids ? { name: 'id', values: test.ids } : { name: 'index', values: Int32Array.from({ length: test.length }, (_, i) => i) },
    { name: 'class', values: Array.from(test.labels!, (l) => classes.name(l)) },
    { name: 'predicted', values: Array.from(predictions, (l) => classes.name(l)) },
    ...names.map((name, c) => ({ name: `error ${name}`, values: Float64Array.from({ length: test.length }, (_, i) => errors[i * k + c]) })),
  ];
  writeCsvFile(files.predictions, columns);
  const { given: _given, ...config } = cfg;
  const summary = {
    config: {
      ...config, hidden, code: latent, batchSize, out, data: data.spec, kind: data.info.kind, sampleShape: data.info.sampleShape,
      preprocessing: data.preprocessing.method, outputActivation, trainSamples: train.length, testSamples: test.length, testSource: data.testSource,
    },
    accuracy, classes: names, perClass, confusion, trainSeconds, files: Object.values(files),
  };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `accuracy ${accuracy.toFixed(4)} on ${test.length} test samples (${k} autoencoders ${layers}, ` +
        `${cfg.epochs} epochs each, ${trainSeconds.toFixed(1)} s)\n` +
        `recall per class: ${perClass.map((c) => `${c.class}: ${c.recall.toFixed(3)}`).join('  ')}\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}

function countLabels(labels: Int32Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

// ---- shared by probe, classify, pca, compare-pca and som ----

/** `--train-limit N`, the old name of `--limit N` (probe and classify took it): the same flag. */
export function trainLimitAlias<V extends { limit?: string; 'train-limit'?: string }>(v: V): V {
  if (v['train-limit'] === undefined) return v;
  if (v.limit !== undefined) throw new UsageError('--train-limit is another name for --limit: give one of them');
  return { ...v, limit: v['train-limit'] };
}

/** Whether a spec names a built-in set (MNIST, Fashion-MNIST: 60000 training images each). */
export function isBuiltin(spec: string): boolean {
  return READERS.mnist.matches(spec, false) || READERS['fashion-mnist'].matches(spec, false);
}

/**
 * Default limits for the built-in sets, which are larger than these commands need (their historical MNIST
 * defaults); own data is used whole, since its first N rows may be one class (a file sorted by label).
 * `spec` is what will be opened (default mnist).
 */
export function builtinDefaults(req: DataRequest, limits: { limit?: number; testLimit?: number }, spec = req.spec ?? 'mnist'): DataRequest {
  if (!isBuiltin(spec)) return req;
  const o = { ...req.options };
  if (o.limit === undefined && limits.limit !== undefined) o.limit = limits.limit;
  if (o.testLimit === undefined && limits.testLimit !== undefined) o.testLimit = limits.testLimit;
  return { ...req, options: o };
}

/** Data opened for analysis: train and test samples in the data's units and as the models see them. */
export interface AnalysisData {
  spec: string;
  info: DataInfo;
  rawTrain: Dataset;
  rawTest: Dataset;
  /** Preprocessed, in the data's sample shape. */
  train: Dataset;
  test: Dataset;
  testSource: string;
  preprocessing: Preprocessing;
  /** Whether preprocessed values lie in [0, 1] (a sigmoid output can reach them). */
  unitRange: boolean;
  /** For stderr, once the command has checked what it needs (so a refusal stays one line): see printNotes. */
  notes: string[];
}

export function printNotes(notes: readonly string[]): void {
  for (const note of notes) process.stderr.write(`aekit: ${note}\n`);
}

/**
 * The test split `aekit train` would use when the data has none of its own and no flag chose one: a seeded
 * random DEFAULT_VALIDATION_SPLIT of the samples (and a note saying so).
 */
export function withTestSplit(train: Dataset, test: Dataset | null, testSource: string | null, spec: string, seed: number): { train: Dataset; test: Dataset; testSource: string; note: string | null } {
  if (test) return { train, test, testSource: testSource ?? spec, note: null };
  const { keep, held } = randomSplit(train.length, DEFAULT_VALIDATION_SPLIT, seed);
  const source = `a random ${DEFAULT_VALIDATION_SPLIT} of ${spec} (seed ${seed})`;
  const note = `${spec} has no test split: holding out ${source} (--test-data FILE or --validation-split F to choose)`;
  return { train: train.take(keep), test: train.take(held), testSource: source, note };
}

/**
 * Opens the data as `aekit train` does with its defaults (cli/train-data.ts): default mnist, the test split
 * (--test-data, the source's, --validation-split, else withTestSplit), the data kind's default preprocessing
 * fitted on the training split. Always in memory: these analyses need every sample at once. The notes are
 * returned, not printed (see AnalysisData.notes).
 */
export async function openAsTrain(req: DataRequest, seed: number): Promise<AnalysisData> {
  const spec = req.spec ?? 'mnist';
  const opened = await openData(spec, { ...req.options, seed });
  const { train: rawTrain, test: rawTest, testSource, note } = withTestSplit(opened.train, opened.test, opened.testSource, spec, seed);
  const preprocessing = defaultPreprocessing(opened.info, rawTrain);
  return {
    spec, info: opened.info, rawTrain, rawTest, train: preprocessing.apply(rawTrain), test: preprocessing.apply(rawTest), testSource,
    preprocessing, unitRange: preprocessing.method === 'scale' || preprocessing.method === 'minmax', notes: [...opened.notes, ...(note ? [note] : [])],
  };
}

/**
 * The preprocessing `aekit train` fits by default (see preprocessFor): images share one statistic over all
 * pixels, tables and sequences get one per feature.
 */
export function defaultPreprocessing(info: DataInfo, train: Dataset): Preprocessing {
  const method = preprocessFor(info);
  if (method === 'scale') return Preprocessing.scaleBy(info.valueRange![1]);
  return Preprocessing.fit(train, method, info.kind === 'image' ? 1 : featureAxis(info));
}

/** A model's sizes as the defaults give them for MNIST, and which of them the command line set. */
export interface Sizes {
  hidden: number[];
  latent: number;
  batchSize: number;
}

/**
 * Sizes meant for MNIST (784 values, 60000 samples) fitted to the data exactly as `aekit train` fits its presets
 * (cli/presets.ts fitToData): widths shrink in proportion for samples of fewer values (never below 2), and a
 * small table gets batches small enough for 50 steps per epoch over `trainSamples` (never below 16). A size
 * given on the command line is kept.
 */
export function fitSizes(sizes: Sizes, info: DataInfo, given: { [K in keyof Sizes]?: boolean }, trainSamples: number): Sizes {
  const flags = new Set([...(given.hidden ? ['hidden'] : []), ...(given.latent ? ['latent'] : []), ...(given.batchSize ? ['batch-size'] : [])]);
  const fitted = fitToData({ ...readTrainConfig({}), ...sizes, explicit: flags }, info, true, trainSamples);
  return { hidden: fitted.hidden, latent: fitted.latent, batchSize: fitted.batchSize };
}

/** Labels seen as classes: a name for each label and its index among the sorted labels present. */
export interface Classes {
  /** Sorted label values present in the given sets. */
  labels: number[];
  /** The class name of a label: the data's class name, else the number. */
  name(label: number): string;
  /** Labels as indices 0..K-1 into `labels` (the probe's softmax outputs, the SOM's colours). */
  indices(ds: Dataset): Int32Array;
}

/**
 * Checks that every set has labels and that there are at least two classes, in one line naming how to give
 * labels, and returns the classes. `command` starts the message ("probe needs labels: ...").
 */
export function labelClasses(command: string, info: DataInfo, sets: readonly (readonly [string, Dataset])[], minClasses = 2): Classes {
  const bare = sets.find(([, ds]) => !ds.labels);
  if (bare) {
    const which = sets.every(([, ds]) => !ds.labels) ? `${info.source} has none` : `its ${bare[0]} samples have none`;
    throw new UsageError(`${command} needs labels: give --label COLUMN (tables), class sub-folders (images), or an .npz with y (${which})`);
  }
  const seen = new Set<number>();
  for (const [, ds] of sets) for (const l of ds.labels!) seen.add(l);
  const labels = [...seen].sort((a, b) => a - b);
  const name = (l: number): string => info.classNames?.[l] ?? String(l);
  if (labels.length < minClasses) throw new Error(`${command} needs at least ${minClasses} classes, but every sample of ${info.source} is ${name(labels[0])}`);
  const index = new Map(labels.map((l, i) => [l, i]));
  return { labels, name, indices: (ds) => Int32Array.from(ds.labels!, (l) => index.get(l)!) };
}

/** A NaN or infinite metric is an error (an empty split, a diverged model), not a result. */
export function finite(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new Error(`${what} is ${v}: nothing to report`);
  return v;
}
