/**
 * What `aekit train` does for each --model: build the library model from a TrainConfig sized to the data,
 * train it (with the progress and Ctrl-C hooks train.ts hands in), then measure it on the test samples and
 * draw its own figures. train.ts writes what every model shares (model file, the data figure, loss chart,
 * summary); a Run supplies the model-specific parts: the `metrics` of summary.json and the extra figures.
 * Runs see models through the AutoencoderModel interface; each builds its own class.
 */
import {
  activationHistogram, Autoencoder, type AutoencoderConfig, type Callback, ContractiveAutoencoder, CONV_AE_PRESETS,
  ConvAutoencoder, type ConvAutoencoderConfig, type Dataset, DenoisingAutoencoder, denoisingFigure, getBackend, type History, imageQuality,
  lossFn, noGrad, SparseAutoencoder, StackedAutoencoder, stackedLossChart, type StackedHistory, type StreamedData, tensor, VAE,
  vaeLossChart, vaeManifoldImage, vaeSampleGrid,
} from '../src/index.js';
import { type Figure, figureScale } from './figures.js';
import { noiseLabel } from './noise-arg.js';
import { PRESETS } from './presets.js';
import type { TrainConfig } from './train-config.js';
import type { TrainData } from './train-data.js';
import { chartOf, fitOptions, inMemory, type Run, type RunHistory, runHistory, type TrainHooks } from './train-run.js';
import { sequenceRun } from './train-sequence.js';

export function createRun(cfg: TrainConfig, data: TrainData): Run {
  const dim = data.info.sampleShape.reduce((a, b) => a * b, 1);
  switch (cfg.model) {
    case 'autoencoder':
    case 'deep':
      return plainRun(cfg, new Autoencoder(aeConfig(cfg, dim)), data);
    case 'sparse':
    case 'sparse-kl':
      return sparseRun(cfg, dim, data);
    case 'denoising':
      return denoisingRun(cfg, new DenoisingAutoencoder({ ...aeConfig(cfg, dim), noise: cfg.noise }), data);
    case 'conv':
      return plainRun(cfg, convModel(cfg, data), data);
    case 'denoising-conv':
      return denoisingRun(cfg, convModel(cfg, data), data);
    case 'sequence':
      return sequenceRun(cfg, data);
    case 'contractive':
      return contractiveRun(cfg, dim, data);
    case 'vae':
      return vaeRun(cfg, dim, data);
    case 'stacked':
      return stackedRun(cfg, dim, data);
  }
}

// ---------------------------------------------------------------------------------------------------------
// shared pieces

/**
 * The preset's ConvAutoencoder for the data's images, with the run's activations, seed and (for the denoiser)
 * noise. The Keras blog's stack is built for 28x28 (its 'valid' stage turns 16 into 14); images of other sizes
 * get the same filters with 'same' padding everywhere, which returns to the input size when each side divides
 * by 2 per pooling stage.
 */
function convModel(cfg: TrainConfig, data: TrainData): ConvAutoencoder {
  const name = PRESETS[cfg.model].conv;
  if (!name) throw new Error(`--model ${cfg.model} is not a convolutional preset`);
  const [h, w, c] = data.info.sampleShape;
  const base: ConvAutoencoderConfig = {
    ...CONV_AE_PRESETS[name], inputShape: [h, w, c], activation: cfg.activation, outputActivation: cfg.outputActivation, seed: cfg.seed,
    ...(cfg.noise ? { noise: cfg.noise } : {}),
  };
  try {
    return new ConvAutoencoder(base);
  } catch {
    const same = (l: readonly (number | { filters: number })[]): number[] => l.map((s) => (typeof s === 'number' ? s : s.filters));
    const stages = base.encoder!.length;
    try {
      return new ConvAutoencoder({ ...base, encoder: same(base.encoder!), decoder: same(base.decoder!) });
    } catch {
      throw new Error(`--model ${cfg.model} pools ${stages} times by 2, so image sides must divide by ${2 ** stages}; the images are ${w}x${h}: resize them with --image-size (e.g. ${Math.ceil(w / 2 ** stages) * 2 ** stages}x${Math.ceil(h / 2 ** stages) * 2 ** stages})`);
    }
  }
}

function aeConfig(cfg: TrainConfig, inputDim: number): AutoencoderConfig {
  return {
    inputDim, hidden: cfg.hidden, latentDim: cfg.latent, activation: cfg.activation,
    latentActivation: cfg.latentActivation, outputActivation: cfg.outputActivation, seed: cfg.seed,
  };
}




