/**
 * SVG -> PNG bytes with resvg (a native rasteriser, no browser). Deterministic: the same SVG, options and font
 * give the same PNG bytes (on one machine; the bytes depend on the font that is found, see below).
 *
 * Fonts. Vega writes `font-family="sans-serif"` and resvg needs real font files to draw text. svgToPng
 * resolves fonts once per process, in this order:
 *   1. `opts.fontFiles`, if given (only those are loaded; resvg falls back to them for `sans-serif`);
 *   2. a known sans-serif font at a standard path: DejaVu Sans (Debian/Ubuntu/Fedora/Arch/Alpine paths),
 *      Liberation Sans, then Arial on macOS/Windows. Only those files are loaded (`loadSystemFonts: false`):
 *      fast, and the output does not change when unrelated fonts are installed;
 *   3. otherwise all system fonts (`loadSystemFonts: true`), after checking with a tiny probe render that
 *      text actually comes out;
 *   4. if even that draws nothing (e.g. a slim container with no fonts at all), a small built-in stroke font:
 *      every `<text>` element is replaced by an equivalent stroked `<path>` before rasterising, so axis
 *      labels, titles and legends stay legible. It covers printable ASCII (plus the U+2212 minus and the
 *      U+2026 ellipsis Vega emits); any other character is drawn as a box.
 * `chartFontInfo()` says which of these was chosen; `svgToPng(svg, { font: 'builtin' })` forces step 4.
 * The SVG itself always keeps real `<text>` (searchable, resizable); only the PNG path is affected.
 */
import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { textToPaths } from './stroke-font.js';

export type FontSource = 'files' | 'system' | 'builtin';

export interface FontInfo {
  source: FontSource;
  /** Family used for sans-serif text ('files' source only). */
  family?: string;
  /** Font files loaded ('files' source only). */
  files?: string[];
}

export interface SvgToPngOptions {
  /** Output width in pixels; height follows the SVG's aspect ratio. Default: the SVG's own width. */
  width?: number;
  /** Background painted under the SVG. Default 'white' (Vega charts also paint their own). */
  background?: string;
  /** Font files to use instead of the automatic choice (see the module comment). */
  fontFiles?: string[];
  /** 'builtin' forces the built-in stroke font (text converted to paths). Default 'auto'. */
  font?: 'auto' | 'builtin';
}

/** Known sans-serif fonts: [family, regular file, bold file (optional)]. First existing regular file wins. */
const FONT_CANDIDATES: [string, string, string?][] = [
  ['DejaVu Sans', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf', '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/share/fonts/ttf-dejavu/DejaVuSans.ttf', '/usr/share/fonts/ttf-dejavu/DejaVuSans-Bold.ttf'],
  ['DejaVu Sans', '/usr/local/share/fonts/DejaVuSans.ttf', '/usr/local/share/fonts/DejaVuSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf'],
  ['Liberation Sans', '/usr/share/fonts/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation/LiberationSans-Bold.ttf'],
  ['Arial', '/System/Library/Fonts/Supplemental/Arial.ttf', '/System/Library/Fonts/Supplemental/Arial Bold.ttf'],
  ['Arial', '/Library/Fonts/Arial.ttf', '/Library/Fonts/Arial Bold.ttf'],
  ['Arial', 'C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'],
];

function filesFont(family: string, files: string[]): ResvgRenderOptions['font'] {
  return {
    loadSystemFonts: false,
    fontFiles: files,
    defaultFontFamily: family,
    sansSerifFamily: family,
    serifFamily: family,
    monospaceFamily: family,
  };
}

/** True if resvg draws any pixel for a one-letter text with these font options. */
function textRenders(font: ResvgRenderOptions['font']): boolean {
  const probe =
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24">' +
    '<text x="2" y="20" font-family="sans-serif" font-size="20" fill="#000">H</text></svg>';
  try {
    const px = new Resvg(probe, { font, logLevel: 'off' }).render().pixels;
    for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
  } catch {
    /* treat a failing font setup like a missing one */
  }
  return false;
}

let cachedAuto: { info: FontInfo; font?: ResvgRenderOptions['font'] } | undefined;

function resolveAutoFont(): { info: FontInfo; font?: ResvgRenderOptions['font'] } {
  if (cachedAuto) return cachedAuto;
  for (const [family, regular, bold] of FONT_CANDIDATES) {
    if (!existsSync(regular)) continue;
    const files = bold && existsSync(bold) ? [regular, bold] : [regular];
    const font = filesFont(family, files);
    if (textRenders(font)) return (cachedAuto = { info: { source: 'files', family, files }, font });
  }
  const system = { loadSystemFonts: true };
  if (textRenders(system)) return (cachedAuto = { info: { source: 'system' }, font: system });
  return (cachedAuto = { info: { source: 'builtin' } });
}

/** Which fonts svgToPng uses by default on this machine (resolved once, then cached). */
export function chartFontInfo(): FontInfo {
  return { ...resolveAutoFont().info };
}

/**
 * Rasterise an SVG string to PNG bytes with resvg. Deterministic for a given SVG, options and font.
 * `opts.width` scales the whole drawing (text included) to that many pixels wide.
 */
export function svgToPng(svg: string, opts: SvgToPngOptions = {}): Uint8Array {
  if (opts.width !== undefined && (!Number.isInteger(opts.width) || opts.width <= 0 || opts.width > 16384)) {
    throw new Error(`svgToPng: width must be an integer in 1..16384, got ${opts.width}`);
  }
  let font: ResvgRenderOptions['font'];
  let builtin = opts.font === 'builtin';
  if (!builtin) {
    if (opts.fontFiles && opts.fontFiles.length > 0) {
      for (const f of opts.fontFiles) if (!existsSync(f)) throw new Error(`svgToPng: font file not found: ${f}`);
      font = { loadSystemFonts: false, fontFiles: opts.fontFiles };
    } else {
      const auto = resolveAutoFont();
      font = auto.font;
      builtin = auto.info.source === 'builtin';
    }
  }
  const source = builtin ? textToPaths(svg) : svg;
  const options: ResvgRenderOptions = {
    background: opts.background ?? 'white',
    fitTo: opts.width ? { mode: 'width', value: opts.width } : { mode: 'original' },
    font: font ?? { loadSystemFonts: false },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  };
  const png = new Resvg(source, options).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

