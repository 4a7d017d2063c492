/**
 * `aekit plot-latent MODEL`: the codes of a model's data as a scatter (PNG + SVG), coloured by class where
 * the data has labels, else by each sample's reconstruction error or in one colour, plus the codes as TSV
 * files for the TensorFlow Embedding Projector. 2-D codes are plotted as they are; wider ones are projected
 * to 2-D with PCA or UMAP (src/analysis/latent.ts).
 */
import { join, resolve } from 'node:path';
import { type AutoencoderModel, type DataInfo, type Dataset } from '../src/index.js';
import {
  type LatentColors, type LatentProjection, latentProjection, latentScatter, type ProjectionMethod, type ProjectorColumn, writeProjectorTsv,
} from '../src/analysis/latent.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { shapeSize } from '../src/models/model.js';
import { choiceArg, intArg, parseCommand, positionals } from './args.js';
import { prepareOutputDir } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { loadBundle, openForModel, printNotes } from './model-data.js';
import { describeSamples, encodeAll, idColumn, labelColumn, labelTexts, pickSamples, SPLIT_HELP, splitArg } from './samples.js';

/** UMAP costs seconds per thousand points (PCA is instant), so it looks at fewer codes unless told. */
export const UMAP_DEFAULT_LIMIT = 2000;

export const COLORS = ['label', 'score', 'plain'] as const;
export type ColorBy = (typeof COLORS)[number];

export const help = `Usage: aekit plot-latent MODEL [--data SPEC] [options]

Encodes samples with MODEL and draws their codes as a scatter plot (latent.png and latent.svg).
Codes of 2 values are plotted directly; wider codes are projected to 2-D with PCA (the two leading
principal components of the codes) or UMAP (umap-js, seeded). A VAE's code is its posterior mean.
Points are coloured by class (with a legend) where the data has labels, else in one colour; --color
score colours them by their reconstruction error (the mean squared error of each sample, in the
model's units) on a continuous scale.

Also writes the codes for the TensorFlow Embedding Projector (https://projector.tensorflow.org,
"Load"): vectors.tsv (one code per line, tab-separated) and metadata.tsv, a header row then one
line per code: its label (when the data has labels: the class name, or the integer), its id (when
the data has ids: a table's id column, an image's file name), its index among the samples, and
with --color score (or when there is neither label nor id) its reconstruction error.

Options:
  --out DIR               output folder, created if needed (default ./aekit-out)
${SPLIT_HELP}
  --method pca|umap       projection of codes wider than 2 (default pca); UMAP looks at the first
                          ${UMAP_DEFAULT_LIMIT} samples unless --test-limit (test split) or --limit says otherwise
  --color label|score|plain   what colours the points (default: label where the data has labels, else plain)
  --seed N                UMAP's random seed (default 0; the same seed gives the same plot)
  --json                  print one JSON line {"model","kind","data","split","samples","codeDim","method","color",...,"files"}
  -h, --help              show this help

${DATA_HELP}`;

