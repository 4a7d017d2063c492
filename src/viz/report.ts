/**
 * Self-contained HTML reports: one page, no external anything. Images are inlined as `data:image/png;base64,`
 * URIs, the style sheet is an inline `<style>`, there is no script at all, and a Content-Security-Policy meta
 * tag (`default-src 'none'`) tells the browser to fetch nothing even if some text slipped a URL in.
 *
 * Every piece of text (titles, table cells, captions, alt text) is HTML-escaped here, so callers pass plain
 * strings, never markup: a model config holding `<script>` prints as those characters.
 *
 *   const html = renderReport({ title: 'aekit report', sections: [
 *     { title: 'Test set', blocks: [{ type: 'keyValue', rows: [['MSE', '0.0123']] }] },
 *     { title: 'Reconstructions', blocks: [{ type: 'image', png, alt: 'digits over reconstructions', pixelated: true }] },
 *   ] });
 */

/** Escapes the five characters that matter in HTML text and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** `data:image/png;base64,...` for PNG bytes (checked to start with the PNG signature). */
export function pngDataUri(png: Uint8Array): string {
  if (!(png instanceof Uint8Array) || png.length < 8 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new Error('pngDataUri: the bytes are not a PNG image');
  }
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

export type ReportBlock =
  | { type: 'paragraph'; text: string }
  /** A muted remark (e.g. "no training summary in the model file"). */
  | { type: 'note'; text: string }
  /** Two-column table of names and values. */
  | { type: 'keyValue'; rows: readonly (readonly [string, string])[]; caption?: string }
  | { type: 'table'; header: readonly string[]; rows: readonly (readonly string[])[]; caption?: string }
  /** A PNG shown at most `width` CSS pixels wide (default: its own width, shrunk to fit the page). */
  | { type: 'image'; png: Uint8Array; alt: string; caption?: string; width?: number; pixelated?: boolean }
  /** Preformatted text (JSON, say). */
  | { type: 'code'; text: string };

export interface ReportSection {
  title: string;
  blocks: readonly ReportBlock[];
}

export interface ReportSpec {
  /** The page title (and its `<h1>`). */
  title: string;
  /** A line under the title. */
  subtitle?: string;
  sections: readonly ReportSection[];
  /** A line at the bottom of the page. */
  footer?: string;
}

const STYLE = `
  body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1060px;
         padding: 0 1rem; color: #1d2430; background: #fff; line-height: 1.45; }
  h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
  h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d8dde6; padding-bottom: 0.2rem; }
  .subtitle { color: #556; margin-top: 0; }
  table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
  caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
  th, td { border: 1px solid #d8dde6; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
  th { background: #f2f4f8; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  figure { margin: 0.8rem 0 1.2rem; }
  figure img { max-width: 100%; height: auto; border: 1px solid #e3e6ec; }
  img.pixelated { image-rendering: pixelated; }
  figcaption { color: #556; font-size: 0.9rem; margin-top: 0.3rem; }
  .note { color: #667; font-style: italic; }
  pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; }
  footer { margin-top: 3rem; color: #778; font-size: 0.85rem; }
`;

/** Numbers (and things like "-0.5", "1e-3", "12.3 dB") right-align in tables. */
const looksNumeric = (s: string): boolean => /^[-+]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]?\d+)?( ?[a-zA-Z%/]{0,4})?$/.test(s.trim());

function cell(tag: 'td' | 'th', text: string): string {
  return tag === 'td' && looksNumeric(text) ? `<td class="num">${escapeHtml(text)}</td>` : `<${tag}>${escapeHtml(text)}</${tag}>`;
}

function renderBlock(b: ReportBlock): string {
  switch (b.type) {
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'note':
      return `<p class="note">${escapeHtml(b.text)}</p>`;
    case 'code':
      return `<pre>${escapeHtml(b.text)}</pre>`;
    case 'keyValue': {
      const rows = b.rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th>${cell('td', v)}</tr>`).join('\n');
      return `<table>${b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : ''}\n${rows}\n</table>`;
    }
    case 'table': {
      const head = `<tr>${b.header.map((h) => cell('th', h)).join('')}</tr>`;
      const rows = b.rows.map((r) => {
        if (r.length !== b.header.length) throw new Error(`renderReport: a table row has ${r.length} cells, the header ${b.header.length}`);
        return `<tr>${r.map((c) => cell('td', c)).join('')}</tr>`;
      }).join('\n');
      return `<table>${b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : ''}\n<thead>${head}</thead>\n<tbody>\n${rows}\n</tbody>\n</table>`;
    }
    case 'image': {
      if (b.width !== undefined && !(Number.isFinite(b.width) && b.width > 0)) throw new Error(`renderReport: image width must be a positive number, got ${b.width}`);
      const attrs = [
        `src="${pngDataUri(b.png)}"`,
        `alt="${escapeHtml(b.alt)}"`,
        ...(b.width !== undefined ? [`width="${Math.round(b.width)}"`] : []),
        ...(b.pixelated ? ['class="pixelated"'] : []),
      ];
      return `<figure><img ${attrs.join(' ')}>${b.caption ? `<figcaption>${escapeHtml(b.caption)}</figcaption>` : ''}</figure>`;
    }
    default:
      throw new Error(`renderReport: unknown block type '${String((b as { type?: unknown }).type)}'`);
  }
}

/** The whole page as one HTML string (see the module comment). */
export function renderReport(spec: ReportSpec): string {
  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Nothing may be fetched: images are data: URIs, the style is inline, there are no scripts.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(spec.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(spec.title)}</h1>`,
    ...(spec.subtitle ? [`<p class="subtitle">${escapeHtml(spec.subtitle)}</p>`] : []),
  ];
  for (const s of spec.sections) {
    parts.push(`<section>`, `<h2>${escapeHtml(s.title)}</h2>`, ...s.blocks.map(renderBlock), `</section>`);
  }
  if (spec.footer) parts.push(`<footer>${escapeHtml(spec.footer)}</footer>`);
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}
