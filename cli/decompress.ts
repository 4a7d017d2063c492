/**
 * `aekit decompress MODEL FILE.aekc --out OUT`: decodes the samples of a file 'aekit compress' wrote with the
 * model that compressed them (another model is refused) and writes them in the data's own units: images as a
 * PNG grid at their own size and channels, table rows and sequences as CSV/TSV/Parquet (with their ids), any
 * kind as .npy; `--codes` writes the dequantized codes too. When the file says where its samples came from,
 * reopens the originals (checked by their SHA-256) and reports the same numbers 'aekit compress' printed.
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { type CompressionReport, decompressionReport, decompressSamples, dequantizeCodes } from '../src/analysis/compression.js';
import { type AekcFile, readAekc } from '../src/io/aekc.js';
import type { AekcData } from '../src/io/aekc-header.js';
import { type TableColumn, writeTableFile } from '../src/io/tables.js';
import { imageGrid, writeNpyFile, writePng } from '../src/index.js';
import { intArg, parseCommand, positionals } from './args.js';
import { reportLines } from './compress.js';
import { DATA_HELP, DATA_OPTIONS, type DataValues, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { loadBundle, type ModelBundle, openForModel } from './model-data.js';
import { pickSamples, type Samples, type Split, splitArg } from './samples.js';

export const help = `Usage: aekit decompress MODEL FILE.aekc --out FILE [options]

Decodes the samples compressed in FILE.aekc ('aekit compress' writes it) with MODEL, which must be
the model that compressed them (the file records the model's fingerprint: SHA-256 of its kind,
config and weights), and writes them in the data's own units (the model file's preprocessing
undone). What --out gets, by its extension:
  .png                    images: a grid of the first --count, --cols per row, at their own size and
                          channels (values scaled to [0, 1] by the data's value range)
  .csv, .tsv, .parquet    table rows and sequences: one row per sample, the id column first when the
                          file carries ids, then the features by name (a sequence's as NAME_t0, ...)
  .npy                    any kind: float32 [samples, ...sample shape]

The originals: files record where their samples came from (the data flags compress was given, the
split, the count). They are reopened, checked against the SHA-256 the file keeps of them, and the
report adds the error and the ratios 'aekit compress' printed. --data SPEC and the data flags name
the originals instead (a moved file); --no-reference skips them.

Options:
  --out FILE       the file to write (required; see above)
  --codes FILE     also write the dequantized codes: .csv, .tsv or .parquet (id column first when
                   there are ids, then z0, z1, ...) or .npy (float32 [samples, code values])
  --count N        images in the grid (default 50; at most the file's)
  --cols N         images per grid row (default 10)
  --scale N        pixel upscale factor (default: 2 for images up to 37 px tall, 1 above)
  --originals      put each row of originals above its row of decompressed images
  --split NAME     the originals' split (default: the one the file records)
  --no-reference   do not reopen the originals (no error, no PNG or CSV ratio)
  --json           print the report as one JSON line on stdout (and nothing else)
  -h, --help       show this help

${DATA_HELP}`;

const options = {
  ...DATA_OPTIONS,
  out: { type: 'string' },
  codes: { type: 'string' },
  count: { type: 'string' },
  cols: { type: 'string' },
  scale: { type: 'string' },
  originals: { type: 'boolean' },
  split: { type: 'string' },
  'no-reference': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TABLES = ['.csv', '.tsv', '.parquet'];
const OUTPUTS = ['.png', ...TABLES, '.npy'];

const ext = (path: string): string => extname(path).toLowerCase();

/** Refuses an output the file's samples cannot go to, before any work. */
function checkOutput(out: string, data: AekcData, path: string): void {
  const e = ext(out);
  if (!OUTPUTS.includes(e)) throw new UsageError(`--out ${out}: write .png (images), .csv, .tsv or .parquet (tables, sequences) or .npy, not '${e || 'no extension'}'`);
  const what = data.kind === 'image' ? `${data.sampleShape.join('x')} images` : data.kind === 'sequence' ? 'sequences' : 'table rows';
  if (e === '.png' && data.kind !== 'image') throw new UsageError(`--out ${out}: ${path} holds ${what}, which have no picture: write .csv, .tsv, .parquet or .npy`);
  if (e === '.png' && ![1, 3].includes(data.sampleShape[2])) throw new UsageError(`--out ${out}: a grid draws grey or RGB images, and ${path} holds ${what}: write .npy`);
  if (TABLES.includes(e) && data.kind === 'image') throw new UsageError(`--out ${out}: ${path} holds ${what}: write a .png grid or .npy`);
}

