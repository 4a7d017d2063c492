/** Area-averaging resize, square padding and the helpers `aekit denoise IMAGE` uses. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/tensor/rng.js';
import {
  borderMean, fitSquare, type GrayImage, grayToRaster, padToSquare, resizeArea, squareSide, upscaleNearest,
} from '../../src/viz/resize.js';
import { assertClose } from '../helpers.js';

function image(width: number, height: number, f: (x: number, y: number) => number): GrayImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}

const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('resizeArea', () => {
  test('56x56 checkerboard of 2x2 blocks -> the 28x28 checkerboard of single pixels, exactly', () => {
    const src = image(56, 56, (x, y) => ((x >> 1) + (y >> 1)) % 2);
    const out = resizeArea(src, 28, 28);
    assert.equal(out.width, 28);
    assert.equal(out.height, 28);
    assert.deepEqual([...out.data], [...image(28, 28, (x, y) => (x + y) % 2).data]);
  });

  test('56x56 checkerboard of single pixels averages to uniform grey 0.5', () => {
    const out = resizeArea(image(56, 56, (x, y) => (x + y) % 2), 28, 28);
    assertClose(out.data, new Float32Array(784).fill(0.5), 1e-7);
  });

  test('fractional ratios weight each source pixel by the area it covers (3x3 -> 2x2 by hand)', () => {
    // Output pixel 0 covers source [0, 1.5): pixel 0 with weight 2/3, pixel 1 with 1/3; output 1: pixel 1 1/3, pixel 2 2/3.
    const src: GrayImage = { width: 3, height: 3, data: Float32Array.from([0, 3, 6, 9, 12, 15, 18, 21, 24]) };
    const w = [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]];
    const want: number[] = [];
    for (let oy = 0; oy < 2; oy++) {
      for (let ox = 0; ox < 2; ox++) {
        let s = 0;
        for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) s += w[oy][y] * w[ox][x] * src.data[y * 3 + x];
        want.push(s);
      }
    }
    assertClose(resizeArea(src, 2, 2).data, want, 1e-5);
    assertClose(want, [4, 8, 16, 20], 1e-12); // the same, worked out
  });

  test('keeps the mean and the [min, max] range, for shrinking and enlarging, and non-square targets', () => {
    const rng = new Rng(4);
    const src = image(100, 37, () => rng.next());
    let lo = Infinity, hi = -Infinity;
    for (const v of src.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    for (const [w, h] of [[28, 28], [13, 50], [250, 91], [1, 1]]) {
      const out = resizeArea(src, w, h);
      assert.equal(out.data.length, w * h);
      assertClose([mean(out.data)], [mean(src.data)], 1e-5, 0, `${w}x${h} mean`);
      assert.ok(out.data.every((v) => v >= lo - 1e-6 && v <= hi + 1e-6), `${w}x${h} within the source range`);
    }
  });

  test('enlarging by an integer factor repeats pixels; the same size is a copy', () => {
    const src = image(2, 2, (x, y) => x + 2 * y);
    assert.deepEqual([...resizeArea(src, 4, 4).data], [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
    const same = resizeArea(src, 2, 2);
    assert.deepEqual([...same.data], [...src.data]);
    assert.notEqual(same.data, src.data);
  });

  test('errors: empty image, bad data length, bad target size', () => {
    assert.throws(() => resizeArea({ width: 0, height: 5, data: new Float32Array(0) }, 28, 28), /empty \(0x5 pixels\)/);
    assert.throws(() => resizeArea({ width: 2, height: 2, data: new Float32Array(3) }, 28, 28), /3 values but 2x2 needs 4/);
    assert.throws(() => resizeArea(image(2, 2, () => 0), 0, 28), /positive integers, got 0x28/);
    assert.throws(() => resizeArea(image(2, 2, () => 0), 2.5, 2), /positive integers/);
  });
});

describe('padding and helpers', () => {
  test('padToSquare centres the image on its border mean; fitSquare then resizes', () => {
    // 4 wide, 2 high: border is everything; mean of [1,1,1,1, 1,0,0,1] = 0.75
    const src: GrayImage = { width: 4, height: 2, data: Float32Array.from([1, 1, 1, 1, 1, 0, 0, 1]) };
    assert.equal(borderMean(src), 0.75);
    const sq = padToSquare(src);
    assert.deepEqual([sq.width, sq.height], [4, 4]);
    assert.deepEqual([...sq.data], [0.75, 0.75, 0.75, 0.75, 1, 1, 1, 1, 1, 0, 0, 1, 0.75, 0.75, 0.75, 0.75]);
    assert.deepEqual([...padToSquare(src, 0).data.subarray(0, 4)], [0, 0, 0, 0]);
    const fitted = fitSquare(image(56, 28, (x) => (x < 28 ? 1 : 0)), 28);
    assert.deepEqual([fitted.width, fitted.height], [28, 28]);
    assert.equal(fitted.data.length, 784);
  });

  test('squareSide: 784 -> 28; other sizes are not square images', () => {
    assert.equal(squareSide(784), 28);
    assert.equal(squareSide(1), 1);
    assert.throws(() => squareSide(100 * 3, 'the model input'), /the model input has 300 values, which is not a square image/);
    assert.throws(() => squareSide(0), /not a square image/);
  });

  test('upscaleNearest and grayToRaster', () => {
    const up = upscaleNearest(image(2, 1, (x) => x * 0.5), 3);
    assert.deepEqual([up.width, up.height], [6, 3]);
    assert.deepEqual([...up.data.subarray(0, 6)], [0, 0, 0, 0.5, 0.5, 0.5]);
    assert.throws(() => upscaleNearest(up, 0), /integer >= 1/);
    const r = grayToRaster({ width: 4, height: 1, data: Float32Array.from([-1, 0.5, 2, NaN]) });
    assert.deepEqual({ ...r, data: [...r.data] }, { width: 4, height: 1, channels: 1, data: [0, 128, 255, 0] });
  });
});
