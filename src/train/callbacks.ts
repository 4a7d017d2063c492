/** Training callbacks: hooks at batch and epoch ends, and early stopping. */

export interface BatchEnd {
  /** 0-based index of the epoch (as Keras' callbacks count); History.epoch lists 1-based numbers. */
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
  /** 0-based index of the epoch that ended (as Keras' on_epoch_end); History.epoch lists it as epoch + 1. */
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
  /**
   * For checkpoints (train/checkpoint.ts): the callback's state as plain data (numbers, strings, arrays,
   * objects, typed arrays), and its restoration when a run resumes. A callback that had stopped the run
   * calls control.stop again in loadState, so a resumed run that was over trains nothing more.
   */
  state?(): unknown;
  loadState?(state: unknown, control: TrainControl): void;
}

/** The states of the callbacks that have one, in order, with their class names (what a checkpoint keeps). */
export function callbackStates(callbacks: readonly Callback[]): { name: string; state: unknown }[] {
  return callbacks.filter((c) => c.state).map((c) => ({ name: c.constructor.name, state: c.state!() }));
}

/** Restores states saved by callbackStates into the same kinds of callbacks, in the same order. */
export function loadCallbackStates(callbacks: readonly Callback[], saved: readonly { name: string; state: unknown }[], control: TrainControl, where: string): void {
  const stateful = callbacks.filter((c) => c.state);
  const names = (l: readonly { name: string }[]): string => l.map((c) => c.name).join(', ') || 'none';
  const mine = stateful.map((c) => ({ name: c.constructor.name }));
  if (names(mine) !== names(saved)) {
    throw new Error(`${where}: the checkpoint holds the state of the callbacks [${names(saved)}], this run has [${names(mine)}]`);
  }
  stateful.forEach((c, i) => {
    if (!c.loadState) throw new Error(`${where}: callback ${c.constructor.name} saves a state but cannot load one`);
    c.loadState(saved[i].state, control);
  });
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

/** What EarlyStopping keeps across a resume (its best weights are copies of every tensor of the model). */
export interface EarlyStoppingState {
  best: number;
  /** 0-based, as EpochEnd.epoch; -1 before the first epoch ends. */
  bestEpoch: number;
  /** 0-based; -1 while the run goes on. */
  stoppedEpoch: number;
  wait: number;
  reason: string | null;
  bestWeights: (Float32Array | Float64Array)[] | null;
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
  private reason: string | null = null;
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
      this.reason = `early stopping: ${monitor} has not improved for ${this.wait} epochs (best ${this.best.toPrecision(5)} at epoch ${this.bestEpoch + 1})`;
      control.stop(this.reason);
    }
  }

  onTrainEnd(control: TrainControl): void {
    if (this.restoreBest && this.bestWeights) control.restore(this.bestWeights);
  }

  state(): EarlyStoppingState {
    return { best: this.best, bestEpoch: this.bestEpoch, stoppedEpoch: this.stoppedEpoch, wait: this.wait, reason: this.reason, bestWeights: this.bestWeights ? [...this.bestWeights] : null };
  }

  loadState(state: unknown, control: TrainControl): void {
    const s = state as EarlyStoppingState;
    const int = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= -1;
    if (!s || typeof s.best !== 'number' || !int(s.bestEpoch) || !int(s.stoppedEpoch) || !int(s.wait) || !(s.bestWeights === null || Array.isArray(s.bestWeights))) {
      throw new Error(`EarlyStopping: not an EarlyStopping state: ${JSON.stringify(s)?.slice(0, 80)}`);
    }
    Object.assign(this, { best: s.best, bestEpoch: s.bestEpoch, stoppedEpoch: s.stoppedEpoch, wait: s.wait, reason: s.reason ?? null });
    this.bestWeights = s.bestWeights ? [...s.bestWeights] as Float32Array[] | Float64Array[] : null;
    if (this.reason) control.stop(this.reason);
  }
}
