/**
 * `aekit detect fit`: an autoencoder trained on normal data only, and a threshold calibrated on normal samples
 * it never saw, saved as one detector file. Data, preprocessing and model are `aekit train`'s (openTrainData,
 * the presets fitted to the data, createRun), so every --model and data flag means what it means there; what
 * is added is the calibration split and the threshold, which needs no contamination rate: by default the
 * lowest one that flags at most 1% of the held-out normal samples.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AnomalyDetector, calibrationSummary, type CalibrationSummary } from '../src/analysis/anomaly.js';
import { getBackend, saveModel, useBackend } from '../src/index.js';
import { parseCommand, positionals } from './args.js';
import { DATA_HELP, readDataArgs } from './data-args.js';
import { num, strategyLabel, THRESHOLD_HELP, thresholdArg } from './detect-threshold.js';
import { UsageError } from './errors.js';
import { presetList } from './presets.js';
import { epochsForSteps, fitToData, MIN_STEPS } from './presets-fit.js';
import { interruptible, requireFiniteRun, requireFiniteWeights, trainWithProgress } from './train-common.js';
import { prepareOutputFile, requireFinite } from './safety.js';
import { checkpointHelp, readCheckpointArgs, resumeCommand } from './train-checkpoint.js';
import { modelArg, readTrainConfig, TRAIN_OPTIONS } from './train-config.js';
import { openTrainData } from './train-data.js';
import { createRun } from './train-models.js';

/** Held out of the normal samples to calibrate the threshold, unless --validation-split or --test-data says otherwise. */
export const CALIBRATION_SPLIT = 0.2;
export const DEFAULT_THRESHOLD = 'target-fpr:0.01';

/**
 * What detect fit changes in the default model (--model autoencoder): the seed tutorial's sigmoid units and
 * RMSProp teach, but saturate and learn slowly; a detector wants the closest fit of normal data it can get, so
 * ReLU hidden layers, a linear code and Adam at 0.003 (measured: at 0.01 the ReLU net stalls on MNIST at a
 * constant output; at 0.001 a table of 400 rows needs three times the steps). Any flag given wins; another
 * --model keeps its own recipe.
 */
export const DETECTOR_RECIPE = { activation: 'relu', 'latent-activation': 'linear', optimizer: 'adam', lr: '0.003' } as const;

export const help = `Usage: aekit detect fit --data normal.csv [--out detector.safetensors] [options]

Trains an autoencoder on NORMAL samples only and calibrates an anomaly threshold on normal samples
it never trained on: a seeded random ${CALIBRATION_SPLIT} of --data (--validation-split F to change it), or
--test-data FILE. Writes ONE file, the detector: the autoencoder, the data's description and
preprocessing, the threshold, how it was chosen, and the held-out scores ('aekit detect score'
reads it). Prints the threshold, the held-out score distribution and the false-positive rate.

The models and the preprocessing are 'aekit train's: dense presets sized to the data (tables
standardized, with a linear output and MSE), images scaled to [0, 1]; --model conv for images,
--model sequence for sequences ('aekit train --help' and '--model NAME --help' for more). Two
changes, since a detector is only as good as its fit of normal data: the default model gets ReLU
hidden layers, a linear code and Adam at 0.003 (the tutorial's sigmoids and RMSProp learn slowly),
and without --epochs every model trains for at least ${MIN_STEPS} optimizer steps (the presets' epochs
are sized for MNIST's 60000 images: a table of a few hundred rows would stop far from fitted).

Options:
  --out FILE            the detector, a .safetensors file (default aekit-out/detector.safetensors)
  --threshold S         ${THRESHOLD_HELP}
                        computed from the held-out normal scores (default ${DEFAULT_THRESHOLD})
  --model NAME          default autoencoder (with the changes above); one of:
${presetList().replace(/^/gm, '    ')}
  --hidden LIST, --latent N, --activation NAME, --output-activation NAME, --loss NAME,
  --optimizer NAME, --lr X, --batch-size N, --epochs N, --preprocess NAME, the variant flags:
                        as in 'aekit train'
  --seed N              seeds the weights, the shuffling and the calibration split (default 0)
  --stream, --shuffle-buffer N  train from disk, as in 'aekit train' (the held-out samples are
                        read into memory)
  --backend NAME, --threads N   as in 'aekit train'
  --json                print the summary as one JSON line on stdout (and nothing else)
  -h, --help            show this help

${checkpointHelp('NAME-checkpoints beside the detector file (--out NAME.safetensors)')}
Ctrl-C or SIGTERM stops after the current step, writes a checkpoint and the detector so far, prints
the command that resumes the run and exits with code 130; a second one quits at once.

${DATA_HELP}`;

const options = { ...TRAIN_OPTIONS, threshold: { type: 'string' } } as const;

/** The detector file: a .safetensors path whose folder can be made. */
function outArg(v: string | undefined): string {
  const out = resolve(v ?? 'aekit-out/detector.safetensors');
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`--out ${v} is a directory; give the detector file's name (e.g. ${join(v!, 'detector.safetensors')})`);
  if (extname(out).toLowerCase() !== '.safetensors') throw new UsageError(`--out ${v}: a detector is saved as a .safetensors file`);
  return out;
}

/** The flags given (parseArgs leaves no undefined values, but a spread must not let one hide a default). */
function definedOnly<T extends object>(v: T): Partial<T> {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Partial<T>;
}

const pct = (v: number): string => `${(100 * v).toFixed(v < 0.1 ? 2 : 1)}%`;

