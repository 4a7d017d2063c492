/**
 * A canvas to draw on with a mouse, a finger or a pen: pointer events (one pointer at a time, so a palm or a
 * second finger does not draw), a thick round brush, white ink on a transparent canvas. The ink is read back as
 * the canvas's alpha channel, so what the page shows behind the canvas (CSS) never counts as ink.
 */
import type { GrayImage } from '../../../src/viz/resize.js';

export interface BrushOptions {
  /** Line width in canvas pixels. */
  width: number;
  /** While a stroke goes on (after each move) and when it ends. */
  onStroke(phase: 'move' | 'end'): void;
}

export interface Brush {
  clear(): void;
  /** Whether anything was drawn or put since the last clear. */
  readonly empty: boolean;
  /** The ink, one value per canvas pixel in [0, 1]. */
  ink(): GrayImage;
  /** Puts a grey image (ink high, [0, 1]) over the whole canvas, scaled smoothly, replacing the drawing. */
  put(values: ArrayLike<number>, width: number, height: number): void;
}

export function attachBrush(canvas: HTMLCanvasElement, opts: BrushOptions): Brush {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  let pointer: number | null = null;
  let last: { x: number; y: number } | null = null;
  let empty = true;

  const style = (): void => {
    ctx.strokeStyle = ctx.fillStyle = '#fff';
    ctx.lineWidth = opts.width;
    ctx.lineCap = ctx.lineJoin = 'round';
  };
  // The canvas may be shown smaller than its pixel size (narrow screens): map CSS pixels to canvas pixels.
  const at = (e: PointerEvent): { x: number; y: number } => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const segment = (p: { x: number; y: number }): void => {
    if (!last) return;
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  };
  const end = (e: PointerEvent): void => {
    if (e.pointerId !== pointer) return;
    pointer = null;
    last = null;
    opts.onStroke('end');
  };

  canvas.addEventListener('pointerdown', (e) => {
    if (pointer !== null || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    pointer = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    style();
    last = at(e);
    // A tap is a dot: the stroke of a zero-length line draws nothing.
    ctx.beginPath();
    ctx.arc(last.x, last.y, opts.width / 2, 0, 2 * Math.PI);
    ctx.fill();
    empty = false;
    opts.onStroke('move');
  });
  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerId !== pointer) return;
    // Coalesced events: the positions the browser merged into this one, so fast strokes stay smooth.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const c of events.length ? events : [e]) segment(at(c));
    opts.onStroke('move');
  });
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('lostpointercapture', end);

  return {
    get empty() {
      return empty;
    },
    clear() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      empty = true;
    },
    ink() {
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const data = new Float32Array(canvas.width * canvas.height);
      for (let i = 0; i < data.length; i++) data[i] = px[i * 4 + 3] / 255;
      return { width: canvas.width, height: canvas.height, data };
    },
    put(values, width, height) {
      const img = new ImageData(width, height);
      for (let i = 0; i < width * height; i++) {
        img.data.set([255, 255, 255, Math.round(255 * Math.max(0, Math.min(1, values[i])))], i * 4);
      }
      const tmp = new OffscreenCanvas(width, height);
      tmp.getContext('2d')!.putImageData(img, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
      empty = false;
    },
  };
}