/** Trains an Autoencoder (or subclass, or a ConvAutoencoder) the usual way: fit, validated on the test samples. */
async function fitPlain(model: Autoencoder | ConvAutoencoder, cfg: TrainConfig, train: Dataset | StreamedData, test: Dataset, hooks: TrainHooks, label?: string, checkpoints = true): Promise<History> {
  return model.fit(train, { ...fitOptions(cfg, hooks, checkpoints), loss: cfg.loss, validationData: test, callbacks: hooks.callbacks(cfg.epochs, label) });
}

const fmt = (v: number, digits = 4): string => v.toPrecision(digits);


function meanOf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : NaN;
}

/** Image figures' grid options for the data (size, channels, upscale). */
function gridOf(data: TrainData): { height: number; width: number; channels: 1 | 3; scale: number } {
  const [height, width, c] = data.info.sampleShape;
  return { height, width, channels: c === 3 ? 3 : 1, scale: figureScale(data.info) };
}

// ---------------------------------------------------------------------------------------------------------
// autoencoder, deep, conv

function plainRun(cfg: TrainConfig, model: Autoencoder | ConvAutoencoder, data: TrainData): Run {
  const layers = model.architecture();
  const conv = model instanceof ConvAutoencoder;
  let history: RunHistory;
  return {
    model,
    describe: cfg.model === 'autoencoder' ? `${layers} (${cfg.activation})`
      : conv ? `${layers} (3x3 ${cfg.activation} convolutions, ${cfg.outputActivation} output)`
      : `${layers} (${cfg.activation} hidden, ${cfg.latentActivation} code)`,
    training: {},
    async train(train, test, hooks) {
      return (history = runHistory(await fitPlain(model, cfg, train, test, hooks)));
    },
    async report(test) {
      return {
        testMse: model.reconstructionError(test), metrics: {}, lines: '', figures: [],
        lossChart: await chartOf(history, `${layers} on ${data.info.source}: ${cfg.loss} per epoch`),
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// sparse, sparse-kl

function sparseRun(cfg: TrainConfig, dim: number, data: TrainData): Run {
  const model = new SparseAutoencoder({ ...aeConfig(cfg, dim), sparsity: cfg.kl ? { kl: cfg.kl } : { l1: cfg.l1 } });
  const layers = model.architecture();
  const penalty = cfg.kl ? `KL rho ${cfg.kl.rho} beta ${cfg.kl.beta}` : `L1 ${cfg.l1}`;
  let history: RunHistory;
  let baseline: { model: Autoencoder; history: History } | null = null;
  return {
    model,
    describe: `${layers} (${cfg.latentActivation} code, ${penalty} penalty${cfg.baseline ? '; then the same net without it' : ''})`,
    training: { baseline: cfg.baseline === true },
    async train(train, test, hooks) {
      history = runHistory(await fitPlain(model, cfg, train, test, hooks));
      if (cfg.baseline && history.stopReason === null && !hooks.signal.aborted) {
        // Same architecture, seed, data order and settings: the penalty is the only difference.
        const plain = new Autoencoder(aeConfig(cfg, dim));
        // Not checkpointed: the checkpoints are the sparse model's (a resumed run retrains the baseline).
        const h = await fitPlain(plain, cfg, train, test, hooks, 'baseline: the same network without the sparsity penalty', false);
        if (h.epoch.length === cfg.epochs) baseline = { model: plain, history: h };
      }
      return history;
    },
    async report(test) {
      const codes = model.encode(test).toTypedArray();
      const mean = meanOf(codes);
      // Short series names: the chart's legend truncates long ones; the penalty goes in the title.
      const series = [{ name: `${cfg.kl ? 'KL' : 'L1'} (mean ${fmt(mean, 3)})`, values: codes }];
      const metrics: Record<string, unknown> = { meanActivation: mean };
      let lines = `mean code activation ${fmt(mean)} on ${test.length} test samples`;
      if (baseline) {
        const base = baseline.model.encode(test).toTypedArray();
        const baseMean = meanOf(base);
        const baseMse = baseline.model.reconstructionError(test);
        series.push({ name: `none (mean ${fmt(baseMean, 3)})`, values: base });
        metrics.baseline = { meanActivation: baseMean, testMse: baseMse, trainLoss: baseline.history.loss, valLoss: baseline.history.valLoss };
        lines += ` (${fmt(baseMean)} without the penalty, whose test MSE is ${fmt(baseMse)})`;
      }
      const sigmoidCode = cfg.latentActivation === 'sigmoid';
      const hist = await activationHistogram(series, {
        range: sigmoidCode ? [0, 1] : undefined, bins: 50,
        title: `${layers} codes of ${test.length} test samples, penalty ${penalty}${baseline ? ' vs none' : ''}`,
      });
      return {
        testMse: model.reconstructionError(test), metrics, lines: `${lines}\n`,
        lossChart: await chartOf(history, `${layers}, ${penalty}: ${cfg.loss} + penalty (train), ${cfg.loss} (validation)`),
        figures: [{ file: 'code-histogram.png', image: hist }],
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// denoising, denoising-conv

/** Mean `loss` of the model's outputs for `noisy` against `clean`, in chunks, no gradients, each chunk in the step arena. */
function denoisingLoss(model: DenoisingAutoencoder | ConvAutoencoder, noisy: Float32Array, clean: Float32Array, shape: readonly number[], loss: TrainConfig['loss']): number {
  const f = lossFn(loss);
  const size = shape.reduce((a, b) => a * b, 1);
  const n = noisy.length / size;
  const backend = getBackend();
  let total = 0;
  noGrad(() => {
    for (let s = 0; s < n; s += 1000) {
      const e = Math.min(n, s + 1000);
      const chunk = (): number => {
        const x = tensor(noisy.subarray(s * size, e * size), [e - s, ...shape]);
        const y = tensor(clean.subarray(s * size, e * size), [e - s, ...shape]);
        return f(model.forward(x), y).item();
      };
      total += (backend.withArena ? backend.withArena(chunk) : chunk()) * (e - s);
    }
  });
  return total / Math.max(n, 1);
}

/** The dense DenoisingAutoencoder or the convolutional denoiser (a ConvAutoencoder with noise). */
function denoisingRun(cfg: TrainConfig, model: DenoisingAutoencoder | ConvAutoencoder, data: TrainData): Run {
  const layers = model.architecture();
  const spec = model.trainingNoise;
  if (!spec) throw new Error('denoisingRun: the model has no noise');
  const noise = noiseLabel(spec);
  // The fixed noisy test set: its own seeded stream, so every epoch and the final numbers see the same noise.
  let noisyTest: { noisy: Float32Array; clean: Float32Array } | null = null;
  const noisyOf = (test: Dataset): { noisy: Float32Array; clean: Float32Array } =>
    (noisyTest ??= { noisy: model.corrupt(test, cfg.seed).toTypedArray() as Float32Array, clean: test.toFloat32() });
  const image = data.info.kind === 'image';
  let history: RunHistory;
  return {
    model,
    describe: `${layers} (${cfg.activation}, trained on ${noise} noise)`,
    training: { validation: `${data.testSource} corrupted with ${noise} (noise seed ${cfg.seed}), against the clean samples` },
    async train(train, test, hooks) {
      const { noisy, clean } = noisyOf(test);
      // fit would validate on clean inputs, which a denoiser never sees in training: its validation loss is the
      // loss on a fixed noisy copy of the test samples (fit records it, so checkpoints keep it and `best` uses it).
      const validate = (): number => denoisingLoss(model, noisy, clean, model.inputShape, cfg.loss);
      const h = await model.fit(train, { ...fitOptions(cfg, hooks), loss: cfg.loss, validate, callbacks: hooks.callbacks(cfg.epochs) });
      return (history = runHistory(h));
    },
    async report(test) {
      const { noisy, clean } = noisyOf(test);
      const n = test.length;
      const flat = (v: Float32Array): ReturnType<typeof tensor> => tensor(v, [n, v.length / Math.max(n, 1)]);
      const denoised = model.reconstruct(flat(noisy)).toTypedArray() as Float32Array;
      const [height, width, channels] = data.info.sampleShape;
      // SSIM here is the grey-image index; colour images get PSNR (over all channels) only.
      const size = image && channels === 1 ? { height, width } : {};
      const before = imageQuality(flat(noisy), flat(clean), size);
      const after = imageQuality(flat(denoised), flat(clean), size);
      const metrics = {
        noise: spec,
        noisyPsnr: before.psnr, denoisedPsnr: after.psnr, noisySsim: before.ssim ?? null, denoisedSsim: after.ssim ?? null,
        noisyMse: before.mse, denoisedMse: after.mse,
        cleanInputMse: model.reconstructionError(test),
      };
      const ssim = before.ssim === undefined ? '' : `, SSIM ${before.ssim.toFixed(3)} -> ${after.ssim!.toFixed(3)}`;
      const figures: Figure[] = image ? [{ file: 'denoising.png', image: denoisingFigure(flat(noisy), flat(denoised), flat(clean), { count: 10, ...gridOf(data) }) }] : [];
      return {
        testMse: after.mse, metrics,
        lines: `denoising ${noise} noise: ${image ? `PSNR ${before.psnr.toFixed(2)} dB noisy -> ${after.psnr.toFixed(2)} dB denoised${ssim}` : `MSE ${fmt(before.mse)} noisy -> ${fmt(after.mse)} denoised`} ` +
          '(test MSE above: denoised vs clean)\n',
        lossChart: await chartOf(history, `${layers} denoising ${noise}: ${cfg.loss} of noisy -> clean per epoch`),
        figures,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// contractive

function contractiveRun(cfg: TrainConfig, dim: number, data: TrainData): Run {
  const model = new ContractiveAutoencoder({
    inputDim: dim, latentDim: cfg.latent, lambda: cfg.lambda ?? 0, outputActivation: cfg.outputActivation, seed: cfg.seed,
  });
  const layers = model.architecture();
  let history: RunHistory;
  return {
    model,
    describe: `${layers} (sigmoid code, contractive penalty lambda ${model.lambda})`,
    training: {},
    async train(train, test, hooks) {
      return (history = runHistory(await fitPlain(model, cfg, train, test, hooks)));
    },
    async report(test) {
      const j = model.meanJacobianNorm(test);
      return {
        testMse: model.reconstructionError(test), metrics: { meanJacobianNorm: j },
        lines: `mean ||J_f(x)||_F ${fmt(j)} on ${test.length} test samples of ${data.info.source}\n`,
        lossChart: await chartOf(history, `${layers}, lambda ${model.lambda}: ${cfg.loss} + penalty (train), ${cfg.loss} (validation)`),
        figures: [],
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// vae

function vaeRun(cfg: TrainConfig, dim: number, data: TrainData): Run {
  const model = new VAE({
    inputDim: dim, hidden: cfg.hidden, latentDim: cfg.latent, activation: cfg.activation,
    reconstruction: cfg.loss === 'mse' ? 'mse' : 'bce', outputActivation: cfg.outputActivation === 'linear' ? 'linear' : 'sigmoid', beta: cfg.beta, seed: cfg.seed,
  });
  const layers = model.architecture();
  let history: Awaited<ReturnType<VAE['fit']>>;
  return {
    model,
    describe: `${layers} (${cfg.activation}, beta ${model.config.beta}; loss per sample = ${model.config.reconstruction} summed over values + beta KL)`,
    training: {},
    async train(train, test, hooks) {
      history = await model.fit(inMemory(train), { ...fitOptions(cfg, hooks), validationData: test, callbacks: hooks.callbacks(cfg.epochs) });
      return runHistory(history);
    },
    async report(test) {
      // VAE.fit validates with noise seed + 1: the same draw here makes lossPerImage the last valLoss.
      const ev = model.evaluate(test, { seed: cfg.seed + 1 });
      const metrics = { lossPerImage: ev.loss, reconstructionPerImage: ev.reconstruction, klPerImage: ev.kl };
      const figures: Figure[] = data.info.kind === 'image'
        ? [
          { file: 'vae-samples.png', image: vaeSampleGrid(model, 10, 10, { seed: cfg.seed, ...gridOf(data), scale: Math.max(1, gridOf(data).scale / 2) }) },
          { file: 'vae-manifold.png', image: vaeManifoldImage(model, 20, { ...gridOf(data), scale: Math.max(1, gridOf(data).scale / 2) }) },
        ]
        : [];
      return {
        testMse: model.reconstructionError(test), metrics,
        lines: `per test sample: loss ${fmt(ev.loss)} = reconstruction ${fmt(ev.reconstruction)} + ${model.config.beta} x KL ${fmt(ev.kl)}\n`,
        lossChart: history.epoch.length ? await vaeLossChart(history, { title: `${layers} VAE: loss per sample = reconstruction + beta KL` }) : null,
        figures,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// stacked

/**
 * Puts every weight of `model` back as it is now if the run this callback watches completes no epoch (Ctrl-C
 * early in a stacked model's stage): LastEpochWeights has nothing to restore then, and the files must hold
 * completed epochs only, not a stage's first few batches.
 */
function keepIfNoEpoch(model: StackedAutoencoder): Callback {
  const tensors = model.namedTensors().map(([, t]) => t);
  const before = tensors.map((t) => t.toTypedArray());
  let completed = false;
  return {
    onEpochEnd: () => { completed = true; },
    onTrainEnd: () => { if (!completed) tensors.forEach((t, i) => t.data.set(before[i], t.offset)); },
  };
}

function stackedRun(cfg: TrainConfig, dim: number, data: TrainData): Run {
  const model = new StackedAutoencoder({
    inputDim: dim, hidden: cfg.hidden, latentDim: cfg.latent, activation: cfg.activation,
    latentActivation: cfg.latentActivation, outputActivation: cfg.outputActivation, tiedWeights: cfg.tied, seed: cfg.seed,
  });
  const layers = model.architecture();
  const pretrainEpochs = cfg.pretrainEpochs ?? 1;
  const loss = cfg.loss === 'mse' ? 'mse' : 'bce';
  let history: StackedHistory;
  return {
    model,
    describe: `${layers} (${cfg.activation}${cfg.tied ? ', tied weights' : ''}; ${pretrainEpochs} pretraining epoch(s) per layer, then ${cfg.epochs} of fine-tuning)`,
    training: { pretrainEpochs, finetuneEpochs: cfg.epochs, tiedWeights: cfg.tied === true },
    async train(train, test, hooks) {
      const stages = model.sizes.length; // K pretraining stages + fine-tuning
      let stage = 0;
      history = await model.fit(inMemory(train), {
        pretrainEpochs, finetuneEpochs: cfg.epochs, loss, optimizer: cfg.optimizer, lr: cfg.lr, batchSize: cfg.batchSize,
        seed: cfg.seed, signal: hooks.signal, validationData: test,
        ...(hooks.checkpoint ? { checkpoint: hooks.checkpoint } : {}), ...(hooks.resume ? { resume: hooks.resume } : {}),
        callbacks: (name) => {
          const epochs = name === 'fine-tune' ? cfg.epochs : pretrainEpochs;
          const what = name === 'fine-tune' || stage === 0 ? loss : 'mse';
          return [...hooks.callbacks(epochs, `stage ${++stage}/${stages}: ${name}, ${what}, ${epochs} epoch(s)`), keepIfNoEpoch(model)];
        },
      });
      const fine = history.stages.find((s) => s.kind === 'finetune');
      const all = history.stages.map((s) => s.history);
      const samples = all.reduce((n, h) => n + h.samplesPerSec * h.seconds, 0);
      return {
        ...(fine ? runHistory(fine.history) : { epoch: [], loss: [], valLoss: [] }),
        seconds: history.seconds,
        samplesPerSec: samples / Math.max(history.seconds, 1e-9),
        stopReason: all.find((h) => h.stopReason !== null)?.stopReason ?? null,
        optimizer: (fine ?? history.stages[0])?.history.optimizer ?? {},
        completedEpochs: all.reduce((n, h) => n + h.epoch.length, 0),
      };
    },
    async report(test) {
      const stages = history.stages.map((s) => ({
        name: s.name, kind: s.kind, layer: s.layer, loss: s.loss, epochs: s.history.epoch.length,
        trainLoss: s.history.loss, valLoss: s.history.valLoss,
      }));
      const fine = history.stages.find((s) => s.kind === 'finetune');
      const last = (v: number[]): string => (v.length ? fmt(v[v.length - 1]) : '-');
      return {
        testMse: model.reconstructionError(test), metrics: { stages },
        lines: stages.map((s) => `  ${s.name}: ${s.epochs} epoch(s), ${s.loss} ${last(s.trainLoss)} (validation ${last(s.valLoss)})\n`).join(''),
        lossChart: fine ? await chartOf(runHistory(fine.history), `${layers} fine-tuning: ${loss} per epoch`) : null,
        figures: [{ file: 'stages.png', image: await stackedLossChart(history, { title: `${layers}${cfg.tied ? ' (tied)' : ''}: training loss per stage` }) }],
      };
    },
  };
}

