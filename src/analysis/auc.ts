/**
 * Score-based evaluation for detectors: ROC-AUC, average precision, the ROC curve, quantiles and the
 * threshold strategies AnomalyDetector uses.
 *
 * Convention: `labels[i]` is 1 for a positive (an anomaly) and 0 for a negative (normal); a HIGHER score means
 * "more likely positive". Everything is exact (no binning) and handles ties the standard way:
 *
 *   - rocAuc = Mann-Whitney U / (P * N) = P(score of a random positive > score of a random negative)
 *     + 0.5 * P(tie). Computed from mid-ranks in O(n log n); equals scikit-learn's roc_auc_score.
 *   - prAuc = average precision, AP = sum_k (R_k - R_{k-1}) * P_k over the distinct score values taken as
 *     thresholds from high to low (tied scores enter together), i.e. scikit-learn's average_precision_score.
 *     It is NOT the trapezoidal area under the PR curve, which linear interpolation makes optimistic.
 */

export type Labels = ArrayLike<number>;

/** Checks scores/labels and counts positives and negatives. */
function check(scores: ArrayLike<number>, labels: Labels, what: string): { pos: number; neg: number } {
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
  let pos = 0;
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${what}: score ${i} is NaN`);
    const l = labels[i];
    if (l !== 0 && l !== 1) throw new Error(`${what}: label ${i} is ${l}; labels must be 0 (normal) or 1 (anomaly)`);
    pos += l;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) throw new Error(`${what} needs both classes: got ${pos} positives and ${neg} negatives`);
  return { pos, neg };
}

/** Sample indices ordered by score (ascending, or descending); a stable sort keeps ties in input order. */
function order(scores: ArrayLike<number>, descending: boolean): Uint32Array {
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort(descending ? (a, b) => scores[b] - scores[a] : (a, b) => scores[a] - scores[b]);
}

/** Area under the ROC curve via the Mann-Whitney U statistic (ties count one half). */
export function rocAuc(scores: ArrayLike<number>, labels: Labels): number {
  const { pos, neg } = check(scores, labels, 'rocAuc');
  const idx = order(scores, false);
  // Sum of the positives' 1-based ranks; a run of ties [i, j) shares the mean rank (i + 1 + j) / 2.
  let rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i + 1;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) j++;
    let p = 0;
    for (let k = i; k < j; k++) p += labels[idx[k]];
    rankSum += (p * (i + 1 + j)) / 2;
    i = j;
  }
  const u = rankSum - (pos * (pos + 1)) / 2;
  return u / (pos * neg);
}

/** Average precision (see the module comment): the summary of the precision-recall curve. */
export function averagePrecision(scores: ArrayLike<number>, labels: Labels): number {
  const { pos } = check(scores, labels, 'averagePrecision');
  const idx = order(scores, true);
  let tp = 0, fp = 0, ap = 0, prevRecall = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) {
      if (labels[idx[j]] === 1) tp++;
      else fp++;
      j++;
    }
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j;
  }
  return ap;
}

/** The PR-AUC aekit reports: average precision (see the module comment for why not the trapezoid). */
export const prAuc = averagePrecision;

export interface RocCurve {
  /** False/true positive rates, from (0, 0) to (1, 1), one point per distinct score (ties move together). */
  fpr: number[];
  tpr: number[];
  /** Predicting `score >= thresholds[k]` gives point k; thresholds[0] is +Infinity (nothing flagged). */
  thresholds: number[];
}

/**
 * The ROC curve's corner points. `maxPoints` thins it for plotting (the AUC is always computed exactly by
 * rocAuc): a point is kept once it is at least 1/maxPoints away in FPR or TPR from the last kept one.
 */
export function rocCurve(scores: ArrayLike<number>, labels: Labels, opts: { maxPoints?: number } = {}): RocCurve {
  const { pos, neg } = check(scores, labels, 'rocCurve');
  const idx = order(scores, true);
  const all: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let tp = 0, fp = 0;
  for (let i = 0; i < idx.length;) {
    const s = scores[idx[i]];
    while (i < idx.length && scores[idx[i]] === s) {
      if (labels[idx[i]] === 1) tp++;
      else fp++;
      i++;
    }
    all.fpr.push(fp / neg);
    all.tpr.push(tp / pos);
    all.thresholds.push(s);
  }
  const max = opts.maxPoints;
  if (max === undefined || all.fpr.length <= max) return all;
  if (!Number.isInteger(max) || max < 2) throw new Error(`rocCurve: maxPoints must be an integer >= 2, got ${max}`);
  const out: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  const step = 1 / max;
  for (let k = 1; k < all.fpr.length; k++) {
    const last = out.fpr.length - 1;
    const isEnd = k === all.fpr.length - 1;
    if (isEnd || all.fpr[k] - out.fpr[last] >= step || all.tpr[k] - out.tpr[last] >= step) {
      out.fpr.push(all.fpr[k]);
      out.tpr.push(all.tpr[k]);
      out.thresholds.push(all.thresholds[k]);
    }
  }
  return out;
}

/**
 * The q-quantile (q in [0, 1]) of ascending-sorted values, linearly interpolated between order statistics
 * (NumPy's default 'linear' method, so PyOD's np.percentile thresholds are reproduced).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile level must be in [0, 1], got ${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const v = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  // Interpolating between equal neighbours must not drift off their value.
  return sorted[lo] === sorted[hi] ? sorted[lo] : v;
}

/** Ascending float64 copy of the values (NaN rejected: it has no place in an order). */
export function sortedCopy(values: ArrayLike<number>, what = 'values'): Float64Array {
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) throw new Error(`${what}: value ${i} is NaN`);
  return out.sort();
}

export type ThresholdStrategy =
  /** Expected anomaly fraction f: the (1 - f) quantile of the calibration scores (PyOD's contamination). */
  | { contamination: number }
  /** The p-th percentile (p in [0, 100]) of the calibration scores. */
  | { percentile: number }
  /** mean + k * std (population std) of the calibration scores. */
  | { meanPlusKStd: number }
  /** The smallest calibration score t such that at most floor(r * n) calibration samples score > t: a
   * false-positive rate <= r on the calibration set, with the most sensitive threshold that achieves it. */
  | { targetFpr: number }
  /** A fixed threshold. */
  | { value: number };

/** The threshold a strategy picks from ascending-sorted calibration scores (see ThresholdStrategy). */
export function thresholdFromScores(sorted: ArrayLike<number>, strategy: ThresholdStrategy): number {
  const n = sorted.length;
  if (n === 0) throw new Error('threshold: no calibration scores');
  const s = strategy as Record<string, unknown>;
  const keys = Object.keys(s);
  const v = s[keys[0]];
  if (keys.length !== 1 || typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`threshold strategy must be one of { contamination }, { percentile }, { meanPlusKStd }, { targetFpr }, { value } with a finite number, got ${JSON.stringify(strategy)}`);
  }
  switch (keys[0]) {
    case 'contamination':
      if (!(v > 0 && v < 1)) throw new Error(`contamination must be in (0, 1), got ${v}`);
      return quantileSorted(sorted, 1 - v);
    case 'percentile':
      if (!(v >= 0 && v <= 100)) throw new Error(`percentile must be in [0, 100], got ${v}`);
      return quantileSorted(sorted, v / 100);
    case 'meanPlusKStd': {
      let m = 0;
      for (let i = 0; i < n; i++) m += sorted[i];
      m /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (sorted[i] - m) ** 2;
      return m + v * Math.sqrt(ss / n);
    }
    case 'targetFpr': {
      if (!(v >= 0 && v < 1)) throw new Error(`targetFpr must be in [0, 1), got ${v}`);
      // The epsilon keeps e.g. 0.57 * 100 = 56.99999999999999 from costing a sample.
      const allowed = Math.floor(v * n + 1e-9);
      return sorted[n - 1 - allowed];
    }
    case 'value':
      return v;
    default:
      throw new Error(`unknown threshold strategy '${keys[0]}' (contamination, percentile, meanPlusKStd, targetFpr or value)`);
  }
}
