/**
 * `aekit train`: trains an autoencoder on MNIST and writes the model, its figures and a summary. With no
 * flags it is the seed 002 tutorial (784-256-128-256-784, sigmoid everywhere, MSE, RMSProp lr 0.01, batch
 * 256, 5 epochs), validated on the MNIST test set as the Keras blog examples do.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ACTIVATIONS, Autoencoder, BACKEND_CHOICES, type Callback, getBackend, loadMnist, LOSSES, lossChart, OPTIMIZERS, saveModel,
  type TrainControl, useBackend, writePng,
} from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { choiceArg, intArg, intListArg, type Parsed, parseCommand, positionals, positiveArg } from './args.js';
import { layerSizes, reconstructionImage } from './mnist.js';
import { TrainProgress } from './progress.js';

export const help = `Usage: aekit train [options]

Trains an autoencoder on MNIST and writes the model, its figures and a summary to --out.
With no options it runs the seed tutorial: 784-256-128-256-784, sigmoid everywhere, MSE,
RMSProp (lr 0.01), batch 256, 5 epochs, seed 0.

The validation data is the MNIST test set (its first --test-limit images), as in the Keras blog
examples; the same images give the final test MSE.

Model:
  --hidden LIST               encoder hidden sizes, mirrored by the decoder (default 256;
                              e.g. 512,256; '' or none for no hidden layer)
  --latent N                  code size (default 128)
  --activation NAME           hidden-layer activation (default sigmoid)
  --latent-activation NAME    code activation (default: same as --activation)
  --output-activation NAME    reconstruction activation (default sigmoid)
                              activations: ${ACTIVATIONS.join(', ')}
Training:
  --loss NAME                 ${LOSSES.join(', ')} (default mse)
  --optimizer NAME            ${OPTIMIZERS.join(', ')} (default rmsprop)
  --lr X                      learning rate (default 0.01)
  --batch-size N              samples per step (default 256)
  --epochs N                  passes over the training images (default 5)
  --seed N                    seeds the weights and the shuffling (default 0)
  --limit N                   train on the first N training images (default all 60000)
  --test-limit N              validate and test on the first N test images (default all 10000)
Compute:
  --backend NAME              auto (default: wasm SIMD where available, else ref), wasm or ref
  --threads N                 threads for the wasm backend (default: one per core)
Output:
  --out DIR                   output folder, created if needed (default ./aekit-out)
  --json                      print the summary as one JSON line on stdout (and nothing else)
  -h, --help                  show this help

Writes DIR/model.safetensors, reconstructions.png (10 test digits over their reconstructions),
loss.png and loss.svg (train and validation loss per epoch) and summary.json.
Progress goes to stderr. Ctrl-C stops after the current batch and still writes the files for the
epochs completed (exit code 130); a second Ctrl-C quits at once.
`;

const options = {
  hidden: { type: 'string' },
  latent: { type: 'string' },
  activation: { type: 'string' },
  'latent-activation': { type: 'string' },
  'output-activation': { type: 'string' },
  loss: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  'test-limit': { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every flag checked up front, so a typo fails in milliseconds rather than after loading data. */
function readConfig(v: Parsed<typeof options>['values']) {
  const activation = choiceArg('activation', v.activation ?? 'sigmoid', ACTIVATIONS);
  return {
    hidden: intListArg('hidden', v.hidden ?? '256'),
    latent: intArg('latent', v.latent ?? '128'),
    activation,
    latentActivation: choiceArg('latent-activation', v['latent-activation'] ?? activation, ACTIVATIONS),
    outputActivation: choiceArg('output-activation', v['output-activation'] ?? 'sigmoid', ACTIVATIONS),
    loss: choiceArg('loss', v.loss ?? 'mse', LOSSES),
    optimizer: choiceArg('optimizer', v.optimizer ?? 'rmsprop', OPTIMIZERS),
    lr: positiveArg('lr', v.lr ?? '0.01'),
    batchSize: intArg('batch-size', v['batch-size'] ?? '256'),
    epochs: intArg('epochs', v.epochs ?? '5'),
    seed: intArg('seed', v.seed ?? '0', 0),
    limit: v.limit === undefined ? undefined : intArg('limit', v.limit),
    testLimit: v['test-limit'] === undefined ? undefined : intArg('test-limit', v['test-limit']),
    out: v.out ?? './aekit-out',
    backend: choiceArg('backend', v.backend ?? 'auto', BACKEND_CHOICES),
    threads: v.threads === undefined ? undefined : intArg('threads', v.threads),
  };
}

/**
 * Keeps the weights of the last completed epoch and puts them back when training ends. After a Ctrl-C or a
 * NaN loss mid-epoch the files then describe exactly the epochs that completed (and never hold NaN weights).
 * After a normal end the weights are unchanged since the last snapshot, so restoring is a no-op.
 */
