/**
 * `aekit detect score DETECTOR --data new.csv --out scores.csv`: every sample's anomaly score, decision and
 * calibrated rank, with its id, and for tables and sequences the features that carry its error. The data is
 * opened the way the detector's autoencoder was trained (cli/model-data.ts: the same feature columns by name,
 * image size, preprocessing), so a file whose columns do not match fails naming the missing one.
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { type AnomalyDetector, calibrationSummary, topErrorShares } from '../src/analysis/anomaly.js';
import { type DataInfo, type Dataset, featureAxis, loadModelFile, type LoadedModel, Preprocessing } from '../src/index.js';
import { type TableColumn, writeNpyFile, writeTableFile } from '../src/io/tables.js';
import { intArg, parseCommand, positionals } from './args.js';
import { requireFinite } from './safety.js';
import { DATA_HELP, DATA_OPTIONS, readDataArgs } from './data-args.js';
import { num, strategyLabel, THRESHOLD_HELP, thresholdArg } from './detect-threshold.js';
import { UsageError } from './errors.js';
import { type ModelBundle, openForModel } from './model-data.js';

export const DEFAULT_TOP = 3;

export const help = `Usage: aekit detect score DETECTOR --out FILE [--data SPEC] [options]

Scores samples with a detector written by 'aekit detect fit' (or 'aekit detect eval'): the data
is read the way the detector was trained (the same feature columns, by name; extra columns are
ignored, a missing one is an error), with its preprocessing. Without --data: every sample of the
data it was fitted on. A source with a test split (MNIST, an .npz with x_test, --test-data,
--validation-split) has its test split scored, anything else every sample. No label is needed.

One row per sample:
  id            the id column (its own name; 'file' for images), when the data has ids
  label         the label column, when the data has one
  score         mean squared reconstruction error, in the model's units (standardized for tables)
  is_anomaly    1 when score > the threshold, else 0
  probability   the share of the held-out normal samples scoring <= score (a calibrated rank:
                0.5 is a typical normal sample, 1 scores above every one of them)
  top_features  tables and sequences: the features with the largest shares of the sample's
                squared error, largest first, as name:share;... (e.g. temp:0.631;wind:0.212)
.csv, .tsv and .parquet get every column; .npy gets float64 [samples, 3]: score, is_anomaly,
probability (NumPy arrays cannot hold ids: the rows are in the data's order).

Options:
  --out FILE            .csv, .tsv, .parquet or .npy (required)
  --threshold S         re-derive the threshold from the detector's held-out scores: ${THRESHOLD_HELP}
                        (default: the detector's own)
  --top N               features in top_features (default ${DEFAULT_TOP}; 0 leaves the column out)
  --json                print the summary as one JSON line on stdout (and nothing else)
  -h, --help            show this help

${DATA_HELP}`;

const options = {
  ...DATA_OPTIONS,
  out: { type: 'string' },
  threshold: { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const OUT_EXTENSIONS = ['.csv', '.tsv', '.parquet', '.npy'];

/** A detector file, with the data it was fitted on and the preprocessing that feeds it. */
export interface DetectorBundle extends ModelBundle {
  detector: AnomalyDetector;
}

/**
 * Detector files written before detectors kept their data hold only the detector. Those `aekit detect` wrote
 * for MNIST (784 inputs, no scaler of their own) are MNIST detectors, as other models of that age are MNIST
 * models; any other one cannot be fed without guessing its columns.
 */
function legacyData(loaded: LoadedModel, detector: AnomalyDetector, path: string): { info: DataInfo; preprocessing: Preprocessing } {
  const size = detector.autoencoder.inputShape.reduce((a, b) => a * b, 1);
  if (size !== 784 || detector.scaler) {
    throw new Error(`${path} was written by an older 'aekit detect' and does not say what data it takes: fit it again with 'aekit detect fit'`);
  }
  const info: DataInfo = {
    kind: 'image', sampleShape: [28, 28, 1], source: 'mnist', featureNames: null, classNames: null, valueRange: [0, 255], columns: null, window: null,
  };
  return { info, preprocessing: loaded.preprocessing ?? Preprocessing.scaleBy(255) };
}

/** Loads a detector file; anything else (a plain model, a missing file) gets one line saying so. */
export function loadDetector(path: string): DetectorBundle {
  if (!existsSync(path)) throw new Error(`detector file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a directory, not a detector file`);
  const loaded = loadModelFile(path);
  if (loaded.header.kind !== 'AnomalyDetector') {
    throw new Error(`${path} holds a model of kind '${loaded.header.kind}', not an anomaly detector (write one with 'aekit detect fit')`);
  }
  const detector = loaded.model as unknown as AnomalyDetector; // the kinds table builds 'AnomalyDetector' files as one
  const { info, preprocessing } = loaded.data ? { info: loaded.data, preprocessing: loaded.preprocessing ?? Preprocessing.none() } : legacyData(loaded, detector, path);
  return { path, model: detector.autoencoder, header: loaded.header, info, preprocessing, detector };
}

