/** What every `aekit train` run shares: keeping completed epochs, Ctrl-C, charts, the summary and the model file. */
import { type Backend, type Callback, type History, type ModelExtras, saveModel, type SavableModel, type TrainControl } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import type { Dataset, Module, StreamedData } from '../src/index.js';
import { epochDivergence, firstNonFinite, isDivergence } from '../src/train/finite.js';
import type { OutputSet } from './output-set.js';
import { requireFinite } from './safety.js';
import type { Chart } from './figures.js';
import { TrainProgress } from './progress.js';
import type { Run, RunHistory } from './train-run.js';
import { type CheckpointArgs, describeResume, runStore } from './train-checkpoint.js';

/**
 * Keeps the weights of the last completed epoch and puts them back when training ends. After a Ctrl-C
 * mid-epoch the model file then holds exactly the epochs its summary reports (the checkpoint, written before
 * this runs, keeps the position within the epoch to resume from); before this process completes an epoch
 * there is nothing to put back and the file holds the weights so far. After a normal end the weights are
 * unchanged since the last snapshot, so restoring is a no-op.
 */
export class LastEpochWeights implements Callback {
  private snap: ReturnType<TrainControl['snapshot']> | null = null;
  onEpochEnd(_: unknown, control: TrainControl): void {
    this.snap = control.snapshot();
  }
  onTrainEnd(control: TrainControl): void {
    if (this.snap) control.restore(this.snap);
  }
}

/**
 * Stops a run at the end of an epoch whose weights are not finite (fit itself stops on a non-finite batch
 * loss): the run then ends as diverged, and writes nothing. A non-finite validation loss with finite weights
 * is left to the checks of the finished run (the test MSE), which refuse to write it.
 */
export class DivergenceGuard implements Callback {
  constructor(private readonly model: Module) {}
  onEpochEnd(info: { epoch: number }, control: TrainControl): void {
    const reason = epochDivergence(this.model.namedTensors(), info.epoch);
    if (reason) control.stop(reason);
  }
}

/**
 * Ctrl-C (SIGINT) and SIGTERM abort through fit's signal: training stops after the current step and the run
 * writes a checkpoint and its files. A second signal quits at once: every file is written atomically and the
 * outputs go through a staging folder, so nothing torn is left (the next run removes the leftovers). The
 * handlers stay for the rest of the command, so a signal while the files are written waits for them too.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** The bar the message must take down first (set by trainWithProgress). */
  progress: TrainProgress | null;
  dispose(): void;
}

/**
 * Installs the handlers; a command calls it before it says that training starts (a signal sent on that line
 * must find them in place).
 */
export function interruptible(): Interrupt {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    const message = `aekit: interrupted (${name}); stopping after this step, then writing a checkpoint and the model (${name === 'SIGINT' ? 'Ctrl-C' : 'a signal'} again to quit now)\n`;
    if (interrupt.progress) interrupt.progress.note(message);
    else process.stderr.write(message);
  };
  const interrupt: Interrupt = {
    signal: controller.signal,
    progress: null,
    dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); },
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return interrupt;
}

/**
 * `run.train` with a progress bar per training run, the last completed epoch's weights kept, checkpoints
 * (cli/train-checkpoint.ts) and Ctrl-C or SIGTERM stopping after the current step. Returns the history (an
 * interrupted run's too, also before its first epoch ends: it is written with its checkpoint), or the exit
 * code when the run ended with no epoch and was not interrupted (after saying so: then nothing is written).
 */
export async function trainWithProgress(run: Run, train: Dataset | StreamedData, test: Dataset, checkpoints: CheckpointArgs, interrupt: Interrupt): Promise<{ history: RunHistory; aborted: boolean } | { exit: number }> {
  if (checkpoints.resume !== null) process.stderr.write(`aekit: ${describeResume(checkpoints.resume)}\n`);
  const store = runStore(checkpoints, interrupt.signal);
  const history = await run.train(train, test, {
    signal: interrupt.signal,
    callbacks: (epochs, label) => {
      if (label) process.stderr.write(`aekit: ${label}\n`);
      interrupt.progress = new TrainProgress(epochs);
      return [interrupt.progress, new LastEpochWeights(), new DivergenceGuard(run.model)];
    },
    checkpoint: store.options,
    ...(store.resume ? { resume: store.resume } : {}),
  });
  // A diverged run writes nothing: the weights it stopped on (or the last epoch's, kept by LastEpochWeights)
  // come from a run heading to NaN, and the files of an earlier good run in --out must survive it.
  if (isDivergence(history.stopReason)) throw new Error(`training diverged: ${history.stopReason}; nothing written`);
  const aborted = history.stopReason === 'aborted' || interrupt.signal.aborted;
  if (aborted) store.flush(); // a stage without checkpoints was interrupted (the sparse baseline): the model's own
  else if (history.completedEpochs === 0) {
    process.stderr.write(`aekit: training stopped before the first epoch completed (${history.stopReason}); nothing written\n`);
    return { exit: 1 };
  }
  return { history, aborted };
}

