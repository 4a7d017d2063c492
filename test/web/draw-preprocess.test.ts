import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadMnist } from '../../src/data/mnist.js';
import { upscaleNearest, type GrayImage } from '../../src/viz/resize.js';
import { MNIST_BOX, MNIST_SIDE, preprocessDrawing } from '../../web/src/draw-preprocess.js';

const S = MNIST_SIDE;

/** A canvas with the given rectangles filled at `value`. */
function canvas(w: number, h: number, rects: [x: number, y: number, rw: number, rh: number][], value = 1): GrayImage {
  const data = new Float32Array(w * h);
  for (const [x0, y0, rw, rh] of rects) {
    for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) data[y * w + x] = value;
  }
  return { width: w, height: h, data };
}

/** The oracle, computed here independently: bounding box of nonzero pixels and centre of mass (pixel indices). */
function measure(img: Float32Array): { bw: number; bh: number; cx: number; cy: number; x0: number; y0: number } {
  let x0 = S, x1 = -1, y0 = S, y1 = -1, m = 0, sx = 0, sy = 0;
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const v = img[y * S + x];
      if (v > 0) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      m += v; sx += v * x; sy += v * y;
    }
  }
  return { bw: x1 - x0 + 1, bh: y1 - y0 + 1, cx: sx / m, cy: sy / m, x0, y0 };
}

function inUnitRange(img: Float32Array): void {
  for (let i = 0; i < img.length; i++) assert.ok(img[i] >= 0 && img[i] <= 1, `pixel ${i} is ${img[i]}`);
}

