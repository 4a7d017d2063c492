/**
 * `aekit train`: trains an autoencoder on MNIST and writes the model, its figures and a summary. With no
 * flags it is the seed 002 tutorial (784-256-128-256-784, sigmoid everywhere, MSE, RMSProp lr 0.01, batch
 * 256, 5 epochs), validated on the MNIST test set as the Keras blog examples do. `--model NAME` picks another
 * preset (cli/presets.ts: the defaults; cli/train-models.ts: training, metrics and figures of each model).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ACTIVATIONS, getBackend, loadMnist, LOSSES, OPTIMIZERS,
  useBackend, writePng,
} from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { reconstructionImage } from './mnist.js';
import { modelArg, presetHelp, presetList, presetTable, readTrainConfig, TRAIN_OPTIONS, VARIANT_DEFAULTS } from './presets.js';
import { TrainProgress } from './progress.js';
import { finishRun, interruptible, LastEpochWeights, runRecord, saveWithRecord, writeChart } from './train-common.js';
import { createRun, type RunHistory } from './train-models.js';
import { trainSequence } from './train-sequence.js';

export const help = `Usage: aekit train [--model NAME] [options]

Trains an autoencoder on MNIST and writes the model, its figures and a summary to --out.
With no options it runs the seed tutorial: 784-256-128-256-784, sigmoid everywhere, MSE,
RMSProp (lr 0.01), batch 256, 5 epochs, seed 0.

The validation data is the MNIST test set (its first --test-limit images), as in the Keras blog
examples; the same images give the final test MSE.

Models (--model NAME, default autoencoder):
${presetList()}

Each model sets its own defaults, below; a flag given explicitly overrides them.
'aekit train --model NAME --help' explains a model and its own flags.
${presetTable()}

Model:
  --model NAME                one of the models above (default autoencoder)
  --hidden LIST               encoder hidden sizes, mirrored by the decoder (e.g. 512,256;
                              '' or none for no hidden layer)
  --latent N                  code size
  --activation NAME           hidden-layer activation
  --latent-activation NAME    code activation (default: the model's, else same as --activation)
  --output-activation NAME    reconstruction activation
                              activations: ${ACTIVATIONS.join(', ')}
Training:
  --loss NAME                 ${LOSSES.join(', ')} (vae, stacked: bce or mse)
  --optimizer NAME            ${OPTIMIZERS.join(', ')}
  --lr X                      learning rate
  --batch-size N              samples per step
  --epochs N                  passes over the training images (stacked: of fine-tuning)
  --seed N                    seeds the weights, the shuffling and any noise (default 0)
  --limit N                   train on the first N training images (default all 60000)
  --test-limit N              validate and test on the first N test images (default all 10000)
Variant flags (each only for its models; see --model NAME --help):
  --pretrain-epochs N         stacked: epochs of each pretraining stage (default ${VARIANT_DEFAULTS.pretrainEpochs})
  --tied                      stacked: decoder weights tied to the encoder's (transposed)
  --l1 X                      sparse: L1 activity penalty weight (default ${VARIANT_DEFAULTS.l1})
  --rho X, --beta X           sparse-kl: target activation (default ${VARIANT_DEFAULTS.rho}) and KL weight (default ${VARIANT_DEFAULTS.klBeta})
  --no-baseline               sparse, sparse-kl: skip training the no-penalty net for comparison
  --noise SPEC                denoising: gaussian:F, masking:P or salt-and-pepper:P (default ${VARIANT_DEFAULTS.noise})
  --lambda X                  contractive: Jacobian penalty weight (default ${VARIANT_DEFAULTS.lambda})
  --beta X                    vae: KL weight (default ${VARIANT_DEFAULTS.vaeBeta}; > 1 is a beta-VAE)
  --timesteps N               sequence: sequence length (default ${VARIANT_DEFAULTS.timesteps})
Compute:
  --backend NAME              auto (default: wasm SIMD where available, else ref), wasm or ref
  --threads N                 threads for the wasm backend (default: one per core)
Output:
  --out DIR                   output folder, created if needed (default ./aekit-out)
  --json                      print the summary as one JSON line on stdout (and nothing else)
  -h, --help                  show this help

Writes DIR/model.safetensors, reconstructions.png (10 test digits over their reconstructions),
loss.png and loss.svg (train and validation loss per epoch) and summary.json (with the model's
name and its own metrics), and per model: denoising.png (rows noisy / denoised / clean),
code-histogram.png (sparse, sparse-kl), vae-samples.png and vae-manifold.png (vae), stages.png
(stacked: loss per stage); charts also as .svg. 'aekit eval', 'reconstruct' and 'encode' read
every MNIST model it writes. --model sequence trains on generated noisy sine waves instead of
MNIST and writes sequences.png (test sequences and reconstructions) instead of reconstructions.png.
Progress goes to stderr. Ctrl-C stops after the current batch and still writes the files for the
epochs completed (exit code 130); a second Ctrl-C quits at once.
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('train', args, TRAIN_OPTIONS);
  if (values.help) {
    const name = modelArg(values); // checked: `--model typo --help` is still a usage error
    process.stdout.write(values.model === undefined ? help : `${presetHelp(name)}${help}`);
    return 0;
  }
  positionals('train', given, []);
  const cfg = readTrainConfig(values);
  if (cfg.model === 'sequence') return trainSequence(cfg, values.json === true);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true }); // now, so an unwritable --out fails before minutes of training

  useBackend({ backend: cfg.backend, threads: cfg.threads });
  const train = loadMnist('train', { limit: cfg.limit });
  const test = loadMnist('test', { limit: cfg.testLimit });
  const trainRun = createRun(cfg);
  const model = trainRun.model;
  const backend = getBackend();
  process.stderr.write(
    `aekit: training ${cfg.model === 'autoencoder' ? '' : `${cfg.model} `}${trainRun.describe} on ${train.length} MNIST images, ` +
      `validating on ${test.length} test images: ${cfg.loss}, ${cfg.optimizer} lr ${cfg.lr}, batch ${cfg.batchSize}, ` +
      `${cfg.epochs} epochs, seed ${cfg.seed}, backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})\n`,
  );

  let progress: TrainProgress | null = null;
  const interrupt = interruptible(() => progress);
  let history: RunHistory;
  try {
    history = await trainRun.train(train, test, {
      signal: interrupt.signal,
      callbacks: (epochs, label) => {
        if (label) process.stderr.write(`aekit: ${label}\n`);
        progress = new TrainProgress(epochs);
        return [progress, new LastEpochWeights()];
      },
    });
  } finally {
    interrupt.dispose();
  }
  const aborted = history.stopReason === 'aborted' || interrupt.signal.aborted;
  if (history.completedEpochs === 0) {
    process.stderr.write(`aekit: training stopped before the first epoch completed (${history.stopReason}); nothing written\n`);
    return aborted ? 130 : 1;
  }

  const report = await trainRun.report(test);
  const files: Record<string, string> = {
    model: join(out, 'model.safetensors'),
    reconstructions: join(out, 'reconstructions.png'),
  };
  if (report.lossChart) Object.assign(files, { lossPng: join(out, 'loss.png'), lossSvg: join(out, 'loss.svg') });
  for (const f of report.figures) {
    files[f.file] = join(out, f.file);
    if ('svg' in f.image) files[`${f.file}.svg`] = join(out, f.file.replace(/\.png$/, '.svg'));
  }
  files.summary = join(out, 'summary.json');
  const result = {
    model: cfg.model,
    config: {
      model: model.modelConfig().config,
      training: {
        data: 'mnist', loss: cfg.loss, optimizer: history.optimizer, batchSize: cfg.batchSize, epochs: cfg.epochs,
        seed: cfg.seed, limit: cfg.limit ?? null, testLimit: cfg.testLimit ?? null,
        trainSamples: train.length, testSamples: test.length, validation: 'mnist test set',
        ...trainRun.training,
      },
    },
    trainLoss: history.loss,
    valLoss: history.valLoss,
    testMse: report.testMse,
    metrics: report.metrics,
    ...runRecord(history, backend, files),
  };

  saveWithRecord(files.model, model, result);
  writePng(files.reconstructions, reconstructionImage(model, test, 0, Math.min(10, test.length)));
  if (report.lossChart) writeChart(files.lossPng, files.lossSvg, report.lossChart);
  for (const f of report.figures) {
    if ('svg' in f.image) writeChart(files[f.file], files[`${f.file}.svg`], f.image);
    else writePng(files[f.file], f.image);
  }
  return finishRun({
    files, result, json: values.json === true, aborted, stopReason: history.stopReason, epochs: history.epoch.length,
    text: `test MSE ${report.testMse.toFixed(6)} on ${test.length} test images after ${history.epoch.length} epoch(s); ` +
      `${Math.round(history.samplesPerSec)} samples/s, ${history.seconds.toFixed(1)} s\n${report.lines}`,
  });
}
