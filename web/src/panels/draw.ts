/**
 * Draw and detect: the user draws a digit, the page frames it the way MNIST framed its digits
 * (draw-preprocess.ts), and the worker scores it: the reconstruction, the squared error per pixel and the mean
 * of those, the anomaly score, next to the threshold (99th percentile of the training scores) and the test
 * set's scores. A drawing the model reconstructs as well as its training digits looks normal to it.
 */
import '../styles/draw.css';
import type { PanelContext } from '../client.js';
import { MNIST_SIDE, preprocessDrawing } from '../draw-preprocess.js';
import type { DataSummary, ScoreAnswer } from '../protocol.js';
import { attachBrush } from '../ui/brush.js';
import { drawSample, heat } from '../ui/images.js';

const CANVAS = 280;
/** MNIST's strokes are about 2 to 3 px wide in the 20 px box of a 28 px digit; a digit drawn across most of
 *  the 280 px canvas (~200 px) with a 22 px brush comes out the same after scaling to 20 px. */
const BRUSH = 22;
/** Screen pixels per pixel of the 28 x 28 pictures. */
const SCALE = 4;
/** Scores while drawing at most this often (ms): about 5 a second. */
const LIVE_MS = 200;
/** The error map's colour scale: a squared error of 0.25 (a pixel off by half the range) is white. */
const ERROR_MAX = 0.25;
const SHAPE = [MNIST_SIDE, MNIST_SIDE, 1] as const;
const HINT = 'Draw a digit with the mouse, a finger or a pen; the score updates as you draw.';

