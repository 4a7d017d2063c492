/**
 * What the commands that read a model share: loading a model file that holds an autoencoder of any kind
 * (with the data info and preprocessing saved beside it), and opening data the way that model was trained, so
 * `aekit eval model.safetensors --data new.csv` picks the same columns, image size and class numbering and
 * feeds the model the same preprocessing. Everything here goes through AutoencoderModel: no class tests.
 */
import { existsSync, statSync } from 'node:fs';
import {
  type AutoencoderModel, type DataInfo, type Dataset, Dataset as DatasetClass, describeData, loadAutoencoderModel, type ModelHeader,
  noisySines, openData, type OpenedData, type OpenOptions, Preprocessing, type Tensor,
} from '../src/index.js';
import type { DataRequest } from './data-args.js';

/** A loaded autoencoder with what it was trained on. */
export interface ModelBundle {
  path: string;
  model: AutoencoderModel;
  header: ModelHeader;
  /** The data the model was trained on (for files without it: MNIST-like images or rows, from the model's shape). */
  info: DataInfo;
  /** data units -> model inputs, and back (files without it: [0, 255] images scaled to [0, 1], else identity). */
  preprocessing: Preprocessing;
}

/** The shape of a model's input read as data (what a file written before aekit kept its data info held). */
export function legacyInfo(model: AutoencoderModel, path: string): DataInfo {
  const shape = [...model.inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  // Every image model aekit trained before it kept data info was trained on MNIST: 28x28 grey digits in [0, 1].
  const mnist = size === 784 && (shape.length === 1 || shape.join('x') === '28x28x1');
  const kind = mnist || shape.length === 3 ? 'image' : shape.length === 2 ? 'sequence' : 'tabular';
  return {
    kind, sampleShape: mnist ? [28, 28, 1] : shape, source: mnist ? 'mnist' : path,
    featureNames: kind === 'tabular' ? Array.from({ length: size }, (_, j) => `x${j}`) : null,
    classNames: null, valueRange: kind === 'image' ? [0, 255] : null, columns: null, window: null,
  };
}

/** Loads a model file holding an autoencoder (any kind); a missing path or a folder gets a plain message. */
export function loadBundle(path: string): ModelBundle {
  if (!existsSync(path)) throw new Error(`model file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a model file`);
  const loaded = loadAutoencoderModel(path);
  const info = loaded.data ?? legacyInfo(loaded.model, path);
  const preprocessing = loaded.preprocessing ?? (info.valueRange ? Preprocessing.scaleBy(info.valueRange[1]) : Preprocessing.none());
  return { path, model: loaded.model, header: loaded.header, info, preprocessing };
}

/** Data in the model's space, with the raw description and how the test split was made. */
export interface ModelData extends OpenedData {
  /** Train and test samples preprocessed as the model was (what it is fed). */
  trainInput: Dataset;
  testInput: Dataset | null;
  /** The samples a command evaluates on: the test split where there is one, else all the samples. */
  evalRaw: Dataset;
  evalInput: Dataset;
  spec: string;
}

/** The training record's data request (spec, test data, validation split, seed), if the file has one. */
function trainedOn(header: ModelHeader): { spec?: string; limit?: number; testData?: string; validationSplit?: number; seed?: number } {
  const t = header.training as Record<string, unknown> | undefined;
  const d = t?.dataRequest as Record<string, unknown> | undefined;
  if (!d || typeof d.spec !== 'string') return {};
  return {
    spec: d.spec,
    ...(typeof d.limit === 'number' ? { limit: d.limit } : {}),
    ...(typeof d.testData === 'string' ? { testData: d.testData } : {}),
    ...(typeof d.validationSplit === 'number' ? { validationSplit: d.validationSplit, seed: typeof d.seed === 'number' ? d.seed : 0 } : {}),
  };
}

/**
 * Opens `req` for `bundle`'s model. Options the user did not give come from the model's data info (feature
 * columns by name, the label and id columns when the new data has them, image size and channels, windows,
 * class names). Without --data, the data the model was trained on (and its test split) is opened again.
 */
export async function openForModel(bundle: ModelBundle, req: DataRequest): Promise<ModelData> {
  const info = bundle.info;
  const saved = trainedOn(bundle.header);
  if (req.spec === undefined && info.source === 'noisy sines') return generatedSines(bundle);
  // A file that keeps no data info was written before aekit read anything but MNIST: without --data it is an
  // MNIST model, and one that does not take 784 values is refused in those terms.
  if (req.spec === undefined && bundle.header.data === undefined && info.source !== 'mnist') {
    throw new Error(`${bundle.path}: the model takes ${info.sampleShape.reduce((a, b) => a * b, 1)} inputs, but MNIST images have 784 pixels (the file keeps no data info, so it is read as an MNIST model: give --data SPEC)`);
  }
  const spec = req.spec ?? saved.spec ?? info.source;
  const o: OpenOptions = { ...req.options };
  if (req.spec === undefined && o.testData === undefined && o.validationSplit === undefined) {
    if (saved.testData !== undefined) o.testData = saved.testData;
    // The same limit, split and seed give the same held-out samples the run was tested on.
    else if (saved.validationSplit !== undefined) Object.assign(o, { validationSplit: saved.validationSplit, seed: saved.seed, ...(saved.limit !== undefined && o.limit === undefined ? { limit: saved.limit } : {}) });
  }
  if (info.columns && o.features === undefined && o.drop === undefined) o.features = info.columns.features;
  if (info.kind === 'image' && o.imageSize === undefined) o.imageSize = [info.sampleShape[1], info.sampleShape[0]];
  if (info.kind === 'image' && o.channels === undefined) o.channels = info.sampleShape[2] === 3 ? 3 : 1;
  if (info.window && o.window === undefined) o.window = info.window;
  // An array's shape may be read several ways ([n, 28, 28] floats: sequences or images); the model's kind
  // settles it. Other formats say what they are, and a mismatch is reported by checkFits naming both.
  if (o.kind === undefined && /\.npz?$/i.test(spec)) o.kind = info.kind;
  if (info.classNames && o.classNames === undefined) o.classNames = info.classNames;
  const opened = await openData(spec, { ...o, ...labelAndId(info, req) });
  checkFits(bundle, opened.info, spec);
  const prep = bundle.preprocessing;
  const toInput = (d: Dataset): Dataset => prep.apply(d).reshape(bundle.model.inputShape);
  const trainInput = toInput(opened.train);
  const testInput = opened.test ? toInput(opened.test) : null;
  return {
    ...opened, spec, trainInput, testInput,
    evalRaw: opened.test ?? opened.train, evalInput: testInput ?? trainInput,
  };
}

/**
 * A `--model sequence` trained without --data saw generated noisy sines; its training record names the seeds,
 * length and counts, so the same train and test waves are generated again.
 */
function generatedSines(bundle: ModelBundle): ModelData {
  const t = (bundle.header.training ?? {}) as Record<string, unknown>;
  const num = (k: string): number => {
    if (typeof t[k] !== 'number') throw new Error(`${bundle.path} was trained on generated noisy sines but its training record lacks '${k}': give --data FILE with sequences of ${bundle.info.sampleShape.join(' x ')}`);
    return t[k] as number;
  };
  const [timesteps] = bundle.info.sampleShape;
  const waves = (n: number, seed: number): Dataset => {
    const x = noisySines({ n, timesteps, seed, noise: typeof t.noise === 'number' ? t.noise : 0.1 });
    return DatasetClass.fromTyped(x.toTypedArray() as Float32Array, n, [timesteps, 1]);
  };
  const train = waves(num('trainSamples'), num('trainSeed'));
  const test = waves(num('testSamples'), num('testSeed'));
  const toInput = (d: Dataset): Dataset => bundle.preprocessing.apply(d).reshape(bundle.model.inputShape);
  const testInput = toInput(test);
  return {
    info: bundle.info, train, test, testSource: `noisy sines (seed ${num('testSeed')})`, notes: [], spec: 'noisy sines',
    trainInput: toInput(train), testInput, evalRaw: test, evalInput: testInput,
  };
}

/**
 * The label and id columns to ask for: the user's, else the model's, which new data may lack (rows to score
 * have no label): those are optional.
 */
function labelAndId(info: DataInfo, req: DataRequest): OpenOptions {
  const label = req.options.label === undefined ? info.columns?.label ?? undefined : undefined;
  const id = req.options.id === undefined ? info.columns?.id ?? undefined : undefined;
  return {
    ...(label ? { label } : {}), ...(id ? { id } : {}),
    optional: [...(label ? ['label' as const] : []), ...(id ? ['id' as const] : [])],
  };
}

/** The data's notes (rows dropped, files skipped), once every check has passed: a failing run prints one line. */
export function printNotes(notes: readonly string[]): void {
  for (const note of notes) process.stderr.write(`aekit: ${note}\n`);
}

/** One clear line when the data cannot go through the model. */
export function checkFits(bundle: ModelBundle, data: DataInfo, spec: string): void {
  const want = bundle.model.inputShape;
  const size = want.reduce((a, b) => a * b, 1);
  const have = data.sampleShape.reduce((a, b) => a * b, 1);
  if (have !== size || (want.length > 1 && want.join('x') !== data.sampleShape.join('x'))) {
    throw new Error(`${spec} holds ${describeData(data)} ([${data.sampleShape.join(', ')}]), but ${bundle.path} takes [${want.join(', ')}] (it was trained on ${describeData(bundle.info)} from ${bundle.info.source})`);
  }
}

/** Model outputs (reconstructions, decoded codes) back in the data's units, flat. */
export function toDataUnits(bundle: ModelBundle, t: Tensor | Float32Array): Float32Array {
  return bundle.preprocessing.inverse(t instanceof Float32Array ? t : (t.toTypedArray() as Float32Array));
}

/** Image values in [0, 1] for figures: data units divided by the top of the value range (255 for 8-bit images). */
export function toDisplay(info: DataInfo, units: Float32Array): Float32Array {
  const top = info.valueRange?.[1] ?? 1;
  return top === 1 ? units : units.map((v) => v / top);
}
