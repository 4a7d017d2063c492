/**
 * The latent explorer: the test codes as a 2-D scatter coloured by label (the code itself when it is 2-D, else
 * its first two principal components), with the sample under the pointer previewed; a click (or Enter on the
 * keyboard cursor) decodes that point of the plane; two picked samples give a walk along the straight line
 * between their codes; the VAE adds its decoded manifold grid, and codes of 8 dimensions or fewer a slider per
 * dimension. Everything is recomputed in the worker after the weights change, but only while the panel is on
 * screen: off screen it is marked stale and refreshed when scrolled back into view.
 */
import '../styles/latent.css';
import { normInv } from '../../../src/models/vae.js';
import type { PanelContext } from '../client.js';
import type { CodesAnswer, DataSummary, ModelSummary } from '../protocol.js';
import { drawGrid, drawSample, pictureSize } from '../ui/images.js';
import { Latest } from './latent-latest.js';
import { colourOf, PlaneView, type Point } from './latent-plane.js';
import { CodeSliders } from './latent-sliders.js';

const WALK_STEPS = 10;
const MANIFOLD_SIDE = 12;
/** The manifold grid's codes run over these probabilities of N(0, 1) (manifoldCodes' defaults). */
const MANIFOLD_P = [0.05, 0.95];

export function mountLatent(root: HTMLElement, ctx: PanelContext): void {
  root.innerHTML = `
    <h2>Latent explorer</h2>
    <p class="note" id="latent-status" role="status">Load data and build a model to see its codes.</p>
    <div class="latent-views">
      <div class="latent-plane-wrap">
        <canvas id="latent-plane" tabindex="0" role="application" aria-roledescription="latent plane"
          aria-label="latent plane of the test codes" aria-describedby="latent-help"></canvas>
        <div id="latent-hover" class="latent-hover" hidden aria-hidden="true"><canvas></canvas><span></span></div>
      </div>
      <figure class="latent-manifold-box" id="latent-manifold-box" hidden>
        <canvas id="latent-manifold" role="img" aria-label="decoded VAE manifold grid"></canvas>
        <figcaption>VAE manifold: z1 left→right, z2 bottom→top, at the 5–95% quantiles of N(0, 1) (dashed square in the plane)</figcaption>
      </figure>
    </div>
    <ul class="latent-legend" id="latent-legend" aria-label="classes (toggle to hide)"></ul>
    <p class="note" id="latent-help">Click the plane to decode that point (on the focused plane: arrow keys move, Enter decodes).<br>
      Walk: press Pick A and click a dot, then click a second dot for B (or Shift-click two dots; Shift+Enter picks the dot nearest the cursor).</p>
    <div class="buttons">
      <button type="button" id="latent-pick-a" aria-pressed="false">Pick A</button>
      <button type="button" id="latent-pick-b" aria-pressed="false">Pick B</button>
    </div>
    <div class="latent-outputs">
      <figure>
        <canvas id="latent-decoded" role="img" aria-label="decoded point"></canvas>
        <figcaption id="latent-decoded-cap">Decoded point: click the plane.</figcaption>
      </figure>
      <figure class="latent-sliders-box" id="latent-sliders-box" hidden>
        <div id="latent-sliders" class="latent-sliders"></div>
        <canvas id="latent-sliders-out" role="img" aria-label="decoding of the slider code"></canvas>
        <figcaption>The code set by the sliders, decoded.</figcaption>
      </figure>
    </div>
    <h3>Walk from A to B</h3>
    <div class="latent-walk-wrap"><canvas id="latent-walk" role="img" aria-label="decodings along the line from A to B"></canvas></div>
    <p class="note" id="latent-walk-cap">Pick two samples to decode ${WALK_STEPS} evenly spaced codes on the line between them.</p>`;
  const $ = <T extends HTMLElement>(id: string): T => root.querySelector<T>(`#${id}`)!;
  const status = $('latent-status'), legend = $('latent-legend');
  const planeCanvas = $<HTMLCanvasElement>('latent-plane');
  const hover = $('latent-hover'), hoverCanvas = hover.querySelector('canvas')!, hoverText = hover.querySelector('span')!;
  const manifoldBox = $('latent-manifold-box'), manifold = $<HTMLCanvasElement>('latent-manifold');
  const decoded = $<HTMLCanvasElement>('latent-decoded'), decodedCap = $('latent-decoded-cap');
  const walk = $<HTMLCanvasElement>('latent-walk'), walkCap = $('latent-walk-cap');
  const pickButtons = { A: $<HTMLButtonElement>('latent-pick-a'), B: $<HTMLButtonElement>('latent-pick-b') };
  const plane = new PlaneView(planeCanvas);

  let shape: number[] = [28, 28, 1];
  let size = 784;
  let names: string[] | null = null;
  let codes: CodesAnswer | null = null;
  let decodedAt: Point | null = null;
  let pickMode: 'A' | 'B' | null = null;
  let lastError = '';

  const report = (e: Error): void => {
    // While training, a failing query would fail again every refresh: say each distinct message once.
    if (e.message === lastError || e.message === 'no model yet') return;
    lastError = e.message;
    ctx.say(`latent explorer: ${e.message}`, true);
  };
  const sample = (i: number): Float32Array | null => {
    const images = ctx.client.data?.testImages;
    return images && (i + 1) * size <= images.length ? images.subarray(i * size, (i + 1) * size) : null;
  };
  const nameOf = (label: number): string => (label < 0 ? 'unlabelled' : names?.[label] ?? String(label));
  /** Screen pixels per sample pixel so a picture fits `box` CSS pixels. */
  const scaleFor = (box: number): number => {
    const { width, height } = pictureSize(shape);
    return Math.max(1, Math.floor(box / Math.max(width, height)));
  };
  const sizeCanvas = (c: HTMLCanvasElement, scale: number, count = 1, cols = 1, gap = 0): void => {
    const { width, height } = pictureSize(shape);
    c.width = cols * (width * scale + gap) - gap;
    c.height = Math.ceil(count / cols) * (height * scale + gap) - gap;
    c.getContext('2d')!.clearRect(0, 0, c.width, c.height);
  };
  const drawOne = (c: HTMLCanvasElement, values: Float32Array): void => {
    const g = c.getContext('2d')!;
    g.clearRect(0, 0, c.width, c.height);
    drawSample(g, values, shape, 0, 0, c.width / pictureSize(shape).width);
  };

  // Canvas sizes follow the data's sample shape and are set before any answer, so answers never move the layout.
  const setData = (d: DataSummary): void => {
    shape = d.sampleShape;
    size = shape.reduce((a, b) => a * b, 1);
    names = d.classNames;
    codes = null;
    decodedAt = plane.cursor = null;
    plane.a = plane.b = -1;
    plane.setPoints(new Float32Array(0), new Int32Array(0));
    for (const c of [decoded, sliders.out]) sizeCanvas(c, scaleFor(112));
    sizeCanvas(hoverCanvas, scaleFor(84));
    sizeCanvas(walk, scaleFor(56), WALK_STEPS, WALK_STEPS, 2);
    sizeCanvas(manifold, 1, MANIFOLD_SIDE * MANIFOLD_SIDE, MANIFOLD_SIDE);
    decodedCap.textContent = 'Decoded point: click the plane.';
    walkCap.textContent = `Pick two samples to decode ${WALK_STEPS} evenly spaced codes on the line between them.`;
    delete walk.dataset.a;
    delete walk.dataset.b;
    delete planeCanvas.dataset.a;
    delete planeCanvas.dataset.b;
    legend.replaceChildren();
    delete legend.dataset.classes;
    plane.hidden.clear();
    hideHover();
  };

  // ---- the decodings ----
  const decodePoint = new Latest<Point>(async (p) => {
    const img = await ctx.client.ask<Float32Array>({ q: 'decodePoint', x: p.x, y: p.y });
    drawOne(decoded, img);
    decoded.dataset.x = String(p.x);
    decoded.dataset.y = String(p.y);
    decodedCap.textContent = `Decoded at (${p.x.toFixed(2)}, ${p.y.toFixed(2)})${codes?.projection === 'pca' ? ', the other components at the mean' : ''}.`;
  }, report);
  const sliders = new CodeSliders($('latent-sliders-box'), $('latent-sliders'), $<HTMLCanvasElement>('latent-sliders-out'), async (code) => {
    const img = await ctx.client.ask<Float32Array>({ q: 'decodeCode', code });
    drawOne(sliders.out, img);
  }, (code) => {
    // A 2-D code is the plane itself: the sliders move the plane's cursor.
    if (codes?.projection === 'code') { plane.cursor = { x: code[0], y: code[1] }; plane.draw(); }
  }, report);

  const decodeAt = (p: Point): void => {
    decodedAt = p;
    plane.cursor = p;
    plane.draw();
    void decodePoint.ask(p);
    if (codes?.projection === 'code' && sliders.active) sliders.set([p.x, p.y]);
  };

  const walkBetween = async (): Promise<void> => {
    if (plane.a < 0 || plane.b < 0) return;
    const [a, b] = [plane.a, plane.b];
    const imgs = await ctx.client.ask<Float32Array>({ q: 'interpolate', a, b, steps: WALK_STEPS });
    drawGrid(walk, imgs, shape, WALK_STEPS, WALK_STEPS, scaleFor(56));
    walk.dataset.a = String(a);
    walk.dataset.b = String(b);
    walk.dataset.steps = String(WALK_STEPS);
    walkCap.textContent = `From A (${nameOf(plane.labels[a])}, test #${a}) to B (${nameOf(plane.labels[b])}, test #${b}): ${WALK_STEPS} codes evenly spaced on the straight line between theirs.`;
  };

  const drawManifold = async (): Promise<void> => {
    const imgs = await ctx.client.ask<Float32Array>({ q: 'manifold', side: MANIFOLD_SIDE });
    drawGrid(manifold, imgs, shape, MANIFOLD_SIDE * MANIFOLD_SIDE, MANIFOLD_SIDE, 1, 0);
    manifold.dataset.side = String(MANIFOLD_SIDE);
  };

  // ---- picking the walk's samples ----
  const setPickMode = (m: 'A' | 'B' | null): void => {
    pickMode = m;
    pickButtons.A.setAttribute('aria-pressed', String(m === 'A'));
    pickButtons.B.setAttribute('aria-pressed', String(m === 'B'));
  };
  const pick = (i: number, which: 'A' | 'B'): void => {
    if (i < 0) return void ctx.say('No sample there to pick: point at a dot.');
    if (which === 'A') plane.a = i; else plane.b = i;
    planeCanvas.dataset.a = String(plane.a);
    planeCanvas.dataset.b = String(plane.b);
    plane.draw();
    // Picking A leads on to B, so the usual order is Pick A, click, click.
    setPickMode(which === 'A' && plane.b < 0 ? 'B' : null);
    walkBetween().catch(report);
  };
  const nextPick = (): 'A' | 'B' => pickMode ?? (plane.a < 0 || plane.b >= 0 ? 'A' : 'B');
  for (const which of ['A', 'B'] as const) {
    pickButtons[which].addEventListener('click', () => setPickMode(pickMode === which ? null : which));
  }

  // ---- hover preview ----
  function hideHover(): void {
    hover.hidden = true;
  }
  const showHover = (i: number): void => {
    const values = sample(i);
    if (i < 0 || !values) return hideHover();
    drawOne(hoverCanvas, values);
    hoverText.textContent = `${nameOf(plane.labels[i])} · #${i}`;
    hover.dataset.index = String(i);
    hover.dataset.label = String(plane.labels[i]);
    hover.hidden = false;
    // Beside the point, flipped to the other side near the plane's right or bottom edge.
    const p = plane.toPixels({ x: plane.xy[2 * i], y: plane.xy[2 * i + 1] });
    const w = planeCanvas.clientWidth, h = planeCanvas.clientHeight;
    const bw = hover.offsetWidth, bh = hover.offsetHeight;
    hover.style.left = `${p.x + 12 + bw > w ? Math.max(0, p.x - 12 - bw) : p.x + 12}px`;
    hover.style.top = `${p.y + 12 + bh > h ? Math.max(0, p.y - 12 - bh) : p.y + 12}px`;
  };

  // ---- pointer and keyboard on the plane ----
  const local = (e: MouseEvent): Point => {
    const r = planeCanvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  planeCanvas.addEventListener('pointermove', (e) => {
    const p = local(e);
    showHover(plane.nearest(p.x, p.y, 10));
  });
  planeCanvas.addEventListener('pointerleave', hideHover);
  planeCanvas.addEventListener('click', (e) => {
    if (!codes) return;
    const p = local(e);
    if (e.shiftKey || pickMode) return pick(plane.nearest(p.x, p.y, 24), nextPick());
    decodeAt(plane.toPlane(p.x, p.y));
  });
  planeCanvas.addEventListener('focus', () => {
    if (!plane.cursor && codes) { plane.cursor = plane.centre(); plane.draw(); }
  });
  planeCanvas.addEventListener('blur', hideHover);
  planeCanvas.addEventListener('keydown', (e) => {
    if (!codes) return;
    const step = e.shiftKey ? 1 / 8 : 1 / 40, span = plane.span();
    const c = plane.cursor ?? plane.centre();
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const at = (): number => { const px = plane.toPixels(c); return plane.nearest(px.x, px.y); };
    if (e.key in moves) {
      const [dx, dy] = moves[e.key];
      plane.cursor = { x: c.x + dx * step * span.x, y: c.y + dy * step * span.y };
      planeCanvas.dataset.cursorX = String(plane.cursor.x);
      planeCanvas.dataset.cursorY = String(plane.cursor.y);
      plane.draw();
      const px = plane.toPixels(plane.cursor);
      showHover(plane.nearest(px.x, px.y, 16));
    } else if (e.key === 'Enter') {
      if (e.shiftKey || pickMode) pick(at(), nextPick());
      else decodeAt(c);
    } else if (e.key === 'Escape') {
      setPickMode(null);
      hideHover();
    } else return;
    e.preventDefault();
  });

  // ---- legend ----
  const buildLegend = (labels: Int32Array): void => {
    const counts = new Map<number, number>();
    for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const present = [...counts.keys()].sort((a, b) => a - b);
    if (legend.dataset.classes === present.join(',')) return;
    legend.dataset.classes = present.join(',');
    legend.replaceChildren();
    if (present.length === 1 && present[0] < 0) {
      const li = document.createElement('li');
      li.textContent = 'This data has no labels: every point has one colour.';
      legend.append(li);
      return;
    }
    for (const l of present) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('aria-pressed', String(!plane.hidden.has(l)));
      b.dataset.label = String(l);
      b.title = `show or hide ${nameOf(l)}`;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colourOf(l);
      b.append(swatch, nameOf(l));
      b.addEventListener('click', () => {
        if (plane.hidden.has(l)) plane.hidden.delete(l); else plane.hidden.add(l);
        b.setAttribute('aria-pressed', String(!plane.hidden.has(l)));
        plane.draw();
      });
      li.append(b);
      legend.append(li);
    }
  };

  // ---- refreshing after the weights change ----
  /** What the model decides about the layout (manifold, sliders), set at once so answers never move it. */
  const layoutFor = (model: ModelSummary): void => {
    manifoldBox.hidden = !model.variational;
    root.classList.toggle('latent-vae', model.variational);
    sliders.prepare(model.codeShape.reduce((a, b) => a * b, 1));
  };
  const refreshOnce = async (): Promise<void> => {
    const model = ctx.client.model, data = ctx.client.data;
    if (!model || !data) return;
    const answer = await ctx.client.ask<CodesAnswer>({ q: 'codes' });
    codes = answer;
    const n = answer.xy.length / 2;
    if (plane.a >= n || plane.b >= n) plane.a = plane.b = -1;
    const pca = answer.projection === 'pca';
    plane.axisNames = pca ? ['PC1', 'PC2'] : ['z1', 'z2'];
    const [lo, hi] = MANIFOLD_P.map(normInv);
    plane.region = model.variational && !pca ? { lo, hi } : null;
    plane.setPoints(answer.xy, answer.labels);
    hideHover();
    buildLegend(answer.labels);
    status.textContent = pca
      ? `${n} test codes, projected on their first two principal components (PCA of the ${answer.codeSize}-d code).`
      : `${n} test codes: the ${answer.codeSize}-d code itself is the plane.`;
    Object.assign(status.dataset, { projection: answer.projection, codeSize: String(answer.codeSize), points: String(n) });
    Object.assign(planeCanvas.dataset, { projection: answer.projection, points: String(n) });
    layoutFor(model);
    sliders.setRanges(answer.range);
    await Promise.all([
      decodedAt ? decodePoint.ask(decodedAt) : null,
      plane.a >= 0 && plane.b >= 0 ? walkBetween() : null,
      model.variational ? drawManifold() : null,
      sliders.refresh(),
    ]);
    root.dataset.refreshed = String(Number(root.dataset.refreshed ?? 0) + 1);
  };
  // One refresh at a time; changes during one are folded into a single follow-up.
  const refresh = new Latest<void>(refreshOnce, report);

  let visible = false;
  let stale = true;
  new IntersectionObserver((entries) => {
    visible = entries.some((e) => e.isIntersecting);
    if (visible && stale) { stale = false; void refresh.ask(); }
  }).observe(root);
  ctx.onModelChange(() => {
    if (ctx.client.model) layoutFor(ctx.client.model);
    if (visible) void refresh.ask();
    else stale = true;
  });
  ctx.onData((d) => {
    setData(d);
    stale = true;
  });
  if (ctx.client.data) setData(ctx.client.data);
}
