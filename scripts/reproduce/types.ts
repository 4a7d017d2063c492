/**
 * The reproduction suite's vocabulary (issue #15): an Experiment is one entry of the table in
 * scripts/reproduce.ts; running it gives one Result per number it reproduces. Reference values are typed once,
 * in the experiment files, each with its source; aekit's values only ever come from a run.
 */
import type { Dataset } from '../../src/index.js';

/** A published number and where it is printed. */
export interface Reference {
  value: number;
  /** Paper or post, and the table or sentence holding the number. */
  source: string;
}

/** One reproduced number. */
export interface Result {
  experiment: string;
  /** What this row measures ("test BCE per pixel", "AUC digit 3", ...). */
  metric: string;
  /** null where no published figure exists for exactly this (said in `note`). */
  reference: Reference | null;
  /** A second published figure shown beside the first (Deep SVDD beside the DCAE baseline). */
  alsoReference?: Reference & { label: string };
  aekit: number;
  /** 'lower' or 'higher' is better; decides "falls short" (absent: a descriptive number, not judged). */
  better?: 'lower' | 'higher';
  epochs: number;
  seconds: number;
  /** The same recipe in PyTorch, measured in the same run, or why not. */
  pytorch?: { value: number; seconds: number; epochs: number } | { skipped: string };
  /** Binarization, budget cuts, architecture differences: anything a reader needs to compare fairly. */
  note?: string;
  /** The [lo, hi] a --quick run must land in (a smoke check, not the reference). */
  sane: [number, number];
}

export interface RunContext {
  quick: boolean;
  /** MNIST / Fashion-MNIST splits, loaded once; quick runs get small subsets. */
  data: {
    mnistTrain: Dataset; mnistTest: Dataset;
    fashionTrain: () => Dataset; fashionTest: () => Dataset;
  };
  /** Runs the PyTorch peer for a recipe (bench/pytorch/reproduce.py), or says why it cannot. */
  pytorch: (recipe: string, args: Record<string, string | number>) => Promise<{ value: number; seconds: number; epochs: number; extra?: Record<string, number> } | { skipped: string }>;
  log: (line: string) => void;
  /** Where the report goes: experiments may write their figures beside it. */
  outDir?: string;
}

export interface Experiment {
  name: string;
  title: string;
  /** The recipe in one paragraph: architecture, loss, optimizer, batch, epochs, data. */
  recipe: string;
  /** Rough wall time of the full run on 2 cores, for the table and the README (minutes). */
  estimateMinutes: number;
  run: (ctx: RunContext) => Promise<Result[]>;
}

/** Seconds since `t0` (performance.now()). */
export const since = (t0: number): number => (performance.now() - t0) / 1000;
