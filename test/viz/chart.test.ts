import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lineChartSvg, lossChart, scatterSvg } from '../../src/viz/chart.js';
import { strokeTextPath, textToPaths } from '../../src/viz/stroke-font.js';
import { chartFontInfo, svgToPng } from '../../src/viz/svg-png.js';
import { decodePng, type DecodedImage } from '../../src/viz/png.js';

function distinctColours(img: DecodedImage): number {
  const seen = new Set<number>();
  const v = new DataView(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  for (let i = 0; i < img.data.length; i += 4) seen.add(v.getUint32(i));
  return seen.size;
}

/** Pixels clearly darker than the white background (text, axes, lines). */
function darkPixels(img: DecodedImage): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) if (img.data[i] + img.data[i + 1] + img.data[i + 2] < 3 * 128) n++;
  return n;
}

const textOnly = (s: string): string =>
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><rect width="120" height="30" fill="white"/>' +
  `<text x="4" y="22" font-family="sans-serif" font-size="18" fill="#000">${s}</text></svg>`;

describe('lineChartSvg', () => {
  const spec = {
    title: 'Reconstruction error',
    xLabel: 'training step',
    yLabel: 'mean squared error',
    series: [
      { name: 'dense AE', x: [1, 2, 3, 4], y: [0.4, 0.2, 0.1, 0.05] },
      { name: 'conv & pool', x: [1, 2, 3, 4], y: [0.3, NaN, Infinity, 0.02] },
    ],
  };

  test('SVG names the series, axis titles and title (XML-escaped)', async () => {
    const svg = await lineChartSvg(spec);
    assert.match(svg, /^<svg /);
    for (const s of ['dense AE', 'conv &amp; pool', 'training step', 'mean squared error', 'Reconstruction error']) {
      assert.ok(svg.includes(`>${s}</text>`), `missing ${s}`);
    }
    assert.ok(!/NaN|Infinity/.test(svg), 'non-finite values leaked into the SVG');
  });

  test('log scale drops non-positive values without crashing', async () => {
    const svg = await lineChartSvg({ ...spec, logY: true, series: [{ name: 'a', x: [0, 1, 2], y: [0, -1, 1e-3] }] });
    assert.ok(svg.includes('>a</text>'));
    assert.ok(!svg.includes('NaN'));
  });

  test('empty and single-point series render', async () => {
    const svg = await lineChartSvg({ xLabel: 'x', yLabel: 'y', series: [{ name: 'one', x: [1], y: [0.3] }, { name: 'none', x: [], y: [] }] });
    assert.ok(svg.includes('>one</text>') && svg.includes('>none</text>'));
    const empty = await lineChartSvg({ xLabel: 'x', yLabel: 'y', series: [{ name: 'nan', x: [1, 2], y: [NaN, NaN] }] });
    assert.ok(empty.includes('>nan</text>'));
  });

  test('bad input is rejected with clear errors', async () => {
    await assert.rejects(lineChartSvg({ xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [1, 2], y: [1] }] }), /series "a" has 2 x values but 1 y values/);
    await assert.rejects(
      lineChartSvg({ xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [], y: [] }, { name: 'a', x: [], y: [] }] }),
      /duplicate series name "a"/,
    );
  });
});

