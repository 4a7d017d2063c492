/**
 * `aekit train --model sequence`: the LSTM sequence autoencoder, on the user's sequences (--data: an .npy of
 * [n, time, features], or a table cut into windows) or, by default, on generated noisy sines
 * (src/data/sequences.ts). Its baseline is predicting the per-step mean of the training sequences, and on the
 * generated sines it also reports the error against the noise-free waves.
 */
import { type Dataset, SequenceAutoencoder, type Tensor } from '../src/index.js';
import { chartOf, fitOptions, inMemory, type Run, runHistory } from './train-run.js';
import { sequenceChart } from './figures.js';
import type { TrainConfig } from './train-config.js';
import type { TrainData } from './train-data.js';

type Sequences = Tensor | Dataset;

function valuesOf(x: Sequences): { v: ArrayLike<number>; n: number; steps: number } {
  if ('sampleShape' in x) return { v: x.toFloat32(), n: x.length, steps: x.sampleSize };
  return { v: x.toTypedArray(), n: x.shape[0], steps: x.size / Math.max(x.shape[0], 1) };
}

/** MSE of predicting every sequence by the per-position mean of `train` (the baseline a sequence model must beat). */
export function meanBaselineMse(train: Sequences, test: Sequences): number {
  const a = valuesOf(train), b = valuesOf(test);
  const mean = new Float64Array(a.steps);
  for (let s = 0; s < a.n; s++) for (let t = 0; t < a.steps; t++) mean[t] += a.v[s * a.steps + t] / a.n;
  let sum = 0;
  for (let i = 0; i < b.v.length; i++) sum += (b.v[i] - mean[i % a.steps]) ** 2;
  return sum / b.v.length;
}

export function sequenceRun(cfg: TrainConfig, data: TrainData): Run {
  const [timesteps, features] = data.info.sampleShape;
  const units = cfg.hidden[0];
  const model = new SequenceAutoencoder({ inputDim: features, timesteps, units, latentDim: cfg.latent, seed: cfg.seed });
  const layers = `lstm${units}-${cfg.latent}-lstm${units}`;
  let history: ReturnType<typeof runHistory>;
  let trainSet: Dataset;
  return {
    model,
    describe: `${layers} (LSTM autoencoder, ${timesteps} steps x ${features} feature${features === 1 ? '' : 's'})`,
    training: data.sines ? { noise: 0.1, timesteps, trainSeed: data.sines.trainSeed, testSeed: data.sines.testSeed } : { timesteps },
    async train(train, test, hooks) {
      trainSet = inMemory(train);
      const h = await model.fit(trainSet, { ...fitOptions(cfg, hooks), loss: 'mse', validationData: test, callbacks: hooks.callbacks(cfg.epochs) });
      return (history = runHistory(h));
    },
    async report(test) {
      const testMse = model.reconstructionError(test);
      const baselineMse = meanBaselineMse(trainSet, test);
      const metrics: Record<string, unknown> = { meanBaselineMse: baselineMse, ratioToBaseline: testMse / baselineMse };
      let clean = '';
      if (data.sines) {
        const r = model.reconstruct(test).toTypedArray();
        let s = 0;
        for (let i = 0; i < r.length; i++) s += (r[i] - data.sines.clean[i]) ** 2;
        metrics.cleanMse = s / r.length;
        clean = `; against the noise-free waves: ${(metrics.cleanMse as number).toFixed(6)}`;
      }
      const title = `${layers}: 4 test sequences (offset by 3 each), ${data.sines ? 'noisy input, clean wave, ' : 'input, '}reconstruction`;
      return {
        testMse, metrics,
        lines: `predicting the per-step mean: ${baselineMse.toFixed(6)} (the model: ${(100 * testMse / baselineMse).toFixed(1)}% of it${clean})\n`,
        lossChart: await chartOf(history, `${layers} on ${data.info.source}: mse per epoch`),
        figures: [{ file: 'sequences.png', image: await sequenceChart({ model, info: data.info, preprocessing: data.preprocessing }, test, title, data.sines?.clean) }],
      };
    },
  };
}
