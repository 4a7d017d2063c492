/**
 * `aekit som`: trains a self-organizing map on the samples of any data (default MNIST digits) and writes its
 * U-matrix, its label map when the data has labels, and a summary (quantization and topographic error). The
 * labels are only used to draw the map, never to train.
 */
import { join, resolve } from 'node:path';
import { describeData, openData, writePng } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { SOM } from '../src/models/som.js';
import { LABEL_PALETTE, labelMapImage, uMatrixImage } from '../src/viz/som.js';
import { choiceArg, intArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { writeOutputSet } from './output-set.js';
import { prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs, refuseDataFlags } from './data-args.js';
import { printNotes } from './model-data.js';
import { builtinDefaults, type Classes, finite, labelClasses } from './analysis-data.js';
import { fitPreprocessing } from './train-data.js';
import { preprocessFor } from './presets-fit.js';

export const help = `Usage: aekit som [--data SPEC] [options]

Trains a self-organizing (Kohonen) map on the samples and writes pictures of it. Each step takes
the next sample (seeded random order), finds its best-matching node and pulls that node and its
grid neighbours towards it; the neighbourhood radius and the learning rate shrink over the
iterations. Labels, where the data has them, are not used for training, only to name the nodes
afterwards.

Data: default MNIST training images; any data (--data, see below): the samples are preprocessed
as 'aekit train' would (images scaled to [0, 1], tables standardized) and read as rows of values.
The map is trained and measured on the same samples (the training samples of MNIST and
Fashion-MNIST), so the test-split flags do not apply.

Options:
  --rows N            map rows (default 10)
  --cols N            map columns (default 10)
  --iterations N      single-sample updates (default 10000)
  --sigma X           initial neighbourhood radius in grid cells (default max(rows, cols) / 2)
  --lr X              initial learning rate (default 0.5)
  --decay NAME        exponential or linear (default exponential)
  --seed N            seeds the initial weights and the sample order (default 0)
  --out DIR           output folder, created if needed (default ./aekit-out/som)
  --json              print the summary as one JSON line on stdout (and nothing else)
  -h, --help          show this help
${DATA_HELP}  MNIST and Fashion-MNIST: --limit defaults to 2000 (your own data: all of it).

Writes DIR/umatrix.png (dark = far from neighbouring nodes: borders between clusters),
DIR/labels.png (with labels: each node's majority class, coloured; classes 0-9 of MNIST are
drawn as digits, the colour of each class is listed in the summary) and DIR/summary.json.
`;

const options = {
  ...DATA_OPTIONS,
  rows: { type: 'string' },
  cols: { type: 'string' },
  iterations: { type: 'string' },
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
    sigma: v.sigma === undefined ? Math.max(rows, cols) / 2 : positiveArg('sigma', v.sigma),
    lr: positiveArg('lr', v.lr ?? '0.5'),
    decay: choiceArg('decay', v.decay ?? 'exponential', ['exponential', 'linear'] as const),
    seed: intArg('seed', v.seed ?? '0', 0),
    out: v.out ?? './aekit-out/som',
  };
}

const round = (v: number): number => Number(v.toPrecision(6));

const hex = (rgb: readonly number[]): string => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** How the label map names its colours: the class name and colour of each class (by label or by class index). */
function legend(classes: Classes, byLabel: boolean): { class: string; colour: string }[] {
  return classes.labels.map((l, i) => ({ class: classes.name(l), colour: hex(LABEL_PALETTE[(byLabel ? l : i) % LABEL_PALETTE.length]) }));
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('som', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('som', given, []);
  const cfg = readConfig(values);
  const req = builtinDefaults(readDataArgs(values, cfg.seed), { limit: 2000 });
  refuseDataFlags(req, 'som', ['test-data', 'validation-split', 'test-limit'], 'the map is trained and measured on the same samples');
  const out = resolve(cfg.out);
  prepareOutputDir(out); // now, so an unwritable --out fails before training

  const spec = req.spec ?? 'mnist';
  const opened = await openData(spec, req.options);
  printNotes(opened.notes);
  const { info } = opened;
  const preprocessing = fitPreprocessing(preprocessFor(info), info, opened.train);
  const data = preprocessing.apply(opened.train).reshape([opened.train.sampleSize]);
  const classes = data.labels ? labelClasses('som', info, [['training', data]], 1) : null;
  const som = new SOM({
    rows: cfg.rows, cols: cfg.cols, dim: data.sampleSize, sigma: cfg.sigma, learningRate: cfg.lr,
    decay: cfg.decay, seed: cfg.seed,
  });
  process.stderr.write(
    `aekit: training a ${cfg.rows}x${cfg.cols} SOM on ${data.length} samples of ${spec} (${describeData(info)}, preprocessing ${preprocessing.method}): ` +
      `${cfg.iterations} iterations, radius ${round(cfg.sigma)} -> ${som.config.sigmaEnd}, lr ${cfg.lr} -> ${som.config.learningRateEnd} (${cfg.decay}), seed ${cfg.seed}\n`,
  );
  som.initialize(data);
  const initialQuantizationError = som.quantizationError(data);
  const { seconds } = som.fit(data, { iterations: cfg.iterations });
  const { bmus, quantizationError, topographicError } = som.evaluate(data);
  finite(quantizationError, 'the quantization error');
  let labelled: { labelMap: Int32Array; purity: number; legend: { class: string; colour: string }[] } | null = null;
  if (classes) {
    // The map colours label i with colour i and draws 0-9 as digits: digit labels stay as they are (MNIST's map
    // shows its digits); other labels become class indices (a label of -1 would read as an empty node).
    const digits = classes.labels.every((l) => l >= 0 && l <= 9);
    const labels = digits ? data.labels! : classes.indices(data);
    const labelMap = som.labelMap(bmus, labels);
    // How well "the majority class of my node" names each sample: a measure of how cleanly classes separate.
    let agree = 0;
    for (let i = 0; i < bmus.length; i++) if (labelMap[bmus[i]] === labels[i]) agree++;
    labelled = { labelMap, purity: agree / data.length, legend: legend(classes, digits) };
  }

  const files: Record<string, string> = { umatrix: join(out, 'umatrix.png') };
  if (labelled) files.labels = join(out, 'labels.png');
  files.summary = join(out, 'summary.json');
  const result = {
    config: {
      ...som.config, data: spec, kind: info.kind, sampleShape: info.sampleShape, preprocessing: preprocessing.method,
      split: opened.test ? 'train' : 'all', samples: data.length, iterations: cfg.iterations,
    },
    initialQuantizationError,
    quantizationError,
    topographicError,
    ...(labelled ? { purity: labelled.purity, classes: labelled.legend } : {}),
    seconds,
    files: Object.values(files),
  };
  await writeOutputSet(out, (at) => {
    writePng(at(files.umatrix), uMatrixImage(som.uMatrix(), cfg.rows, cfg.cols));
    if (labelled) writePng(at(files.labels), labelMapImage(labelled.labelMap, cfg.rows, cfg.cols));
    writeFileAtomic(at(files.summary), `${JSON.stringify(result, null, 2)}\n`);
  });

  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const named = labelled && info.classNames ? `colours: ${labelled.legend.map((c) => `${c.class} ${c.colour}`).join(', ')}\n` : '';
    process.stdout.write(
      `quantization error ${round(initialQuantizationError)} -> ${round(quantizationError)}, ` +
        `topographic error ${round(topographicError)}${labelled ? `, purity ${round(labelled.purity)}` : ' (no labels: no label map)'} (${seconds.toFixed(1)} s)\n` +
        `${named}wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  return 0;
}
