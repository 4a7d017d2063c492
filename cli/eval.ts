/** `aekit eval MODEL`: how well a saved model reconstructs the MNIST test set (MSE and BCE). */
import { loadMnist } from '../src/index.js';
import { intArg, parseCommand, positionals } from './args.js';
import { loadMnistModel, modelLayers, testMetrics } from './mnist.js';

export const help = `Usage: aekit eval MODEL [options]

Reconstructs MNIST test images with MODEL (a .safetensors file written by 'aekit train', any
--model) and reports the mean squared error and the binary cross-entropy of the reconstructions.
A VAE's reconstruction decodes the posterior mean (no sampling).

Options:
  --test-limit N   use the first N test images (default all 10000)
  --json           print one JSON line {"model","kind","layers","testSamples","mse","bce"} on stdout
  -h, --help       show this help
`;

const options = {
  'test-limit': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('eval', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('eval', given, ['MODEL']);
  const testLimit = values['test-limit'] === undefined ? undefined : intArg('test-limit', values['test-limit']);
  const model = loadMnistModel(path);
  const test = loadMnist('test', { limit: testLimit });
  const { mse, bce } = testMetrics(model, test);
  const layers = modelLayers(model);
  const kind = model.modelConfig().kind;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ model: path, kind, layers, testSamples: test.length, mse, bce })}\n`);
  } else {
    process.stdout.write(`model    ${path} (${kind} ${layers})\ntest set ${test.length} MNIST test images\nMSE      ${mse.toFixed(6)}\nBCE      ${bce.toFixed(6)}\n`);
  }
  return 0;
}
