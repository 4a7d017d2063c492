/**
 * `aekit train`: trains an autoencoder on MNIST and writes the model, its figures and a summary. With no
 * flags it is the seed 002 tutorial (784-256-128-256-784, sigmoid everywhere, MSE, RMSProp lr 0.01, batch
 * 256, 5 epochs), validated on the MNIST test set as the Keras blog examples do. `--model NAME` picks another
 * preset (cli/presets.ts: the defaults; cli/train-config.ts: the flags checked against them;
 * cli/train-models.ts: training, metrics and figures of each model).
 */
import { basename, join } from 'node:path';
import { ACTIVATIONS, DEFAULT_SHUFFLE_BUFFER, getBackend, LOSSES, OPTIMIZERS, useBackend, writePng } from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { DATA_HELP, readDataArgs } from './data-args.js';
import { dataFigure } from './figures.js';
import { presetHelp, presetList, presetTable, VARIANT_DEFAULTS } from './presets.js';
import { fitToData } from './presets-fit.js';
import { OutputSet, previousFiles, recoverOutputs } from './output-set.js';
import { prepareOutputDir } from './safety.js';
import { finishRun, interruptible, requireFiniteRun, requireFiniteWeights, runRecord, saveWithRecord, trainWithProgress, writeChart } from './train-common.js';
import { checkpointHelp, readCheckpointArgs, resumeCommand } from './train-checkpoint.js';
import { modelArg, readTrainConfig, TRAIN_OPTIONS } from './train-config.js';
import { DEFAULT_VALIDATION_SPLIT, openTrainData, STREAM_TEST_LIMIT } from './train-data.js';
import { createRun } from './train-models.js';