/** The model of a run is written only when every weight is a number. */
export function requireFiniteWeights(model: Module): void {
  const bad = firstNonFinite(model.namedTensors());
  if (bad) throw new Error(`the trained weights are not finite (${bad.name} holds ${bad.value} at index ${bad.index}): the model diverged (try a lower --lr); nothing written`);
}

/** The numbers of a finished run that must be finite before anything is written: the test MSE and every epoch's losses. */
export function requireFiniteRun(testMse: number, history: Pick<History, 'loss' | 'valLoss'>, withTest = true): void {
  if (withTest) requireFinite('the test MSE', testMse, 'the model diverged (try a lower --lr) or the test data holds non-finite values; nothing written');
  const hint = 'the model diverged (try a lower --lr); nothing written';
  history.loss.forEach((v, i) => requireFinite(`the training loss of epoch ${i + 1}`, v, hint));
  history.valLoss.forEach((v, i) => requireFinite(`the validation loss of epoch ${i + 1}`, v, hint));
}

export function writeChart(png: string, svg: string, chart: Chart): void {
  writeFileAtomic(png, chart.png);
  writeFileAtomic(svg, chart.svg);
}

export interface RunEnd {
  files: Record<string, string>;
  /** What summary.json holds, and the --json line. */
  result: object;
  json: boolean;
  /** The human-readable outcome (one or more lines, each ending in a newline). */
  text: string;
  stopReason: string | null;
  epochs: number;
  aborted: boolean;
  /** The command that continues an interrupted run (printed on stderr after its files). */
  resume: string;
}

/**
 * The end of every `aekit train` run: writes summary.json, prints the result (one JSON line with --json, else
 * the text and the files written) and returns the exit code: 0, 1 when training stopped early (NaN loss,
 * early stopping), 130 after Ctrl-C.
 */
export function finishRun(end: RunEnd, outputs: OutputSet, previous: readonly string[]): number {
  writeFileAtomic(outputs.stage(end.files.summary!), `${JSON.stringify(end.result, null, 2)}\n`);
  outputs.commit(previous);
  if (end.json) process.stdout.write(`${JSON.stringify(end.result)}\n`);
  else process.stdout.write(`${end.text}wrote ${Object.values(end.files).join('\n      ')}\n`);
  if (end.stopReason && !end.aborted) {
    process.stderr.write(`aekit: training stopped early: ${end.stopReason}; the files hold epoch ${end.epochs}\n`);
    return 1;
  }
  if (end.aborted) {
    process.stderr.write(`aekit: interrupted after ${end.epochs} complete epoch(s); to continue: ${end.resume}\n`);
    return 130;
  }
  return 0;
}

/** The fields every train summary ends with: speed, backend, why training stopped, the files written. */
export function runRecord(history: Pick<History, 'samplesPerSec' | 'seconds' | 'stopReason'>, backend: Backend, files: Record<string, string>) {
  return {
    samplesPerSec: history.samplesPerSec,
    seconds: history.seconds,
    backend: backend.name,
    threads: backend.threads,
    stopReason: history.stopReason,
    files: Object.values(files),
  };
}

/**
 * Saves the model with the run's record (training settings and outcome, without the model config and the file
 * list), so a model file found on its own still says how it was made.
 */
export function saveWithRecord(path: string, model: SavableModel, result: { config: { training: object }; files: unknown }, extras: ModelExtras = {}): void {
  const { config, files: _, ...outcome } = result;
  saveModel(path, model, { ...config.training, ...outcome }, extras);
}
