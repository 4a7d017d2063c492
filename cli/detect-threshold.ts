/** The --threshold flag of `aekit detect fit | score | eval`: how a detector turns scores into decisions. */
import type { ThresholdStrategy } from '../src/analysis/anomaly.js';
import { thresholdFromScores } from '../src/analysis/anomaly.js';
import { UsageError } from './errors.js';

export const THRESHOLD_HELP = `NAME:VALUE, one of
                        target-fpr:R     the lowest threshold that flags at most a fraction R of
                                         the held-out normal samples (R in [0, 1))
                        mean-k-std:K     mean + K standard deviations of the held-out scores
                        percentile:P     the P-th percentile (0-100) of the held-out scores
                        contamination:C  the (1 - C) quantile: PyOD's, for a known anomaly share C
                        value:V          a fixed score`;

/** CLI names of the strategies (kebab case, as flags are) and the library's; the camel-case ones still parse. */
type StrategyKey = 'targetFpr' | 'meanPlusKStd' | 'percentile' | 'contamination' | 'value';
const STRATEGY_NAMES: Record<string, StrategyKey> = {
  'target-fpr': 'targetFpr', targetFpr: 'targetFpr',
  'mean-k-std': 'meanPlusKStd', meanPlusKStd: 'meanPlusKStd',
  percentile: 'percentile', contamination: 'contamination', value: 'value',
};

/** "target-fpr:0.01" -> { targetFpr: 0.01 }, range-checked now rather than after training. */
export function thresholdArg(value: string): ThresholdStrategy {
  const m = /^\s*([\w-]+)\s*:\s*(\S+)\s*$/.exec(value);
  const key = m && Object.hasOwn(STRATEGY_NAMES, m[1]) ? STRATEGY_NAMES[m[1]] : undefined;
  const v = m ? Number(m[2]) : NaN;
  if (!key || !Number.isFinite(v)) {
    throw new UsageError(`--threshold must be NAME:VALUE with NAME one of target-fpr, mean-k-std, percentile, contamination, value (e.g. target-fpr:0.01), got '${value}'`);
  }
  const strategy = { [key]: v } as ThresholdStrategy;
  try {
    thresholdFromScores([0], strategy);
  } catch (e) {
    throw new UsageError(`--threshold ${value}: ${(e as Error).message.replace(/targetFpr/, 'target-fpr')}`);
  }
  return strategy;
}

/** { targetFpr: 0.01 } -> "target-fpr:0.01", for what is printed and saved. */
export function strategyLabel(s: ThresholdStrategy): string {
  const [key, v] = Object.entries(s)[0] as [string, number];
  const name = Object.keys(STRATEGY_NAMES).find((n) => STRATEGY_NAMES[n] === key && n.includes('-')) ?? key;
  return `${name}:${v}`;
}

/** 4 significant digits, without trailing zeros (a threshold of 0 prints as 0, not 0.000). */
export const num = (v: number): string => String(Number(v.toPrecision(4)));
