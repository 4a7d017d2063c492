/**
 * The latent plane's canvas: the test codes as coloured points, the keyboard/click cursor, the walk's two
 * samples and the line between them, and (VAE) the square the manifold grid covers. It maps between plane
 * coordinates (the codes' own units) and CSS pixels, and finds the sample nearest a pixel by a plain scan
 * (2000 points: well under a millisecond, so hit-testing on every pointer move is fine).
 */
import { hidpiContext } from '../ui/images.js';

/** Tableau 10: ten colours that stay apart for the common kinds of colour blindness. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#79706e'];
const UNLABELLED = '#6b7a99';

export function colourOf(label: number): string {
  return label < 0 ? UNLABELLED : PALETTE[label % PALETTE.length];
}

export interface Point { x: number; y: number }

export class PlaneView {
  xy: Float32Array = new Float32Array(0);
  labels: Int32Array = new Int32Array(0);
  /** Plane coordinates shown: the codes' bounding box with a margin. */
  private x0 = -1; private x1 = 1; private y0 = -1; private y1 = 1;
  cursor: Point | null = null;
  a = -1;
  b = -1;
  /** Labels whose points are hidden (legend toggles); hidden points are not drawn nor hit. */
  readonly hidden = new Set<number>();
  /** A square of the plane to outline (the VAE manifold's extent), or null. */
  region: { lo: number; hi: number } | null = null;
  axisNames: [string, string] = ['x', 'y'];
  private frame = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    // The canvas keeps its CSS box (square, reserved by the stylesheet); only its pixel buffer follows it.
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  get count(): number {
    return this.xy.length / 2;
  }

  setPoints(xy: Float32Array, labels: Int32Array): void {
    this.xy = xy;
    this.labels = labels;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < xy.length; i += 2) {
      const x = xy[i], y = xy[i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < x0) x0 = x; if (x > x1) x1 = x;
      if (y < y0) y0 = y; if (y > y1) y1 = y;
    }
    if (!(x1 >= x0)) { x0 = -1; x1 = 1; y0 = -1; y1 = 1; }
    // A collapsed axis (an untrained ReLU code can be all zeros) still gets a visible span.
    const mx = Math.max((x1 - x0) * 0.06, 1e-3), my = Math.max((y1 - y0) * 0.06, 1e-3);
    this.x0 = x0 - mx; this.x1 = x1 + mx; this.y0 = y0 - my; this.y1 = y1 + my;
    this.draw();
  }

  /** The plane's span along x and y (the keyboard cursor moves in fractions of it). */
  span(): Point {
    return { x: this.x1 - this.x0, y: this.y1 - this.y0 };
  }

  centre(): Point {
    return { x: (this.x0 + this.x1) / 2, y: (this.y0 + this.y1) / 2 };
  }

  /** CSS pixels (from the canvas's top left) to plane coordinates; y grows upwards in the plane. */
  toPlane(px: number, py: number): Point {
    const w = this.canvas.clientWidth || 1, h = this.canvas.clientHeight || 1;
    return { x: this.x0 + (px / w) * (this.x1 - this.x0), y: this.y1 - (py / h) * (this.y1 - this.y0) };
  }

  toPixels(p: Point): Point {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    return { x: ((p.x - this.x0) / (this.x1 - this.x0)) * w, y: ((this.y1 - p.y) / (this.y1 - this.y0)) * h };
  }

  /** The visible sample nearest (px, py) in CSS pixels, within maxDist pixels; -1 if none. */
  nearest(px: number, py: number, maxDist = Infinity): number {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const sx = w / (this.x1 - this.x0), sy = h / (this.y1 - this.y0);
    let best = -1, bestD = maxDist * maxDist;
    for (let i = 0; i < this.count; i++) {
      if (this.hidden.has(this.labels[i])) continue;
      const dx = (this.xy[2 * i] - this.x0) * sx - px, dy = (this.y1 - this.xy[2 * i + 1]) * sy - py;
      const d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best;
  }

  /** Redraws on the next frame (several changes in one task draw once). */
  draw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const c = this.canvas;
    const w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) return;
    const g = hidpiContext(c, w, h);
    g.fillStyle = '#fbfcfe';
    g.fillRect(0, 0, w, h);
    this.paintAxes(g, w, h);
    if (this.region) {
      const p = this.toPixels({ x: this.region.lo, y: this.region.hi }), q = this.toPixels({ x: this.region.hi, y: this.region.lo });
      g.setLineDash([4, 3]);
      g.strokeStyle = '#8a94a6';
      g.lineWidth = 1;
      g.strokeRect(p.x, p.y, q.x - p.x, q.y - p.y);
      g.setLineDash([]);
    }
    // Small points so 2000 of them in 300 px still show the clusters' shapes; the alpha shows density.
    const r = w < 260 ? 1.6 : 2.2;
    g.globalAlpha = 0.75;
    const sx = w / (this.x1 - this.x0), sy = h / (this.y1 - this.y0);
    let colour = '';
    for (let i = 0; i < this.count; i++) {
      const label = this.labels[i];
      if (this.hidden.has(label)) continue;
      const col = colourOf(label);
      if (col !== colour) { g.fillStyle = col; colour = col; }
      g.fillRect((this.xy[2 * i] - this.x0) * sx - r, (this.y1 - this.xy[2 * i + 1]) * sy - r, 2 * r, 2 * r);
    }
    g.globalAlpha = 1;
    this.paintWalk(g);
    if (this.cursor) {
      const p = this.toPixels(this.cursor);
      g.strokeStyle = '#000';
      g.lineWidth = 2;
      g.beginPath();
      g.arc(p.x, p.y, 7, 0, 2 * Math.PI);
      g.moveTo(p.x - 11, p.y); g.lineTo(p.x - 4, p.y); g.moveTo(p.x + 4, p.y); g.lineTo(p.x + 11, p.y);
      g.moveTo(p.x, p.y - 11); g.lineTo(p.x, p.y - 4); g.moveTo(p.x, p.y + 4); g.lineTo(p.x, p.y + 11);
      g.stroke();
    }
  }

  private paintAxes(g: CanvasRenderingContext2D, w: number, h: number): void {
    g.strokeStyle = '#e3e7ee';
    g.lineWidth = 1;
    const o = this.toPixels({ x: 0, y: 0 });
    g.beginPath();
    if (o.x > 0 && o.x < w) { g.moveTo(o.x, 0); g.lineTo(o.x, h); }
    if (o.y > 0 && o.y < h) { g.moveTo(0, o.y); g.lineTo(w, o.y); }
    g.stroke();
    g.fillStyle = '#7a8496';
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'bottom';
    g.textAlign = 'right';
    g.fillText(`${this.axisNames[0]} →`, w - 4, h - 2);
    g.save();
    g.translate(12, 4);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'right';
    g.fillText(`${this.axisNames[1]} →`, 0, 0);
    g.restore();
  }

  private paintWalk(g: CanvasRenderingContext2D): void {
    const ends = [this.a, this.b].filter((i) => i >= 0 && i < this.count).map((i) => this.toPixels({ x: this.xy[2 * i], y: this.xy[2 * i + 1] }));
    if (ends.length === 2) {
      // The codes' straight line stays straight in the plane: the code itself, or a linear projection (PCA).
      g.strokeStyle = '#1d2430';
      g.lineWidth = 1.5;
      g.setLineDash([5, 4]);
      g.beginPath();
      g.moveTo(ends[0].x, ends[0].y);
      g.lineTo(ends[1].x, ends[1].y);
      g.stroke();
      g.setLineDash([]);
    }
    const names = [this.a >= 0 ? 'A' : '', this.b >= 0 ? 'B' : ''].filter(Boolean);
    ends.forEach((p, k) => {
      g.fillStyle = '#fff';
      g.strokeStyle = '#1d2430';
      g.lineWidth = 2;
      g.beginPath();
      g.arc(p.x, p.y, 8, 0, 2 * Math.PI);
      g.fill();
      g.stroke();
      g.fillStyle = '#1d2430';
      g.font = 'bold 10px system-ui, sans-serif';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(names[k], p.x, p.y + 0.5);
    });
  }
}
