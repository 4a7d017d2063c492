/**
 * `aekit som`: trains a self-organizing map on MNIST digits and writes its U-matrix, its label map and a
 * summary (quantization and topographic error). The labels are only used to draw the map, never to train.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMnist, writePng } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { SOM } from '../src/models/som.js';
import { labelMapImage, uMatrixImage } from '../src/viz/som.js';
import { choiceArg, intArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';

export const help = `Usage: aekit som [options]

Trains a self-organizing (Kohonen) map on MNIST training images and writes pictures of it.
Each step takes the next image (seeded random order), finds its best-matching node and pulls that
node and its grid neighbours towards it; the neighbourhood radius and the learning rate shrink
over the iterations. Labels are not used for training, only to name the nodes afterwards.

Options:
  --rows N            map rows (default 10)
  --cols N            map columns (default 10)
  --iterations N      single-image updates (default 10000)
  --limit N           train on the first N training images (default 2000)
  --sigma X           initial neighbourhood radius in grid cells (default max(rows, cols) / 2)
  --lr X              initial learning rate (default 0.5)
  --decay NAME        exponential or linear (default exponential)
  --seed N            seeds the initial weights and the image order (default 0)
  --out DIR           output folder, created if needed (default ./aekit-out/som)
  --json              print the summary as one JSON line on stdout (and nothing else)
  -h, --help          show this help

Writes DIR/umatrix.png (dark = far from neighbouring nodes: borders between clusters),
DIR/labels.png (each node's majority digit, coloured) and DIR/summary.json.
`;

const options = {
  rows: { type: 'string' },
  cols: { type: 'string' },
  iterations: { type: 'string' },
  limit: { type: 'string' },
  sigma: { type: 'string' },
  lr: { type: 'string' },
  decay: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every flag checked up front, so a typo fails before the data is loaded. */
function readConfig(v: Parsed<typeof options>['values']) {
  const rows = intArg('rows', v.rows ?? '10');
  const cols = intArg('cols', v.cols ?? '10');
  return {
    rows,
    cols,
    iterations: intArg('iterations', v.iterations ?? '10000'),
    limit: intArg('limit', v.limit ?? '2000'),
    sigma: v.sigma === undefined ? Math.max(rows, cols) / 2 : positiveArg('sigma', v.sigma),
    lr: positiveArg('lr', v.lr ?? '0.5'),
    decay: choiceArg('decay', v.decay ?? 'exponential', ['exponential', 'linear'] as const),
    seed: intArg('seed', v.seed ?? '0', 0),
    out: v.out ?? './aekit-out/som',
  };
}

const round = (v: number): number => Number(v.toPrecision(6));

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('som', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('som', given, []);
  const cfg = readConfig(values);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true }); // now, so an unwritable --out fails before training

  const data = loadMnist('train', { limit: cfg.limit });
  const labels = data.labels!;
  const som = new SOM({
    rows: cfg.rows, cols: cfg.cols, dim: data.sampleSize, sigma: cfg.sigma, learningRate: cfg.lr,
    decay: cfg.decay, seed: cfg.seed,
  });
  process.stderr.write(
    `aekit: training a ${cfg.rows}x${cfg.cols} SOM on ${data.length} MNIST images: ${cfg.iterations} iterations, ` +
      `radius ${round(cfg.sigma)} -> ${som.config.sigmaEnd}, lr ${cfg.lr} -> ${som.config.learningRateEnd} (${cfg.decay}), seed ${cfg.seed}\n`,
  );
  som.initialize(data);
  const initialQuantizationError = som.quantizationError(data);
  const { seconds } = som.fit(data, { iterations: cfg.iterations });
  const { bmus, quantizationError, topographicError } = som.evaluate(data);
  const labelMap = som.labelMap(bmus, labels);
  // How well "the majority digit of my node" names each image: a measure of how cleanly digits separate.
  let agree = 0;
  for (let i = 0; i < bmus.length; i++) if (labelMap[bmus[i]] === labels[i]) agree++;
  const purity = agree / data.length;

  const files = { umatrix: join(out, 'umatrix.png'), labels: join(out, 'labels.png'), summary: join(out, 'summary.json') };
  const result = {
    config: { ...som.config, data: 'mnist', split: 'train', samples: data.length, iterations: cfg.iterations },
    initialQuantizationError,
    quantizationError,
    topographicError,
    purity,
    seconds,
    files: Object.values(files),
  };
  writePng(files.umatrix, uMatrixImage(som.uMatrix(), cfg.rows, cfg.cols));
  writePng(files.labels, labelMapImage(labelMap, cfg.rows, cfg.cols));
  writeFileAtomic(files.summary, `${JSON.stringify(result, null, 2)}\n`);

  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `quantization error ${round(initialQuantizationError)} -> ${round(quantizationError)}, ` +
        `topographic error ${round(topographicError)}, purity ${round(purity)} (${seconds.toFixed(1)} s)\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
