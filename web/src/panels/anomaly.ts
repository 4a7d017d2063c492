/**
 * The anomaly panel: how well the reconstruction error tells the normal test samples from the anomalies. The
 * worker sends both groups' scores once per model change; everything after that (histogram, threshold line,
 * ROC point, confusion counts) is recomputed here on each move of the threshold slider, since a scan of a few
 * thousand scores costs far less than a round trip to a worker that is busy training.
 */
import '../styles/anomaly.css';
import uPlot from 'uplot';
import { sortedCopy } from '../../../src/analysis/auc.js';
import { confusion, histogram, type Histogram, percentileOf, rocPoints, type RocPoints } from '../anomaly-stats.js';
import type { PanelContext } from '../client.js';
import type { AnomalyAnswer } from '../protocol.js';
import { axisPos, axisValue, COLORS, drawHistogram, formatScore, type ScoreAxis } from './anomaly-hist.js';

const BINS = 40;
/** Slider positions: fine enough that one arrow-key step moves the threshold by 0.2% of the axis. */
const STEPS = 500;
/** Points drawn on the ROC curve (the AUC is exact regardless). */
const ROC_POINTS = 400;
/**
 * Scoring both groups and the training threshold takes the worker a few thousand forward passes, time taken
 * from training: while the model keeps changing, refresh at most this often (and at least 3 answers' time
 * apart), always with a last refresh once the weights settle.
 */
const MIN_GAP_MS = 3000;

interface Scores {
  answer: AnomalyAnswer;
  hist: Histogram;
  axis: ScoreAxis;
  roc: RocPoints | null;
  /** The normal test scores ascending, for the threshold's percentile. */
  sortedNormal: Float64Array;
}

