/**
 * The data of an `aekit train` run: opened from --data (default MNIST; for --model sequence without --data,
 * the generated noisy sine waves of its preset), split into train and test, checked against the model kind,
 * and preprocessed with statistics of the training split only. The test split is --test-data, the source's
 * own test split, --validation-split, or else a seeded random 20% (a table has no test split of its own, and
 * a model with no held-out number is a model nobody can judge).
 */
import {
  type DataInfo, Dataset, describeData, featureAxis, noisySines, openData, Preprocessing, type PreprocessMethod, randomSplit,
} from '../src/index.js';
import type { DataRequest } from './data-args.js';
import { UsageError } from './errors.js';
import { PRESETS, preprocessFor, type TrainConfig, VARIANT_DEFAULTS } from './presets.js';

/** Held out for testing when the data has no test split and no flag says otherwise. */
export const DEFAULT_VALIDATION_SPLIT = 0.2;

export interface TrainData {
  spec: string;
  info: DataInfo;
  /** Train and test samples in the data's own units. */
  rawTrain: Dataset;
  rawTest: Dataset;
  preprocessing: Preprocessing;
  /** What the model is fed: preprocessed, in the data's sample shape. */
  train: Dataset;
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

/** Preprocessing for the run: --preprocess or the kind's default, fitted on the training samples only. */
function fitPreprocessing(method: PreprocessMethod, info: DataInfo, train: Dataset): Preprocessing {
  if (method === 'scale' && !info.valueRange) throw new UsageError(`--preprocess scale divides by the top of a fixed value range (255 for 8-bit images), and ${info.source} has none: use minmax or standardize`);
  if (method === 'scale') return Preprocessing.scaleBy(info.valueRange![1]);
  // Images share one statistic over all pixels (a per-pixel mean would whiten the borders of every digit);
  // tables and sequences get one per feature.
  const period = info.kind === 'image' ? 1 : featureAxis(info);
  return Preprocessing.fit(train, method, period);
}

function inUnitRange(ds: Dataset): boolean {
  const v = ds.toFloat32();
  for (let i = 0; i < v.length; i++) if (!(v[i] >= 0 && v[i] <= 1)) return false;
  return true;
}

export async function openTrainData(cfg: TrainConfig, req: DataRequest): Promise<TrainData> {
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
    if (opened.test) {
      rawTest = opened.test;
      testSource = opened.testSource!;
    } else {
      const { keep, held } = randomSplit(opened.train.length, DEFAULT_VALIDATION_SPLIT, o.seed ?? 0);
      rawTest = opened.train.take(held);
      rawTrain = opened.train.take(keep);
      testSource = `a random ${DEFAULT_VALIDATION_SPLIT} of ${spec} (seed ${o.seed ?? 0})`;
      o.validationSplit = DEFAULT_VALIDATION_SPLIT;
      notes.push(`${spec} has no test split: holding out ${testSource} (--test-data FILE or --validation-split F to choose)`);
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
