/** `aekit import STATE.safetensors --out model.safetensors`: a PyTorch state dict (model.py's save) back into an aekit model file. */
import { resolve } from 'node:path';
import { type AutoencoderModel, decodeModel, importPyTorchFile } from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { UsageError } from './errors.js';

export const help = `Usage: aekit import STATE.safetensors --out MODEL.safetensors

Turns a PyTorch state dict back into an aekit model file, so a model trained in PyTorch
gets aekit's figures and tools (eval, reconstruct, encode, report, ...). STATE.safetensors
is what model.py's save(model, path) writes ('aekit export --format pytorch' writes
model.py), or safetensors.torch.save_file(model.state_dict(), path,
metadata=model.aekit_metadata()). Keys are renamed back (encoder.0.weight ->
encoder.layers.0.weight), conv kernels go from OIHW back to HWIO, an LSTM's two biases
are added into one; every key and shape is checked. The data description, preprocessing
and the way the training data was opened come back with the model, so 'aekit eval MODEL'
reopens the same data.

Options:
  --out FILE    the aekit model file to write (required); an existing file is replaced
                only once the new one is complete and loads
  -h, --help    show this help
`;

const options = {
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('import', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('import', given, ['STATE.safetensors']);
  if (values.out === undefined) throw new UsageError("'aekit import' needs --out FILE (the aekit model file to write; see 'aekit import --help')");
  if (resolve(values.out) === resolve(path)) throw new UsageError(`--out ${values.out} is the file being imported: write the model file beside it`);
  const bytes = importPyTorchFile(path, values.out);
  const { model, header } = decodeModel(bytes, values.out);
  process.stdout.write(`wrote ${values.out} (${header.kind} ${(model as AutoencoderModel).architecture()}, from the PyTorch state dict ${path})\n`);
  return 0;
}
