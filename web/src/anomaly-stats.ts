/**
 * The numbers behind the anomaly panel: the two groups' score histograms on shared bins, the ROC curve, the
 * confusion counts at a threshold, and a score's percentile. Pure functions of the scores (the worker's
 * AnomalyAnswer), cheap enough to recompute on every move of the threshold slider.
 *
 * One convention throughout, the AnomalyDetector's (and PyOD's): a sample is FLAGGED when its score is
 * STRICTLY greater than the threshold, and the anomalies are the positive class.
 */
import { rocAuc, rocCurve } from '../../src/analysis/auc.js';

export type HistogramScale = 'linear' | 'log' | 'auto';

export interface Histogram {
  /** bins + 1 ascending edges, in score units; bin k holds edges[k] <= s < edges[k + 1], the last also its upper edge. */
  edges: number[];
  normal: number[];
  anomalous: number[];
  /** The scale the edges are evenly spaced in. */
  scale: 'linear' | 'log';
}

/**
 * 'auto' picks log spacing when every score is positive and the largest is at least this many times the
 * smallest: reconstruction errors of anomalies are often tens of times the normal ones, and on linear bins
 * all the normal samples would then pile into the first bin or two.
 */
export const LOG_SPAN = 100;

function checkScores(scores: ArrayLike<number>, what: string): void {
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new Error(`${what}: score ${i} is ${scores[i]}`);
  }
}

/**
 * Counts of each group over `bins` shared bins spanning both groups' range (one group may be empty). The
 * scale is 'auto' by default (see LOG_SPAN); 'log' needs every score positive. When all scores are equal the
 * range is widened around that value so the single bar sits in the middle.
 */
