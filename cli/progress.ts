/**
 * Training progress on stderr (stdout is kept for results, e.g. the --json line). On a terminal: a live
 * cli-progress bar per epoch (epoch, batch progress, loss, samples/s), replaced by a one-line summary when the
 * epoch ends. Elsewhere (CI logs, pipes, files) a redrawn bar is noise, so only the per-epoch line is printed.
 */
import cliProgress from 'cli-progress';
import type { BatchEnd, Callback, EpochEnd } from '../src/index.js';

export function epochLine(info: EpochEnd, epochs: number): string {
  const val = info.valLoss === undefined ? '' : `  val_loss ${info.valLoss.toPrecision(4)}`;
  return `epoch ${info.epoch + 1}/${epochs}  loss ${info.loss.toPrecision(4)}${val}  ` +
    `${Math.round(info.samplesPerSec)} samples/s  ${info.seconds.toFixed(1)} s\n`;
}

export class TrainProgress implements Callback {
  private bar: cliProgress.SingleBar | null = null;
  private readonly stream = process.stderr;
  // The bar shows the epoch's running mean loss: single-batch losses jump around, and the mean is what the
  // epoch line reports when the epoch ends.
  private lossSum = 0;
  private seen = 0;

  constructor(private readonly epochs: number, private live = process.stderr.isTTY === true) {}

  onBatchEnd(info: BatchEnd): void {
    if (!this.live) return;
    if (info.batch === 0) this.lossSum = this.seen = 0;
    this.lossSum += info.loss * (info.samples - this.seen);
    this.seen = info.samples;
    const loss = (this.lossSum / this.seen).toPrecision(4);
    const payload = { epoch: `${info.epoch + 1}/${this.epochs}`, loss, speed: Math.round(info.samplesPerSec) };
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar({
        stream: this.stream,
        format: 'epoch {epoch} [{bar}] {percentage}% | loss {loss} | {speed} samples/s | ETA {eta_formatted}',
        clearOnComplete: true, // the epoch line below takes the bar's place
        hideCursor: true,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(info.batchesPerEpoch, 0, payload);
    }
    this.bar.update(info.batch + 1, payload);
  }

  /** A message from outside training (Ctrl-C): take the bar down first so the two do not overwrite each other. */
  note(message: string): void {
    this.stopBar();
    this.live = false; // the one or two batches left would only draw a bar to be cleared again
    this.stream.write(message);
  }

  onEpochEnd(info: EpochEnd): void {
    this.stopBar();
    this.stream.write(epochLine(info, this.epochs));
  }

  onTrainEnd(): void {
    this.stopBar(); // training stopped mid-epoch (Ctrl-C, NaN loss): do not leave a half bar behind
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
