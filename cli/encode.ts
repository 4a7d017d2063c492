/**
 * `aekit encode MODEL --out codes.csv`: the codes h = f(x) of a model's data, one row per sample, with the
 * sample's id and label. Also what the other commands that read a model share (eval, reconstruct,
 * plot-latent): picking the samples of a split, encoding and reconstructing them in chunks, and naming ids
 * and labels the way the data does.
 */
import { extname } from 'node:path';
import { type AutoencoderModel, type DataInfo, Dataset, noGrad } from '../src/index.js';
import { shapeSize } from '../src/models/model.js';
import { type TableColumn, writeNpyFile, writeTableFile } from '../src/io/tables.js';
import { choiceArg, parseCommand, positionals } from './args.js';
import { DATA_HELP, DATA_OPTIONS, type DataRequest, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { loadBundle, type ModelBundle, type ModelData, openForModel } from './model-data.js';

export const SPLITS = ['test', 'train', 'all'] as const;
export type Split = (typeof SPLITS)[number];

export const SPLIT_HELP = `  --split test|train|all  which samples (default: the test split where there is one, else all;
                          without --data, the data and test split the model was trained with)`;

export const help = `Usage: aekit encode MODEL --out FILE [--data SPEC] [options]

Encodes samples with MODEL's encoder and writes one row per sample. For a VAE the code is the
posterior mean; a convolutional code (a feature map) is written flat.
  .csv, .parquet  the sample's id (the id column of a table, an image's file name; when the data
                  has ids), its label (the class name where there are class names, else the
                  integer; when the data has labels), then z0, z1, ... (the code values)
  .npy            the codes only, float32 [samples, code values]: NumPy arrays cannot hold ids and
                  class names, so those go to CSV or Parquet (rows are in the same order)

Options:
  --out FILE              .csv, .parquet or .npy file to write (required)
${SPLIT_HELP}
  -h, --help              show this help

${DATA_HELP}`;

const options = {
  ...DATA_OPTIONS,
  out: { type: 'string' },
  split: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The samples a command works on: in the data's units and as model inputs. */
export interface Samples {
  split: Split;
  raw: Dataset;
  input: Dataset;
}

export function splitArg(v: string | undefined): Split | undefined {
  return v === undefined ? undefined : choiceArg('split', v, SPLITS);
}

/** Both parts one after the other (ids and labels kept when both parts have them; NaN cells are missing values). */
function concat(a: Dataset, b: Dataset): Dataset {
  const n = a.length + b.length;
  const meta = {
    ...(a.labels && b.labels ? { labels: Int32Array.from([...a.labels, ...b.labels]) } : {}),
    ...(a.ids && b.ids ? { ids: [...a.ids, ...b.ids] } : {}),
    missing: true,
  };
  if (a.values.constructor !== b.values.constructor || a.scale !== b.scale) {
    const store = new Float32Array(n * a.sampleSize);
    store.set(a.toFloat32());
    store.set(b.toFloat32(), a.values.length);
    return Dataset.fromTyped(store, n, a.sampleShape, meta);
  }
  const store = new (a.values.constructor as new (len: number) => typeof a.values)(n * a.sampleSize);
  store.set(a.values);
  store.set(b.values, a.values.length);
  return Dataset.fromTyped(store, n, a.sampleShape, { ...meta, scale: a.scale });
}

/** The samples of `split` (default: test where there is one, else all); asking for a test split that is not there is a usage error. */
export function pickSamples(d: ModelData, split: Split | undefined): Samples {
  if (!d.test || !d.testInput) {
    if (split === 'test') {
      throw new UsageError(`${d.spec} has no test split: give --test-data FILE or --validation-split F, or --split all`);
    }
    return { split: split ?? 'all', raw: d.train, input: d.trainInput };
  }
  switch (split ?? 'test') {
    case 'test': return { split: 'test', raw: d.test, input: d.testInput };
    case 'train': return { split: 'train', raw: d.train, input: d.trainInput };
    case 'all': return { split: 'all', raw: concat(d.train, d.test), input: concat(d.trainInput, d.testInput) };
  }
}

/** "200 test samples of mnist", for what a command prints. */
export function describeSamples(s: Samples, spec: string): string {
  return `${s.raw.length} ${s.split === 'all' ? '' : `${s.split} `}sample${s.raw.length === 1 ? '' : 's'} of ${spec}`;
}

/**
 * openForModel for these commands. A model file that keeps no data info was written before aekit read
 * anything but MNIST, so without --data it is an MNIST model: one that does not take 784 values is refused
 * here in those terms, not by a reader guessing what the model file's own path holds.
 */
export async function openModelData(bundle: ModelBundle, req: DataRequest): Promise<ModelData> {
  let r = req;
  if (req.spec === undefined && bundle.header.data === undefined) {
    const size = shapeSize(bundle.model.inputShape);
    if (size !== 784) throw new Error(`${bundle.path}: the model takes ${size} inputs, but MNIST images have 784 pixels (the file keeps no data info, so it is read as an MNIST model: give --data SPEC)`);
    r = { ...req, spec: 'mnist' };
  }
  return openForModel(bundle, r);
}

/** The data's notes (rows dropped, files skipped), once every check has passed: a failing run prints one line. */
export function printNotes(data: ModelData): void {
  for (const note of data.notes) process.stderr.write(`aekit: ${note}\n`);
}

/** f over chunks of 1000 samples (a model never sees one huge batch), without an autograd graph. */
function chunked(input: Dataset, width: number, f: (part: Dataset) => ArrayLike<number>): Float32Array {
  const out = new Float32Array(input.length * width);
  noGrad(() => {
    for (let s = 0; s < input.length; s += 1000) out.set(f(input.slice(s, Math.min(input.length, s + 1000))), s * width);
  });
  return out;
}

/** The codes of `input` (model inputs), flat: n x (values per code). */
export function encodeAll(model: AutoencoderModel, input: Dataset): Float32Array {
  return chunked(input, shapeSize(model.codeShape), (part) => model.encode(part).toTypedArray());
}

/** The reconstructions of `input`, flat, in the model's units. */
export function reconstructAll(model: AutoencoderModel, input: Dataset): Float32Array {
  return chunked(input, input.sampleSize, (part) => model.reconstruct(part).toTypedArray());
}

/** The id column's name: the table's own, else 'file' for images (ids are file names), else 'id'. */
export function idColumn(info: DataInfo): string {
  return info.columns?.id ?? (info.kind === 'image' ? 'file' : 'id');
}

export function labelColumn(info: DataInfo): string {
  return info.columns?.label ?? 'label';
}

/** Labels as written: class names where the data has them, else the integers. */
export function labelTexts(labels: Int32Array, info: DataInfo): string[] {
  const names = info.classNames;
  return Array.from(labels, (l) => (names && l >= 0 && l < names.length ? names[l] : String(l)));
}

/** The id and label columns of `ds` (those it has). */
export function metaColumns(ds: Dataset, info: DataInfo): TableColumn[] {
  const cols: TableColumn[] = [];
  if (ds.ids) cols.push({ name: idColumn(info), values: ds.ids });
  if (ds.labels) cols.push({ name: labelColumn(info), values: info.classNames ? labelTexts(ds.labels, info) : ds.labels });
  return cols;
}

/** Column j of a flat n x width array. */
export function column(flat: ArrayLike<number>, width: number, j: number, out = new Float32Array(flat.length / width)): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = flat[i * width + j];
  return out;
}

const OUT_EXTENSIONS = ['.csv', '.parquet', '.npy'];

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('encode', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('encode', given, ['MODEL']);
  if (values.out === undefined) throw new UsageError("'aekit encode' needs --out FILE (.csv, .parquet or .npy; see 'aekit encode --help')");
  const ext = extname(values.out).toLowerCase();
  if (!OUT_EXTENSIONS.includes(ext)) throw new UsageError(`--out ${values.out}: codes are written as .csv, .parquet or .npy, not '${ext || 'no extension'}'`);
  const split = splitArg(values.split);
  const req = readDataArgs(values);
  const bundle = loadBundle(path);
  const data = await openModelData(bundle, req);
  const s = pickSamples(data, split);
  const k = shapeSize(bundle.model.codeShape);
  const codes = encodeAll(bundle.model, s.input);
  const bad = codes.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${path}: the code of sample ${Math.floor(bad / k)} holds ${codes[bad]} (is the data what the model was trained on?)`);
  printNotes(data);
  if (ext === '.npy') writeNpyFile(values.out, codes, [s.raw.length, k]);
  else {
    const cols = metaColumns(s.raw, data.info);
    for (let j = 0; j < k; j++) cols.push({ name: `z${j}`, values: column(codes, k, j) });
    await writeTableFile(values.out, cols);
  }
  process.stdout.write(`wrote ${values.out} (${describeSamples(s, data.spec)}, ${k} code values each)\n`);
  return 0;
}
