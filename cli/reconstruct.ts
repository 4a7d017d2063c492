/**
 * `aekit reconstruct MODEL --out FILE`: samples next to the model's reconstructions of them, in the data's
 * own units. What is written follows from the data's kind and the --out extension: a PNG grid for images
 * (originals over reconstructions, at the data's own size and channels); a table for tables (each feature's
 * value, reconstruction and squared error, a total per row); for sequences a long table (one row per
 * sequence and step), since it holds every number, or a PNG chart of up to 4 sequences to look at.
 */
import { basename, extname } from 'node:path';
import { writePng } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { type TableColumn, writeTableFile } from '../src/io/tables.js';
import { intArg, parseCommand, positionals } from './args.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { figureScale, reconstructionImage, sequenceChart } from './figures.js';
import { loadBundle, type ModelBundle, type ModelData, openForModel, printNotes } from './model-data.js';
import { describeSamples, metaColumns, pickSamples, reconstructAll, type Samples, SPLIT_HELP, splitArg } from './samples.js';

export const help = `Usage: aekit reconstruct MODEL --out FILE [--data SPEC] [options]

Writes samples next to MODEL's reconstructions of them, in the data's own units:
  images     --out FILE.png: originals (top row) over reconstructions (bottom row), at the data's
             own size and channels
  tables     --out FILE.csv (or .tsv, .parquet): one row per sample: its id and label (when the
             data has them), then for each feature F the columns F, F_reconstructed and
             F_sq_error (squared error), and total_sq_error (the sum over the features); a
             missing cell (--missing mean) is left empty and out of the total
  sequences  --out FILE.csv (or .tsv, .parquet): one row per sequence and time step: sequence
             (its index), its id and label (when the data has them), step, then F,
             F_reconstructed, F_sq_error for each feature; or --out FILE.png: a chart of up to 4
             sequences and their reconstructions

Options:
  --out FILE              file to write (required; the extension picks the format, see above)
  --count N               how many samples (default: 10 images, 4 sequences in a chart, else all)
  --offset N              index of the first sample (default 0)
  --scale N               images: pixel upscale factor (default: 4 for 28x28, about 112 px tall)
${SPLIT_HELP}
  -h, --help              show this help

${DATA_HELP}`;

const options = {
  ...DATA_OPTIONS,
  out: { type: 'string' },
  count: { type: 'string' },
  offset: { type: 'string' },
  scale: { type: 'string' },
  split: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The output formats of each data kind, by --out extension. */
const FORMATS = {
  image: ['.png'],
  tabular: ['.csv', '.tsv', '.parquet'],
  sequence: ['.csv', '.tsv', '.parquet', '.png'],
} as const;

/** Feature names for the columns: the data's own, else x0, x1, ... */
function featureNames(data: ModelData, f: number): string[] {
  const names = data.info.featureNames;
  return names && names.length === f ? names : Array.from({ length: f }, (_, j) => `x${j}`);
}

/**
 * Value, reconstruction and squared error of every feature (`names.length` values per row), and each row's
 * total: summed in float64, kept as float32 (7 digits are all a reader of an error can use).
 */
function errorColumns(names: string[], x: Float32Array, r: Float32Array, rows: number): { cols: TableColumn[]; total: Float32Array } {
  const f = names.length;
  const sum = new Float64Array(rows);
  const cols: TableColumn[] = [];
  names.forEach((name, j) => {
    const orig = new Float32Array(rows), rec = new Float32Array(rows), sq = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      orig[i] = x[i * f + j];
      rec[i] = r[i * f + j];
      const e = (rec[i] - orig[i]) ** 2; // NaN for a missing cell: an empty cell, left out of the total
      sq[i] = e;
      if (!Number.isNaN(e)) sum[i] += e;
    }
    cols.push({ name, values: orig, missing: true }, { name: `${name}_reconstructed`, values: rec }, { name: `${name}_sq_error`, values: sq, missing: true });
  });
  return { cols, total: Float32Array.from(sum) };
}

/** A table's rows [offset, offset + count) with their reconstructions in data units. */
function tableColumns(bundle: ModelBundle, data: ModelData, s: Samples): TableColumn[] {
  const f = s.raw.sampleSize;
  const r = bundle.preprocessing.inverse(reconstructAll(bundle.model, s.input));
  const { cols, total } = errorColumns(featureNames(data, f), s.raw.toFloat32(), r, s.raw.length);
  return [...metaColumns(s.raw, data.info), ...cols, { name: 'total_sq_error', values: total }];
}