const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`);

export function mountAnomaly(root: HTMLElement, ctx: PanelContext): void {
  root.innerHTML = `
    <h2>Anomaly detection</h2>
    <p class="note" id="anomaly-what">Each sample's score is its reconstruction error (mean squared error): samples unlike the training data
      should reconstruct badly. A sample is flagged when its score is above the threshold; the default threshold is the
      99th percentile of the training samples' scores.</p>
    <p class="note anomaly-status" id="anomaly-status" aria-live="polite">Build a model (and train it) to see the scores.</p>
    <div class="anomaly-legend" aria-hidden="true">
      <span><i style="background:${COLORS.normal}"></i>normal test samples <b id="anomaly-n-normal"></b></span>
      <span><i style="background:${COLORS.anomalous}"></i>anomalies <b id="anomaly-n-anomalous"></b></span>
    </div>
    <canvas id="anomaly-hist" class="anomaly-hist" role="img" aria-label="histogram of reconstruction errors, normal test samples and anomalies"></canvas>
    <div class="anomaly-slider">
      <label for="anomaly-threshold">Threshold <output id="anomaly-threshold-value" for="anomaly-threshold">–</output></label>
      <button type="button" id="anomaly-default" disabled>Default</button>
      <input type="range" id="anomaly-threshold" min="0" max="${STEPS}" step="1" value="${STEPS}" disabled>
      <p class="note" id="anomaly-threshold-note">&nbsp;</p>
    </div>
    <div class="anomaly-results">
      <figure class="anomaly-roc-fig">
        <div id="anomaly-roc" class="anomaly-roc" role="img" aria-label="ROC curve: true-positive rate against false-positive rate"></div>
        <figcaption id="anomaly-roc-caption">ROC curve (anomalies are the positives)</figcaption>
      </figure>
      <table id="anomaly-confusion" class="anomaly-confusion">
        <caption>At this threshold</caption>
        <thead><tr><th></th><th scope="col">flagged</th><th scope="col">passed</th></tr></thead>
        <tbody>
          <tr><th scope="row">anomaly</th><td class="good">TP <b data-k="tp">–</b></td><td class="bad">FN <b data-k="fn">–</b></td></tr>
          <tr><th scope="row">normal</th><td class="bad">FP <b data-k="fp">–</b></td><td class="good">TN <b data-k="tn">–</b></td></tr>
        </tbody>
        <tfoot>
          <tr><th scope="row">precision</th><td colspan="2" data-k="precision">–</td></tr>
          <tr><th scope="row">recall</th><td colspan="2" data-k="recall">–</td></tr>
          <tr><th scope="row">false-pos. rate</th><td colspan="2" data-k="fpr">–</td></tr>
        </tfoot>
      </table>
    </div>`;
  const $ = <T extends HTMLElement>(id: string): T => root.querySelector<T>(`#${id}`)!;
  const status = $('anomaly-status');
  const histCanvas = $<HTMLCanvasElement>('anomaly-hist');
  const slider = $<HTMLInputElement>('anomaly-threshold');
  const valueOut = $<HTMLOutputElement>('anomaly-threshold-value');
  const thresholdNote = $('anomaly-threshold-note');
  const resetButton = $<HTMLButtonElement>('anomaly-default');
  const rocEl = $('anomaly-roc');
  const rocCaption = $('anomaly-roc-caption');
  const table = $<HTMLTableElement>('anomaly-confusion');
  const cell = (k: string): HTMLElement => table.querySelector<HTMLElement>(`[data-k="${k}"]`)!;

  let scores: Scores | null = null;
  let threshold = NaN;
  /** The user moved the slider: a refresh keeps their threshold (clamped) instead of the new default. */
  let userSet = false;
  /** The current confusion point, drawn on the ROC curve. */
  let point: { fpr: number; tpr: number } | null = null;

  const rocSize = (): { width: number; height: number } => {
    const width = Math.max(160, Math.min(300, rocEl.clientWidth || 200));
    return { width, height: width };
  };
  const roc = new uPlot({
    ...rocSize(),
    scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
    axes: [{ label: 'false-positive rate', size: 40 }, { label: 'true-positive rate', size: 44 }],
    series: [
      {},
      { label: 'ROC', stroke: '#3b6fd4', width: 2, points: { show: false } },
      { label: 'chance', stroke: '#9aa3b2', width: 1, dash: [4, 4], points: { show: false } },
    ],
    legend: { show: false },
    cursor: { show: false },
    hooks: {
      draw: [(u) => {
        if (!point || Number.isNaN(point.fpr) || Number.isNaN(point.tpr)) return;
        const x = u.valToPos(point.fpr, 'x', true), y = u.valToPos(point.tpr, 'y', true);
        const c = u.ctx;
        c.save();
        c.beginPath();
        c.arc(x, y, 5 * uPlot.pxRatio, 0, 2 * Math.PI);
        c.fillStyle = '#1d2430';
        c.fill();
        c.lineWidth = 2 * uPlot.pxRatio;
        c.strokeStyle = '#fff';
        c.stroke();
        c.restore();
      }],
    },
  }, [[], [], []], rocEl);

  let frame = 0;
  /** Redraws what the threshold moves, once per frame however fast the slider moves. */
  const redraw = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      drawHistogram(histCanvas, scores?.hist ?? null, scores?.axis ?? null, threshold);
      roc.redraw(false, false);
    });
  };

  const showConfusion = (): void => {
    if (!scores) return;
    const { normal, anomalous } = scores.answer;
    const c = confusion(normal, anomalous, threshold);
    for (const k of ['tp', 'fp', 'tn', 'fn'] as const) {
      cell(k).textContent = c[k].toLocaleString('en-US');
      table.dataset[k] = String(c[k]);
    }
    for (const k of ['precision', 'recall', 'fpr'] as const) {
      cell(k).textContent = pct(c[k]);
      table.dataset[k] = String(c[k]);
    }
    point = { fpr: c.fpr, tpr: c.recall };
    rocEl.dataset.pointFpr = String(c.fpr);
    rocEl.dataset.pointTpr = String(c.recall);
    valueOut.textContent = formatScore(threshold);
    slider.dataset.threshold = String(threshold);
    slider.setAttribute('aria-valuetext', `${formatScore(threshold)}: flags ${c.tp + c.fp} samples`);
    const p = normal.length ? percentileOf(scores.sortedNormal, threshold) : NaN;
    const isDefault = threshold === scores.answer.threshold;
    thresholdNote.textContent = `${isDefault ? 'The default. ' : ''}Above ${pct(p)} of the normal test scores; ` +
      `flags ${(c.tp + c.fp).toLocaleString('en-US')} of ${(normal.length + anomalous.length).toLocaleString('en-US')} samples.`;
    resetButton.disabled = isDefault;
    redraw();
  };

  /** Moves the threshold (and the slider to the nearest position: the threshold itself stays exact). */
  const setThreshold = (t: number): void => {
    if (!scores) return;
    const { axis } = scores;
    threshold = Math.max(axis.lo, Math.min(axis.hi, t));
    slider.value = String(Math.round(axisPos(axis, threshold) * STEPS));
    showConfusion();
  };

  slider.addEventListener('input', () => {
    if (!scores) return;
    userSet = true;
    threshold = axisValue(scores.axis, Number(slider.value) / STEPS);
    showConfusion();
  });
  resetButton.addEventListener('click', () => {
    if (!scores) return;
    userSet = false;
    setThreshold(scores.answer.threshold);
  });

  const show = (answer: AnomalyAnswer): void => {
    const { normal, anomalous } = answer;
    if (normal.length === 0) {
      status.textContent = 'There are no test samples to score.';
      return;
    }
    const hist = histogram(normal, anomalous, BINS);
    // The slider spans both groups and the default threshold (a training score, possibly outside the test range).
    const lo = Math.min(hist.edges[0], answer.threshold), hi = Math.max(hist.edges[BINS], answer.threshold);
    const axis: ScoreAxis = { lo, hi, log: hist.scale === 'log' && lo > 0 };
    const rocs = anomalous.length ? rocPoints(normal, anomalous, { maxPoints: ROC_POINTS }) : null;
    scores = { answer, hist, axis, roc: rocs, sortedNormal: sortedCopy(normal, 'normal scores') };
    root.dataset.state = 'ready';
    histCanvas.dataset.scale = hist.scale;
    histCanvas.dataset.normalCount = String(normal.length);
    histCanvas.dataset.anomalousCount = String(anomalous.length);
    $('anomaly-n-normal').textContent = `(${normal.length.toLocaleString('en-US')})`;
    $('anomaly-n-anomalous').textContent = `(${anomalous.length.toLocaleString('en-US')})`;
    status.textContent = `Anomalies: ${answer.anomalies}. Normal: the data's own test samples.` +
      `${anomalous.length ? '' : ' (None could be made for this data: no ROC curve.)'}`;
    slider.dataset.defaultThreshold = String(answer.threshold);
    slider.dataset.scale = axis.log ? 'log' : 'linear';
    slider.disabled = false;
    if (rocs) {
      roc.setData([rocs.fpr, rocs.tpr, rocs.fpr]);
      rocCaption.textContent = `ROC curve (anomalies are the positives): AUC ${rocs.auc.toFixed(3)}. The dot is the current threshold.`;
      rocEl.dataset.auc = String(rocs.auc);
    } else {
      roc.setData([[], [], []]);
      rocCaption.textContent = 'ROC curve: needs anomalies.';
      delete rocEl.dataset.auc;
    }
    setThreshold(userSet && !Number.isNaN(threshold) ? threshold : answer.threshold);
  };

  const clear = (text: string): void => {
    scores = null;
    threshold = NaN;
    userSet = false;
    point = null;
    root.dataset.state = 'empty';
    status.textContent = text;
    slider.disabled = true;
    resetButton.disabled = true;
    valueOut.textContent = '–';
    thresholdNote.innerHTML = '&nbsp;';
    for (const k of ['tp', 'fp', 'tn', 'fn', 'precision', 'recall', 'fpr']) {
      cell(k).textContent = '–';
      delete table.dataset[k];
    }
    for (const k of ['auc', 'pointFpr', 'pointTpr']) delete rocEl.dataset[k];
    rocCaption.textContent = 'ROC curve (anomalies are the positives)';
    roc.setData([[], [], []]);
    redraw();
  };

  // Asking: only while the panel is on screen, one question at a time, spaced out while the model changes.
  let visible = false;
  let stale = false;
  let asking = false;
  let lastDone = -Infinity;
  let lastCost = 0;
  let timer = 0;
  /** Bumped when the data changes, so an answer about the old data is dropped. */
  let generation = 0;

  const ask = async (): Promise<void> => {
    timer = 0;
    if (!visible || asking || !stale) return;
    stale = false;
    asking = true;
    const gen = generation;
    const started = performance.now();
    if (!scores) {
      root.dataset.state = 'loading';
      status.textContent = 'Scoring the test samples and the anomalies…';
    }
    try {
      const answer = await ctx.client.ask<AnomalyAnswer>({ q: 'anomaly' });
      if (gen === generation) show(answer);
    } catch (e) {
      const message = (e as Error).message;
      if (gen === generation) {
        if (/no model/.test(message)) clear('Build a model (and train it) to see the scores.');
        else {
          root.dataset.state = 'error';
          status.textContent = `Could not score: ${message}`;
          ctx.say(`anomaly panel: ${message}`, true);
        }
      }
    } finally {
      asking = false;
      lastDone = performance.now();
      lastCost = lastDone - started;
      schedule();
    }
  };

  const schedule = (): void => {
    if (!visible || asking || !stale || timer) return;
    const wait = Math.max(0, lastDone + Math.max(MIN_GAP_MS, 3 * lastCost) - performance.now());
    timer = window.setTimeout(() => void ask(), wait);
  };

  ctx.onModelChange(() => {
    stale = true;
    schedule();
  });
  ctx.onData(() => {
    generation++;
    stale = false;
    clear('Build a model (and train it) to see the scores.');
  });
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible) schedule();
  }).observe(root);
  // The ROC chart follows its box's width (square); the histogram is redrawn at its canvas's new size.
  const resized = new ResizeObserver(() => {
    const size = rocSize();
    if (size.width !== roc.width) roc.setSize(size);
    redraw();
  });
  resized.observe(rocEl);
  resized.observe(histCanvas);

  clear('Build a model (and train it) to see the scores.');
  // Already built before this panel mounted (not the case on load, but cheap to handle).
  if (ctx.client.model) stale = true;
}