describe('svgToPng', () => {
  test('PNG has the requested width and is not a flat colour', async () => {
    const svg = await lineChartSvg({ xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'train', x: [1, 2, 3], y: [3, 2, 1] }] });
    const img = decodePng(svgToPng(svg, { width: 500 }));
    assert.equal(img.width, 500);
    assert.ok(img.height > 100);
    assert.ok(distinctColours(img) > 10);
    assert.throws(() => svgToPng(svg, { width: 0 }), /width must be an integer/);
  });

  test('text actually renders with the automatic font choice', () => {
    const info = chartFontInfo();
    assert.ok(['files', 'system', 'builtin'].includes(info.source));
    const blank = decodePng(svgToPng(textOnly('')));
    const text = decodePng(svgToPng(textOnly('epoch 10')));
    assert.equal(darkPixels(blank), 0);
    assert.ok(darkPixels(text) > 30, `only ${darkPixels(text)} dark pixels (font source ${info.source})`);
  });

  test('built-in stroke font draws text without any font file', () => {
    const svg = textOnly('loss &amp; 0.25');
    const converted = textToPaths(svg);
    assert.ok(!converted.includes('<text'));
    assert.match(converted, /<path d="M[^"]+" fill="none" stroke="#000"/);
    const img = decodePng(svgToPng(svg, { font: 'builtin' }));
    assert.ok(darkPixels(img) > 30);
  });

  test('built-in font honours text-anchor and drops empty text', () => {
    const { d, width } = strokeTextPath('abc', 10);
    assert.ok(width > 10 && width < 30, `width ${width}`);
    const firstX = (path: string): number => Number(/M(-?[\d.]+),/.exec(path)?.[1]);
    const start = textToPaths('<text font-size="10px">abc</text>');
    const mid = textToPaths('<text text-anchor="middle" font-size="10px">abc</text>');
    const end = textToPaths('<text text-anchor="end" font-size="10px">abc</text>');
    assert.ok(Math.abs(firstX(start) - firstX(d)) < 0.02);
    assert.ok(Math.abs(firstX(mid) - (firstX(d) - width / 2)) < 0.02);
    assert.ok(Math.abs(firstX(end) - (firstX(d) - width)) < 0.02);
    assert.equal(textToPaths('<g><text font-size="10px"/></g>'), '<g></g>');
  });
});

describe('lossChart', () => {
  const history = {
    epoch: [1, 2, 3, 4, 5, 6],
    trainLoss: [0.3, 0.12, 0.06, 0.04, 0.03, 0.025],
    valLoss: [0.32, 0.15, NaN, 0.05, 0.045, Infinity],
  };

  test('train and validation with a legend; deterministic; PNG width', async () => {
    const a = await lossChart(history, { pngWidth: 600 });
    const b = await lossChart(history, { pngWidth: 600 });
    assert.equal(a.svg, b.svg);
    assert.deepEqual(a.png, b.png);
    for (const s of ['train', 'validation', 'epoch', 'loss (log scale)', 'Loss per epoch']) assert.ok(a.svg.includes(`>${s}</text>`), s);
    const img = decodePng(a.png);
    assert.equal(img.width, 600);
    assert.ok(distinctColours(img) > 10);
  });

  test('train only, linear scale, mismatched lengths rejected', async () => {
    const c = await lossChart({ epoch: [1, 2], trainLoss: [0.5, 0.4] }, { pngWidth: 300, title: 'short run' });
    assert.ok(c.svg.includes('>train</text>') && !c.svg.includes('>validation</text>'));
    assert.ok(c.svg.includes('>loss</text>') && c.svg.includes('>short run</text>'));
    await assert.rejects(lossChart({ epoch: [1, 2], trainLoss: [1] }), /2 epochs but 1 train losses/);
    await assert.rejects(lossChart({ epoch: [1], trainLoss: [1], valLoss: [] }), /1 epochs but 0 validation losses/);
  });
});

describe('scatterSvg', () => {
  test('colour by label with a numerically sorted legend', async () => {
    const pts = [
      { x: 0, y: 0, label: '10' },
      { x: 1, y: 1, label: '2' },
      { x: 2, y: NaN, label: 'dropped' },
      { x: 1, y: 0, label: '2' },
    ];
    const svg = await scatterSvg(pts, { title: 'latent', legendTitle: 'digit' });
    assert.ok(svg.includes('>digit</text>'));
    assert.ok(svg.indexOf('>2</text>') < svg.indexOf('>10</text>'));
    assert.ok(!svg.includes('dropped'));
    assert.equal(decodePng(svgToPng(svg, { width: 300 })).width, 300);
  });
});