/** Sequences as a long table: one row per (sequence, step). */
function sequenceColumns(bundle: ModelBundle, data: ModelData, s: Samples, offset: number): TableColumn[] {
  const [steps, f] = s.raw.sampleShape;
  const n = s.raw.length;
  const r = bundle.preprocessing.inverse(reconstructAll(bundle.model, s.input));
  const { cols } = errorColumns(featureNames(data, f), s.raw.toFloat32(), r, n * steps);
  const seq = new Int32Array(n * steps), step = new Int32Array(n * steps);
  for (let i = 0; i < n * steps; i++) {
    seq[i] = offset + Math.floor(i / steps);
    step[i] = i % steps;
  }
  // Ids and labels belong to the sequence: repeat them on each of its steps.
  const meta = metaColumns(s.raw, data.info).map((c) => ({ name: c.name, values: Array.from({ length: n * steps }, (_, i) => String(c.values[Math.floor(i / steps)])) }));
  return [{ name: 'sequence', values: seq }, ...meta, { name: 'step', values: step }, ...cols];
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('reconstruct', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('reconstruct', given, ['MODEL']);
  const out = values.out;
  if (out === undefined) throw new UsageError("'aekit reconstruct' needs --out FILE (.png for images, .csv for tables and sequences; see 'aekit reconstruct --help')");
  const offset = intArg('offset', values.offset ?? '0', 0);
  const countArg = values.count === undefined ? undefined : intArg('count', values.count);
  const scaleArg = values.scale === undefined ? undefined : intArg('scale', values.scale);
  const split = splitArg(values.split);
  const req = readDataArgs(values);
  const bundle = loadBundle(path);
  // The extension is checked against the model's data before any data is read (a slow open should not end in a usage error).
  const kind = bundle.info.kind;
  const ext = extname(out).toLowerCase();
  const allowed: readonly string[] = FORMATS[kind];
  if (!allowed.includes(ext)) {
    throw new UsageError(`--out ${out}: reconstructions of ${kind === 'tabular' ? 'tables' : `${kind}s`} are written as ${allowed.join(', ')}, not '${ext || 'no extension'}'`);
  }
  if (scaleArg !== undefined && kind !== 'image') throw new UsageError('--scale is for image grids only');
  const chart = kind === 'sequence' && ext === '.png';
  if (chart && countArg !== undefined && countArg > 4) throw new UsageError(`--count ${countArg}: a chart draws at most 4 sequences (write a .csv for all of them)`);

  const data = await openForModel(bundle, req);
  const all = pickSamples(data, split);
  const n = all.raw.length;
  const count = countArg ?? (kind === 'image' ? Math.min(10, n - offset) : chart ? Math.min(4, n - offset) : n - offset);
  if (offset >= n || offset + count > n) {
    throw new UsageError(`--offset ${offset}${countArg === undefined ? '' : ` plus --count ${count}`} goes past the ${describeSamples(all, data.spec)}`);
  }
  const s: Samples = { split: all.split, raw: all.raw.slice(offset, offset + count), input: all.input.slice(offset, offset + count) };
  const trained = { model: bundle.model, info: data.info, preprocessing: bundle.preprocessing };
  printNotes(data.notes);
  const range = `${all.split === 'all' ? 'samples' : `${all.split} samples`} ${offset}..${offset + count - 1} of ${data.spec}`;
  if (kind === 'image') {
    writePng(out, reconstructionImage(trained, s.input, 0, count, scaleArg ?? figureScale(data.info)));
  } else if (chart) {
    const c = await sequenceChart(trained, s.input, `${bundle.model.architecture()} on ${basename(data.info.source)}: sequences ${offset}..${offset + count - 1} and reconstructions`);
    writeFileAtomic(out, c.png);
  } else {
    const cols = kind === 'tabular' ? tableColumns(bundle, data, s) : sequenceColumns(bundle, data, s, offset);
    await writeTableFile(out, cols);
  }
  process.stdout.write(`wrote ${out} (${range})\n`);
  return 0;
}
