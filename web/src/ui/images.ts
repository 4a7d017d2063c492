/**
 * Samples drawn on canvases, for every panel. Images ([h, w, c], values in [0, 1]) are drawn pixel for pixel
 * and scaled up without smoothing; table rows ([features], standardized) as bars around zero, clipped at +-3,
 * so the same grids show any data the page can train on.
 */

/** A sample's picture size in samples' own pixels (tables: one bar column per feature, 24 high). */
export function pictureSize(shape: readonly number[]): { width: number; height: number } {
  return shape.length === 3 ? { width: shape[1], height: shape[0] } : { width: Math.max(8, Math.min(64, shape[0])), height: 24 };
}

/** Draws `values` (one sample) at (x, y) of ctx, `scale` screen pixels per sample pixel. */
export function drawSample(ctx: CanvasRenderingContext2D, values: ArrayLike<number>, shape: readonly number[], x: number, y: number, scale: number, colormap?: (v: number) => [number, number, number]): void {
  const { width, height } = pictureSize(shape);
  const img = ctx.createImageData(width, height);
  const px = img.data;
  if (shape.length === 3) {
    const c = shape[2];
    for (let i = 0; i < width * height; i++) {
      const rgb: [number, number, number] = c >= 3
        ? [values[i * c], values[i * c + 1], values[i * c + 2]].map(byte) as [number, number, number]
        : colormap ? colormap(values[i * c]) : [byte(values[i * c]), byte(values[i * c]), byte(values[i * c])];
      px.set([...rgb, 255], i * 4);
    }
  } else {
    px.fill(255);
    const f = shape[0];
    for (let col = 0; col < width; col++) {
      // Several features per column when there are more than 64: their mean.
      const lo = Math.floor((col * f) / width), hi = Math.max(lo + 1, Math.floor(((col + 1) * f) / width));
      let v = 0;
      for (let j = lo; j < hi; j++) v += values[j];
      v = Math.max(-3, Math.min(3, v / (hi - lo)));
      const mid = height / 2, top = Math.round(mid - (v / 3) * mid), bottom = Math.round(mid);
      for (let r = Math.min(top, bottom); r <= Math.max(top, bottom) && r < height; r++) px.set(v >= 0 ? [40, 90, 200, 255] : [200, 80, 40, 255], (r * width + col) * 4);
    }
  }
  const tmp = new OffscreenCanvas(width, height);
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, x, y, width * scale, height * scale);
}

function byte(v: number): number {
  return Math.round(255 * Math.max(0, Math.min(1, v)));
}

/** n samples packed one after another, drawn in rows of `cols` on `canvas` (which is resized to fit). */
export function drawGrid(canvas: HTMLCanvasElement, values: Float32Array, shape: readonly number[], n: number, cols: number, scale: number, gap = 2): void {
  const { width, height } = pictureSize(shape);
  const size = shape.reduce((a, b) => a * b, 1);
  const rows = Math.ceil(n / cols);
  canvas.width = cols * (width * scale + gap) - gap;
  canvas.height = Math.max(1, rows * (height * scale + gap) - gap);
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < n; i++) {
    drawSample(ctx, values.subarray(i * size, (i + 1) * size), shape, (i % cols) * (width * scale + gap), Math.floor(i / cols) * (height * scale + gap), scale);
  }
}

/** A canvas with one sample on it. */
export function sampleCanvas(values: ArrayLike<number>, shape: readonly number[], scale: number, colormap?: (v: number) => [number, number, number]): HTMLCanvasElement {
  const { width, height } = pictureSize(shape);
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  drawSample(canvas.getContext('2d')!, values, shape, 0, 0, scale, colormap);
  return canvas;
}

/** Black -> red -> yellow -> white for values in [0, max]: error maps. */
export function heat(max: number): (v: number) => [number, number, number] {
  return (v) => {
    const t = Math.max(0, Math.min(1, v / (max || 1)));
    return [byte(t * 3), byte(t * 3 - 1), byte(t * 3 - 2)];
  };
}

/**
 * Sizes a canvas's backing store to its CSS size times the device pixel ratio (sharp lines on high-density
 * screens) and returns a 2-D context that draws in CSS pixels, cleared.
 */
export function hidpiContext(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  return g;
}