/** The lines that say what the threshold means (also the warning when the held-out set is too small for it). */
export function thresholdLines(c: CalibrationSummary, threshold: number, strategy: string, what = 'held-out normal samples'): string {
  const lines = [
    `${what} (${c.n}): scores min ${num(c.min)}, median ${num(c.p50)}, p90 ${num(c.p90)}, p99 ${num(c.p99)}, max ${num(c.max)} (mean ${num(c.mean)}, std ${num(c.std)})`,
    `threshold ${num(threshold)} (${strategy}): ${c.above} of the ${c.n} score above it (${pct(c.heldOutFpr)}); expected false-positive rate on new normal data ${pct(c.expectedFpr[0])}-${pct(c.expectedFpr[1])}`,
  ];
  const r = /^target-fpr:(.+)$/.exec(strategy);
  if (r && Number(r[1]) > 0 && Number(r[1]) * c.n < 1) {
    lines.push(`note: a false-positive rate of ${r[1]} needs at least ${Math.ceil(1 / Number(r[1]))} held-out normal samples; with ${c.n} the threshold is the highest held-out score`);
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('detect fit', args, options);
  if (values.help) {
    modelArg(values); // checked: `--model typo --help` is still a usage error
    process.stdout.write(help);
    return 0;
  }
  positionals('detect fit', given, []);
  const flags = readTrainConfig(values.model === undefined ? { ...DETECTOR_RECIPE, ...definedOnly(values) } : values);
  if (flags.baseline) flags.baseline = false; // the sparse presets' comparison net is for 'aekit train' reports
  const strategy = thresholdArg(values.threshold ?? DEFAULT_THRESHOLD);
  const out = outArg(values.out);
  const req = readDataArgs(values, flags.seed);
  if (req.options.testData === undefined && req.options.validationSplit === undefined) req.options.validationSplit = CALIBRATION_SPLIT;
  prepareOutputFile(out, 'detector file'); // now, so an unwritable --out fails before training
  // Not the train default (OUT/checkpoints): a detector and a model trained into one folder keep apart.
  const checkpoints = readCheckpointArgs(values, join(dirname(out), `${basename(out, extname(out))}-checkpoints`));

  useBackend({ backend: flags.backend, threads: flags.threads });
  const data = await openTrainData(flags, req);
  const cfg = fitToData(flags, data.info, data.unitRange, data.train.length);
  // Every detector gets the step floor (on MNIST: 16 epochs of the default model instead of 5).
  cfg.epochs = epochsForSteps(cfg, data.train.length);
  const trainRun = createRun(cfg, data);
  const model = trainRun.model;
  const train = data.train.reshape(model.inputShape);
  const calibration = data.test.reshape(model.inputShape);
  // After every check: a run that fails on its flags or data prints one line, not notes and then the error.
  for (const note of data.notes) process.stderr.write(`aekit: ${note}\n`);
  const interrupt = interruptible();
  process.stderr.write(
    `aekit: training ${cfg.model === 'autoencoder' ? '' : `${cfg.model} `}${trainRun.describe} on ${train.length} normal samples of ${data.spec} ` +
      `(preprocessing ${data.preprocessing.method}; ${cfg.loss}, ${cfg.optimizer} lr ${cfg.lr}, batch ${cfg.batchSize}, ${cfg.epochs} epochs, seed ${cfg.seed}); ` +
      `calibrating on ${calibration.length} held out (${data.testSource})\n`,
  );

  const trained = await trainWithProgress(trainRun, train, calibration, checkpoints, interrupt);
  if ('exit' in trained) return trained.exit;
  const { history, aborted } = trained;

  // A diverged model would calibrate on NaN scores: refused with the reason, and nothing written.
  requireFiniteWeights(model);
  requireFiniteRun(NaN, history, false);
  const detector = new AnomalyDetector(model, { threshold: strategy });
  try {
    detector.calibrate(calibration);
  } catch (e) {
    if (!/NaN|Infinity|finite/.test((e as Error).message)) throw e;
    throw new Error(`the calibration scores are not finite (${(e as Error).message}): the model diverged (try a lower --lr) or the data holds non-finite values; nothing written`);
  }
  requireFinite('the threshold', detector.threshold);
  const cal = calibrationSummary(detector.calibrationScores!.data, detector.threshold);
  const label = strategyLabel(strategy);
  const record = {
    command: 'detect fit', data: data.spec, dataRequest: data.dataRequest, kind: data.info.kind, sampleShape: data.info.sampleShape,
    preprocessing: data.preprocessing.method, model: cfg.model, architecture: model.architecture(), loss: cfg.loss,
    optimizer: history.optimizer, batchSize: cfg.batchSize, epochs: cfg.epochs, completedEpochs: history.completedEpochs, seed: cfg.seed,
    trainSamples: train.length, calibrationSource: data.testSource, threshold: detector.threshold, strategy: label, calibration: cal,
    trainLoss: history.loss, valLoss: history.valLoss, seconds: history.seconds, backend: getBackend().name, stopReason: history.stopReason,
  };
  saveModel(out, detector, record, { data: data.info, preprocessing: data.preprocessing });

  if (values.json) process.stdout.write(`${JSON.stringify({ detector: out, ...record })}\n`);
  else {
    process.stdout.write(
      `${model.architecture()} trained on ${train.length} normal samples of ${data.spec} (${history.completedEpochs} epoch${history.completedEpochs === 1 ? '' : 's'})\n` +
        thresholdLines(cal, detector.threshold, label) + `wrote ${out}\n`,
    );
  }
  if (history.stopReason && !aborted) {
    process.stderr.write(`aekit: training stopped early: ${history.stopReason}; the detector holds epoch ${history.completedEpochs}\n`);
    return 1;
  }
  if (aborted) {
    process.stderr.write(`aekit: interrupted after ${history.completedEpochs} complete epoch(s); to continue: ${resumeCommand(['detect', 'fit'], args, checkpoints.dir)}\n`);
    return 130;
  }
  return 0;
}
