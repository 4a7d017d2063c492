/**
 * `aekit detect fit | score | eval`: anomaly detection by reconstruction error, the way PyOD and Alibi Detect
 * users work. `fit` trains an autoencoder on normal data and calibrates a threshold on held-out normal
 * samples, into one detector file; `score` scores new data with it, row by row; `eval` is the one-class
 * benchmark (a labelled data set, one class normal, ROC-AUC). Each subcommand lives in its own file; the
 * threshold flag they share is parsed in detect-threshold.ts.
 */
import { UsageError } from './errors.js';

export const help = `Usage: aekit detect fit|score|eval [options]

Anomaly detection by reconstruction error: an autoencoder trained on NORMAL data only rebuilds
normal samples well and others badly, so a sample's mean squared reconstruction error (in the
model's units: standardized for tables) is its anomaly score.

  aekit detect fit --data normal.csv --out detector.safetensors
      train on normal data, calibrate a threshold on held-out normal rows, save the detector
  aekit detect score detector.safetensors --data new.csv --out scores.csv
      per row: id, score, is_anomaly, probability, the features carrying its error
  aekit detect eval [--data SPEC] [--normal-label V | --all]
      one-class benchmark on labelled data (default MNIST, digit 0): ROC-AUC, AP, TPR/FPR

'aekit detect SUBCOMMAND --help' lists each one's options.
`;

const SUBCOMMANDS = {
  fit: () => import('./detect-fit.js'),
  score: () => import('./detect-score.js'),
  eval: () => import('./detect-eval.js'),
} as const;

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '-h' || sub === '--help') {
    process.stdout.write(help);
    return 0;
  }
  if (sub === undefined || !Object.hasOwn(SUBCOMMANDS, sub)) {
    const got = sub === undefined ? 'a subcommand' : `a subcommand, not '${sub}'`;
    // The benchmark that used to be `aekit detect --digit N` is `detect eval` now: say so to old scripts.
    const old = sub?.startsWith('-') ? " (the MNIST one-class benchmark is now 'aekit detect eval')" : '';
    throw new UsageError(`'aekit detect' needs ${got}: fit, score or eval${old} (see 'aekit detect --help')`);
  }
  return (await SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS]()).run(rest);
}
