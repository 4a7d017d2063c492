/** `aekit encode MODEL --out codes.csv`: the codes h = f(x) of MNIST images, one CSV row per image. */
import { loadMnist } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { choiceArg, intArg, parseCommand, positionals } from './args.js';
import { UsageError } from './errors.js';
import { latentDimOf, loadMnistModel } from './mnist.js';

export const help = `Usage: aekit encode MODEL --out FILE.csv [options]

Encodes MNIST images with MODEL's encoder and writes one CSV row per image: its label, then its
code values (header row label,z0,z1,...). For a VAE the code is the posterior mean.

Options:
  --out FILE          CSV file to write (required)
  --split test|train  which MNIST split (default test)
  --limit N           encode only the first N images (default all)
  -h, --help          show this help
`;

const options = {
  out: { type: 'string' },
  split: { type: 'string' },
  limit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** 9 significant digits round-trip a float32 exactly, without the noise digits of its float64 form. */
const num = (v: number): string => String(Number(v.toPrecision(9)));

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('encode', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('encode', given, ['MODEL']);
  if (values.out === undefined) throw new UsageError("'aekit encode' needs --out FILE.csv (see 'aekit encode --help')");
  const split = choiceArg('split', values.split ?? 'test', ['test', 'train'] as const);
  const limit = values.limit === undefined ? undefined : intArg('limit', values.limit);
  const model = loadMnistModel(path);
  const data = loadMnist(split, { limit });
  const codes = model.encode(data).toTypedArray();
  const k = latentDimOf(model);
  const lines = [['label', ...Array.from({ length: k }, (_, j) => `z${j}`)].join(',')];
  for (let i = 0; i < data.length; i++) {
    const row = [String(data.labels![i])];
    for (let j = 0; j < k; j++) row.push(num(codes[i * k + j]));
    lines.push(row.join(','));
  }
  writeFileAtomic(values.out, `${lines.join('\n')}\n`);
  process.stdout.write(`wrote ${values.out} (${data.length} ${split} images, ${k} code values each)\n`);
  return 0;
}
