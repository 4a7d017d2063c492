/**
 * Denoising: a test image with Gaussian noise added (std from the slider, clipped to [0, 1]) goes through the
 * autoencoder; the panel shows the noisy input, the output and the clean image, with the PSNR of each against
 * the clean one. Any autoencoder removes some noise (its code cannot hold it); the denoising preset, trained on
 * noisy inputs, removes more.
 */
import '../styles/draw.css';
import type { PanelContext } from '../client.js';
import type { DataSummary, DenoiseAnswer } from '../protocol.js';
import { drawSample, pictureSize } from '../ui/images.js';

/** The pictures' longer side on screen, about (whole screen pixels per image pixel). */
const SIDE = 140;
/** Slider moves are asked for at most this often (ms). */
const DEBOUNCE_MS = 120;

export function mountDenoise(root: HTMLElement, ctx: PanelContext): void {
  const figure = (id: string, caption: string): string =>
    `<figure><canvas id="${id}" width="${SIDE}" height="${SIDE}" role="img" aria-label="${caption}"></canvas><figcaption>${caption}</figcaption></figure>`;
  root.innerHTML = `
    <h2>Denoising</h2>
    <p class="note" id="denoise-fit">Loading data…</p>
    <div id="denoise-body" hidden>
      <div class="denoise-controls">
        <label>noise std <input id="denoise-noise" type="range" min="0" max="1" step="0.05" value="0.5"><output id="denoise-noise-value" for="denoise-noise">0.50</output></label>
        <button type="button" id="denoise-next">Next image</button>
      </div>
      <div class="denoise-results">
        ${figure('denoise-noisy', 'noisy input')}
        ${figure('denoise-output', 'denoised output')}
        ${figure('denoise-clean', 'clean image')}
      </div>
      <p class="stats" id="denoise-psnr" aria-live="polite"></p>
    </div>`;
  const $ = <T extends HTMLElement>(id: string): T => root.querySelector<T>(`#${id}`)!;
  const fit = $('denoise-fit');
  const body = $('denoise-body');
  const slider = $<HTMLInputElement>('denoise-noise');
  const sliderValue = $('denoise-noise-value');
  const psnr = $('denoise-psnr');
  const cleanCaption = root.querySelector('#denoise-clean + figcaption')!;
  const canvases = { noisy: $<HTMLCanvasElement>('denoise-noisy'), output: $<HTMLCanvasElement>('denoise-output'), clean: $<HTMLCanvasElement>('denoise-clean') };

  let shape: number[] = [];
  let scale = 1;
  let usable = false;
  let visible = false;
  let stale = true;
  let index = 0;
  let dirty = false;
  let inFlight = false;
  let timer = 0;
  let generation = 0;

  /** Asks again (debounced), or later when the panel is off screen. */
  function request(delay = DEBOUNCE_MS): void {
    if (!usable) return;
    if (!visible) {
      stale = true;
      return;
    }
    dirty = true;
    clearTimeout(timer);
    timer = window.setTimeout(() => void pump(), delay);
  }

  // One question at a time: a slider moved while the worker answered is asked for when it answers.
  async function pump(): Promise<void> {
    if (!dirty || inFlight || !usable) return;
    if (!ctx.client.model) {
      psnr.textContent = 'No model yet: build one in the controls.';
      return;
    }
    dirty = false;
    inFlight = true;
    const gen = generation;
    const noise = Number(slider.value);
    try {
      // The seed follows the image, so moving the slider scales the same noise pattern rather than redrawing it.
      const a = await ctx.client.ask<DenoiseAnswer>({ q: 'denoise', index, noise, seed: 1 + index });
      if (gen === generation) show(a, noise);
    } catch (e) {
      if (gen === generation) psnr.textContent = `Could not denoise: ${(e as Error).message}`;
    } finally {
      inFlight = false;
      if (dirty) void pump();
    }
  }

  function show(a: DenoiseAnswer, noise: number): void {
    for (const [key, values] of [['noisy', a.noisy], ['output', a.output], ['clean', a.clean]] as const) {
      const g = canvases[key].getContext('2d')!;
      g.clearRect(0, 0, canvases[key].width, canvases[key].height);
      drawSample(g, values, shape, 0, 0, scale);
    }
    psnr.dataset.noisy = String(a.psnrNoisy);
    psnr.dataset.output = String(a.psnrOutput);
    const d = ctx.client.data;
    const label = d?.testLabels[index] ?? -1;
    cleanCaption.textContent = `clean: test image #${index}${label >= 0 ? ` (${d?.classNames?.[label] ?? label})` : ''}`;
    const gain = a.psnrOutput - a.psnrNoisy;
    psnr.textContent = `PSNR against the clean image: noisy ${db(a.psnrNoisy)} → denoised ${db(a.psnrOutput)}` +
      (Number.isFinite(gain) ? ` (${gain >= 0 ? '+' : ''}${gain.toFixed(1)} dB)` : '') + ` at noise std ${noise.toFixed(2)}`;
  }

  slider.addEventListener('input', () => {
    sliderValue.textContent = Number(slider.value).toFixed(2);
    request();
  });
  $('denoise-next').addEventListener('click', () => {
    const n = ctx.client.data?.testCount ?? 0;
    if (n === 0) return;
    index = (index + 1) % n;
    request(0);
  });

  const onData = (d: DataSummary): void => {
    generation++;
    index = 0;
    usable = d.kind === 'images' && d.testCount > 0;
    body.hidden = !usable;
    if (!usable) {
      fit.textContent = d.kind === 'images' ? 'Denoising needs test images; the loaded data has none.' : `Denoising needs image data; the loaded data is a table of ${d.sampleShape[0]} features.`;
      return;
    }
    fit.textContent = 'Gaussian noise on a test image, clipped to [0, 1], then the autoencoder’s output. Try the denoising preset.';
    shape = d.sampleShape;
    const { width, height } = pictureSize(shape);
    scale = Math.max(1, Math.floor(SIDE / Math.max(width, height)));
    // Sized once per data set, before any answer: the layout does not move when pictures arrive.
    for (const c of Object.values(canvases)) {
      c.width = width * scale;
      c.height = height * scale;
    }
    delete psnr.dataset.noisy;
    delete psnr.dataset.output;
    psnr.textContent = '';
    request(0);
  };
  ctx.onData(onData);
  if (ctx.client.data) onData(ctx.client.data);

  ctx.onModelChange(() => request(0));
  new IntersectionObserver(([e]) => {
    visible = e.isIntersecting;
    if (visible && stale) {
      stale = false;
      request(0);
    }
  }).observe(root);
}

/** PSNR in dB; infinite when the two images are equal (no noise). */
function db(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(1)} dB` : '∞ dB';
}