export function histogram(
  normal: ArrayLike<number>, anomalous: ArrayLike<number>, bins: number, opts: { scale?: HistogramScale } = {},
): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram: bins must be a positive integer, got ${bins}`);
  checkScores(normal, 'histogram (normal)');
  checkScores(anomalous, 'histogram (anomalous)');
  if (normal.length + anomalous.length === 0) throw new Error('histogram: no scores');
  let lo = Infinity, hi = -Infinity;
  for (const g of [normal, anomalous]) {
    for (let i = 0; i < g.length; i++) {
      if (g[i] < lo) lo = g[i];
      if (g[i] > hi) hi = g[i];
    }
  }
  const want = opts.scale ?? 'auto';
  if (want === 'log' && !(lo > 0)) throw new Error(`histogram: a log scale needs positive scores, the smallest is ${lo}`);
  const scale = want === 'log' || (want === 'auto' && lo > 0 && hi >= LOG_SPAN * lo) ? 'log' : 'linear';
  if (lo === hi) {
    // One value: a range around it, half its size either side ([-0.5, 0.5] around 0), which stays positive
    // for the log scale.
    const d = lo === 0 ? 0.5 : Math.abs(lo) / 2;
    lo -= d;
    hi += d;
  }
  // log10 and 10 ** k, not ln and exp, so decade edges (1, 10, 100) come out exact.
  const t = scale === 'log' ? Math.log10 : (v: number): number => v;
  const tLo = t(lo);
  const width = (t(hi) - tLo) / bins;
  const edges: number[] = [];
  for (let k = 0; k <= bins; k++) edges.push(scale === 'log' ? 10 ** (tLo + k * width) : tLo + k * width);
  // The outer edges are the data's own extremes exactly, so rounding cannot drop the min or max.
  edges[0] = lo;
  edges[bins] = hi;
  const count = (g: ArrayLike<number>): number[] => {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < g.length; i++) {
      const v = g[i];
      let k = Math.min(bins - 1, Math.max(0, Math.floor((t(v) - tLo) / width)));
      // The arithmetic above can land one bin off at an edge; the returned edges are the truth.
      while (k > 0 && v < edges[k]) k--;
      while (k < bins - 1 && v >= edges[k + 1]) k++;
      c[k]++;
    }
    return c;
  };
  return { edges, normal: count(normal), anomalous: count(anomalous), scale };
}

export interface RocPoints {
  fpr: number[];
  tpr: number[];
  /**
   * thresholds[k] gives point k under the flagging rule `score > threshold`: confusion(normal, anomalous,
   * thresholds[k]) has fpr[k] and recall tpr[k]. thresholds[0] is the largest score (nothing flagged), the
   * last is -Infinity (everything flagged). (auc.ts's rocCurve states its thresholds for `score >= t`; these
   * are shifted to the next lower distinct score so the slider and the curve agree.)
   */
  thresholds: number[];
  /** Exact ROC-AUC (Mann-Whitney, ties count a half), whatever maxPoints thins the curve to. */
  auc: number;
}

function labelled(normal: ArrayLike<number>, anomalous: ArrayLike<number>): { scores: Float64Array; labels: Uint8Array } {
  const scores = new Float64Array(normal.length + anomalous.length);
  const labels = new Uint8Array(scores.length);
  for (let i = 0; i < normal.length; i++) scores[i] = normal[i];
  for (let i = 0; i < anomalous.length; i++) {
    scores[normal.length + i] = anomalous[i];
    labels[normal.length + i] = 1;
  }
  return { scores, labels };
}

/**
 * The ROC curve with the anomalies as positives: one corner point per distinct score, from (0, 0) to (1, 1).
 * `maxPoints` thins it for drawing (auc.ts's rule). Needs both groups non-empty.
 */
export function rocPoints(normal: ArrayLike<number>, anomalous: ArrayLike<number>, opts: { maxPoints?: number } = {}): RocPoints {
  checkScores(normal, 'rocPoints (normal)');
  checkScores(anomalous, 'rocPoints (anomalous)');
  const { scores, labels } = labelled(normal, anomalous);
  const full = rocCurve(scores, labels);
  const curve = opts.maxPoints === undefined ? full : rocCurve(scores, labels, opts);
  // full.thresholds is +Infinity then the distinct scores descending: the next entry is the next lower score.
  const at = new Map<number, number>();
  full.thresholds.forEach((s, k) => at.set(s, k));
  const thresholds = curve.thresholds.map((s) => full.thresholds[at.get(s)! + 1] ?? -Infinity);
  return { fpr: curve.fpr, tpr: curve.tpr, thresholds, auc: rocAuc(scores, labels) };
}

export interface Confusion {
  /** Anomalies flagged. */
  tp: number;
  /** Normal samples flagged. */
  fp: number;
  /** Normal samples passed. */
  tn: number;
  /** Anomalies passed. */
  fn: number;
  /** tp / (tp + fp); NaN when nothing is flagged. */
  precision: number;
  /** tp / (tp + fn), the true-positive rate; NaN without anomalies. */
  recall: number;
  /** fp / (fp + tn); NaN without normal samples. */
  fpr: number;
}

/** The confusion counts when `score > threshold` is flagged (a score equal to the threshold passes). */
export function confusion(normal: ArrayLike<number>, anomalous: ArrayLike<number>, threshold: number): Confusion {
  if (Number.isNaN(threshold)) throw new Error('confusion: the threshold is NaN');
  checkScores(normal, 'confusion (normal)');
  checkScores(anomalous, 'confusion (anomalous)');
  let fp = 0;
  for (let i = 0; i < normal.length; i++) if (normal[i] > threshold) fp++;
  let tp = 0;
  for (let i = 0; i < anomalous.length; i++) if (anomalous[i] > threshold) tp++;
  const tn = normal.length - fp;
  const fn = anomalous.length - tp;
  return { tp, fp, tn, fn, precision: tp / (tp + fp), recall: tp / (tp + fn), fpr: fp / (fp + tn) };
}

/**
 * The fraction (0..1, not 0..100) of `sortedScores` (ascending) below `score`, ties counting a half (the
 * mid-rank percentile, so a score equal to every reference gives 0.5, not 0 or 1). Binary search, O(log n),
 * so the order is trusted, not checked: sort once (auc.ts's sortedCopy) and ask many times.
 */
export function percentileOf(sortedScores: ArrayLike<number>, score: number): number {
  const n = sortedScores.length;
  if (n === 0) throw new Error('percentileOf: no reference scores');
  if (Number.isNaN(score)) throw new Error('percentileOf: the score is NaN');
  // First index whose value is >= v (lower) or > v (upper).
  const bound = (v: number, strict: boolean): number => {
    let a = 0, b = n;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (strict ? sortedScores[m] <= v : sortedScores[m] < v) a = m + 1;
      else b = m;
    }
    return a;
  };
  const below = bound(score, false);
  const equal = bound(score, true) - below;
  return (below + equal / 2) / n;
}