/** The data flags that reopen a file's originals: the user's, else the ones the file records (files without them: the data set and first n). */
function referenceArgs(values: DataValues, file: AekcFile): { req: ReturnType<typeof readDataArgs>; split: Split | undefined } | null {
  const src = file.header.source;
  const split = typeof src?.split === 'string' && ['test', 'train', 'all'].includes(src.split) ? src.split as Split : undefined;
  if ((Object.keys(DATA_OPTIONS) as (keyof DataValues)[]).some((k) => values[k] !== undefined)) return { req: readDataArgs(values), split };
  if (Array.isArray(src?.args)) {
    const recorded: DataValues = {};
    const a = src.args;
    for (let i = 0; i + 1 < a.length; i += 2) {
      const k = a[i].replace(/^--/, '') as keyof DataValues;
      if (!(k in DATA_OPTIONS)) throw new Error(`${file.origin}: records an unknown data flag '${a[i]}'`);
      recorded[k] = a[i + 1];
    }
    return { req: readDataArgs(recorded), split };
  }
  if (typeof src?.data === 'string' && split) {
    const n = String(file.header.n);
    return { req: readDataArgs({ data: src.data, ...(split === 'test' ? { 'test-limit': n } : { limit: n }) }), split };
  }
  return null;
}

/** The originals as the model saw them, checked to be as many as the file's samples. */
async function originalsFor(bundle: ModelBundle, file: AekcFile, ref: NonNullable<ReturnType<typeof referenceArgs>>, split: Split | undefined): Promise<Samples> {
  const data = await openForModel(bundle, ref.req);
  for (const note of data.notes) process.stderr.write(`aekit: ${note}\n`);
  const s = pickSamples(data, split ?? ref.split);
  if (s.input.length !== file.header.n) {
    throw new Error(`${file.origin}: holds ${file.header.n} samples, but the originals reopened (${s.split} of ${data.spec}) are ${s.input.length}: name them with --data and the data flags, or give --no-reference`);
  }
  return s;
}

