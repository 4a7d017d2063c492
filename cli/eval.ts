/**
 * `aekit eval MODEL`: how well a saved model reconstructs its evaluation samples. The MSE is in the model's
 * (preprocessed) units, computed by the model's own reconstructionError on the same samples, so it is the
 * number `aekit train` reported as testMse; tables and sequences also get it in the data's own units, and
 * models whose outputs are probabilities (a sigmoid over data scaled to [0, 1]) get a cross-entropy.
 */
import { type AutoencoderModel, bce, type Dataset, describeData, noGrad, tensor } from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { requireFinite } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { loadBundle, type ModelBundle, openForModel, printNotes } from './model-data.js';
import { describeSamples, pickSamples, reconstructAll, type Samples, SPLIT_HELP, splitArg } from './samples.js';

export const help = `Usage: aekit eval MODEL [--data SPEC] [options]

Reconstructs samples with MODEL (a .safetensors file written by 'aekit train', any --model) and
reports the mean squared error of the reconstructions in the model's units (after the model's
preprocessing: the number 'aekit train' reports as testMse), for tables and sequences also in the
data's own units, and the binary cross-entropy when the model's outputs are probabilities (sigmoid
output, data scaled to [0, 1]). A VAE's reconstruction decodes the posterior mean (no sampling).

Options:
${SPLIT_HELP}
  --json                  print one JSON line {"model","kind","layers","data","split","samples",
                          "preprocessing","mse","mseDataUnits","bce","bceAbsent"} on stdout (mseDataUnits:
                          tables and sequences only; bce null with bceAbsent saying why)
  -h, --help              show this help

${DATA_HELP}`;

const options = {
  ...DATA_OPTIONS,
  split: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface EvalResult {
  mse: number;
  /** Tables and sequences: the MSE in the data's own units (missing cells left out). */
  mseDataUnits?: number;
  bce: number | null;
  /** Why there is no BCE. */
  bceAbsent?: string;
}

/** Why the outputs are not probabilities of the inputs, or null when they are. */
function whyNoBce(model: AutoencoderModel, input: Dataset, preprocessing: string): string | null {
  if (model.outputActivation !== 'sigmoid') return `the model's output activation is ${model.outputActivation}, not sigmoid: its outputs are not probabilities`;
  const v = input.toFloat32();
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1)) return `the model's inputs are not all in [0, 1] (preprocessing ${preprocessing}): cross-entropy needs targets in [0, 1]`;
  }
  return null;
}

/** Mean binary cross-entropy per value, in chunks of 1000 samples (the order of sums MNIST's numbers were first computed in). */
function meanBce(model: AutoencoderModel, input: Dataset): number {
  const d = input.sampleSize;
  let total = 0;
  noGrad(() => {
    for (let s = 0; s < input.length; s += 1000) {
      const part = input.slice(s, Math.min(input.length, s + 1000));
      const x = tensor(part.toFloat32(), [part.length, d]);
      const r = tensor(model.reconstruct(part).toTypedArray(), [part.length, d]);
      total += bce(r, x).item() * part.length;
    }
  });
  return total / input.length;
}

/** Mean squared error between reconstructions and samples in the data's units; NaN (missing) cells are left out. */
function dataUnitsMse(bundle: ModelBundle, s: Samples): number {
  const r = bundle.preprocessing.inverse(reconstructAll(bundle.model, s.input));
  const x = s.raw.toFloat32();
  let sum = 0, count = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) continue;
    sum += (r[i] - x[i]) ** 2;
    count++;
  }
  return sum / count;
}

/** The numbers eval reports on `s`; a non-finite one is an error, not a result. */
export function evaluate(bundle: ModelBundle, s: Samples, kind: string): EvalResult {
  const { model } = bundle;
  const mse = model.reconstructionError(s.input);
  const check = (name: string, v: number): number =>
    requireFinite(`${bundle.path}: the ${name} of the reconstructions`, v, 'the weights overflow (a diverged model) or the data is not what the model was trained on');
  const result: EvalResult = { mse: check('MSE', mse), bce: null };
  if (kind !== 'image') result.mseDataUnits = check('MSE in data units', dataUnitsMse(bundle, s));
  const why = whyNoBce(model, s.input, bundle.preprocessing.method);
  if (why) result.bceAbsent = why;
  else result.bce = check('BCE', meanBce(model, s.input));
  return result;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('eval', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('eval', given, ['MODEL']);
  const split = splitArg(values.split);
  const req = readDataArgs(values);
  const bundle = loadBundle(path);
  const data = await openForModel(bundle, req);
  const s = pickSamples(data, split);
  const r = evaluate(bundle, s, data.info.kind);
  printNotes(data.notes);
  const kind = bundle.model.modelConfig().kind;
  const layers = bundle.model.architecture();
  if (values.json) {
    const out = {
      model: path, kind, layers, data: data.spec, split: s.split, samples: s.raw.length, preprocessing: bundle.preprocessing.method, ...r,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  }
  const lines = [
    `model    ${path} (${kind} ${layers})`,
    `data     ${describeSamples(s, data.spec)} (${describeData(data.info)}${s.split === 'test' && data.testSource ? `; ${data.testSource}` : ''})`,
    `MSE      ${r.mse.toFixed(6)}${bundle.preprocessing.isIdentity ? '' : ` (model units: preprocessing ${bundle.preprocessing.method})`}`,
  ];
  if (r.mseDataUnits !== undefined) lines.push(`MSE      ${r.mseDataUnits.toPrecision(6)} (data units)`);
  lines.push(r.bce === null ? `BCE      none: ${r.bceAbsent}` : `BCE      ${r.bce.toFixed(6)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