/** The spec a detector was fitted on (scored whole when --data is not given). */
function fittedOn(b: DetectorBundle): string {
  const req = (b.header.training as { dataRequest?: { spec?: unknown } } | undefined)?.dataRequest;
  return typeof req?.spec === 'string' ? req.spec : b.info.source;
}

/** "name:share;..." per sample, the shares to 3 decimals. */
function topFeatureTexts(det: AnomalyDetector, input: Dataset, info: DataInfo, k: number): string[] {
  const f = featureAxis(info);
  const names = info.featureNames?.length === f ? info.featureNames : Array.from({ length: f }, (_, j) => `x${j}`);
  return topErrorShares(det.errorMap(input).data, input.length, f, k).map((row) => row.map((s) => `${names[s.feature]}:${s.share.toFixed(3)}`).join(';'));
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: given } = parseCommand('detect score', args, options);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const [path] = positionals('detect score', given, ['DETECTOR']);
  if (values.out === undefined) throw new UsageError("'aekit detect score' needs --out FILE (.csv, .tsv, .parquet or .npy; see 'aekit detect score --help')");
  const ext = extname(values.out).toLowerCase();
  if (!OUT_EXTENSIONS.includes(ext)) throw new UsageError(`--out ${values.out}: scores are written as .csv, .tsv, .parquet or .npy, not '${ext || 'no extension'}'`);
  const strategy = values.threshold === undefined ? undefined : thresholdArg(values.threshold);
  const top = values.top === undefined ? DEFAULT_TOP : intArg('top', values.top, 0);
  const req = readDataArgs(values);

  const bundle = loadDetector(path);
  const det = bundle.detector;
  if (strategy) det.setThreshold(strategy);
  const data = await openForModel(bundle, { ...req, spec: req.spec ?? fittedOn(bundle) });
  for (const note of data.notes) process.stderr.write(`aekit: ${note}\n`);
  const raw = data.evalRaw, input = data.evalInput;
  if (raw.length === 0) throw new Error(`${data.spec}: no samples to score`);
  const scores = det.scores(input);
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) requireFinite(`${data.spec}: the score of sample ${bad + 1}${raw.ids ? ` (${raw.ids[bad]})` : ''}`, scores[bad], 'is the data what the detector was fitted on? (or its weights overflow)');
  const flagged = det.decide(scores);
  const probability = det.probability(scores);

  if (ext === '.npy') {
    const table = new Float64Array(scores.length * 3);
    for (let i = 0; i < scores.length; i++) table.set([scores[i], flagged[i], probability[i]], i * 3);
    writeNpyFile(values.out, table, [scores.length, 3]);
  } else {
    const cols: TableColumn[] = [];
    const info = data.info;
    if (raw.ids) cols.push({ name: info.columns?.id ?? (info.kind === 'image' ? 'file' : 'id'), values: raw.ids });
    if (raw.labels) {
      const names = info.classNames;
      cols.push({ name: info.columns?.label ?? 'label', values: names ? Array.from(raw.labels, (l) => names[l] ?? String(l)) : raw.labels });
    }
    cols.push({ name: 'score', values: scores }, { name: 'is_anomaly', values: Int32Array.from(flagged) }, { name: 'probability', values: probability });
    if (top > 0 && info.kind !== 'image') cols.push({ name: 'top_features', values: topFeatureTexts(det, input, info, top) });
    await writeTableFile(values.out, cols);
  }

  const count = flagged.reduce((a, b) => a + b, 0);
  const cal = calibrationSummary(det.calibrationScores!.data, det.threshold);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, 5);
  const name = (i: number): string => raw.ids?.[i] ?? `#${i + 1}`;
  const calibratedOn = det.calibrationSource === 'training' ? 'normal training' : 'held-out normal';
  const summary = {
    detector: path, data: data.spec, samples: scores.length, flagged: count, threshold: det.threshold, strategy: strategyLabel(det.strategy),
    calibration: { source: det.calibrationSource, samples: cal.n, flagged: cal.above, expectedFpr: cal.expectedFpr }, out: values.out, highest: order.map((i) => ({ sample: name(i), score: scores[i] })),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(
      `scored ${scores.length} samples of ${data.spec}: ${count} flagged as anomalies (${(100 * count / scores.length).toFixed(1)}%) ` +
        `at threshold ${num(det.threshold)} (${summary.strategy}; it flags ${(100 * cal.heldOutFpr).toFixed(1)}% of the ${cal.n} ${calibratedOn} samples)\n` +
        `highest: ${order.map((i) => `${name(i)} ${num(scores[i])}`).join(', ')}\nwrote ${values.out}\n`,
    );
  }
  return 0;
}
