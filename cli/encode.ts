/** `aekit encode MODEL --out codes.csv`: the codes h = f(x) of a model's data, one row per sample, with the sample's id and label. */
import { extname } from 'node:path';
import { shapeSize, writeNpyFile, writeTableFile } from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { UsageError } from './errors.js';
import { loadBundle, openForModel, printNotes } from './model-data.js';
import { column, describeSamples, encodeAll, metaColumns, pickSamples, SPLIT_HELP, splitArg } from './samples.js';

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
  const data = await openForModel(bundle, req);
  const s = pickSamples(data, split);
  const k = shapeSize(bundle.model.codeShape);
  const codes = encodeAll(bundle.model, s.input);
  const bad = codes.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${path}: the code of sample ${Math.floor(bad / k)} holds ${codes[bad]} (is the data what the model was trained on?)`);
  printNotes(data.notes);
  if (ext === '.npy') writeNpyFile(values.out, codes, [s.raw.length, k]);
  else {
    const cols = metaColumns(s.raw, data.info);
    for (let j = 0; j < k; j++) cols.push({ name: `z${j}`, values: column(codes, k, j) });
    await writeTableFile(values.out, cols);
  }
  process.stdout.write(`wrote ${values.out} (${describeSamples(s, data.spec)}, ${k} code values each)\n`);
  return 0;
}
