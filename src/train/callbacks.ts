/** Training callbacks: hooks at batch and epoch ends, and early stopping. */

export interface BatchEnd {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  /** This batch's loss. */
  loss: number;
  /** Samples seen so far in this epoch. */
  samples: number;
  /** Throughput over this epoch so far. */
  samplesPerSec: number;
}

export interface EpochEnd {
  epoch: number;
  loss: number;
  valLoss?: number;
  seconds: number;
  samplesPerSec: number;
}

/** What a callback can do to the run it watches. */
export interface TrainControl {
  /** Stops after the current batch/epoch. */
  stop(reason: string): void;
  /** Snapshot of every weight, and its restoration (for restore-best). */
  snapshot(): Float32Array[] | Float64Array[];
  restore(snap: Float32Array[] | Float64Array[]): void;
}

export interface Callback {
  /**
   * After every batch. A returned promise holds the run until it settles (the next batch waits): a UI pauses
   * training or runs it one step at a time this way, with the epoch, shuffle and optimizer state intact.
   */
  onBatchEnd?(info: BatchEnd, control: TrainControl): void | Promise<void>;
  onEpochEnd?(info: EpochEnd, control: TrainControl): void;
  onTrainEnd?(control: TrainControl): void;
}

/**
 * Calls every callback's onBatchEnd; returns a promise when any of them asked the run to wait (fit awaits it,
 * and a callback that wraps others passes it on), else undefined so an ordinary batch costs no await.
 */
export function batchEnd(callbacks: readonly Callback[], info: BatchEnd, control: TrainControl): Promise<void> | undefined {
  let wait: Promise<void> | undefined;
  for (const c of callbacks) {
    const r = c.onBatchEnd?.(info, control);
    if (r) wait = wait ? Promise.all([wait, r]).then(() => undefined) : r;
  }
  return wait;
}

export interface EarlyStoppingOptions {
  /** Which number to watch (default 'valLoss' when validation data exists, else 'loss'). */
  monitor?: 'loss' | 'valLoss';
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** An improvement smaller than this does not count (default 0). */
  minDelta?: number;
  /** Put back the best epoch's weights at the end (default true). */
  restoreBest?: boolean;
}

/** Stops when the monitored loss has not improved for `patience` epochs; optionally restores the best weights. */
export class EarlyStopping implements Callback {
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  readonly monitor?: 'loss' | 'valLoss';
  best = Infinity;
  bestEpoch = -1;
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Float32Array[] | Float64Array[] | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.patience = opts.patience ?? 3;
    this.minDelta = opts.minDelta ?? 0;
    this.restoreBest = opts.restoreBest ?? true;
    this.monitor = opts.monitor;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`patience must be a non-negative integer, got ${this.patience}`);
    if (!(this.minDelta >= 0)) throw new Error(`minDelta must be >= 0, got ${this.minDelta}`);
  }

  onEpochEnd(info: EpochEnd, control: TrainControl): void {
    const monitor = this.monitor ?? (info.valLoss !== undefined ? 'valLoss' : 'loss');
    const value = monitor === 'valLoss' ? info.valLoss : info.loss;
    if (value === undefined) throw new Error("EarlyStopping monitors 'valLoss' but there is no validation data");
    if (value < this.best - this.minDelta) {
      this.best = value;
      this.bestEpoch = info.epoch;
      this.wait = 0;
      if (this.restoreBest) this.bestWeights = control.snapshot();
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = info.epoch;
      control.stop(`early stopping: ${monitor} has not improved for ${this.wait} epochs (best ${this.best.toPrecision(5)} at epoch ${this.bestEpoch + 1})`);
    }
  }

  onTrainEnd(control: TrainControl): void {
    if (this.restoreBest && this.bestWeights) control.restore(this.bestWeights);
  }
}
