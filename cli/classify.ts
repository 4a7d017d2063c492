/**
 * `aekit classify`: classification by reconstruction (MISSION §4). One autoencoder per class, each trained
 * only on that class's samples; a test sample goes to the class whose autoencoder rebuilds it best. Prints the
 * accuracy and writes the confusion matrix as a figure and every test sample's prediction as a table.
 *
 * Below the command: what the commands that analyse data without a model file share (probe, classify, pca,
 * compare-pca, som): opening data as `aekit train` does, the built-in sets' default limits, labels as classes.
 */
import { join, resolve } from 'node:path';
import { describeData } from '../src/index.js';
import { accuracyScore, confusionMatrix, ReconstructionClassifier } from '../src/analysis/classify.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { type TableColumn, writeCsvFile } from '../src/io/tables.js';
import { confusionMatrixImage } from '../src/viz/confusion.js';
import { intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { writeOutputSet } from './output-set.js';
import { prepareOutputDir } from './safety.js';
import { BUILTIN_LIMITS, builtinDefaults, finite, fitSizes, labelClasses, openAsTrain, trainLimitAlias } from './analysis-data.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { printNotes } from './model-data.js';
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
                      (both sized for MNIST's 784 values: for smaller samples they shrink as in
                      'aekit train', unless given)
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
  prepareOutputDir(out);
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
  // A diverged class model scores NaN on everything (and would quietly lose every vote): refused, naming it.
  for (let i = 0; i < errors.length; i++) {
    finite(errors[i], `the reconstruction error of class ${classes.name(clf.classes[i % k])}'s autoencoder on test sample ${Math.floor(i / k) + 1}`);
  }
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
  const { given: _given, ...config } = cfg;
  const summary = {
    config: {
      ...config, hidden, code: latent, batchSize, out, data: data.spec, kind: data.info.kind, sampleShape: data.info.sampleShape,
      preprocessing: data.preprocessing.method, outputActivation, trainSamples: train.length, testSamples: test.length, testSource: data.testSource,
    },
    accuracy, classes: names, perClass, confusion, trainSeconds, files: Object.values(files),
  };
  const columns: TableColumn[] = [
    test.ids ? { name: 'id', values: test.ids } : { name: 'index', values: Int32Array.from({ length: test.length }, (_, i) => i) },
    { name: 'class', values: Array.from(test.labels!, (l) => classes.name(l)) },
    { name: 'predicted', values: Array.from(predictions, (l) => classes.name(l)) },
    ...names.map((name, c) => ({ name: `error ${name}`, values: Float64Array.from({ length: test.length }, (_, i) => errors[i * k + c]) })),
  ];
  await writeOutputSet(out, (at) => {
    writeFileAtomic(at(files.confusion), png);
    writeCsvFile(at(files.predictions), columns);
    writeFileAtomic(at(files.summary), `${JSON.stringify(summary, null, 2)}\n`);
  });
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