/** The range that maps values to [0, 1] for drawing: the data's fixed one, else the values' own min and max. */
function displayRange(range: readonly [number, number] | undefined, units: Float32Array): [number, number] {
  if (range) return [range[0], range[1]];
  let lo = Infinity, hi = -Infinity;
  for (const v of units) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

function gridPng(out: string, data: AekcData, decoded: Float32Array, originals: Float32Array | null, o: { count: number; cols: number; scale?: number }): number {
  const [height, width, channels] = data.sampleShape;
  const size = height * width * channels;
  const n = decoded.length / size;
  const shown = Math.min(o.count, n);
  if (shown === 0) throw new Error(`${out}: no images to draw (the file holds none)`);
  const scale = o.scale ?? (height <= 37 ? 2 : 1);
  // One range for both rows (the originals' when the data has no fixed one), so they are drawn alike.
  const [lo, hi] = displayRange(data.valueRange, originals ?? decoded);
  const toDisplay = (units: Float32Array): Float32Array => units.map((v) => (v - lo) / (hi - lo));
  const dec = toDisplay(decoded);
  const orig = originals ? toDisplay(originals) : null;
  const rows: Float32Array[][] = [];
  for (let s = 0; s < shown; s += o.cols) {
    const e = Math.min(shown, s + o.cols);
    const row = (a: Float32Array): Float32Array[] => Array.from({ length: e - s }, (_, k) => a.subarray((s + k) * size, (s + k + 1) * size));
    if (orig) rows.push(row(orig));
    rows.push(row(dec));
  }
  writePng(out, imageGrid(rows, { height, width, channels: channels as 1 | 3, scale }));
  return shown;
}

/** One column per value of a sample: feature names (a sequence's per step), else x0, x1, ... */
function valueNames(data: AekcData, bundle: ModelBundle): string[] {
  const f = data.sampleShape[data.sampleShape.length - 1];
  const own = bundle.info.featureNames;
  const names = data.featureNames ?? (own && own.length === f ? own : Array.from({ length: f }, (_, j) => `x${j}`));
  if (data.kind !== 'sequence') return [...names];
  return Array.from({ length: data.sampleShape[0] }, (_, t) => names.map((nm) => `${nm}_t${t}`)).flat();
}

function idColumn(file: AekcFile, taken: readonly string[]): TableColumn[] {
  if (!file.ids) return [];
  let name = file.header.data.idColumn ?? 'id';
  while (taken.includes(name)) name = `_${name}`;
  return [{ name, values: file.ids }];
}

/** n rows of `names.length` values as a table, the ids first. */
async function writeRows(out: string, file: AekcFile, names: string[], values: Float32Array): Promise<void> {
  const d = names.length;
  const n = values.length / d;
  const cols: TableColumn[] = names.map((name, j) => ({ name, values: Float32Array.from({ length: n }, (_, i) => values[i * d + j]) }));
  await writeTableFile(out, [...idColumn(file, names), ...cols]);
}

async function writeCodes(out: string, file: AekcFile): Promise<void> {
  const { n, dim } = file.header;
  const codes = dequantizeCodes({ bytes: file.codes, min: file.min, max: file.max }, n, dim);
  if (ext(out) === '.npy') writeNpyFile(out, codes, [n, dim]);
  else await writeRows(out, file, Array.from({ length: dim }, (_, j) => `z${j}`), codes);
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('decompress', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [modelPath, codesPath] = positionals('decompress', given, ['MODEL', 'FILE.aekc']);
  const out = values.out;
  if (out === undefined) throw new UsageError("'aekit decompress' needs --out FILE (.png, .csv, .tsv, .parquet or .npy; see 'aekit decompress --help')");
  if (values.codes !== undefined && !['.npy', ...TABLES].includes(ext(values.codes))) throw new UsageError(`--codes ${values.codes}: write .csv, .tsv, .parquet or .npy`);
  const count = intArg('count', values.count ?? '50');
  const cols = intArg('cols', values.cols ?? '10');
  const scale = values.scale === undefined ? undefined : intArg('scale', values.scale);
  const split = splitArg(values.split);
  if (values.originals && values['no-reference']) throw new UsageError('--originals needs the originals: drop --no-reference');
  if (values.originals && ext(out) !== '.png') throw new UsageError('--originals draws the originals in the grid: it needs --out FILE.png');

  const bundle = loadBundle(modelPath);
  const file = readAekc(codesPath);
  const { header } = file;
  checkOutput(out, header.data, codesPath);
  const decoded = decompressSamples(bundle.model, file); // refuses another model, naming the file
  const units = bundle.preprocessing.inverse(decoded.toTypedArray());

  const ref = values['no-reference'] ? null : referenceArgs(values, file);
  if (values.originals && !ref) throw new Error(`${codesPath}: does not record where its samples came from: name them with --data SPEC (and the data flags) for --originals`);
  const fileBytes = statSync(codesPath).size;
  let report: CompressionReport | null = null;
  let originals: Samples | null = null;
  if (ref) {
    try {
      originals = await originalsFor(bundle, file, ref, split);
      report = decompressionReport({ model: bundle.model, file, fileBytes, originals: originals.input, raw: originals.raw, preprocessing: bundle.preprocessing, name: codesPath });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      // The originals were looked for on the user's behalf: say how to do without them.
      throw new Error(`${(e as Error).message} (the originals are for the report only: --no-reference decompresses without them)`);
    }
  }

  const e = ext(out);
  let shown = header.n;
  if (e === '.png') {
    const orig = values.originals && originals ? originals.raw.toFloat32() : null;
    shown = gridPng(out, header.data, units, orig, { count, cols, scale });
  } else if (e === '.npy') writeNpyFile(out, units, [header.n, ...header.data.sampleShape]);
  else await writeRows(out, file, valueNames(header.data, bundle), units);
  if (values.codes !== undefined) await writeCodes(values.codes, file);

  const base = {
    file: codesPath, modelFile: modelPath, kind: bundle.model.modelConfig().kind, dataKind: header.data.kind, sampleShape: header.data.sampleShape,
    n: header.n, dim: header.dim, fileBytes, bytesPerSample: header.n ? fileBytes / header.n : null, ids: file.ids ? true : false,
    out, ...(e === '.png' ? { shown } : {}), ...(values.codes !== undefined ? { codes: values.codes } : {}), version: file.version,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report ? { ...base, source: header.source, ...report } : base)}\n`);
    return 0;
  }
  const what = `${header.n} ${header.data.kind === 'image' ? `${header.data.sampleShape.join('x')} images` : header.data.kind === 'sequence' ? 'sequences' : 'rows'}` +
    (typeof header.source?.data === 'string' ? ` of ${header.source.data}${typeof header.source.split === 'string' ? ` (${header.source.split})` : ''}` : '');
  const wrote = e === '.png' ? `${shown} decompressed image${shown === 1 ? '' : 's'}${values.originals ? ' under their originals' : ''}`
    : `${header.n} decompressed ${header.data.kind === 'tabular' ? 'rows' : 'samples'}${file.ids && e !== '.npy' ? ' with their ids' : ''}, in the data's units`;
  process.stdout.write(
    `model       ${modelPath} (${base.kind} ${bundle.model.architecture()})\n` +
      `codes       ${codesPath}: ${what}, ${header.dim} bytes each, ${fileBytes} bytes in all\n` +
      `wrote       ${out} (${wrote})${values.codes !== undefined ? `, ${values.codes} (the codes)` : ''}\n` +
      (report ? reportLines(report) : `bytes/${{ image: 'image', tabular: 'row', sequence: 'sequence' }[header.data.kind]} ${base.bytesPerSample === null ? '-' : base.bytesPerSample.toFixed(2)}; originals not compared, so no error measured\n`),
  );
  return 0;
}