class LastEpochWeights implements Callback {
  private snap: ReturnType<TrainControl['snapshot']> | null = null;
  onEpochEnd(_: unknown, control: TrainControl): void {
    this.snap = control.snapshot();
  }
  onTrainEnd(control: TrainControl): void {
    if (this.snap) control.restore(this.snap);
  }
}

/** Ctrl-C aborts through fit's signal (training stops after the current batch); a second one quits now. */
function interruptible(progress: TrainProgress): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    progress.note('aekit: interrupted; stopping after this batch and writing the completed epochs (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('train', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  positionals('train', given, []);
  const cfg = readConfig(values);
  const out = resolve(cfg.out);
  mkdirSync(out, { recursive: true }); // now, so an unwritable --out fails before minutes of training

  useBackend({ backend: cfg.backend, threads: cfg.threads });
  const train = loadMnist('train', { limit: cfg.limit });
  const test = loadMnist('test', { limit: cfg.testLimit });
  const model = new Autoencoder({
    inputDim: 784, hidden: cfg.hidden, latentDim: cfg.latent, activation: cfg.activation,
    latentActivation: cfg.latentActivation, outputActivation: cfg.outputActivation, seed: cfg.seed,
  });
  const backend = getBackend();
  process.stderr.write(
    `aekit: training ${layerSizes(model.config)} (${cfg.activation}) on ${train.length} MNIST images, ` +
      `validating on ${test.length} test images: ${cfg.loss}, ${cfg.optimizer} lr ${cfg.lr}, batch ${cfg.batchSize}, ` +
      `${cfg.epochs} epochs, seed ${cfg.seed}, backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'})\n`,
  );

  const progress = new TrainProgress(cfg.epochs);
  const interrupt = interruptible(progress);
  let history;
  try {
    history = await model.fit(train, {
      epochs: cfg.epochs, batchSize: cfg.batchSize, optimizer: cfg.optimizer, lr: cfg.lr, loss: cfg.loss,
      validationData: test, seed: cfg.seed, signal: interrupt.signal,
      callbacks: [progress, new LastEpochWeights()],
    });
  } finally {
    interrupt.dispose();
  }
  const aborted = history.stopReason === 'aborted';
  if (history.epoch.length === 0) {
    process.stderr.write(`aekit: training stopped before the first epoch completed (${history.stopReason}); nothing written\n`);
    return aborted ? 130 : 1;
  }

  const testMse = model.reconstructionError(test);
  const files = {
    model: join(out, 'model.safetensors'),
    reconstructions: join(out, 'reconstructions.png'),
    lossPng: join(out, 'loss.png'),
    lossSvg: join(out, 'loss.svg'),
    summary: join(out, 'summary.json'),
  };
  const result = {
    config: {
      model: model.modelConfig().config,
      training: {
        data: 'mnist', loss: cfg.loss, optimizer: history.optimizer, batchSize: cfg.batchSize, epochs: cfg.epochs,
        seed: cfg.seed, limit: cfg.limit ?? null, testLimit: cfg.testLimit ?? null,
        trainSamples: train.length, testSamples: test.length, validation: 'mnist test set',
      },
    },
    trainLoss: history.loss,
    valLoss: history.valLoss,
    testMse,
    samplesPerSec: history.samplesPerSec,
    seconds: history.seconds,
    backend: backend.name,
    threads: backend.threads,
    stopReason: history.stopReason,
    files: Object.values(files),
  };

  // The model file carries its own training record, so a model found on its own still says how it was made.
  const { config: _, files: __, ...outcome } = result;
  saveModel(files.model, model, { ...result.config.training, ...outcome });
  writePng(files.reconstructions, reconstructionImage(model, test, 0, Math.min(10, test.length)));
  const chart = await lossChart({ epoch: history.epoch, trainLoss: history.loss, valLoss: history.valLoss },
    { title: `${layerSizes(model.config)} on MNIST: ${cfg.loss} per epoch` });
  writeFileAtomic(files.lossPng, chart.png);
  writeFileAtomic(files.lossSvg, chart.svg);
  writeFileAtomic(files.summary, `${JSON.stringify(result, null, 2)}\n`);

  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `test MSE ${testMse.toFixed(6)} on ${test.length} test images after ${history.epoch.length} epoch(s); ` +
        `${Math.round(history.samplesPerSec)} samples/s, ${history.seconds.toFixed(1)} s\n` +
        `wrote ${Object.values(files).join('\n      ')}\n`,
    );
  }
  if (history.stopReason && !aborted) {
    process.stderr.write(`aekit: training stopped early: ${history.stopReason}; the files hold epoch ${history.epoch.length}\n`);
    return 1;
  }
  return aborted ? 130 : 0;
}
