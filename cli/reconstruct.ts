/** `aekit reconstruct MODEL --out grid.png`: the seeds' figure, test digits over their reconstructions. */
import { loadMnist, writePng } from '../src/index.js';
import { intArg, parseCommand, positionals } from './args.js';
import { UsageError } from './errors.js';
import { FIGURE_SCALE, loadMnistModel, reconstructionImage } from './mnist.js';

export const help = `Usage: aekit reconstruct MODEL --out FILE.png [options]

Draws MNIST test digits (top row) over MODEL's reconstructions of them (bottom row).

Options:
  --out FILE     PNG file to write (required)
  --count N      how many digits (default 10)
  --offset N     index of the first test digit (default 0)
  --scale N      pixel upscale factor (default ${FIGURE_SCALE})
  -h, --help     show this help
`;

const options = {
  out: { type: 'string' },
  count: { type: 'string' },
  offset: { type: 'string' },
  scale: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MNIST_TEST_SIZE = 10000;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('reconstruct', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('reconstruct', given, ['MODEL']);
  if (values.out === undefined) throw new UsageError("'aekit reconstruct' needs --out FILE.png (see 'aekit reconstruct --help')");
  const count = intArg('count', values.count ?? '10');
  const offset = intArg('offset', values.offset ?? '0', 0);
  const scale = intArg('scale', values.scale ?? String(FIGURE_SCALE));
  if (offset + count > MNIST_TEST_SIZE) {
    throw new UsageError(`--offset ${offset} plus --count ${count} goes past the ${MNIST_TEST_SIZE} MNIST test images`);
  }
  const model = loadMnistModel(path);
  const test = loadMnist('test', { limit: offset + count });
  writePng(values.out, reconstructionImage(model, test, offset, count, scale));
  process.stdout.write(`wrote ${values.out} (test digits ${offset}..${offset + count - 1})\n`);
  return 0;
}
