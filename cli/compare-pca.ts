/**
 * `aekit compare-pca`: PCA against autoencoders on any table or images (default MNIST), test reconstruction
 * error per code size, as a table and a plot (MISSION §5). `--deep` runs the Hinton & Salakhutdinov comparison
 * instead (30-d code).
 */
import { join, resolve } from 'node:path';
import { describeData, getBackend } from '../src/index.js';
import {
  architecture, comparePca, comparePcaChart, comparePcaTable, type ComparePcaResult, type ComparePcaRow, DEEP_CODE,
  DEEP_SETUP, DEFAULT_SETUP,
} from '../src/analysis/compare-pca.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { writeOutputSet } from './output-set.js';
import { prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { TrainProgress } from './progress.js';
import { DEFAULT_VALIDATION_SPLIT } from './train-data.js';
import { printNotes } from './model-data.js';
import { finite, fitSizes, openAsTrain } from './analysis-data.js';

export const help = `Usage: aekit compare-pca [--data SPEC] [options]

Fits PCA and trains an autoencoder for each code size on the training samples, then measures
both on the test samples: mean squared error per value and summed squared error per sample.

Data: default MNIST; any table or images (--data, see below; sequences are read as rows of
steps x features), preprocessed as 'aekit train' would (images scaled to [0, 1], tables
standardized), fitted on the training split; errors are in those units. The test split is
--test-data, the source's own, --validation-split F, or else a seeded random ${DEFAULT_VALIDATION_SPLIT} of the samples.

The autoencoder is d-256-k-256-d: ReLU hidden layer, linear code, sigmoid output (linear for
data not scaled to [0, 1]), MSE, Adam (lr 0.001), batch 128. PCA is fitted in float64
(covariance eigendecomposition, ~10 s for MNIST's 784 pixels). Time on MNIST on the reference
backend (~1000 samples/s for this model): about 10 minutes with --limit 10000, about an hour
with all 60000 training images (5 codes x 10 epochs).

Options:
  --codes LIST       code sizes, each at most the values per sample and the training samples
                     (default 2,8,16,32,64, those the data allows)
  --hidden LIST      autoencoder hidden sizes (default 256; '' or none for d-k-d)
  --epochs N         autoencoder epochs per code size (default 10)
  --lr X             Adam learning rate (default 0.001)
  --batch-size N     samples per step (default 128; for a small table, small enough for 50
                     steps per epoch, at least 16, as in 'aekit train')
  --seed N           seeds weights, shuffling and the validation split (default 0)
  --deep             instead: 30-d code, PCA vs the deep d-1000-500-250-30 autoencoder of
                     Hinton & Salakhutdinov (2006), reporting summed squared error per test
                     sample: on MNIST, the unit of their published figure, to compare with it.
                     Slow: 2.8 M weights, ~7x the default model (~170 samples/s on the
                     reference backend): about 6 minutes per epoch over all 60000 images,
                     so 10 epochs take an hour (try --limit 10000 --epochs 5 first)
  --out DIR          output folder, created if needed (default ./aekit-out/compare-pca)
  --json             print the summary as one JSON line on stdout (and nothing else)
  -h, --help         show this help
${DATA_HELP}
Writes DIR/table.md, table.csv, mse.svg, mse.png (test MSE against code size, log scale; not with
--deep) and summary.json. Progress goes to stderr. Ctrl-C stops the current training and writes
the rows finished so far (exit code 130).
`;

const options = {
  ...DATA_OPTIONS,
  codes: { type: 'string' },
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
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
  const codes = deep ? [DEEP_CODE] : intListArg('codes', v.codes ?? DEFAULT_CODES);
  if (codes.length === 0) throw new UsageError('--codes needs at least one code size');
  return {
    deep,
    codes,
    codesGiven: deep || v.codes !== undefined,
    batchGiven: v['batch-size'] !== undefined,
    setup: {
      ...base,
      hidden: deep ? base.hidden : intListArg('hidden', v.hidden ?? '256'),
      epochs: intArg('epochs', v.epochs ?? String(base.epochs)),
      lr: positiveArg('lr', v.lr ?? String(base.lr)),
      batchSize: intArg('batch-size', v['batch-size'] ?? String(base.batchSize)),
      seed: intArg('seed', v.seed ?? '0', 0),
    },
    out: v.out ?? './aekit-out/compare-pca',
  };
}

const DEFAULT_CODES = '2,8,16,32,64';

/**
 * The code sizes the data allows: PCA has at most min(values per sample, training samples) components. Given
 * codes beyond that are a usage error; default ones are dropped (a 10-feature table gets 2 and 8).
 */
function fitCodes(codes: number[], given: boolean, d: number, n: number, spec: string, what: string): number[] {
  const max = Math.min(d, n);
  const bad = codes.filter((k) => k > max);
  if (bad.length && given) {
    throw new UsageError(`--codes: ${bad[0]} is larger than ${d < n ? `the ${d} values per sample of ${spec} (${what})` : `the ${n} training samples (PCA has at most that many components)`}`);
  }
  const kept = codes.filter((k) => k <= max);
  return kept.length ? kept : [max];
}

function rowLine(r: ComparePcaRow): string {
  return `code ${String(r.code).padStart(3)}: PCA MSE ${r.pcaMse.toFixed(5)} (SSE/sample ${r.pcaSse.toFixed(2)}), ` +
    `AE MSE ${r.aeMse.toFixed(5)} (SSE/sample ${r.aeSse.toFixed(2)}), ${r.aeEpochs} epoch(s) in ${r.aeSeconds.toFixed(1)} s\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('compare-pca', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('compare-pca', given, []);
  const cfg = readConfig(values);
  const req = readDataArgs(values, cfg.setup.seed);
  const out = resolve(cfg.out);
  prepareOutputDir(out); // now, so an unwritable --out fails before minutes of training

  const data = await openAsTrain(req, cfg.setup.seed);
  const d = data.train.sampleSize;
  const train = data.train.reshape([d]), test = data.test.reshape([d]);
  const codes = fitCodes(cfg.codes, cfg.codesGiven, d, train.length, data.spec, describeData(data.info));
  printNotes(data.notes);
  // A sigmoid cannot reach standardized values outside (0, 1), as in 'aekit train'; a small table gets smaller
  // batches, as in 'aekit train' (the hidden widths are kept: shrunk, they could be narrower than the code).
  const { batchSize } = fitSizes({ ...cfg.setup, latent: codes[0] }, data.info, { hidden: true, latent: true, batchSize: cfg.batchGiven }, train.length);
  const setup = { ...cfg.setup, batchSize, outputActivation: data.unitRange ? cfg.setup.outputActivation : 'linear' as const };
  const backend = getBackend();
  process.stderr.write(
    `aekit: PCA vs ${architecture(d, setup)} autoencoders (${setup.outputActivation} output), codes ${codes.join(',')}: ${train.length} training and ` +
      `${test.length} test samples of ${data.spec} (${describeData(data.info)}; test: ${data.testSource}; preprocessing ${data.preprocessing.method}), ` +
      `Adam lr ${setup.lr}, batch ${setup.batchSize}, ${setup.epochs} epochs, seed ${setup.seed}, backend ${backend.name}\n`,
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
      train, test, codes, ...setup, signal: controller.signal,
      callbacks: (k) => {
        process.stderr.write(`aekit: code ${k}: training ${architecture(d, setup, k)}\n`);
        progress = new TrainProgress(cfg.setup.epochs);
        return [progress];
      },
      onRow: (r) => {
        // At once: a diverged code size fails the command before the others train (and before any file).
        for (const [name, v] of [['PCA', r.pcaMse], ['autoencoder', r.aeMse]] as const) finite(v, `the ${name} test MSE at code ${r.code}`);
        process.stderr.write(rowLine(r));
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.rows.length === 0) throw new Error('interrupted before the first code size finished; nothing written');
  for (const r of result.rows) for (const [name, v] of [['PCA', r.pcaMse], ['autoencoder', r.aeMse]] as const) finite(v, `the ${name} test MSE at code ${r.code}`);

  const files: Record<string, string> = { tableMd: join(out, 'table.md'), tableCsv: join(out, 'table.csv') };
  if (!cfg.deep) Object.assign(files, { svg: join(out, 'mse.svg'), png: join(out, 'mse.png') });
  files.summary = join(out, 'summary.json');
  const chart = cfg.deep ? null : await comparePcaChart(result, { title: `${data.spec} test MSE: PCA vs ${architecture(d, setup)} autoencoder` });
  const deep = cfg.deep
    ? { code: DEEP_CODE, layers: architecture(d, setup, DEEP_CODE), pcaSsePerImage: result.rows[0].pcaSse, aeSsePerImage: result.rows[0].aeSse }
    : null;
  const summary = {
    data: data.spec, kind: data.info.kind, sampleShape: data.info.sampleShape, preprocessing: data.preprocessing.method, testSource: data.testSource,
    ...result, deep, backend: backend.name, files: Object.values(files),
  };
  await writeOutputSet(out, (at) => {
    writeFileAtomic(at(files.tableMd), comparePcaTable(result, 'markdown'));
    writeFileAtomic(at(files.tableCsv), comparePcaTable(result, 'csv'));
    if (chart) {
      writeFileAtomic(at(files.svg), chart.svg);
      writeFileAtomic(at(files.png), chart.png);
    }
    writeFileAtomic(at(files.summary), `${JSON.stringify(summary, null, 2)}\n`);
  });

  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (deep) {
    process.stdout.write(
      `squared error per test sample (sum over its ${d} values${data.unitRange ? ' in [0, 1]' : `, ${data.preprocessing.method}`}, ${test.length} test samples):\n` +
        `  PCA, 30 components         ${deep.pcaSsePerImage.toFixed(3)}\n` +
        `  autoencoder ${deep.layers}  ${deep.aeSsePerImage.toFixed(3)}\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  } else {
    process.stdout.write(`${comparePcaTable(result, 'markdown')}wrote ${Object.values(files).join('\n      ')}\n`);
  }
  return result.stopReason === 'aborted' ? 130 : 0;
}
