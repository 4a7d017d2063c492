import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { imageGrid, reconstructionFigure, splitBatch } from '../../src/viz/grid.js';
import { decodePng, encodePng, type RasterImage } from '../../src/viz/png.js';

const zeros = (n: number): Float32Array => new Float32Array(n);

function rgbAt(img: RasterImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return [...img.data.subarray(o, o + img.channels)];
}

describe('imageGrid', () => {
  test('2 rows x 10 images of 28x28, scale 3, gap 2: exact size', () => {
    const rows = [0, 1].map(() => Array.from({ length: 10 }, () => zeros(784)));
    const img = imageGrid(rows, { height: 28, width: 28, scale: 3, gap: 2 });
    assert.equal(img.channels, 3);
    assert.equal(img.width, 10 * 28 * 3 + 9 * 2); // 858
    assert.equal(img.height, 2 * 28 * 3 + 1 * 2); // 170
    assert.equal(img.data.length, 858 * 170 * 3);
  });

  test('a known pixel of image 3 lands at the expected place', () => {
    const rows = [0, 1].map(() => Array.from({ length: 10 }, () => zeros(784)));
    rows[0][3][7 * 28 + 5] = 1; // row 0, image 3, pixel (x=5, y=7)
    rows[1][0][0] = 0.5; // row 1, image 0, pixel (0, 0)
    const img = imageGrid(rows, { height: 28, width: 28, scale: 3, gap: 2 });
    const x0 = 3 * (84 + 2) + 5 * 3; // 273
    const y0 = 7 * 3; // 21
    for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) assert.deepEqual(rgbAt(img, x0 + dx, y0 + dy), [255, 255, 255]);
    assert.deepEqual(rgbAt(img, x0 - 1, y0), [0, 0, 0]);
    assert.deepEqual(rgbAt(img, x0 + 3, y0), [0, 0, 0]);
    assert.deepEqual(rgbAt(img, x0, y0 + 3), [0, 0, 0]);
    // gap column after image 0 and gap row between the rows are background grey (0.5 -> 128)
    assert.deepEqual(rgbAt(img, 84, 0), [128, 128, 128]);
    assert.deepEqual(rgbAt(img, 0, 84), [128, 128, 128]);
    // row 1 starts at y = 84 + 2
    assert.deepEqual(rgbAt(img, 2, 86 + 2), [128, 128, 128]);
    assert.deepEqual(rgbAt(img, 3, 86), [0, 0, 0]);
  });

  test('values are clamped; NaN and Infinity are painted red', () => {
    const a = Float32Array.from([1.7, -0.3, NaN, Infinity]);
    const img = imageGrid([[a]], { height: 2, width: 2, scale: 1, gap: 0 });
    assert.deepEqual(rgbAt(img, 0, 0), [255, 255, 255]);
    assert.deepEqual(rgbAt(img, 1, 0), [0, 0, 0]);
    assert.deepEqual(rgbAt(img, 0, 1), [255, 0, 0]);
    assert.deepEqual(rgbAt(img, 1, 1), [255, 0, 0]);
    const custom = imageGrid([[a]], { height: 2, width: 2, scale: 1, nanColor: [255, 0, 255] });
    assert.deepEqual(rgbAt(custom, 0, 1), [255, 0, 255]);
  });

  test('RGB input, margin, background and ragged rows', () => {
    const red = Float32Array.from([1, 0, 0]);
    const img = imageGrid([[red, red], [red]], { height: 1, width: 1, channels: 3, scale: 2, gap: 1, margin: 3, background: 1 });
    assert.equal(img.width, 3 + 2 + 1 + 2 + 3);
    assert.equal(img.height, 3 + 2 + 1 + 2 + 3);
    assert.deepEqual(rgbAt(img, 0, 0), [255, 255, 255]);
    assert.deepEqual(rgbAt(img, 3, 3), [255, 0, 0]);
    assert.deepEqual(rgbAt(img, 6, 3), [255, 0, 0]);
    assert.deepEqual(rgbAt(img, 6, 6), [255, 255, 255]); // missing cell = background
    assert.deepEqual(rgbAt(img, 3, 6), [255, 0, 0]);
  });

  test('accepts number[] and Float64Array images', () => {
    const img = imageGrid([[[0, 1], Float64Array.from([1, 0])]], { height: 1, width: 2, scale: 1, gap: 0 });
    assert.deepEqual([...img.data], [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
  });

  test('bad sizes are rejected with clear errors', () => {
    const ok = zeros(784);
    assert.throws(
      () => imageGrid([[ok], [ok, zeros(783)]], { height: 28, width: 28 }),
      /image 1 of row 1 has 783 values, expected 784 \(height 28 x width 28 x channels 1\)/,
    );
    assert.throws(() => imageGrid([[zeros(784)]], { height: 28, width: 28, channels: 3 }), /expected 2352/);
    assert.throws(() => imageGrid([], { height: 28, width: 28 }), /no images/);
    assert.throws(() => imageGrid([[]], { height: 28, width: 28 }), /no images/);
    assert.throws(() => imageGrid([[ok]], { height: 28, width: 28, scale: 0 }), /scale must be an integer >= 1/);
    assert.throws(() => imageGrid([[ok]], { height: 28, width: 28, scale: 1.5 }), /scale must be an integer/);
    assert.throws(() => imageGrid([[ok]], { height: 28, width: 28, gap: -1 }), /gap must be an integer >= 0/);
    assert.throws(() => imageGrid([[ok]], { height: 0, width: 28 }), /height must be an integer >= 1/);
    assert.throws(() => imageGrid([[ok]], { height: 28, width: 28, background: 2 }), /background/);
  });

  test('encodes to a PNG that decodes to the same pixels', () => {
    const a = Float32Array.from({ length: 16 }, (_, i) => i / 15);
    const img = imageGrid([[a, a]], { height: 4, width: 4, scale: 2 });
    const back = decodePng(encodePng(img));
    assert.equal(back.width, img.width);
    assert.deepEqual(back.data.subarray(0, 3), img.data.subarray(0, 3));
    const o = (3 * img.width + 5) * 3;
    assert.deepEqual([...back.data.subarray((3 * img.width + 5) * 4, (3 * img.width + 5) * 4 + 3)], [...img.data.subarray(o, o + 3)]);
  });
});

describe('reconstructionFigure / splitBatch', () => {
  test('originals over reconstructions', () => {
    const origs = [Float32Array.from([1, 1, 1, 1]), Float32Array.from([0, 0, 0, 0])];
    const recs = [Float32Array.from([0, 0, 0, 0]), Float32Array.from([1, 1, 1, 1])];
    const img = reconstructionFigure(origs, recs, 2, 2, 2);
    assert.equal(img.width, 2 * 4 + 2);
    assert.equal(img.height, 2 * 4 + 2);
    assert.deepEqual(rgbAt(img, 0, 0), [255, 255, 255]); // original 0
    assert.deepEqual(rgbAt(img, 0, 6), [0, 0, 0]); // reconstruction 0, below it
    assert.deepEqual(rgbAt(img, 6, 6), [255, 255, 255]); // reconstruction 1
  });

  test('mismatched counts and sizes are rejected', () => {
    assert.throws(() => reconstructionFigure([zeros(4)], [], 2, 2), /1 originals but 0 reconstructions/);
    assert.throws(() => reconstructionFigure([], [], 2, 2), /no images/);
    assert.throws(() => reconstructionFigure([zeros(4)], [zeros(5)], 2, 2), /image 0 of row 1 has 5 values, expected 4/);
  });

  test('splitBatch views a flat batch as images', () => {
    const batch = Float32Array.from({ length: 12 }, (_, i) => i);
    const imgs = splitBatch(batch, 4);
    assert.equal(imgs.length, 3);
    assert.deepEqual([...imgs[2]], [8, 9, 10, 11]);
    assert.throws(() => splitBatch(batch, 5), /not a whole number of images/);
  });
});
