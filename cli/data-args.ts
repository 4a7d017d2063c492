/**
 * The data flags every command shares (`--data SPEC` and how to read it), parsed once, so `--limit` or
 * `--label` mean the same thing in every command and fail with the same message. A command spreads
 * DATA_OPTIONS into its parseArgs options and DATA_HELP into its help, then calls readDataArgs.
 */
import { DATA_KINDS, type DataKind, MISSING_POLICIES, type MissingPolicy, type OpenOptions } from '../src/index.js';
import { choiceArg, intArg } from './args.js';
import { UsageError } from './errors.js';

export const DATA_OPTIONS = {
  data: { type: 'string' },
  'test-data': { type: 'string' },
  'validation-split': { type: 'string' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  label: { type: 'string' },
  id: { type: 'string' },
  features: { type: 'string' },
  drop: { type: 'string' },
  missing: { type: 'string' },
  header: { type: 'string' },
  delimiter: { type: 'string' },
  x: { type: 'string' },
  y: { type: 'string' },
  'image-size': { type: 'string' },
  channels: { type: 'string' },
  window: { type: 'string' },
  stride: { type: 'string' },
  kind: { type: 'string' },
} as const;

export const DATA_HELP = `Data (the same flags in every command):
  --data SPEC                 mnist, fashion-mnist, a folder of PNG/JPEG images (one sub-folder per class,
                              or none), or a .csv, .tsv, .parquet, .npy or .npz file
  --test-data SPEC            test samples from another file (read like --data)
  --validation-split F        no test split: hold out a seeded random fraction F of the samples
  --limit N, --test-limit N   keep the first N samples, the first N test samples
  Tables (CSV, TSV, Parquet):
  --label COL                 the label column (integers or class names)
  --id COL                    an id column: kept with each row in the outputs, never a feature
  --features A,B,C            exactly these feature columns (default: all but label and id)
  --drop X,Y                  every column but these (and label and id)
  --missing error|drop|mean   empty or non-numeric cells: fail naming line and column (default), leave
                              the row out, or fill in the column's training mean
  --header yes|no|auto        whether the first row names the columns (default auto)
  --delimiter C               field separator (default , for .csv, tab for .tsv)
  --window T [--stride S]     cut the rows (a time series) into sequences of T rows every S (default 1)
  Arrays (.npy, .npz):
  --x NAME, --y NAME          .npz arrays holding the samples and the labels (default x/y or x_train/y_train)
  --kind tabular|image|sequence   what the array's samples are when the shape alone does not say
  Images:
  --image-size WxH            resize every image (area averaging); default: all must share one size
  --channels 1|3|auto         grey, RGB, or grey only when every image is (default auto)
`;

type DataFlag = keyof typeof DATA_OPTIONS;
export type DataValues = Partial<Record<DataFlag, string | undefined>>;

/** What the data flags ask for: a spec and the options to open it with (unset flags stay unset). */
export interface DataRequest {
  /** The spec given, or undefined (each command has its default: mnist, or the model's own data). */
  spec: string | undefined;
  options: OpenOptions;
  /** The flags given, for error messages and for commands that take only some of them. */
  given: DataFlag[];
}

const list = (flag: string, v: string): string[] => {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new UsageError(`--${flag} must be a comma list of column names, got '${v}'`);
  return parts;
};

/** "64x48" -> [64, 48] (width, height). */
export function imageSizeArg(v: string): [number, number] {
  const m = /^\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(v);
  const w = m ? Number(m[1]) : NaN, h = m ? Number(m[2]) : NaN;
  if (!(w > 0 && h > 0 && w <= 8192 && h <= 8192)) throw new UsageError(`--image-size must be WIDTHxHEIGHT in pixels (e.g. 64x64), got '${v}'`);
  return [w, h];
}

/** A fraction strictly between 0 and 1. */
export function fractionArg(flag: string, v: string): number {
  const x = v.trim() === '' ? NaN : Number(v);
  if (!(x > 0 && x < 1)) throw new UsageError(`--${flag} must be a number strictly between 0 and 1, got '${v}'`);
  return x;
}

/** Parses the data flags; `seed` seeds --validation-split. */
export function readDataArgs(v: DataValues, seed = 0): DataRequest {
  const given = (Object.keys(DATA_OPTIONS) as DataFlag[]).filter((k) => v[k] !== undefined);
  const o: OpenOptions = { seed };
  if (v['test-data'] !== undefined) o.testData = v['test-data'];
  if (v['validation-split'] !== undefined) o.validationSplit = fractionArg('validation-split', v['validation-split']);
  if (o.testData !== undefined && o.validationSplit !== undefined) throw new UsageError('give --test-data or --validation-split, not both');
  if (v.limit !== undefined) o.limit = intArg('limit', v.limit);
  if (v['test-limit'] !== undefined) o.testLimit = intArg('test-limit', v['test-limit']);
  if (v.label !== undefined) o.label = v.label;
  if (v.id !== undefined) o.id = v.id;
  if (v.features !== undefined) o.features = list('features', v.features);
  if (v.drop !== undefined) o.drop = list('drop', v.drop);
  if (o.features && o.drop) throw new UsageError('give --features or --drop, not both');
  if (v.missing !== undefined) o.missing = choiceArg('missing', v.missing, MISSING_POLICIES) as MissingPolicy;
  if (v.header !== undefined) {
    const h = choiceArg('header', v.header, ['yes', 'no', 'auto'] as const);
    o.header = h === 'auto' ? 'auto' : h === 'yes';
  }
  if (v.delimiter !== undefined) {
    const d = v.delimiter === '\\t' || v.delimiter === 'tab' ? '\t' : v.delimiter;
    if (d.length === 0) throw new UsageError("--delimiter must be one or more characters (use 'tab' for a tab)");
    o.delimiter = d;
  }
  if (v.x !== undefined || v.y !== undefined) o.arrays = { ...(v.x !== undefined ? { x: v.x } : {}), ...(v.y !== undefined ? { y: v.y } : {}) };
  if (v['image-size'] !== undefined) o.imageSize = imageSizeArg(v['image-size']);
  if (v.channels !== undefined) {
    const c = choiceArg('channels', v.channels, ['1', '3', 'auto'] as const);
    o.channels = c === 'auto' ? 'auto' : (Number(c) as 1 | 3);
  }
  if (v.stride !== undefined && v.window === undefined) throw new UsageError('--stride needs --window T');
  if (v.window !== undefined) o.window = { size: intArg('window', v.window), stride: v.stride === undefined ? 1 : intArg('stride', v.stride) };
  if (v.kind !== undefined) o.kind = choiceArg('kind', v.kind, DATA_KINDS) as DataKind;
  return { spec: v.data, options: o, given };
}

/** Refuses data flags a command cannot use (e.g. --test-data where nothing is tested), naming them. */
export function refuseDataFlags(req: DataRequest, command: string, flags: readonly DataFlag[], why: string): void {
  const bad = req.given.filter((f) => flags.includes(f));
  if (bad.length) throw new UsageError(`'aekit ${command}' does not take ${bad.map((f) => `--${f}`).join(', ')}: ${why}`);
}
