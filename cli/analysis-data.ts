/**
 * What the commands that analyse data with models they train themselves share (probe, classify, pca,
 * compare-pca, som): opening data the way `aekit train` does, limits for the built-in sets, sizes fitted to
 * the data, and classes from labels.
 */
import { type DataInfo, type Dataset, openData, type Preprocessing, READERS } from '../src/index.js';
import type { DataRequest } from './data-args.js';
import { UsageError } from './errors.js';
import { requireFinite } from './safety.js';
import { fitToData, preprocessFor } from './presets-fit.js';
import { readTrainConfig } from './train-config.js';
import { fitPreprocessing, withTestSplit } from './train-data.js';

/** `--train-limit N`, the old name of `--limit N` (probe and classify took it): the same flag. */
/** The built-in sets' default limits for probe and classify (MNIST: about 1000 training images per digit). */
export const BUILTIN_LIMITS = { limit: 10000, testLimit: 10000 };

export function trainLimitAlias<V extends { limit?: string; 'train-limit'?: string }>(v: V): V {
  if (v['train-limit'] === undefined) return v;
  if (v.limit !== undefined) throw new UsageError('--train-limit is another name for --limit: give one of them');
  return { ...v, limit: v['train-limit'] };
}

/** Whether a spec names a built-in set (MNIST, Fashion-MNIST: 60000 training images each). */
export function isBuiltin(spec: string): boolean {
  return READERS.mnist.matches(spec, false) || READERS['fashion-mnist'].matches(spec, false);
}

/**
 * Default limits for the built-in sets, which are larger than these commands need (their historical MNIST
 * defaults); own data is used whole, since its first N rows may be one class (a file sorted by label).
 * `spec` is what will be opened (default mnist).
 */
export function builtinDefaults(req: DataRequest, limits: { limit?: number; testLimit?: number }, spec = req.spec ?? 'mnist'): DataRequest {
  if (!isBuiltin(spec)) return req;
  const o = { ...req.options };
  if (o.limit === undefined && limits.limit !== undefined) o.limit = limits.limit;
  if (o.testLimit === undefined && limits.testLimit !== undefined) o.testLimit = limits.testLimit;
  return { ...req, options: o };
}

/** Data opened for analysis: train and test samples in the data's units and as the models see them. */
export interface AnalysisData {
  spec: string;
  info: DataInfo;
  rawTrain: Dataset;
  rawTest: Dataset;
  /** Preprocessed, in the data's sample shape. */
  train: Dataset;
  test: Dataset;
  testSource: string;
  preprocessing: Preprocessing;
  /** Whether preprocessed values lie in [0, 1] (a sigmoid output can reach them). */
  unitRange: boolean;
  /** For stderr, once the command has checked what it needs (so a refusal stays one line): see printNotes. */
  notes: string[];
}

/**
 * Opens the data as `aekit train` does with its defaults (cli/train-data.ts): default mnist, the test split
 * (--test-data, the source's, --validation-split, else withTestSplit), the data kind's default preprocessing
 * fitted on the training split. Always in memory: these analyses need every sample at once. The notes are
 * returned, not printed (see AnalysisData.notes).
 */
export async function openAsTrain(req: DataRequest, seed: number): Promise<AnalysisData> {
  const spec = req.spec ?? 'mnist';
  const opened = await openData(spec, { ...req.options, seed });
  const { train: rawTrain, test: rawTest, testSource, note } = withTestSplit(opened.train, opened.test, opened.testSource, spec, seed);
  const preprocessing = fitPreprocessing(preprocessFor(opened.info), opened.info, rawTrain);
  return {
    spec, info: opened.info, rawTrain, rawTest, train: preprocessing.apply(rawTrain), test: preprocessing.apply(rawTest), testSource,
    preprocessing, unitRange: preprocessing.method === 'scale' || preprocessing.method === 'minmax', notes: [...opened.notes, ...(note ? [note] : [])],
  };
}

/** A model's sizes as the defaults give them for MNIST, and which of them the command line set. */
export interface Sizes {
  hidden: number[];
  latent: number;
  batchSize: number;
}

/**
 * Sizes meant for MNIST (784 values, 60000 samples) fitted to the data exactly as `aekit train` fits its presets
 * (cli/presets-fit.ts fitToData): widths shrink for samples of fewer values (hidden layers to twice the input, at least 16; the code to half of it, at least 2), and a
 * small table gets batches small enough for 50 steps per epoch over `trainSamples` (never below 16). A size
 * given on the command line is kept.
 */
export function fitSizes(sizes: Sizes, info: DataInfo, given: { [K in keyof Sizes]?: boolean }, trainSamples: number): Sizes {
  const flags = new Set([...(given.hidden ? ['hidden'] : []), ...(given.latent ? ['latent'] : []), ...(given.batchSize ? ['batch-size'] : [])]);
  const fitted = fitToData({ ...readTrainConfig({}), ...sizes, explicit: flags }, info, true, trainSamples);
  return { hidden: fitted.hidden, latent: fitted.latent, batchSize: fitted.batchSize };
}

/** Labels seen as classes: a name for each label and its index among the sorted labels present. */
export interface Classes {
  /** Sorted label values present in the given sets. */
  labels: number[];
  /** The class name of a label: the data's class name, else the number. */
  name(label: number): string;
  /** Labels as indices 0..K-1 into `labels` (the probe's softmax outputs, the SOM's colours). */
  indices(ds: Dataset): Int32Array;
}

/**
 * Checks that every set has labels and that there are at least two classes, in one line naming how to give
 * labels, and returns the classes. `command` starts the message ("probe needs labels: ...").
 */
export function labelClasses(command: string, info: DataInfo, sets: readonly (readonly [string, Dataset])[], minClasses = 2): Classes {
  const bare = sets.find(([, ds]) => !ds.labels);
  if (bare) {
    const which = sets.every(([, ds]) => !ds.labels) ? `${info.source} has none` : `its ${bare[0]} samples have none`;
    throw new UsageError(`${command} needs labels: give --label COLUMN (tables), class sub-folders (images), or an .npz with y (${which})`);
  }
  const seen = new Set<number>();
  for (const [, ds] of sets) for (const l of ds.labels!) seen.add(l);
  const labels = [...seen].sort((a, b) => a - b);
  const name = (l: number): string => info.classNames?.[l] ?? String(l);
  if (labels.length < minClasses) throw new Error(`${command} needs at least ${minClasses} classes, but every sample of ${info.source} is ${name(labels[0])}`);
  const index = new Map(labels.map((l, i) => [l, i]));
  return { labels, name, indices: (ds) => Int32Array.from(ds.labels!, (l) => index.get(l)!) };
}

/** A NaN or infinite metric is an error (an empty split, a diverged model), not a result: safety.ts requireFinite. */
export function finite(v: number, what: string): number {
  return requireFinite(what, v, 'the model diverged (try a lower --lr), a split is empty or the data holds non-finite values; nothing written');
}