export const help = `Usage: aekit train [--model NAME] [--data SPEC] [options]

Trains an autoencoder and writes the model, its figures and a summary to --out.
With no options it runs the seed tutorial on MNIST: 784-256-128-256-784, sigmoid everywhere, MSE,
RMSProp (lr 0.01), batch 256, 5 epochs, seed 0, validated on the MNIST test set.

Your own data: --data readings.csv (or .tsv, .parquet, .npy, .npz, a folder of images; see Data
below). The test split is --test-data FILE, the source's own (MNIST, Fashion-MNIST, an .npz with
x_test), --validation-split F, or else a seeded random ${DEFAULT_VALIDATION_SPLIT} of the samples. Preprocessing
is fitted on the training split only and saved in the model file, so every later command feeds
new data the same way and writes outputs back in the data's own units:
  images           scale to [0, 1] (8-bit), sigmoid output, the preset's loss
  tables, series   standardize each feature, linear output, MSE (a sigmoid cannot reach values
                   outside (0, 1)); --preprocess minmax gives [0, 1] and keeps the preset's output;
                   a small table gets batches small enough for 50 steps per epoch (at least 16)
Dense presets take any data (images are read as rows of pixels; for fewer than 784 values their
hidden layers shrink to twice the input (at least 16) and the code to half of it (at least 2),
unless --hidden/--latent say otherwise); conv presets
take images (28x28 as the Keras blog; other sizes need sides divisible by 8, or 4 for
denoising-conv); --model sequence takes sequences (.npy [n, time, features], or --window T on a
table), and without --data it trains on generated noisy sine waves.

Models (--model NAME, default autoencoder):
${presetList()}

Each model sets its own defaults, below (for MNIST); a flag given explicitly overrides them.
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
  --epochs N                  passes over the training samples (stacked: of fine-tuning)
  --seed N                    seeds the weights, the shuffling, any noise and the splits (default 0)
  --preprocess NAME           none, scale, minmax or standardize (defaults above)
  --stream                    read the training samples from disk window by window (.npy, .csv, .tsv,
                              .parquet); files over an eighth of the memory stream without it; the test
                              split is the first ${STREAM_TEST_LIMIT} held-out samples (--test-limit to change)
  --shuffle-buffer N          --stream: samples per shuffled window (default ${DEFAULT_SHUFFLE_BUFFER}); windows come in
                              a seeded order (CSV: front to back), two at a time in memory
${DATA_HELP}Variant flags (each only for its models; see --model NAME --help):
  --pretrain-epochs N         stacked: epochs of each pretraining stage (default ${VARIANT_DEFAULTS.pretrainEpochs})
  --tied                      stacked: decoder weights tied to the encoder's (transposed)
  --l1 X                      sparse: L1 activity penalty weight (default ${VARIANT_DEFAULTS.l1})
  --rho X, --beta X           sparse-kl: target activation (default ${VARIANT_DEFAULTS.rho}) and KL weight (default ${VARIANT_DEFAULTS.klBeta})
  --no-baseline               sparse, sparse-kl: skip training the no-penalty net for comparison
  --noise SPEC                denoising: gaussian:F, masking:P or salt-and-pepper:P (default ${VARIANT_DEFAULTS.noise})
  --lambda X                  contractive: Jacobian penalty weight (default ${VARIANT_DEFAULTS.lambda})
  --beta X                    vae: KL weight (default ${VARIANT_DEFAULTS.vaeBeta}; > 1 is a beta-VAE)
  --timesteps N               sequence without --data: length of the generated waves (default ${VARIANT_DEFAULTS.timesteps})
Compute:
  --backend NAME              auto (default: native where its C kernels were built at install, else wasm
                              SIMD, else ref), native, wasm or ref
  --threads N                 threads for the native or wasm backend (default: one per core)
${checkpointHelp('OUT/checkpoints')}Output:
  --out DIR                   output folder, created if needed (default ./aekit-out)
  --json                      print the summary as one JSON line on stdout (and nothing else)
  -h, --help                  show this help

Writes DIR/model.safetensors (weights, data description and preprocessing), the data's figure:
reconstructions.png (10 test images over their reconstructions) for images, sequences.png for
sequences, feature-errors.png (test error per feature) for tables; loss.png and loss.svg (train
and validation loss per epoch), summary.json, and per model: denoising.png (images: rows noisy /
denoised / clean), code-histogram.png (sparse, sparse-kl), vae-samples.png and vae-manifold.png
(vae on images), stages.png (stacked: loss per stage); charts also as .svg. 'aekit eval',
'reconstruct', 'encode' and the other commands read every model it writes.

Progress goes to stderr. Ctrl-C or SIGTERM stops after the current step, writes a checkpoint and the
files (the model of the epochs completed, or the weights so far before the first epoch ends), prints
the command that resumes the run and exits with code 130; a second one quits at once (every file is
replaced atomically, so none is left torn).
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('train', args, TRAIN_OPTIONS);
  if (values.help) {
    const name = modelArg(values); // checked: `--model typo --help` is still a usage error
    process.stdout.write(values.model === undefined ? help : `${presetHelp(name)}${help}`);
    return 0;
  }
  positionals('train', given, []);
  const flags = readTrainConfig(values);
  const req = readDataArgs(values, flags.seed);
  // Now, so an unwritable or special --out fails at once, not after minutes of training.
  const out = prepareOutputDir(flags.out);
  const checkpoints = readCheckpointArgs(values, join(out, 'checkpoints'));
  for (const note of recoverOutputs(out)) process.stderr.write(`aekit: ${note}\n`);

  useBackend({ backend: flags.backend, threads: flags.threads });
  const data = await openTrainData(flags, req);
  const cfg = fitToData(flags, data.info, data.unitRange, data.train.length);
  const trainRun = createRun(cfg, data);
  const model = trainRun.model;
  // The model's own input shape: dense models read images as rows of pixels, conv and sequence models as they are.
  const trainSet = data.train.reshape(model.inputShape);
  const testSet = data.test.reshape(model.inputShape);
  const backend = getBackend();
  // After every check: a run that fails on its flags or data prints one line, not notes and then the error.
  for (const note of data.notes) process.stderr.write(`aekit: ${note}\n`);
  const interrupt = interruptible();
  process.stderr.write(
    `aekit: training ${cfg.model === 'autoencoder' ? '' : `${cfg.model} `}${trainRun.describe} on ${trainSet.length} samples of ${data.spec}, ` +
      `validating on ${testSet.length} (${data.testSource}); preprocessing ${data.preprocessing.method}: ${cfg.loss}, ${cfg.optimizer} lr ${cfg.lr}, ` +
      `batch ${cfg.batchSize}, ${cfg.epochs} epochs, seed ${cfg.seed}, backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})\n`,
  );

  const outcome = await trainWithProgress(trainRun, trainSet, testSet, checkpoints, interrupt);
  if ('exit' in outcome) return outcome.exit;
  const { history, aborted } = outcome;
  requireFiniteWeights(model);

  const report = await trainRun.report(testSet);
  requireFiniteRun(report.testMse, history);
  const trained = { model, info: data.info, preprocessing: data.preprocessing };
  const figures = [...report.figures];
  const main = await dataFigure(trained, testSet, `${model.architecture()} on ${basename(data.info.source)}`);
  if (!figures.some((f) => f.file === main.file)) figures.unshift(main);
  const files: Record<string, string> = { model: join(out, 'model.safetensors') };
  if (report.lossChart) Object.assign(files, { lossPng: join(out, 'loss.png'), lossSvg: join(out, 'loss.svg') });
  for (const f of figures) {
    files[f.file] = join(out, f.file);
    if ('svg' in f.image) files[`${f.file}.svg`] = join(out, f.file.replace(/\.png$/, '.svg'));
  }
  files.summary = join(out, 'summary.json');
  const result = {
    model: cfg.model,
    config: {
      model: model.modelConfig().config,
      training: {
        data: data.spec, dataRequest: data.dataRequest, kind: data.info.kind, sampleShape: data.info.sampleShape,
        preprocessing: data.preprocessing.method, loss: cfg.loss, optimizer: history.optimizer, batchSize: cfg.batchSize,
        epochs: cfg.epochs, seed: cfg.seed, limit: req.options.limit ?? null, testLimit: req.options.testLimit ?? null,
        checkpoints: checkpoints.every === null ? null : { dir: checkpoints.dir, every: checkpoints.every }, resumedFrom: checkpoints.resume,
        trainSamples: trainSet.length, testSamples: testSet.length, validation: data.testSource,
        ...trainRun.training,
      },
    },
    trainLoss: history.loss,
    valLoss: history.valLoss,
    testMse: report.testMse,
    metrics: report.metrics,
    ...runRecord(history, backend, files),
  };

  // Every file goes to a staging folder first and into --out only as a complete set (cli/output-set.ts).
  const previous = previousFiles(out);
  const set = new OutputSet(out);
  try {
    const at = (path: string): string => set.stage(path);
    saveWithRecord(at(files.model), model, result, { data: data.info, preprocessing: data.preprocessing });
    if (report.lossChart) writeChart(at(files.lossPng), at(files.lossSvg), report.lossChart);
    for (const f of figures) {
      if ('svg' in f.image) writeChart(at(files[f.file]), at(files[`${f.file}.svg`]), f.image);
      else writePng(at(files[f.file]), f.image);
    }
    return finishRun({
      files, result, json: values.json === true, aborted, stopReason: history.stopReason, epochs: history.epoch.length,
      resume: resumeCommand(['train'], args, checkpoints.dir),
      text: `test MSE ${report.testMse.toFixed(6)} on ${testSet.length} test samples after ${history.epoch.length} epoch(s); ` +
        `${Math.round(history.samplesPerSec)} samples/s, ${history.seconds.toFixed(1)} s\n${report.lines}`,
    }, set, previous);
  } finally {
    set.discard(); // a no-op after the commit; after an error, nothing staged reaches --out
  }
}
