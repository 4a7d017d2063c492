/**
 * The built-in stroke font: svg-png.ts draws text with it when no font file can be found (a slim container
 * with no fonts at all), so axis labels, titles and legends stay legible.
 *
 * Glyphs are polylines on a small grid: x from 0 to the glyph's advance width `w`, y from -6 (cap height)
 * through -4 (x-height) to 0 (baseline) and 2 (descender). Path data uses only absolute M/L (and Z), so a
 * glyph is placed by shifting and scaling its coordinate pairs. Drawn with round caps, so 'M a L a'-style
 * tiny segments make dots.
 */
const GLYPHS: Record<string, [number, string]> = {
  ' ': [2, ''],
  '0': [4, 'M1,-6L3,-6L4,-5L4,-1L3,0L1,0L0,-1L0,-5ZM3.6,-5.4L0.4,-0.6'],
  '1': [4, 'M1,-5L2,-6L2,0M1,0L3,0'],
  '2': [4, 'M0,-5L1,-6L3,-6L4,-5L4,-4L0,0L4,0'],
  '3': [4, 'M0,-6L4,-6L2,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1'],
  '4': [4, 'M3,0L3,-6L0,-2L4,-2'],
  '5': [4, 'M4,-6L0,-6L0,-3L3,-3L4,-2L4,-1L3,0L0,0'],
  '6': [4, 'M3,-6L2,-6L0,-4L0,-1L1,0L3,0L4,-1L4,-2L3,-3L0,-3'],
  '7': [4, 'M0,-6L4,-6L1,0'],
  '8': [4, 'M1,-3L0,-4L0,-5L1,-6L3,-6L4,-5L4,-4L3,-3L1,-3L0,-2L0,-1L1,0L3,0L4,-1L4,-2L3,-3'],
  '9': [4, 'M4,-3L1,-3L0,-4L0,-5L1,-6L3,-6L4,-5L4,-2L2,0L1,0'],
  A: [4, 'M0,0L0,-4L2,-6L4,-4L4,0M0,-2L4,-2'],
  B: [4, 'M0,0L0,-6L3,-6L4,-5L4,-4L3,-3L0,-3M3,-3L4,-2L4,-1L3,0L0,0'],
  C: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-1L1,0L3,0L4,-1'],
  D: [4, 'M0,0L0,-6L2,-6L4,-4L4,-2L2,0Z'],
  E: [4, 'M4,-6L0,-6L0,0L4,0M0,-3L3,-3'],
  F: [4, 'M4,-6L0,-6L0,0M0,-3L3,-3'],
  G: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-1L1,0L3,0L4,-1L4,-3L2,-3'],
  H: [4, 'M0,-6L0,0M4,-6L4,0M0,-3L4,-3'],
  I: [2, 'M0,-6L2,-6M1,-6L1,0M0,0L2,0'],
  J: [4, 'M4,-6L4,-1L3,0L1,0L0,-1'],
  K: [4, 'M0,-6L0,0M4,-6L0,-2M1,-3L4,0'],
  L: [4, 'M0,-6L0,0L4,0'],
  M: [5, 'M0,0L0,-6L2.5,-3L5,-6L5,0'],
  N: [4, 'M0,0L0,-6L4,0L4,-6'],
  O: [4, 'M1,-6L3,-6L4,-5L4,-1L3,0L1,0L0,-1L0,-5Z'],
  P: [4, 'M0,0L0,-6L3,-6L4,-5L4,-4L3,-3L0,-3'],
  Q: [4, 'M1,-6L3,-6L4,-5L4,-1L3,0L1,0L0,-1L0,-5ZM2.5,-1.5L4,0'],
  R: [4, 'M0,0L0,-6L3,-6L4,-5L4,-4L3,-3L0,-3M2,-3L4,0'],
  S: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-4L1,-3L3,-3L4,-2L4,-1L3,0L1,0L0,-1'],
  T: [4, 'M0,-6L4,-6M2,-6L2,0'],
  U: [4, 'M0,-6L0,-1L1,0L3,0L4,-1L4,-6'],
  V: [4, 'M0,-6L2,0L4,-6'],
  W: [5, 'M0,-6L1,0L2.5,-4L4,0L5,-6'],
  X: [4, 'M0,-6L4,0M4,-6L0,0'],
  Y: [4, 'M0,-6L2,-3L4,-6M2,-3L2,0'],
  Z: [4, 'M0,-6L4,-6L0,0L4,0'],
  a: [4, 'M0.5,-4L3,-4L4,-3L4,0M4,-2.5L1,-2.5L0,-1.5L0,-0.8L0.8,0L3,0L4,-1'],
  b: [4, 'M0,-6L0,0M0,-3L1,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1'],
  c: [4, 'M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  d: [4, 'M4,-6L4,0M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  e: [4, 'M0,-2L4,-2L4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3.5,0'],
  f: [3, 'M3,-6L2,-6L1,-5L1,0M0,-4L3,-4'],
  g: [4, 'M4,-4L4,1L3,2L1,2L0,1.5M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  h: [4, 'M0,-6L0,0M0,-3L1,-4L3,-4L4,-3L4,0'],
  i: [1, 'M0.5,-4L0.5,0M0.5,-5.8L0.5,-5.5'],
  j: [2, 'M1.5,-4L1.5,1L0.5,2L0,2M1.5,-5.8L1.5,-5.5'],
  k: [3.5, 'M0,-6L0,0M0,-1.5L3,-4M1,-2.5L3.5,0'],
  l: [1.5, 'M0.5,-6L0.5,-0.5L1,0L1.5,0'],
  m: [5, 'M0,0L0,-4M0,-3L1,-4L1.5,-4L2.5,-3L2.5,0M2.5,-3L3.5,-4L4,-4L5,-3L5,0'],
  n: [4, 'M0,0L0,-4M0,-3L1,-4L3,-4L4,-3L4,0'],
  o: [4, 'M1,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1L0,-3Z'],
  p: [4, 'M0,-4L0,2M0,-3L1,-4L3,-4L4,-3L4,-1L3,0L1,0L0,-1'],
  q: [4, 'M4,-4L4,2M4,-3L3,-4L1,-4L0,-3L0,-1L1,0L3,0L4,-1'],
  r: [3, 'M0,0L0,-4M0,-2.5L1.5,-4L3,-4'],
  s: [4, 'M4,-3.5L3.5,-4L0.5,-4L0,-3.5L0,-2.5L0.5,-2L3.5,-2L4,-1.5L4,-0.5L3.5,0L0.5,0L0,-0.5'],
  t: [3, 'M1,-6L1,-1L2,0L3,0M0,-4L3,-4'],
  u: [4, 'M0,-4L0,-1L1,0L3,0L4,-1M4,-4L4,0'],
  v: [4, 'M0,-4L2,0L4,-4'],
  w: [5, 'M0,-4L1,0L2.5,-3L4,0L5,-4'],
  x: [4, 'M0,-4L4,0M4,-4L0,0'],
  y: [4, 'M0,-4L2,0M4,-4L2,0L1,2L0,2'],
  z: [4, 'M0,-4L4,-4L0,0L4,0'],
  '.': [1, 'M0.5,-0.3L0.5,0'],
  ',': [1.5, 'M1,-0.5L1,0L0.5,1'],
  ':': [1, 'M0.5,-3.3L0.5,-3M0.5,-0.3L0.5,0'],
  ';': [1.5, 'M1,-3.3L1,-3M1,-0.5L1,0L0.5,1'],
  '-': [3, 'M0,-2.5L3,-2.5'],
  '\u2212': [4, 'M0,-2.5L4,-2.5'],
  '+': [4, 'M0,-2.5L4,-2.5M2,-4.5L2,-0.5'],
  '=': [4, 'M0,-3.5L4,-3.5M0,-1.5L4,-1.5'],
  _: [4, 'M0,1L4,1'],
  '(': [2, 'M2,-6.5L1,-5L1,0L2,1.5'],
  ')': [2, 'M0,-6.5L1,-5L1,0L0,1.5'],
  '[': [2, 'M2,-6.5L1,-6.5L1,1.5L2,1.5'],
  ']': [2, 'M0,-6.5L1,-6.5L1,1.5L0,1.5'],
  '{': [2.5, 'M2.5,-6.5L1.5,-6.5L1,-6L1,-3.5L0,-2.5L1,-1.5L1,1L1.5,1.5L2.5,1.5'],
  '}': [2.5, 'M0,-6.5L1,-6.5L1.5,-6L1.5,-3.5L2.5,-2.5L1.5,-1.5L1.5,1L1,1.5L0,1.5'],
  '/': [3, 'M0,1L3,-6.5'],
  '\\': [3, 'M0,-6.5L3,1'],
  '|': [1, 'M0.5,-6.5L0.5,1.5'],
  "'": [1, 'M0.5,-6L0.5,-4.5'],
  '"': [2.5, 'M0.5,-6L0.5,-4.5M2,-6L2,-4.5'],
  '`': [1.5, 'M0,-6L1,-5'],
  '!': [1, 'M0.5,-6L0.5,-2M0.5,-0.3L0.5,0'],
  '?': [4, 'M0,-5L1,-6L3,-6L4,-5L4,-4L2,-2.5L2,-1.5M2,-0.3L2,0'],
  '<': [3.5, 'M3.5,-5L0,-2.5L3.5,0'],
  '>': [3.5, 'M0,-5L3.5,-2.5L0,0'],
  '*': [4, 'M2,-5L2,-1M0.3,-4L3.7,-2M0.3,-2L3.7,-4'],
  '#': [4.5, 'M1.5,-6L1.5,0M3,-6L3,0M0,-4L4.5,-4M0,-2L4.5,-2'],
  '%': [4, 'M0,0L4,-6M0.5,-6L1,-5.5L0.5,-5L0,-5.5ZM3.5,-1L4,-0.5L3.5,0L3,-0.5Z'],
  '^': [4, 'M0,-4L2,-6L4,-4'],
  '~': [4, 'M0,-2.5L1,-3.5L3,-2.5L4,-3.5'],
  '&': [4, 'M4,0L1,-4L1,-5L2,-6L3,-5L3,-4L0,-2L0,-1L1,0L2,0L4,-2'],
  $: [4, 'M4,-5L3,-6L1,-6L0,-5L0,-4L1,-3L3,-3L4,-2L4,-1L3,0L1,0L0,-1M2,-7L2,1'],
  '@': [5, 'M3.5,-2L3.5,-4L1.5,-4L1.5,-2L3.5,-2L5,-2L5,-5L4,-6L1,-6L0,-5L0,-1L1,0L4,0'],
  '\u2026': [4, 'M0.5,-0.3L0.5,0M2,-0.3L2,0M3.5,-0.3L3.5,0'],
};
const MISSING_GLYPH: [number, string] = [4, 'M0,-6L4,-6L4,0L0,0Z'];

/** Grid units per font-size unit: cap height (6 units) is ~0.7 em. */
const UNIT = 0.7 / 6;
const LETTER_GAP = 1.4;

const fmt = (v: number): string => String(Math.round(v * 100) / 100);

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Path data for `text` in the stroke font, baseline at y=0, starting at x=0, for a given font size. */
export function strokeTextPath(text: string, fontSize: number): { d: string; width: number } {
  const u = fontSize * UNIT;
  let pen = 0;
  let d = '';
  const chars = [...text];
  chars.forEach((ch, i) => {
    const [w, path] = GLYPHS[ch] ?? MISSING_GLYPH;
    if (path) {
      d += path.replace(/(-?\d*\.?\d+),(-?\d*\.?\d+)/g, (_m, x: string, y: string) => `${fmt(pen + Number(x) * u)},${fmt(Number(y) * u)}`);
    }
    pen += w * u + (i < chars.length - 1 ? LETTER_GAP * u : 0);
  });
  return { d, width: pen };
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(attrs);
  return m ? m[1] : undefined;
}

/**
 * Replace every `<text>` element of a (Vega-generated) SVG by a stroked path in the built-in font, keeping
 * its transform, x/y, anchor, size, weight, fill and opacity. Handles plain-text content and simple
 * `<tspan>` lines (their dy/x are honoured approximately: each tspan starts a new line).
 */
export function textToPaths(svg: string): string {
  return svg.replace(/<text\b([^>]*?)(\/>|>([\s\S]*?)<\/text>)/g, (_m, attrs: string, _end: string, body?: string) => {
    if (!body) return '';
    const size = parseFloat(attr(attrs, 'font-size') ?? '') || 11;
    const anchor = attr(attrs, 'text-anchor') ?? 'start';
    const weight = attr(attrs, 'font-weight') ?? 'normal';
    const bold = weight === 'bold' || Number(weight) >= 600;
    const fill = attr(attrs, 'fill') ?? '#000';
    const transform = attr(attrs, 'transform');
    const opacity = attr(attrs, 'opacity');
    const fillOpacity = attr(attrs, 'fill-opacity');
    const x0 = parseFloat(attr(attrs, 'x') ?? '0') || 0;
    const y0 = parseFloat(attr(attrs, 'y') ?? '0') || 0;
    const lines: { text: string; dy: number }[] = [];
    if (/<tspan\b/.test(body)) {
      body.replace(/<tspan\b([^>]*)>([\s\S]*?)<\/tspan>/g, (_t, a: string, t: string) => {
        lines.push({ text: decodeEntities(t.replace(/<[^>]*>/g, '')), dy: parseFloat(attr(a, 'dy') ?? '0') || 0 });
        return '';
      });
    } else {
      lines.push({ text: decodeEntities(body.replace(/<[^>]*>/g, '')), dy: 0 });
    }
    let d = '';
    let y = y0;
    for (const line of lines) {
      y += line.dy;
      const { d: ld, width } = strokeTextPath(line.text, size);
      const shift = anchor === 'middle' ? -width / 2 : anchor === 'end' ? -width : 0;
      d += ld.replace(/(-?\d*\.?\d+),(-?\d*\.?\d+)/g, (_q, px: string, py: string) => `${fmt(Number(px) + x0 + shift)},${fmt(Number(py) + y)}`);
    }
    if (!d) return '';
    const sw = fmt(size * (bold ? 0.13 : 0.09));
    return (
      `<path${transform ? ` transform="${transform}"` : ''} d="${d}" fill="none" stroke="${fill}" stroke-width="${sw}" ` +
      `stroke-linecap="round" stroke-linejoin="round"${opacity ? ` opacity="${opacity}"` : ''}` +
      `${fillOpacity ? ` stroke-opacity="${fillOpacity}"` : ''}/>`
    );
  });
}

