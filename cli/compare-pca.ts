/**
 * `aekit compare-pca`: PCA against autoencoders on MNIST, test reconstruction error per code size, as a table
 * and a plot (MISSION §5). `--deep` runs the Hinton & Salakhutdinov comparison instead (30-d code).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getBackend, loadMnist } from '../src/index.js';
import {
  architecture, comparePca, comparePcaChart, comparePcaTable, type ComparePcaResult, type ComparePcaRow, DEEP_CODE,
  DEEP_SETUP, DEFAULT_SETUP,
} from '../src/analysis/compare-pca.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { UsageError } from './errors.js';
import { TrainProgress } from './progress.js';

export const help = `Usage: aekit compare-pca [options]

Fits PCA and trains an autoencoder for each code size on MNIST training images, then measures
both on MNIST test images: mean squared error per pixel and summed squared error per image.

The autoencoder is 784-256-k-256-784: ReLU hidden layer, linear code, sigmoid output, MSE,
Adam (lr 0.001), batch 128. PCA is fitted in float64 (covariance eigendecomposition, ~10 s).
Time on the reference backend (~1000 samples/s for this model): about 10 minutes with
--limit 10000, about an hour with all 60000 training images (5 codes x 10 epochs).

Options:
  --codes LIST       code sizes (default 2,8,16,32,64)
  --hidden LIST      autoencoder hidden sizes (default 256; '' or none for 784-k-784)
  --epochs N         autoencoder epochs per code size (default 10)
  --lr X             Adam learning rate (default 0.001)
  --batch-size N     samples per step (default 128)
  --seed N           seeds weights and shuffling (default 0)
  --limit N          train on the first N training images (default all 60000)
  --test-limit N     test on the first N test images (default all 10000)
  --deep             instead: 30-d code, PCA vs the deep 784-1000-500-250-30 autoencoder of
                     Hinton & Salakhutdinov (2006), reporting summed squared error per test
                     image: the unit of their published figure, to compare with it.
                     Slow: 2.8 M weights, ~7x the default model (~170 samples/s on the
                     reference backend): about 6 minutes per epoch over all 60000 images,
                     so 10 epochs take an hour (try --limit 10000 --epochs 5 first)
  --out DIR          output folder, created if needed (default ./aekit-out/compare-pca)
  --json             print the summary as one JSON line on stdout (and nothing else)
  -h, --help         show this help

Writes DIR/table.md, table.csv, mse.svg, mse.png (test MSE against code size, log scale; not with
--deep) and summary.json. Progress goes to stderr. Ctrl-C stops the current training and writes
the rows finished so far (exit code 130).
`;

const options = {
  codes: { type: 'string' },
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  deep: { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readConfig(v: Parsed<typeof options>['values']) {
  const deep = v.deep === true;
  if (deep && (v.codes !== undefined || v.hidden !== undefined)) {
    throw new UsageError("--deep fixes the code (30) and the layers (1000,500,250): drop --codes and --hidden (see 'aekit compare-pca --help')");
  }
  const base = deep ? DEEP_SETUP : DEFAULT_SETUP;
  const codes = deep ? [DEEP_CODE] : intListArg('codes', v.codes ?? '2,8,16,32,64');
  if (codes.length === 0) throw new UsageError('--codes needs at least one code size');
  for (const k of codes) if (k > 784) throw new UsageError(`--codes: ${k} is larger than the 784 pixels of an MNIST image`);
  return {
    deep,
    codes,
    setup: {
      ...base,
      hidden: deep ? base.hidden : intListArg('hidden', v.hidden ?? '256'),
      epochs: intArg('epochs', v.epochs ?? String(base.epochs)),
      lr: positiveArg('lr', v.lr ?? String(base.lr)),
      batchSize: intArg('batch-size', v['batch-size'] ?? String(base.batchSize)),
      seed: intArg('seed', v.seed ?? '0', 0),
    },
    limit: v.limit === undefined ? undefined : intArg('limit', v.limit),
    testLimit: v['test-limit'] === undefined ? undefined : intArg('test-limit', v['test-limit']),
    out: v.out ?? './aekit-out/compare-pca',
  };
}

function rowLine(r: ComparePcaRow): string {
  return `code ${String(r.code).padStart(3)}: PCA MSE ${r.pcaMse.toFixed(5)} (SSE/image ${r.pcaSse.toFixed(2)}), ` +
    `AE MSE ${r.aeMse.toFixed(5)} (SSE/image ${r.aeSse.toFixed(2)}), ${r.aeEpochs} epoch(s) in ${r.aeSeconds.toFixed(1)} s\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('compare-pca', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('compare-pca', given, []);
  const cfg = readConfig(values);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true }); // now, so an unwritable --out fails before minutes of training

  const train = loadMnist('train', { limit: cfg.limit });
  const test = loadMnist('test', { limit: cfg.testLimit });
  const backend = getBackend();
  process.stderr.write(
    `aekit: PCA vs ${architecture(784, cfg.setup)} autoencoders, codes ${cfg.codes.join(',')}: ${train.length} training and ` +
      `${test.length} test MNIST images, Adam lr ${cfg.setup.lr}, batch ${cfg.setup.batchSize}, ${cfg.setup.epochs} epochs, ` +
      `seed ${cfg.setup.seed}, backend ${backend.name}\n`,
  );

  const controller = new AbortController();
  let progress: TrainProgress | null = null;
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    const msg = 'aekit: interrupted; stopping this training and writing the rows finished so far (Ctrl-C again to quit now)\n';
    if (progress) progress.note(msg);
    else process.stderr.write(msg);
  };
  process.on('SIGINT', onSigint);
  let result: ComparePcaResult;
  try {
    result = await comparePca({
      train, test, codes: cfg.codes, ...cfg.setup, signal: controller.signal,
      callbacks: (k) => {
        process.stderr.write(`aekit: code ${k}: training ${architecture(784, cfg.setup, k)}\n`);
        progress = new TrainProgress(cfg.setup.epochs);
        return [progress];
      },
      onRow: (r) => process.stderr.write(rowLine(r)),
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.rows.length === 0) throw new Error('interrupted before the first code size finished; nothing written');

  const files: Record<string, string> = { tableMd: join(out, 'table.md'), tableCsv: join(out, 'table.csv') };
  if (!cfg.deep) Object.assign(files, { svg: join(out, 'mse.svg'), png: join(out, 'mse.png') });
  files.summary = join(out, 'summary.json');
  writeFileAtomic(files.tableMd, comparePcaTable(result, 'markdown'));
  writeFileAtomic(files.tableCsv, comparePcaTable(result, 'csv'));
  if (!cfg.deep) {
    const chart = await comparePcaChart(result, { title: `MNIST test MSE: PCA vs ${architecture(784, cfg.setup)} autoencoder` });
    writeFileAtomic(files.svg, chart.svg);
    writeFileAtomic(files.png, chart.png);
  }
  const deep = cfg.deep
    ? { code: DEEP_CODE, layers: architecture(784, cfg.setup, DEEP_CODE), pcaSsePerImage: result.rows[0].pcaSse, aeSsePerImage: result.rows[0].aeSse }
    : null;
  const summary = { data: 'mnist', ...result, deep, backend: backend.name, files: Object.values(files) };
  writeFileAtomic(files.summary, `${JSON.stringify(summary, null, 2)}\n`);

  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (deep) {
    process.stdout.write(
      `squared error per test image (sum over 784 pixels in [0, 1], ${test.length} test images):\n` +
        `  PCA, 30 components         ${deep.pcaSsePerImage.toFixed(3)}\n` +
        `  autoencoder ${deep.layers}  ${deep.aeSsePerImage.toFixed(3)}\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  } else {
    process.stdout.write(`${comparePcaTable(result, 'markdown')}wrote ${Object.values(files).join('\n      ')}\n`);
  }
  return result.stopReason === 'aborted' ? 130 : 0;
}
