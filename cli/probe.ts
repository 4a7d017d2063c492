/**
 * `aekit probe [MODEL...]`: feature learning (MISSION §4). Linear-probe test accuracy for raw features, PCA
 * codes and autoencoder codes of the same size, as one table: autoencoders trained here, or the models given
 * (any kind, each fed the samples its own way).
 */
import { basename, join, resolve } from 'node:path';
import { type DataInfo, type Dataset, describeData, type Preprocessing } from '../src/index.js';
import { DEFAULT_SETUP } from '../src/analysis/compare-pca.js';
import { featureComparison, featureComparisonTable, type FeatureRow, type ProbedEncoder } from '../src/analysis/probe.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { choiceArg, intArg, intListArg, type Parsed, parseCommand, positiveArg } from './args.js';
import { prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, type DataRequest, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { checkFits, loadBundle, type ModelBundle, openForModel, printNotes } from './model-data.js';
import { DEFAULT_VALIDATION_SPLIT, withTestSplit } from './train-data.js';
import { BUILTIN_LIMITS, builtinDefaults, type Classes, finite, fitSizes, labelClasses, openAsTrain, type Sizes, trainLimitAlias } from './analysis-data.js';

export const help = `Usage: aekit probe [MODEL...] [--data SPEC] [options]

How useful are autoencoder codes as features? A linear probe (softmax regression trained with
cross-entropy and Adam) learns the class from each kind of feature on the training samples and is
scored on the test samples:
  raw          the sample's values (preprocessed, see below)
  pca          the first k principal components (fitted on the training samples; k at most the
               number of values per sample)
  autoencoder  the k-wide code of an autoencoder trained here on the same samples (d-[256]-k,
               linear code), or of each MODEL given (any kind: its code, flattened)
Each feature is centred and all are divided by one overall scale (training statistics), so every
kind of feature suits the same learning rate; --scaling feature uses per-feature z-scores instead.

Data: default MNIST, or with MODELs the data the first one was trained on (and its test split);
--data SPEC probes other data (it needs labels: --label COLUMN for a table, one sub-folder per
class for images, y in an .npz). The test split is --test-data, the source's own, --validation-split
F, or else a seeded random ${DEFAULT_VALIDATION_SPLIT} of the samples. Raw features and PCA see the samples preprocessed
as 'aekit train' would (images scaled to [0, 1], tables standardized, fitted on the training
split), or with MODELs as the first one was trained; every MODEL sees them its own way, and a
model whose input does not fit the data is refused.

Options:
  --codes LIST        code sizes k, comma-separated (default 32, shrunk for samples of fewer than
                      784 values as 'aekit train' shrinks its presets)
  --hidden LIST       autoencoder hidden sizes (default 256, shrunk likewise)
                      (autoencoders and probes train in batches of 128; for a small table, small
                      enough for 50 steps per epoch, at least 16, as in 'aekit train')
  --ae-epochs N       autoencoder training epochs (default 10)
  --model FILE        probe the codes of a saved model (same as giving FILE as MODEL)
  --epochs N          probe epochs (default 20)
  --lr X              probe learning rate (default 0.01)
  --scaling NAME      global, feature or none (default global)
  --seed N            seeds every model, shuffle and the validation split (default 0)
  --train-limit N     same as --limit
  --out DIR           output folder (default ./aekit-out/probe)
  --json              print the summary as one JSON line on stdout (and nothing else)
  -h, --help          show this help
${DATA_HELP}  MNIST and Fashion-MNIST: --limit and --test-limit default to 10000 (your own data: all of it).

Writes DIR/summary.json: one row per feature kind and code size with train and test accuracy and
the test accuracy within each class (by class name where the data has them).
`;

const options = {
  ...DATA_OPTIONS,
  'train-limit': { type: 'string' }, codes: { type: 'string' }, hidden: { type: 'string' },
  'ae-epochs': { type: 'string' }, model: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' },
  scaling: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** The batch size of the probes and of the autoencoders trained here (compare-pca's DEFAULT_SETUP). */
const BATCH_SIZE = DEFAULT_SETUP.batchSize;

function readConfig(v: Parsed<typeof options>['values'], models: string[]) {
  const codes = intListArg('codes', v.codes ?? '32');
  if (codes.length === 0) throw new UsageError('--codes needs at least one code size');
  if (models.length && v.codes !== undefined) throw new UsageError('--codes and a MODEL exclude each other (the model fixes the code size)');
  if (models.length && (v.hidden !== undefined || v['ae-epochs'] !== undefined)) {
    throw new UsageError(`--${v.hidden !== undefined ? 'hidden' : 'ae-epochs'} is for the autoencoders probe trains, and with a MODEL it trains none`);
  }
  return {
    codes,
    hidden: intListArg('hidden', v.hidden ?? '256'),
    given: { hidden: v.hidden !== undefined, latent: v.codes !== undefined },
    aeEpochs: intArg('ae-epochs', v['ae-epochs'] ?? '10'),
    models,
    epochs: intArg('epochs', v.epochs ?? '20'),
    lr: positiveArg('lr', v.lr ?? '0.01'),
    scaling: choiceArg('scaling', v.scaling ?? 'global', ['global', 'feature', 'none'] as const),
    seed: intArg('seed', v.seed ?? '0', 0),
    out: v.out ?? './aekit-out/probe',
  };
}

/** The samples to probe, in data units, and the preprocessing raw features and PCA see. */
interface ProbeData {
  spec: string;
  info: DataInfo;
  train: Dataset;
  test: Dataset;
  testSource: string;
  preprocessing: Preprocessing;
  notes: string[];
}

/** With models: the data the first was trained on (or --data read its way), split like `aekit train`. */
async function openForModels(bundles: ModelBundle[], req: DataRequest, seed: number): Promise<ProbeData> {
  const first = bundles[0];
  const md = await openForModel(first, builtinDefaults(req, BUILTIN_LIMITS, req.spec ?? first.info.source));
  const { train, test, testSource, note } = withTestSplit(md.train, md.test, md.testSource, md.spec, seed);
  return { spec: md.spec, info: md.info, train, test, testSource, preprocessing: first.preprocessing, notes: [...md.notes, ...(note ? [note] : [])] };
}

/** A model trained on other columns than the data was read with is refused (same shape is not enough). */
function checkColumns(b: ModelBundle, info: DataInfo, spec: string): void {
  const want = b.info.columns?.features, have = info.columns?.features;
  if (!want || !have || want.join('\u0000') === have.join('\u0000')) return;
  const i = want.findIndex((n, j) => n !== have[j]);
  throw new Error(`${b.path} was trained on the columns ${want.join(', ')}, but ${spec} is read as ${have.join(', ')} (feature ${i + 1}: ${JSON.stringify(have[i])} for ${JSON.stringify(want[i])}); probe it on its own`);
}

/** A row for the summary: its per-class accuracies by class name. */
function summaryRow(r: FeatureRow, classes: Classes): Record<string, unknown> {
  const { testPerClass, ...rest } = r;
  return { ...rest, perClass: testPerClass.map((c) => ({ class: classes.name(classes.labels[c.label]), samples: c.samples, recall: c.recall })) };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('probe', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const models = [...given, ...(values.model !== undefined ? [values.model] : [])];
  const cfg = readConfig(values, models);
  const req = readDataArgs(trainLimitAlias(values), cfg.seed);
  const out = resolve(cfg.out);
  prepareOutputDir(out);
  const bundles = models.map(loadBundle);

  let data: ProbeData;
  if (bundles.length) data = await openForModels(bundles, req, cfg.seed);
  else {
    const td = await openAsTrain(builtinDefaults(req, BUILTIN_LIMITS), cfg.seed);
    data = { spec: td.spec, info: td.info, train: td.rawTrain, test: td.rawTest, testSource: td.testSource, preprocessing: td.preprocessing, notes: td.notes };
  }
  const { spec, info } = data;
  const classes = labelClasses('probe', info, [['training', data.train], ['test', data.test]]);
  for (const b of bundles) {
    checkFits(b, info, spec);
    checkColumns(b, info, spec);
  }
  printNotes(data.notes);
  const d = data.train.sampleSize;
  const asInput = (p: Preprocessing, ds: Dataset, shape: readonly number[]): Dataset => p.apply(ds).reshape(shape);
  const train = asInput(data.preprocessing, data.train, [d]).withMeta({ labels: classes.indices(data.train) });
  const test = asInput(data.preprocessing, data.test, [d]).withMeta({ labels: classes.indices(data.test) });
  const encoders: ProbedEncoder[] = bundles.map((b) => ({
    name: basename(b.path), encoder: b.model,
    train: asInput(b.preprocessing, data.train, b.model.inputShape), test: asInput(b.preprocessing, data.test, b.model.inputShape),
  }));
  const fit = (latent: number): Sizes => fitSizes({ hidden: cfg.hidden, latent, batchSize: BATCH_SIZE }, info, cfg.given, train.length);
  const codes = cfg.codes.map((k) => fit(k).latent);
  // Both the autoencoders and the probes train in batches of this size (a small table: smaller ones).
  const { hidden, batchSize } = fit(cfg.codes[0]);
  const tooWide = bundles.length ? [] : codes.filter((k) => k > Math.min(d, train.length));
  if (tooWide.length) process.stderr.write(`aekit: no PCA row for code size ${tooWide.join(', ')}: PCA has at most ${Math.min(d, train.length)} components here\n`);
  process.stderr.write(
    `aekit: linear probes on ${train.length} training and ${test.length} test samples of ${spec} (${describeData(info)}, ${classes.labels.length} classes; ` +
      `test: ${data.testSource}; preprocessing ${data.preprocessing.method})\n`,
  );
  const rows = await featureComparison({
    train, test, codes, ...(encoders.length ? { encoders } : {}),
    autoencoder: { hidden, epochs: cfg.aeEpochs, seed: cfg.seed, batchSize },
    probe: { epochs: cfg.epochs, lr: cfg.lr, seed: cfg.seed, scaling: cfg.scaling, classes: classes.labels.length, batchSize },
    onRow: (r) => process.stderr.write(`aekit: ${r.model ?? r.features} (${r.dim}): test accuracy ${r.testAccuracy.toFixed(4)}\n`),
  });
  for (const r of rows) finite(r.testAccuracy, `the test accuracy of ${r.model ?? r.features} (${r.dim})`);
  const files = { summary: join(out, 'summary.json') };
  const { given: _given, ...config } = cfg;
  const summary = {
    config: {
      ...config, codes: bundles.length ? null : codes, hidden: bundles.length ? null : hidden, batchSize, out,
      data: spec, kind: info.kind, sampleShape: info.sampleShape, preprocessing: data.preprocessing.method,
      trainSamples: train.length, testSamples: test.length, testSource: data.testSource,
    },
    classes: classes.labels.map((l) => classes.name(l)),
    rows: rows.map((r) => summaryRow(r, classes)),
    files: Object.values(files),
  };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const perClass = classes.labels.length <= 12
      ? rows.map((r) => `  ${r.model ?? r.features} (${r.dim}): ${r.testPerClass.map((c) => `${classes.name(classes.labels[c.label])} ${c.recall.toFixed(3)}`).join('  ')}\n`).join('')
      : '';
    process.stdout.write(`${featureComparisonTable(rows)}${perClass ? `test accuracy per class:\n${perClass}` : ''}wrote ${files.summary}\n`);
  }
  return 0;
}
