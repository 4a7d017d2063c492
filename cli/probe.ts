/**
 * `aekit probe`: feature learning (MISSION §4). Linear-probe test accuracy on MNIST for raw pixels, PCA codes
 * and autoencoder codes of the same size, as one table.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMnist, loadModel } from '../src/index.js';
import { type Encoder, featureComparison, featureComparisonTable } from '../src/analysis/probe.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { choiceArg, intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { UsageError } from './errors.js';

export const help = `Usage: aekit probe [options]

How useful are autoencoder codes as features? A linear probe (softmax regression trained with
cross-entropy and Adam) learns the digit from each kind of feature on MNIST training images and is
scored on test images:
  raw          the 784 pixels
  pca          the first k principal components (fitted on the training images)
  autoencoder  the k-wide code of an autoencoder trained on the same images (784-[256]-k, linear code)
Each feature is centred and all are divided by one overall scale (training statistics), so every
kind of feature suits the same learning rate; --scaling feature uses per-feature z-scores instead.

Options:
  --train-limit N     first N training images (default 10000)
  --test-limit N      first N test images (default 10000)
  --codes LIST        code sizes k, comma-separated (default 32)
  --hidden LIST       autoencoder hidden sizes (default 256)
  --ae-epochs N       autoencoder training epochs (default 10)
  --model FILE        probe the codes of a saved model instead (its code size sets k)
  --epochs N          probe epochs (default 20)
  --lr X              probe learning rate (default 0.01)
  --scaling NAME      global, feature or none (default global)
  --seed N            seeds every model and shuffle (default 0)
  --out DIR           output folder (default ./aekit-out/probe)
  --json              print the summary as one JSON line on stdout (and nothing else)
  -h, --help          show this help

Writes DIR/summary.json.
`;

const options = {
  'train-limit': { type: 'string' }, 'test-limit': { type: 'string' }, codes: { type: 'string' }, hidden: { type: 'string' },
  'ae-epochs': { type: 'string' }, model: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' },
  scaling: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

function readConfig(v: Parsed<typeof options>['values']) {
  const codes = intListArg('codes', v.codes ?? '32');
  if (codes.length === 0) throw new UsageError('--codes needs at least one code size');
  if (v.model !== undefined && v.codes !== undefined) throw new UsageError('--codes and --model exclude each other (the model fixes the code size)');
  return {
    trainLimit: intArg('train-limit', v['train-limit'] ?? '10000'),
    testLimit: intArg('test-limit', v['test-limit'] ?? '10000'),
    codes,
    hidden: intListArg('hidden', v.hidden ?? '256'),
    aeEpochs: intArg('ae-epochs', v['ae-epochs'] ?? '10'),
    model: v.model,
    epochs: intArg('epochs', v.epochs ?? '20'),
    lr: positiveArg('lr', v.lr ?? '0.01'),
    scaling: choiceArg('scaling', v.scaling ?? 'global', ['global', 'feature', 'none'] as const),
    seed: intArg('seed', v.seed ?? '0', 0),
    out: v.out ?? './aekit-out/probe',
  };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('probe', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('probe', given, []);
  const cfg = readConfig(values);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true });
  let encoder: Encoder | undefined;
  if (cfg.model !== undefined) {
    const m = loadModel(cfg.model) as unknown as Partial<Encoder>;
    if (typeof m.encode !== 'function') throw new Error(`${cfg.model}: a ${m.constructor?.name ?? 'model'} has no encoder to probe`);
    encoder = m as Encoder;
  }
  const train = loadMnist('train', { limit: cfg.trainLimit });
  const test = loadMnist('test', { limit: cfg.testLimit });
  process.stderr.write(`aekit: linear probes on ${train.length} training and ${test.length} test images\n`);
  const rows = await featureComparison({
    train, test, codes: cfg.codes, encoder,
    autoencoder: { hidden: cfg.hidden, epochs: cfg.aeEpochs, seed: cfg.seed },
    probe: { epochs: cfg.epochs, lr: cfg.lr, seed: cfg.seed, scaling: cfg.scaling },
    onRow: (r) => process.stderr.write(`aekit: ${r.features} (${r.dim}): test accuracy ${r.testAccuracy.toFixed(4)}\n`),
  });
  const files = { summary: join(out, 'summary.json') };
  const summary = { config: { ...cfg, out, data: 'mnist', trainImages: train.length, testImages: test.length }, rows, files: Object.values(files) };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${featureComparisonTable(rows)}wrote ${files.summary}\n`);
  return 0;
}
