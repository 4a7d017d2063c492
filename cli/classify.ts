/**
 * `aekit classify`: classification by reconstruction (MISSION §4). One autoencoder per digit, each trained
 * only on that digit; a test image goes to the digit whose autoencoder rebuilds it best. Prints the accuracy
 * and writes the confusion matrix as a figure.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMnist } from '../src/index.js';
import { ReconstructionClassifier } from '../src/analysis/classify.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { confusionMatrixImage } from '../src/viz/confusion.js';
import { intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';

export const help = `Usage: aekit classify [options]

Classification by reconstruction on MNIST: ten autoencoders, one per digit, each trained only on
images of its digit. A test image is assigned to the digit whose autoencoder reconstructs it with
the smallest mean squared error. No model ever sees a label during training; the labels only
decide which images each model trains on.

Options:
  --train-limit N     use the first N training images (default 10000, about 1000 per digit)
  --test-limit N      score the first N test images (default 10000)
  --hidden LIST       encoder hidden sizes of every autoencoder (default 128)
  --code N            code size (default 32)
  --epochs N          training epochs per autoencoder (default 10)
  --lr X              Adam learning rate (default 0.001)
  --batch-size N      (default 64)
  --seed N            seeds weights and shuffling (default 0)
  --out DIR           output folder (default ./aekit-out/classify)
  --json              print the summary as one JSON line on stdout (and nothing else)
  -h, --help          show this help

Writes DIR/confusion.png (rows: true digit, columns: predicted digit, counts in the cells, colour
= share of the row) and DIR/summary.json.
`;

const options = {
  'train-limit': { type: 'string' }, 'test-limit': { type: 'string' }, hidden: { type: 'string' }, code: { type: 'string' },
  epochs: { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' }, seed: { type: 'string' },
  out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

function readConfig(v: Parsed<typeof options>['values']) {
  return {
    trainLimit: intArg('train-limit', v['train-limit'] ?? '10000'),
    testLimit: intArg('test-limit', v['test-limit'] ?? '10000'),
    hidden: intListArg('hidden', v.hidden ?? '128'),
    code: intArg('code', v.code ?? '32'),
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
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true });
  const train = loadMnist('train', { limit: cfg.trainLimit });
  const test = loadMnist('test', { limit: cfg.testLimit });
  const clf = new ReconstructionClassifier({
    autoencoder: { hidden: cfg.hidden, latentDim: cfg.code, activation: 'relu', latentActivation: 'linear', outputActivation: 'sigmoid', seed: cfg.seed },
  });
  const start = performance.now();
  await clf.fit(train, undefined, {
    epochs: cfg.epochs, lr: cfg.lr, batchSize: cfg.batchSize, seed: cfg.seed, loss: 'mse',
    onClass: (label, _k, n) => process.stderr.write(`aekit: training the autoencoder of digit ${label} on ${n} images\n`),
  });
  const trainSeconds = (performance.now() - start) / 1000;
  const report = clf.evaluate(test);
  const perClass = report.confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return { digit: report.classes[i], samples: total, recall: total ? row[i] / total : NaN };
  });
  const files = { confusion: join(out, 'confusion.png'), summary: join(out, 'summary.json') };
  const { png } = await confusionMatrixImage(report.confusion, {
    labels: report.classes.map(String),
    title: `Classification by reconstruction: accuracy ${(100 * report.accuracy).toFixed(1)} %`,
  });
  writeFileAtomic(files.confusion, png);
  const summary = {
    config: { ...cfg, out, data: 'mnist', trainImages: train.length, testImages: test.length },
    accuracy: report.accuracy, perClass, confusion: report.confusion, trainSeconds, files: Object.values(files),
  };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `accuracy ${report.accuracy.toFixed(4)} on ${test.length} test images (10 autoencoders 784-[${cfg.hidden.join(',')}]-${cfg.code}, ` +
        `${cfg.epochs} epochs each, ${trainSeconds.toFixed(1)} s)\n` +
        `recall per digit: ${perClass.map((c) => `${c.digit}: ${c.recall.toFixed(3)}`).join('  ')}\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
