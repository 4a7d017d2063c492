/**
 * The anomaly panel's drawings on its own canvas: the two groups' score histograms (overlapping translucent
 * bars, each group as a share of its own size so a small anomaly set is as visible as the normal one), the
 * flagged region and the threshold line; plus the score axis mapping the slider shares. A hand-drawn canvas
 * rather than uPlot because the bars sit on the histogram's own (possibly logarithmic) edges.
 */
import type { Histogram } from '../anomaly-stats.js';
import { hidpiContext } from '../ui/images.js';

/** The score axis: [lo, hi], evenly spaced in log10 when `log`. The slider and the histogram both use it. */
export interface ScoreAxis {
  lo: number;
  hi: number;
  log: boolean;
}

/** Position of `v` on the axis, 0 at lo and 1 at hi (not clamped). */
export function axisPos(a: ScoreAxis, v: number): number {
  if (a.hi === a.lo) return 0.5;
  return a.log ? (Math.log10(v) - Math.log10(a.lo)) / (Math.log10(a.hi) - Math.log10(a.lo)) : (v - a.lo) / (a.hi - a.lo);
}

/** The score at position p (0..1) of the axis. */
export function axisValue(a: ScoreAxis, p: number): number {
  if (a.log) return 10 ** (Math.log10(a.lo) + p * (Math.log10(a.hi) - Math.log10(a.lo)));
  return a.lo + p * (a.hi - a.lo);
}

/** A score as people read it: three significant digits, exponent form below 0.001 or from 10^5. */
export function formatScore(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const m = Math.abs(v);
  if (m !== 0 && (m < 1e-3 || m >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

/** Tick values inside [lo, hi]: decades (with 2 and 5 between them when the axis spans three decades or less) or round linear steps. */
function ticks(a: ScoreAxis): number[] {
  const out: number[] = [];
  if (a.log) {
    const d0 = Math.floor(Math.log10(a.lo)), d1 = Math.ceil(Math.log10(a.hi));
    const span = Math.log10(a.hi / a.lo);
    const mults = span < 1.2 ? [1, 2, 3, 5] : span <= 3 ? [1, 2, 5] : [1];
    for (let d = d0; d <= d1; d++) for (const m of mults) {
      const v = m * 10 ** d;
      if (v >= a.lo && v <= a.hi) out.push(v);
    }
    return out;
  }
  const span = a.hi - a.lo || 1;
  const raw = span / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  for (let v = Math.ceil(a.lo / step) * step; v <= a.hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export const COLORS = { normal: 'rgba(59, 111, 212, 0.55)', anomalous: 'rgba(212, 85, 59, 0.55)' };
const PAD = { left: 40, right: 10, top: 16, bottom: 30 };

/**
 * Draws the histogram at the canvas's CSS size (sharp on high-density screens). `hist` may be null (nothing to
 * show yet: an empty frame with a hint is drawn, so the canvas keeps its size).
 */
export function drawHistogram(canvas: HTMLCanvasElement, hist: Histogram | null, axis: ScoreAxis | null, threshold: number): void {
  const w = Math.max(200, canvas.clientWidth), h = Math.max(120, canvas.clientHeight);
  const g = hidpiContext(canvas, w, h);
  g.font = '11px system-ui, sans-serif';
  const x0 = PAD.left, x1 = w - PAD.right, y0 = h - PAD.bottom, y1 = PAD.top;
  g.strokeStyle = '#9aa3b2';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(x0, y1);
  g.lineTo(x0, y0);
  g.lineTo(x1, y0);
  g.stroke();
  if (!hist || !axis) {
    g.fillStyle = '#5b6575';
    g.textAlign = 'center';
    g.fillText('no scores yet', (x0 + x1) / 2, (y0 + y1) / 2);
    return;
  }
  const px = (v: number): number => x0 + axisPos(axis, v) * (x1 - x0);
  const totalN = hist.normal.reduce((a, b) => a + b, 0), totalA = hist.anomalous.reduce((a, b) => a + b, 0);
  let top = 0;
  for (let k = 0; k < hist.normal.length; k++) {
    if (totalN) top = Math.max(top, hist.normal[k] / totalN);
    if (totalA) top = Math.max(top, hist.anomalous[k] / totalA);
  }
  top = top || 1;
  const py = (share: number): number => y0 - (share / top) * (y0 - y1);

  // The flagged side first, under the bars.
  const tx = Math.max(x0, Math.min(x1, px(threshold)));
  g.fillStyle = 'rgba(29, 36, 48, 0.06)';
  g.fillRect(tx, y1, x1 - tx, y0 - y1);

  for (const [counts, total, color] of [[hist.normal, totalN, COLORS.normal], [hist.anomalous, totalA, COLORS.anomalous]] as const) {
    if (!total) continue;
    g.fillStyle = color;
    for (let k = 0; k < counts.length; k++) {
      if (!counts[k]) continue;
      const a = px(hist.edges[k]), b = px(hist.edges[k + 1]);
      const yTop = py(counts[k] / total);
      // At least a pixel wide, and a hair of gap between neighbours so the bars read as bars.
      g.fillRect(a + 0.5, yTop, Math.max(1, b - a - 1), y0 - yTop);
    }
  }

  g.fillStyle = '#5b6575';
  g.strokeStyle = '#9aa3b2';
  g.textAlign = 'center';
  g.textBaseline = 'top';
  let lastRight = -Infinity;
  for (const t of ticks(axis)) {
    const x = px(t);
    g.beginPath();
    g.moveTo(x, y0);
    g.lineTo(x, y0 + 4);
    g.stroke();
    const label = formatScore(t);
    const half = g.measureText(label).width / 2;
    if (x - half < lastRight + 4 || x + half > w) continue; // labels never overlap or leave the canvas
    g.fillText(label, x, y0 + 6);
    lastRight = x + half;
  }
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  g.fillText(`${Math.round(top * 100)}%`, x0 - 4, y1);
  g.fillText('0', x0 - 4, y0);
  g.save();
  g.translate(10, (y0 + y1) / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.fillText('share of group', 0, 0);
  g.restore();
  g.textAlign = 'right';
  g.textBaseline = 'bottom';
  g.fillText(`reconstruction error${hist.scale === 'log' ? ' (log scale)' : ''}`, x1, h);

  g.strokeStyle = '#1d2430';
  g.lineWidth = 2;
  g.setLineDash([5, 3]);
  g.beginPath();
  g.moveTo(tx, y1 - 4);
  g.lineTo(tx, y0);
  g.stroke();
  g.setLineDash([]);
  g.fillStyle = '#1d2430';
  g.textBaseline = 'bottom';
  const label = 'threshold';
  const right = tx + 4 + g.measureText(label).width <= x1;
  g.textAlign = right ? 'left' : 'right';
  g.fillText(label, right ? tx + 4 : tx - 4, y1 + 8);
}