const options = {
  ...DATA_OPTIONS,
  out: { type: 'string' },
  split: { type: 'string' },
  method: { type: 'string' },
  color: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface LatentFigure {
  projection: LatentProjection;
  codes: Float32Array;
  svg: string;
  png: Uint8Array;
}

export interface LatentFigureOptions {
  /** Default: by label when `data` has labels, else one colour. */
  colors?: LatentColors;
  /** The data's description: class names for the legend and its title. */
  info?: DataInfo;
}

/** The legend's title: 'digit' for MNIST, else the label column's name. */
const legendTitle = (info: DataInfo | undefined): string => (!info || info.source === 'mnist' ? 'digit' : labelColumn(info));

/** Codes of `data` (model inputs), their 2-D projection and its scatter plot (what plot-latent and report draw). */
export async function latentFigure(
  model: AutoencoderModel, data: Dataset, method: ProjectionMethod, seed: number, opts: LatentFigureOptions = {},
): Promise<LatentFigure> {
  const codes = encodeAll(model, data);
  const projection = latentProjection(codes, { method, seed, dim: shapeSize(model.codeShape) });
  const labels = data.labels ? (opts.info?.classNames ? labelTexts(data.labels, opts.info) : data.labels) : null;
  const colors = opts.colors ?? (labels ? { by: 'label', labels } : { by: 'none' });
  const { svg, png } = await latentScatter(projection, colors, { legendTitle: legendTitle(opts.info) });
  return { projection, codes, svg, png };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('plot-latent', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('plot-latent', given, ['MODEL']);
  const split = splitArg(values.split);
  const method = choiceArg('method', values.method ?? 'pca', ['pca', 'umap'] as const);
  const colorArg = values.color === undefined ? undefined : choiceArg('color', values.color, COLORS);
  const seed = intArg('seed', values.seed ?? '0', 0);
  const out = resolve(values.out ?? 'aekit-out');
  const req = readDataArgs(values);
  const bundle = loadBundle(path);
  const data = await openForModel(bundle, req);
  let s = pickSamples(data, split);
  // The cap gives way to a limit the user set on these samples (--test-limit for the test split, else either).
  const limited = s.split === 'test' ? values['test-limit'] !== undefined : values.limit !== undefined || values['test-limit'] !== undefined;
  if (method === 'umap' && !limited && s.raw.length > UMAP_DEFAULT_LIMIT) {
    s = { split: s.split, raw: s.raw.slice(0, UMAP_DEFAULT_LIMIT), input: s.input.slice(0, UMAP_DEFAULT_LIMIT) };
  }
  const { info } = data;
  const labels = s.raw.labels;
  const color: ColorBy = colorArg ?? (labels ? 'label' : 'plain');
  if (color === 'label' && !labels) {
    throw new UsageError(`--color label: ${data.spec} has no labels${info.kind === 'tabular' || info.kind === 'sequence' ? ' (name the label column with --label COL)' : ''}; use --color score or plain`);
  }
  if (s.raw.length < (method === 'umap' ? 3 : 2)) {
    throw new Error(`a plot of codes needs at least ${method === 'umap' ? 3 : 2} samples, and ${describeSamples(s, data.spec)} ${s.raw.length === 1 ? 'is' : 'are'} all there is${s.split === 'test' ? ' (--split all plots every sample)' : ''}`);
  }
  printNotes(data.notes);
  prepareOutputDir(out);

  const started = performance.now();
  const model = bundle.model;
  const labelCells = labels ? (info.classNames ? labelTexts(labels, info) : labels) : null;
  // The error is worth a pass of the decoder when it colours the points, or to give metadata.tsv a second column.
  const needScore = color === 'score' || (!labels && !s.raw.ids);
  const scores = needScore ? model.reconstructionError(s.input, { reduce: 'perSample' }) : null;
  const colors: LatentColors = color === 'label' ? { by: 'label', labels: labelCells! }
    : color === 'score' ? { by: 'score', scores: scores!, title: 'reconstruction MSE' } : { by: 'none' };
  const fig = await latentFigure(model, s.input, method, seed, { colors, info });
  const files = { png: join(out, 'latent.png'), svg: join(out, 'latent.svg') };
  writeFileAtomic(files.png, fig.png);
  writeFileAtomic(files.svg, fig.svg);
  const meta: ProjectorColumn[] = [];
  if (labelCells) meta.push({ name: labelColumn(info), values: labelCells });
  if (s.raw.ids) meta.push({ name: idColumn(info), values: s.raw.ids });
  meta.push({ name: 'index', values: Array.from({ length: s.raw.length }, (_, i) => i) });
  if (scores) meta.push({ name: 'reconstruction_mse', values: scores });
  const tsv = writeProjectorTsv(out, fig.codes, meta, { dim: shapeSize(model.codeShape) });
  const p = fig.projection;
  const result = {
    model: path,
    kind: model.modelConfig().kind,
    data: data.spec,
    split: s.split,
    samples: s.raw.length,
    codeDim: p.codeDim,
    method: p.method,
    color,
    ...(p.method === 'umap' ? { seed } : {}),
    ...(p.explainedVarianceRatio ? { explainedVarianceRatio: p.explainedVarianceRatio } : {}),
    seconds: (performance.now() - started) / 1000,
    files: [files.png, files.svg, tsv.vectors, tsv.metadata],
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const how = p.method === 'direct' ? 'plotted directly (2-D codes)'
      : p.method === 'pca'
        ? `projected by PCA (the two axes carry ${(100 * (p.explainedVarianceRatio![0] + p.explainedVarianceRatio![1])).toFixed(1)} % of the codes' variance)`
        : `projected by UMAP (seed ${seed})`;
    process.stdout.write(`codes of ${describeSamples(s, data.spec)}, ${p.codeDim} values each, ${how}\nwrote ${result.files.join('\n      ')}\n`);
  }
  return 0;
}