describe('preprocessDrawing', () => {
  test('an off-centre filled rectangle becomes a 20-px box centred by mass', () => {
    // 60 x 150 rectangle in the top-left part of a 280 x 280 canvas: 8 x 20 after scaling.
    const out = preprocessDrawing(canvas(280, 280, [[10, 20, 60, 150]]));
    assert.ok(out);
    assert.equal(out.length, S * S);
    const m = measure(out);
    assert.equal(m.bh, MNIST_BOX);
    assert.equal(m.bw, 8);
    assert.ok(Math.abs(m.cx - 14) <= 0.5 && Math.abs(m.cy - 14) <= 0.5, `centre of mass (${m.cx}, ${m.cy})`);
    // A solid rectangle scaled by an exact 2/15 stays solid: every pixel of its box is full ink.
    for (let y = m.y0; y < m.y0 + m.bh; y++) for (let x = m.x0; x < m.x0 + m.bw; x++) assert.ok(Math.abs(out[y * S + x] - 1) < 1e-6);
  });

  test('keeps the aspect ratio of a wide drawing', () => {
    // 200 x 50 (4:1) on a non-square canvas -> 20 x 5.
    const out = preprocessDrawing(canvas(300, 120, [[90, 40, 200, 50]]));
    assert.ok(out);
    const m = measure(out);
    assert.equal(m.bw, 20);
    assert.equal(m.bh, 5);
    assert.ok(Math.abs(m.cx - 14) <= 0.5 && Math.abs(m.cy - 14) <= 0.5, `centre of mass (${m.cx}, ${m.cy})`);
  });

  test('a single dot is scaled up to a centred 20 x 20 block, as MNIST scales any digit', () => {
    const out = preprocessDrawing(canvas(50, 50, [[3, 41, 1, 1]], 0.7));
    assert.ok(out);
    const m = measure(out);
    // An even-sided block cannot centre on a pixel: its centre 4.5 + 9.5 rounds to start at 5, centre 14.5.
    assert.deepEqual([m.bw, m.bh, m.x0, m.y0], [20, 20, 5, 5]);
    assert.equal(m.cx, 14.5);
    assert.equal(m.cy, 14.5);
    // Normalised by the drawing's maximum.
    assert.ok(Math.abs(out[14 * S + 14] - 1) < 1e-6);
  });

  test('an empty canvas (or one with only non-positive values) gives null', () => {
    assert.equal(preprocessDrawing(canvas(280, 280, [])), null);
    assert.equal(preprocessDrawing({ width: 2, height: 1, data: Float32Array.of(-1, 0) }), null);
  });

  test('a drawing touching the canvas border on all four sides', () => {
    // A ring 10 px thick along the edges of a 100 x 100 canvas: 20 x 20 with a 2-px ring, nothing lost.
    const out = preprocessDrawing(canvas(100, 100, [[0, 0, 100, 10], [0, 90, 100, 10], [0, 0, 10, 100], [90, 0, 10, 100]]));
    assert.ok(out);
    const m = measure(out);
    assert.deepEqual([m.bw, m.bh, m.x0, m.y0], [20, 20, 5, 5]);
    assert.ok(Math.abs(m.cx - 14) <= 0.5 && Math.abs(m.cy - 14) <= 0.5, `centre of mass (${m.cx}, ${m.cy})`);
    let ink = 0;
    for (const v of out) ink += v;
    assert.ok(Math.abs(ink - (400 - 256)) < 1e-4, `total ink ${ink}`); // 20x20 minus the 16x16 hole
    inUnitRange(out);
  });

  test('a lopsided drawing is clipped at the field edge rather than failing', () => {
    // Nearly all the mass in one corner of the box: the shift pushes the box's far corner out of the field.
    const img = canvas(200, 200, [[0, 0, 40, 40]], 1);
    img.data[199 * 200 + 199] = 1; // one far pixel stretches the box to the whole canvas
    const out = preprocessDrawing(img);
    assert.ok(out);
    const m = measure(out);
    assert.ok(m.bw < 20 && m.bh < 20, 'part of the box was cut off');
    assert.ok(Math.abs(m.cx - 14) <= 0.75 && Math.abs(m.cy - 14) <= 0.75, `centre of mass (${m.cx}, ${m.cy})`);
  });

  test('values stay in [0, 1] for any input scale, and the scale does not matter', () => {
    const rnd = (i: number): number => ((i * 2654435761) >>> 0) / 2 ** 32;
    const a = new Float32Array(120 * 90);
    for (let i = 0; i < a.length; i++) a[i] = rnd(i) < 0.3 ? rnd(i + 7) : 0;
    const b = a.map((v) => v * 255);
    const outA = preprocessDrawing({ width: 120, height: 90, data: a });
    const outB = preprocessDrawing({ width: 120, height: 90, data: b });
    assert.ok(outA && outB);
    inUnitRange(outA);
    for (let i = 0; i < outA.length; i++) assert.ok(Math.abs(outA[i] - outB[i]) < 1e-6);
    assert.ok(Math.max(...outA) > 0);
  });

  test('same input, same output; the input is not modified', () => {
    const img = canvas(280, 280, [[50, 60, 30, 120], [80, 60, 90, 20]], 0.9);
    const copy = Float32Array.from(img.data);
    const a = preprocessDrawing(img);
    const b = preprocessDrawing(img);
    assert.deepEqual(a, b);
    assert.deepEqual(img.data, copy);
  });

  test('rejects malformed images and NaN', () => {
    assert.throws(() => preprocessDrawing({ width: 3, height: 3, data: new Float32Array(8) }), /3x3 with 8 values/);
    assert.throws(() => preprocessDrawing({ width: 0, height: 0, data: new Float32Array(0) }), /non-empty/);
    assert.throws(() => preprocessDrawing({ width: 2, height: 1, data: Float32Array.of(0, NaN) }), /pixel 1,0 is NaN/);
    assert.throws(() => preprocessDrawing(canvas(4, 4, [[0, 0, 1, 1]]), { threshold: 1 }), /threshold/);
  });

  test('MNIST test digits, enlarged 10x, come back close to themselves', () => {
    const n = 1000;
    const ds = loadMnist('test', { limit: n });
    const all = ds.toFloat32();
    let total = 0, worst = 0, exact = 0;
    for (let i = 0; i < n; i++) {
      const digit = all.subarray(i * 784, (i + 1) * 784);
      const big = upscaleNearest({ width: 28, height: 28, data: Float32Array.from(digit) }, 10);
      const out = preprocessDrawing(big);
      assert.ok(out);
      inUnitRange(out);
      let max = 0;
      for (const v of digit) max = Math.max(max, v);
      let se = 0;
      for (let k = 0; k < 784; k++) se += (out[k] - digit[k] / max) ** 2;
      const mse = se / 784;
      total += mse;
      worst = Math.max(worst, mse);
      if (mse < 1e-10) exact++;
    }
    const mean = total / n;
    const msg = `mean MSE ${mean.toExponential(3)}, worst ${worst.toExponential(3)}, ${exact}/${n} exact`;
    // Most come back bit for bit; the rest lose a few faint edge pixels (under the 5% box threshold) that fall
    // outside the box. With threshold 0 all 1000 come back exactly (checked below on a few).
    assert.ok(mean < 1e-5, msg);
    assert.ok(worst < 1e-3, msg);
    for (let i = 0; i < 20; i++) {
      const digit = all.subarray(i * 784, (i + 1) * 784);
      const out = preprocessDrawing(upscaleNearest({ width: 28, height: 28, data: Float32Array.from(digit) }, 10), { threshold: 0 });
      let max = 0;
      for (const v of digit) max = Math.max(max, v);
      for (let k = 0; k < 784; k++) assert.ok(Math.abs(out![k] - digit[k] / max) < 1e-6, `digit ${i} pixel ${k}`);
    }
    console.log(`MNIST round trip over ${n} test digits: ${msg}`);
  });
});
