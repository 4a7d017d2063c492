/**
 * What a training run of `aekit train` (and `aekit detect fit`) is: a model, how to train it with the hooks
 * the command hands in, and what it reports afterwards. cli/train-models.ts and cli/train-sequence.ts make
 * one per --model.
 */
import {
  type AutoencoderModel, type Callback, type CheckpointOptions, type CheckpointStore, type Dataset, type History, lossChart, StreamedData,
} from '../src/index.js';
import type { Chart, Figure } from './figures.js';
import type { TrainConfig } from './train-config.js';

/** The training record summary.json reports (for the stacked model: its fine-tuning stage). */
export interface RunHistory extends History {
  /** Epochs completed over every training run (all stages; the sparse baseline not counted). */
  completedEpochs: number;
}

export interface TrainHooks {
  signal: AbortSignal;
  /** Fresh callbacks (progress, last-epoch weights) for one training run of `epochs` epochs; `label` announces it. */
  callbacks(epochs: number, label?: string): Callback[];
  /** fit's checkpoint and resume options (cli/train-checkpoint.ts), for the model's own training run. */
  checkpoint?: CheckpointOptions;
  resume?: CheckpointStore;
}

export interface Report {
  testMse: number;
  /** The model's own numbers for summary.json. */
  metrics: Record<string, unknown>;
  /** Human-readable lines for stdout ('' for none). */
  lines: string;
  /** loss.png / loss.svg, or null when no epoch of the reported run completed. */
  lossChart: Chart | null;
  /** Extra figures, by file name. */
  figures: Figure[];
}

export interface Run {
  model: AutoencoderModel;
  /** What the first stderr line says about the model, e.g. "784-32-784 (relu code, L1 penalty 0.0001)". */
  describe: string;
  /** Settings beyond the common ones, merged into summary.config.training. */
  training: Record<string, unknown>;
  /** Trains on model inputs (preprocessed samples in the model's input shape; streamed for some); `test` validates. */
  train(train: Dataset | StreamedData, test: Dataset, hooks: TrainHooks): Promise<RunHistory>;
  /** After training: metrics and figures on the test samples. */
  report(test: Dataset): Promise<Report>;
}

/** fit options every model shares; `checkpoints: false` for a run beside the model's own (the sparse baseline). */
export function fitOptions(cfg: TrainConfig, hooks: TrainHooks, checkpoints = true) {
  return {
    epochs: cfg.epochs, batchSize: cfg.batchSize, optimizer: cfg.optimizer, lr: cfg.lr, seed: cfg.seed, signal: hooks.signal,
    ...(checkpoints && hooks.checkpoint ? { checkpoint: hooks.checkpoint } : {}),
    ...(checkpoints && hooks.resume ? { resume: hooks.resume } : {}),
  };
}

export function runHistory(h: History): RunHistory {
  return {
    epoch: h.epoch, loss: h.loss, valLoss: h.valLoss, seconds: h.seconds, samplesPerSec: h.samplesPerSec,
    stopReason: h.stopReason, optimizer: h.optimizer, completedEpochs: h.epoch.length,
  };
}

export async function chartOf(h: RunHistory, title: string): Promise<Chart | null> {
  if (h.epoch.length === 0) return null;
  return lossChart({ epoch: h.epoch, trainLoss: h.loss, valLoss: h.valLoss.length === h.epoch.length ? h.valLoss : undefined }, { title });
}

/** The training samples of a model that trains in memory only (its preset has `streams: false`, so never streamed). */
export function inMemory(train: Dataset | StreamedData): Dataset {
  if (train instanceof StreamedData) throw new Error('this model trains on data in memory, not streamed');
  return train;
}
