/**
 * The samples a command that reads a model works on, and how its outputs name them: picking a split (test,
 * train or all), encoding and reconstructing in chunks, and the id and label columns written beside results.
 */
import { type AutoencoderModel, type DataInfo, Dataset, noGrad, shapeSize, type TableColumn } from '../src/index.js';
import { choiceArg } from './args.js';
import { UsageError } from './errors.js';
import type { ModelData } from './model-data.js';

export const SPLITS = ['test', 'train', 'all'] as const;
export type Split = (typeof SPLITS)[number];

export const SPLIT_HELP = `  --split test|train|all  which samples (default: the test split where there is one, else all;
                          without --data, the data and test split the model was trained with)`;

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

