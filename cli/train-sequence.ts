/**
 * `aekit train --model sequence`: the LSTM sequence autoencoder on synthetic noisy sines (src/data/sequences.ts).
 * It shares the flags, progress, Ctrl-C handling and file layout of the MNIST models (train.ts), but its data
 * is generated from the seed, its baseline is predicting the per-step mean of the training sequences, and its
 * figure is a line chart of test sequences and their reconstructions (sequences.png) instead of digit grids.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  getBackend, lineChartSvg, type LineSeries, lossChart, meanSquaredError, noisySines, SequenceAutoencoder, svgToPng, type Tensor,
  useBackend,
} from '../src/index.js';
import { type TrainConfig, VARIANT_DEFAULTS } from './presets.js';
import { TrainProgress } from './progress.js';
import { finishRun, interruptible, LastEpochWeights, runRecord, saveWithRecord, writeChart } from './train-common.js';

/** MSE of predicting every sequence by the per-step mean of `train` (the baseline a sequence model must beat). */
export function meanBaselineMse(train: Tensor, test: Tensor): number {
  const [n, steps] = train.shape;
  const a = train.toTypedArray(), b = test.toTypedArray();
  const mean = new Float64Array(steps);
  for (let s = 0; s < n; s++) for (let t = 0; t < steps; t++) mean[t] += a[s * steps + t] / n;
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += (b[i] - mean[i % steps]) ** 2;
  return sum / b.length;
}

/** Trains, reports and writes the files; returns the exit code (as train.ts's run). */
export async function trainSequence(cfg: TrainConfig, json: boolean): Promise<number> {
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true });
  useBackend({ backend: cfg.backend, threads: cfg.threads });
  const timesteps = cfg.timesteps ?? VARIANT_DEFAULTS.timesteps;
  const nTrain = cfg.limit ?? VARIANT_DEFAULTS.sequences;
  const nTest = cfg.testLimit ?? VARIANT_DEFAULTS.testSequences;
  // Two seeds per --seed: training and test sequences are different waves, and every --seed gives new ones.
  const trainSeed = 2 * cfg.seed + 1, testSeed = 2 * cfg.seed + 2;
  const train = noisySines({ n: nTrain, timesteps, seed: trainSeed, noise: 0.1 });
  const test = noisySines({ n: nTest, timesteps, seed: testSeed, noise: 0.1 });
  const clean = noisySines({ n: nTest, timesteps, seed: testSeed, noise: 0 }); // the same waves without noise
  const units = cfg.hidden[0];
  const model = new SequenceAutoencoder({ inputDim: 1, timesteps, units, latentDim: cfg.latent, seed: cfg.seed });
  const backend = getBackend();
  const layers = `lstm${units}-${cfg.latent}-lstm${units}`;
  process.stderr.write(
    `aekit: training sequence ${layers} (LSTM autoencoder, ${timesteps} steps) on ${nTrain} noisy sines, validating on ${nTest} others: ` +
      `mse, ${cfg.optimizer} lr ${cfg.lr}, batch ${cfg.batchSize}, ${cfg.epochs} epochs, seed ${cfg.seed}, ` +
      `backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})\n`,
  );

  const progress = new TrainProgress(cfg.epochs);
  const interrupt = interruptible(() => progress);
  let history;
  try {
    history = await model.fit(train, {
      epochs: cfg.epochs, batchSize: cfg.batchSize, optimizer: cfg.optimizer, lr: cfg.lr, seed: cfg.seed, loss: 'mse',
      validationData: test, signal: interrupt.signal, callbacks: [progress, new LastEpochWeights()],
    });
  } finally {
    interrupt.dispose();
  }
  const aborted = history.stopReason === 'aborted' || interrupt.signal.aborted;
  if (history.epoch.length === 0) {
    process.stderr.write(`aekit: training stopped before the first epoch completed (${history.stopReason}); nothing written\n`);
    return aborted ? 130 : 1;
  }

  const reconstructed = model.reconstruct(test);
  const recon = reconstructed.toTypedArray();
  const testMse = meanSquaredError(reconstructed, test);
  const baselineMse = meanBaselineMse(train, test);
  const metrics = { meanBaselineMse: baselineMse, ratioToBaseline: testMse / baselineMse, cleanMse: meanSquaredError(reconstructed, clean) };

  const files = {
    model: join(out, 'model.safetensors'),
    sequences: join(out, 'sequences.png'), sequencesSvg: join(out, 'sequences.svg'),
    lossPng: join(out, 'loss.png'), lossSvg: join(out, 'loss.svg'),
    summary: join(out, 'summary.json'),
  };
  const result = {
    model: cfg.model,
    config: {
      model: model.modelConfig().config,
      training: {
        data: 'noisy sines', noise: 0.1, timesteps, loss: 'mse', optimizer: history.optimizer, batchSize: cfg.batchSize, epochs: cfg.epochs,
        seed: cfg.seed, trainSeed, testSeed, limit: cfg.limit ?? null, testLimit: cfg.testLimit ?? null,
        trainSamples: nTrain, testSamples: nTest, validation: 'noisy sines (test seed)',
      },
    },
    trainLoss: history.loss,
    valLoss: history.valLoss,
    testMse,
    metrics,
    ...runRecord(history, backend, files),
  };

  saveWithRecord(files.model, model, result);
  // Four test sequences: the noisy input, the clean wave under it, and the reconstruction.
  const steps = Array.from({ length: timesteps }, (_, t) => t);
  const series: LineSeries[] = [];
  const x = test.toTypedArray(), c = clean.toTypedArray();
  for (let s = 0; s < Math.min(4, nTest); s++) {
    const part = (v: ArrayLike<number>): number[] => Array.from({ length: timesteps }, (_, t) => v[s * timesteps + t] + 3 * s);
    series.push({ name: `#${s} input`, x: steps, y: part(x) }, { name: `#${s} clean`, x: steps, y: part(c) }, { name: `#${s} reconstruction`, x: steps, y: part(recon) });
  }
  const svg = await lineChartSvg({
    title: `${layers}: 4 test sequences (offset by 3 each), noisy input, clean wave, reconstruction`,
    xLabel: 'time step', yLabel: 'value (+ 3 per sequence)', series, width: 640, height: 400,
  });
  writeChart(files.sequences, files.sequencesSvg, { svg, png: svgToPng(svg) });
  writeChart(files.lossPng, files.lossSvg, await lossChart(
    { epoch: history.epoch, trainLoss: history.loss, valLoss: history.valLoss },
    { title: `${layers} on noisy sines: mse per epoch` },
  ));
  return finishRun({
    files, result, json, aborted, stopReason: history.stopReason, epochs: history.epoch.length,
    text: `test MSE ${testMse.toFixed(6)} on ${nTest} test sequences after ${history.epoch.length} epoch(s) ` +
      `(predicting the per-step mean: ${baselineMse.toFixed(6)}, ${(100 * metrics.ratioToBaseline).toFixed(1)}% of it; ` +
      `against the noise-free waves: ${metrics.cleanMse.toFixed(6)}); ${Math.round(history.samplesPerSec)} samples/s, ` +
      `${history.seconds.toFixed(1)} s\n`,
  });
}