export function mountDraw(root: HTMLElement, ctx: PanelContext): void {
  const small = (id: string, caption: string): string =>
    `<figure><canvas id="${id}" width="${MNIST_SIDE * SCALE}" height="${MNIST_SIDE * SCALE}" role="img" aria-label="${caption}"></canvas><figcaption>${caption}</figcaption></figure>`;
  root.innerHTML = `
    <h2>Draw and detect</h2>
    <p class="note" id="draw-fit">Loading data…</p>
    <div class="draw-body" id="draw-body" hidden>
      <div class="draw-pad">
        <canvas id="draw-canvas" width="${CANVAS}" height="${CANVAS}" aria-label="drawing area: draw a digit with the mouse, a finger or a pen"></canvas>
        <div class="buttons">
          <button type="button" id="draw-clear">Clear</button>
          <button type="button" id="draw-example">Draw a sample digit</button>
        </div>
      </div>
      <div class="draw-results">
        ${small('draw-input', 'as the model sees it (28×28)')}
        ${small('draw-output', 'its reconstruction')}
        ${small('draw-error', `squared error (white ≥ ${ERROR_MAX})`)}
      </div>
      <p class="draw-score" id="draw-score" aria-live="polite">Draw a digit: it is framed like MNIST's digits (20 px box, centred by its centre of mass), then reconstructed and scored.</p>
    </div>`;
  const $ = <T extends HTMLElement>(id: string): T => root.querySelector<T>(`#${id}`)!;
  const fit = $('draw-fit');
  const body = $('draw-body');
  const scoreLine = $('draw-score');
  const pictures = { input: $<HTMLCanvasElement>('draw-input'), output: $<HTMLCanvasElement>('draw-output'), error: $<HTMLCanvasElement>('draw-error') };

  let usable = false;
  let visible = false;
  /** The drawing changed (or the model did) since the last score was asked for. */
  let dirty = false;
  let inFlight = false;
  let lastAsk = 0;
  let timer = 0;
  /** Bumped by Clear and new data: answers to older drawings are dropped. */
  let generation = 0;
  let example = 0;

  const brush = attachBrush($<HTMLCanvasElement>('draw-canvas'), { width: BRUSH, onStroke: (phase) => request(phase === 'end') });

  const blank = (): void => {
    for (const c of Object.values(pictures)) {
      const g = c.getContext('2d')!;
      g.fillStyle = '#000';
      g.fillRect(0, 0, c.width, c.height);
    }
  };
  blank();

  /** Asks for a score now when `now` (a stroke ended) or when none was asked for in the last LIVE_MS. */
  function request(now: boolean): void {
    dirty = true;
    clearTimeout(timer);
    const wait = now ? 0 : Math.max(0, LIVE_MS - (performance.now() - lastAsk));
    if (wait === 0) void pump();
    else timer = window.setTimeout(() => void pump(), wait);
  }

  // One question at a time: a drawing that changed while the worker answered is asked for when it answers.
  async function pump(): Promise<void> {
    if (!dirty || inFlight || !usable) return;
    dirty = false;
    const sample = preprocessDrawing(brush.ink());
    if (!sample) return showEmpty();
    if (!ctx.client.model) {
      scoreLine.textContent = 'No model yet: build one in the controls to score the drawing.';
      return;
    }
    drawSample(pictures.input.getContext('2d')!, sample, SHAPE, 0, 0, SCALE);
    inFlight = true;
    lastAsk = performance.now();
    const gen = generation;
    try {
      const a = await ctx.client.ask<ScoreAnswer>({ q: 'score', sample });
      if (gen === generation) show(a);
    } catch (e) {
      if (gen === generation) scoreLine.textContent = `Could not score the drawing: ${(e as Error).message}`;
    } finally {
      inFlight = false;
      if (dirty) request(false);
    }
  }

  function show(a: ScoreAnswer): void {
    drawSample(pictures.output.getContext('2d')!, a.output, SHAPE, 0, 0, SCALE);
    drawSample(pictures.error.getContext('2d')!, a.errorMap, SHAPE, 0, 0, SCALE, heat(ERROR_MAX));
    const above = a.score > a.threshold;
    const pct = (100 * a.percentile).toFixed(1);
    scoreLine.dataset.score = String(a.score);
    scoreLine.dataset.threshold = String(a.threshold);
    scoreLine.dataset.percentile = String(a.percentile);
    scoreLine.classList.toggle('above', above);
    scoreLine.classList.toggle('below', !above);
    scoreLine.innerHTML = '';
    const verdict = document.createElement('strong');
    verdict.textContent = above ? 'unusual for this model' : 'looks like its training data';
    scoreLine.append(
      verdict,
      ` · score ${num(a.score)} · ${above ? 'above' : 'below'} the threshold ${num(a.threshold)} (99th percentile of training) · higher than ${pct}% of test ${testNoun()}`,
    );
  }

  // "digits" for MNIST, "images" for anything else of the same shape (Fashion-MNIST, the user's own).
  function testNoun(): string {
    return ctx.client.data?.title.startsWith('MNIST') ? 'digits' : 'images';
  }

  function showEmpty(): void {
    blank();
    for (const k of ['score', 'threshold', 'percentile']) delete scoreLine.dataset[k];
    scoreLine.classList.remove('above', 'below');
    scoreLine.textContent = 'Nothing drawn yet: draw a digit, or press "Draw a sample digit".';
  }

  $('draw-clear').addEventListener('click', () => {
    brush.clear();
    generation++;
    dirty = false;
    clearTimeout(timer);
    fit.textContent = HINT;
    showEmpty();
  });

  // The keyboard's way to score something: a test image, scaled up onto the canvas (it can be drawn over).
  $('draw-example').addEventListener('click', () => {
    const d = ctx.client.data;
    if (!d || !usable || d.testCount === 0) return;
    const n = d.testImages.length / (MNIST_SIDE * MNIST_SIDE);
    const i = example++ % n;
    brush.put(d.testImages.subarray(i * MNIST_SIDE * MNIST_SIDE, (i + 1) * MNIST_SIDE * MNIST_SIDE), MNIST_SIDE, MNIST_SIDE);
    const label = d.testLabels[i];
    fit.textContent = `Test image #${i}${label >= 0 ? ` (${d.classNames?.[label] ?? label})` : ''} on the canvas: draw over it or clear it.`;
    request(true);
  });

  const onData = (d: DataSummary): void => {
    const s = d.sampleShape;
    usable = d.kind === 'images' && s[0] === MNIST_SIDE && s[1] === MNIST_SIDE && s[2] === 1;
    body.hidden = !usable;
    generation++;
    example = 0;
    fit.textContent = usable
      ? HINT
      : `Drawing needs 28×28 grey images (MNIST-like); the loaded data is ${d.kind === 'images' ? `${s.join('×')} images` : `a table of ${s[0]} features`}.`;
    brush.clear();
    showEmpty();
  };
  ctx.onData(onData);
  if (ctx.client.data) onData(ctx.client.data);

  // New weights change the score of the same drawing: score it again, once the panel is on screen.
  let stale = false;
  ctx.onModelChange(() => {
    if (brush.empty || !usable) return;
    if (visible) request(true);
    else stale = true;
  });
  new IntersectionObserver(([e]) => {
    visible = e.isIntersecting;
    if (visible && stale) {
      stale = false;
      request(true);
    }
  }).observe(root);
}

/** Scores are mean squared errors, often a few thousandths: four decimals, or scientific when smaller. */
function num(v: number): string {
  return v >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}
