/**
 * The data of an `aekit train` run: opened from --data (default MNIST; for --model sequence without --data,
 * the generated noisy sine waves of its preset), split into train and test, checked against the model kind,
 * and preprocessed with statistics of the training split only. The test split is --test-data, the source's
 * own test split, --validation-split, or else a seeded random 20% (a table has no test split of its own, and
 * a model with no held-out number is a model nobody can judge).
 */
import { statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { extname } from 'node:path';
import {
  type DataInfo, Dataset, DEFAULT_SHUFFLE_BUFFER, describeData, featureAxis, fitPreprocessing as fitDataPreprocessing, fitStreamPreprocessing,
  noisySines, openCsvStream, openData, openNpyStream, openParquetStream, Preprocessing, type PreprocessMethod, randomSplit, readData,
  type SampleStream, StreamedData, subsetStream,
} from '../src/index.js';
import type { DataRequest } from './data-args.js';
import { UsageError } from './errors.js';
import { PRESETS, VARIANT_DEFAULTS } from './presets.js';
import { preprocessFor } from './presets-fit.js';
import type { TrainConfig } from './train-config.js';

/** Held out for testing when the data has no test split and no flag says otherwise. */
export const DEFAULT_VALIDATION_SPLIT = 0.2;

export interface TrainData {
  spec: string;
  info: DataInfo;
  /** Train and test samples in the data's own units (null when the training samples are streamed). */
  rawTrain: Dataset | null;
  rawTest: Dataset;
  preprocessing: Preprocessing;
  /** What the model is fed: preprocessed, in the data's sample shape (streamed from disk with --stream). */
  train: Dataset | StreamedData;
  test: Dataset;
  testSource: string;
  /** Whether model inputs lie in [0, 1] (a sigmoid output and cross-entropy fit them). */
  unitRange: boolean;
  notes: string[];
  /** How to open the same data and split again (saved in the model file for eval, encode, ...). */
  dataRequest: { spec: string; limit?: number; testData?: string; validationSplit?: number; seed?: number };
  /** Generated sine waves only: the test waves without their noise, and the seeds that drew them. */
  sines?: { clean: Float32Array; trainSeed: number; testSeed: number };
}

/** The preset's generated data: noisy sines, [n, timesteps, 1] (two seeds per --seed, so train and test differ). */
function sineData(cfg: TrainConfig, req: DataRequest): { info: DataInfo; train: Dataset; test: Dataset; sines: TrainData['sines'] } {
  const timesteps = cfg.timesteps ?? VARIANT_DEFAULTS.timesteps;
  const nTrain = req.options.limit ?? VARIANT_DEFAULTS.sequences;
  const nTest = req.options.testLimit ?? VARIANT_DEFAULTS.testSequences;
  const trainSeed = 2 * cfg.seed + 1, testSeed = 2 * cfg.seed + 2;
  const ds = (n: number, seed: number, noise: number): Dataset => {
    const t = noisySines({ n, timesteps, seed, noise });
    return Dataset.fromTyped(t.toTypedArray() as Float32Array, n, [timesteps, 1]);
  };
  const info: DataInfo = {
    kind: 'sequence', sampleShape: [timesteps, 1], source: 'noisy sines', featureNames: ['value'], classNames: null,
    valueRange: null, columns: null, window: null,
  };
  return { info, train: ds(nTrain, trainSeed, 0.1), test: ds(nTest, testSeed, 0.1), sines: { clean: ds(nTest, testSeed, 0).toFloat32(), trainSeed, testSeed } };
}

/** Checks that the preset can train on this kind of data, in one line naming both. */
function checkKind(cfg: TrainConfig, info: DataInfo, spec: string): void {
  const p = PRESETS[cfg.model];
  if (p.conv && info.kind !== 'image') throw new UsageError(`--model ${cfg.model} trains on images, but ${spec} holds ${describeData(info)}`);
  if (p.sequence && info.kind !== 'sequence') {
    throw new UsageError(`--model sequence trains on sequences, but ${spec} holds ${describeData(info)} (cut a table into sequences with --window T, or give an .npy of [n, time, features])`);
  }
}

/**
 * Preprocessing for a run: --preprocess or the kind's default, fitted on the training samples only (the
 * library's fitPreprocessing; a scale without a value range is a usage error naming the flag).
 */
export function fitPreprocessing(method: PreprocessMethod, info: DataInfo, train: Dataset): Preprocessing {
  if (method === 'scale' && !info.valueRange) throw new UsageError(`--preprocess scale divides by the top of a fixed value range (255 for 8-bit images), and ${info.source} has none: use minmax or standardize`);
  return fitDataPreprocessing(method, info, train);
}

/** Whether every value of `ds` lies in [0, 1] (a sigmoid output can reach them). */
export function inUnitRange(ds: Dataset): boolean {
  const v = ds.toFloat32();
  for (let i = 0; i < v.length; i++) if (!(v[i] >= 0 && v[i] <= 1)) return false;
  return true;
}

/**
 * The test split when the data has none of its own and no flag chose one: a seeded random
 * DEFAULT_VALIDATION_SPLIT of the samples, and a note saying so (every command that splits data does it so).
 */
export function withTestSplit(train: Dataset, test: Dataset | null, testSource: string | null, spec: string, seed: number): { train: Dataset; test: Dataset; testSource: string; note: string | null } {
  if (test) return { train, test, testSource: testSource ?? spec, note: null };
  const { keep, held } = randomSplit(train.length, DEFAULT_VALIDATION_SPLIT, seed);
  const source = `a random ${DEFAULT_VALIDATION_SPLIT} of ${spec} (seed ${seed})`;
  const note = `${spec} has no test split: holding out ${source} (--test-data FILE or --validation-split F to choose)`;
  return { train: train.take(keep), test: train.take(held), testSource: source, note };
}

/** Test samples kept in memory when training streams (validation each epoch and the final numbers). */
export const STREAM_TEST_LIMIT = 10000;

const STREAMABLE: Record<string, (path: string, req: DataRequest) => Promise<SampleStream>> = {
  '.npy': (p, r) => openNpyStream(p, r.options.kind ? { kind: r.options.kind } : {}),
  '.csv': (p, r) => openCsvStream(p, r.options),
  '.tsv': (p, r) => openCsvStream(p, { ...r.options, delimiter: r.options.delimiter ?? '\t' }),
  '.parquet': (p, r) => openParquetStream(p, r.options),
};

/** --stream, or a file too large to hold comfortably (over an eighth of the machine's memory). */
function shouldStream(cfg: TrainConfig, spec: string | undefined): boolean {
  if (spec === undefined || !(extname(spec).toLowerCase() in STREAMABLE)) {
    if (cfg.stream) throw new UsageError(`--stream reads .npy, .csv, .tsv and .parquet files${spec ? `, not ${spec}` : ' (give --data FILE)'}`);
    return false;
  }
  if (cfg.stream !== undefined) return cfg.stream;
  try {
    return statSync(spec).size > totalmem() / 8;
  } catch {
    return false; // openData names a missing file
  }
}

/**
 * Training data streamed from disk: the training samples stay in the file (read window by window), the test
 * split is the first STREAM_TEST_LIMIT held-out samples (or --test-data), read into memory.
 */
async function openStreamed(cfg: TrainConfig, req: DataRequest, spec: string): Promise<TrainData> {
  const o = req.options;
  if (o.window !== undefined) throw new UsageError('--window cannot stream: cut the windows into an .npy first, or drop --stream');
  if (o.missing === 'drop') throw new UsageError('--missing drop changes which rows exist, which a stream cannot know in advance: use --missing mean, or drop --stream');
  let stream = await STREAMABLE[extname(spec).toLowerCase()](spec, req);
  const notes: string[] = [];
  if (o.limit !== undefined && o.limit < stream.length) stream = subsetStream(stream, Uint32Array.from({ length: o.limit }, (_, i) => i));
  const info = stream.info;
  checkKind(cfg, info, spec);
  let rawTest: Dataset, testSource: string;
  const dataRequest: TrainData['dataRequest'] = { spec, ...(o.limit !== undefined ? { limit: o.limit } : {}) };
  const testCap = o.testLimit ?? STREAM_TEST_LIMIT;
  let train = stream;
  if (o.testData !== undefined) {
    const t = await readData(o.testData, { ...o, limit: testCap });
    rawTest = t.samples;
    testSource = o.testData;
    dataRequest.testData = o.testData;
  } else {
    const fraction = o.validationSplit ?? DEFAULT_VALIDATION_SPLIT;
    const { keep, held } = randomSplit(stream.length, fraction, o.seed ?? 0);
    train = subsetStream(stream, keep);
    const m = Math.min(testCap, held.length);
    rawTest = Dataset.fromTyped(await subsetStream(stream, held).read(0, m), m, info.sampleShape, { missing: true });
    testSource = `the first ${m} of a random ${fraction} of ${spec} (seed ${o.seed ?? 0}) held out`;
    Object.assign(dataRequest, { validationSplit: fraction, seed: o.seed ?? 0 });
  }
  const method = cfg.preprocess ?? preprocessFor(info);
  if (method === 'scale' && !info.valueRange) throw new UsageError(`--preprocess scale needs a fixed value range (8-bit data), and ${spec} has none: use minmax or standardize`);
  const preprocessing = method === 'scale'
    ? Preprocessing.scaleBy(info.valueRange![1])
    : await fitStreamPreprocessing(train, method, info.kind === 'image' ? 1 : featureAxis(info));
  notes.push(`streaming ${train.length} training samples from ${spec} (shuffle buffer ${cfg.shuffleBuffer ?? DEFAULT_SHUFFLE_BUFFER}); testing on ${rawTest.length} in memory`);
  const test = preprocessing.apply(rawTest);
  return {
    spec, info, rawTrain: null, rawTest, preprocessing, train: new StreamedData(train, preprocessing, { buffer: cfg.shuffleBuffer ?? DEFAULT_SHUFFLE_BUFFER }),
    test, testSource, unitRange: method === 'scale' || method === 'minmax', notes, dataRequest,
  };
}

export async function openTrainData(cfg: TrainConfig, req: DataRequest): Promise<TrainData> {
  if (shouldStream(cfg, req.spec)) {
    if (PRESETS[cfg.model].streams === false) throw new UsageError(`--model ${cfg.model} trains on data in memory (${PRESETS[cfg.model].blurb}); --stream works for ${Object.entries(PRESETS).filter(([, p]) => p.streams !== false).map(([n]) => n).join(', ')}`);
    return openStreamed(cfg, req, req.spec!);
  }
  if (cfg.shuffleBuffer !== undefined) throw new UsageError('--shuffle-buffer is for streamed training (--stream)');
  const notes: string[] = [];
  let spec: string, info: DataInfo, rawTrain: Dataset, rawTest: Dataset, testSource: string;
  let sines: TrainData['sines'];
  const dataRequest: TrainData['dataRequest'] = { spec: '' };
  if (PRESETS[cfg.model].sequence && req.spec === undefined) {
    const s = sineData(cfg, req);
    ({ info, sines } = s);
    rawTrain = s.train;
    rawTest = s.test;
    spec = 'noisy sines';
    testSource = `noisy sines (seed ${s.sines!.testSeed})`;
  } else {
    spec = req.spec ?? 'mnist';
    const o = { ...req.options };
    const opened = await openData(spec, o);
    notes.push(...opened.notes);
    info = opened.info;
    rawTrain = opened.train;
    const split = withTestSplit(opened.train, opened.test, opened.testSource, spec, o.seed ?? 0);
    ({ train: rawTrain, test: rawTest, testSource } = split);
    if (split.note) {
      o.validationSplit = DEFAULT_VALIDATION_SPLIT;
      notes.push(split.note);
    }
    Object.assign(dataRequest, {
      spec, ...(o.limit !== undefined ? { limit: o.limit } : {}), ...(o.testData !== undefined ? { testData: o.testData } : {}),
      ...(o.validationSplit !== undefined ? { validationSplit: o.validationSplit, seed: o.seed ?? 0 } : {}),
    });
  }
  checkKind(cfg, info, spec);
  const method = cfg.preprocess ?? (sines ? 'none' : preprocessFor(info));
  const preprocessing = fitPreprocessing(method, info, rawTrain);
  const train = preprocessing.apply(rawTrain);
  const test = preprocessing.apply(rawTest);
  const unitRange = method === 'scale' || method === 'minmax' || (method === 'none' && inUnitRange(train));
  dataRequest.spec ||= spec;
  return { spec, info, rawTrain, rawTest, preprocessing, train, test, testSource, unitRange, notes, dataRequest, ...(sines ? { sines } : {}) };
}
