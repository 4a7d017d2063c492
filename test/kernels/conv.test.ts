/**
 * Convolution kernels: the wasm kernels against the reference ones on odd geometries (1 and 3 channels,
 * rectangular kernels, strides 1-3, uneven padding, windows that overlap or skip pixels), bit for bit, on both
 * operand paths (wasm memory and plain arrays); the reference kernels against a direct loop; and zero sizes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refBackend } from '../../src/kernels/ref/index.js';
import type { Kernels, PatchGeometry } from '../../src/kernels/types.js';
import { createWasmBackend, wasmAvailable } from '../../src/kernels/wasm/backend.js';
import { Rng } from '../../src/tensor/rng.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD128 or shared memory unavailable';
const ref = refBackend.kernels as Kernels;
const wb = skip ? null : createWasmBackend();
const wk = (wb?.kernels ?? {}) as Kernels;

function f32(n: number, seed: number, inWasm: boolean): Float32Array {
  const x = inWasm ? (wb!.alloc('float32', n) as Float32Array) : new Float32Array(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) x[i] = i % 11 === 5 ? [NaN, -0, Infinity][i % 3] : rng.uniform(-2, 2);
  return x;
}

function finite(n: number, seed: number, inWasm: boolean): Float32Array {
  const x = inWasm ? (wb!.alloc('float32', n) as Float32Array) : new Float32Array(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-2, 2);
  return x;
}

function assertBitsEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** [n, h, w, c, kh, kw, sh, sw, pt, pb, pl, pr]. */
export const GEOMETRIES: number[][] = [
  [2, 5, 7, 1, 3, 3, 1, 1, 1, 1, 1, 1], // 'same' 3x3, one channel (W3's first layer)
  [1, 6, 5, 3, 3, 3, 2, 2, 0, 1, 1, 1], // 'same' stride 2: the extra pad at the bottom/right, as Keras does
  [3, 4, 4, 5, 2, 3, 1, 2, 0, 0, 2, 0], // rectangular kernel, uneven pads
  [1, 7, 6, 2, 2, 2, 3, 3, 0, 0, 0, 0], // stride > kernel: pixels no window reads
  [2, 3, 3, 17, 3, 3, 1, 1, 1, 1, 1, 1], // channels not a multiple of 4
  [1, 4, 4, 8, 5, 5, 1, 1, 2, 2, 2, 2], // kernel wider than half the image, every window in the padding somewhere
  [1, 1, 1, 4, 1, 1, 1, 1, 0, 0, 0, 0], // 1x1
  [2, 2, 2, 3, 3, 3, 1, 1, 2, 2, 2, 2], // windows entirely in the padding
];

export function geometry(spec: number[]): PatchGeometry {
  const [n, h, w, c, kh, kw, sh, sw, pt, pb, pl, pr] = spec;
  return { n, h, w, c, kh, kw, sh, sw, pt, pl, oh: Math.floor((h + pt + pb - kh) / sh) + 1, ow: Math.floor((w + pl + pr - kw) / sw) + 1 };
}

const sizes = (g: PatchGeometry): [number, number] => [g.n * g.h * g.w * g.c, g.n * g.oh * g.ow * g.kh * g.kw * g.c];

describe('reference patch kernels', () => {
  test('im2col matches a direct gather, and col2im is its adjoint: <im2col(x), y> = <x, col2im(y)>', () => {
    for (const spec of GEOMETRIES) {
      const g = geometry(spec);
      const [nx, ny] = sizes(g);
      const rng = new Rng(3);
      const x = Float64Array.from({ length: nx }, () => rng.uniform(-1, 1));
      const y = Float64Array.from({ length: ny }, () => rng.uniform(-1, 1));
      const cols = new Float64Array(ny), img = new Float64Array(nx);
      ref.im2col(x, cols, g);
      let i = 0;
      for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
        for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) for (let c = 0; c < g.c; c++) {
          const iy = oy * g.sh + ky - g.pt, ix = ox * g.sw + kx - g.pl;
          const v = iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? 0 : x[((b * g.h + iy) * g.w + ix) * g.c + c];
          assert.equal(cols[i++], v, `im2col [${spec}] element ${i - 1}`);
        }
      }
      ref.col2im(y, img, g);
      let lhs = 0, rhs = 0;
      for (let j = 0; j < ny; j++) lhs += cols[j] * y[j];
      for (let j = 0; j < nx; j++) rhs += x[j] * img[j];
      assert.ok(Math.abs(lhs - rhs) <= 1e-12 * (1 + Math.abs(lhs)), `adjoint [${spec}]: ${lhs} vs ${rhs}`);
    }
  });

  test('maxPool keeps the first maximum, lets NaN win, skips the padding; maxUnpool routes to that element', () => {
    // One 1x3x3x1 image, 'same' 2x2 windows with stride 2 -> 2x2 windows; pads [0, 1, 0, 1].
    const g: PatchGeometry = { n: 1, h: 3, w: 3, c: 1, kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, oh: 2, ow: 2 };
    const x = Float32Array.from([5, 5, -1, 2, NaN, -3, -Infinity, -Infinity, -2]);
    const v = Float32Array.from([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    const out = new Float32Array(4);
    ref.maxPool(x, v, out, g);
    assert.deepEqual([...out], [14, 12, 16, 18]); // NaN wins window 0; -1 > -3; -inf ties keep the first; -2 alone
    const dx = new Float32Array(9);
    ref.maxUnpool(x, Float32Array.from([1, 2, 3, 4]), dx, g);
    assert.deepEqual([...dx], [0, 0, 2, 0, 1, 0, 3, 0, 4]);
  });

  test('zero-size batch: nothing written, no error', () => {
    const g = geometry([0, 3, 3, 2, 3, 3, 1, 1, 1, 1, 1, 1]);
    ref.im2col(new Float32Array(0), new Float32Array(0), g);
    ref.col2im(new Float32Array(0), new Float32Array(0), g);
  });
});

describe('wasm patch kernels', { skip }, () => {
  test('bit-identical to the reference on odd geometries, specials, both operand paths', () => {
    for (const spec of GEOMETRIES) {
      const g = geometry(spec);
      const [nx, ny] = sizes(g);
      for (const inWasm of [true, false]) {
        const x = f32(nx, spec[0] + spec[3], inWasm);
        const cols = inWasm ? (wb!.alloc('float32', ny) as Float32Array) : new Float32Array(ny);
        cols.fill(7); // the kernel must write every element, padding included
        const expCols = new Float32Array(ny);
        wk.im2col(x, cols, g);
        ref.im2col(x, expCols, g);
        assertBitsEqual(cols, expCols, `im2col [${spec}] ${inWasm ? 'wasm' : 'copy'} path`);
        const y = f32(ny, spec[1] * 7, inWasm);
        const img = inWasm ? (wb!.alloc('float32', nx) as Float32Array) : new Float32Array(nx);
        img.fill(7);
        const expImg = new Float32Array(nx);
        wk.col2im(y, img, g);
        ref.col2im(y, expImg, g);
        assertBitsEqual(img, expImg, `col2im [${spec}] ${inWasm ? 'wasm' : 'copy'} path`);
      }
    }
  });

  test('maxPool / maxUnpool: bit-identical on pooling geometries, ties, NaN, -Infinity, both operand paths', () => {
    const pools = GEOMETRIES.filter(([, , , , kh, kw, , , pt, pb, pl, pr]) => Math.max(pt, pb) < kh && Math.max(pl, pr) < kw);
    // Tiling windows (stride = pool size) have a path of their own: 'same', and 'valid' leaving pixels uncovered.
    pools.push([2, 7, 7, 16, 2, 2, 2, 2, 0, 1, 0, 1], [1, 7, 9, 8, 2, 2, 2, 2, 0, 0, 0, 0], [1, 6, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1]);
    for (const spec of pools) {
      const g = geometry(spec);
      const nx = g.n * g.h * g.w * g.c, ny = g.n * g.oh * g.ow * g.c;
      for (const inWasm of [true, false]) {
        // Values from a small set, so windows hold ties; specials mixed in.
        const x = f32(nx, spec[2], inWasm);
        x.forEach((v, i) => (x[i] = i % 13 === 0 ? -Infinity : Number.isFinite(v) ? Math.round(v * 2) : v));
        const v = f32(nx, spec[3] + 1, inWasm);
        for (const [label, sel, vals] of [['x, x', x, x], ['x, v', x, v]] as const) {
          const out = inWasm ? (wb!.alloc('float32', ny) as Float32Array) : new Float32Array(ny), exp = new Float32Array(ny);
          out.fill(7);
          wk.maxPool(sel, vals, out, g);
          ref.maxPool(sel, vals, exp, g);
          assertBitsEqual(out, exp, `maxPool(${label}) [${spec}] ${inWasm ? 'wasm' : 'copy'} path`);
        }
        const grad = f32(ny, spec[4], inWasm);
        const dx = inWasm ? (wb!.alloc('float32', nx) as Float32Array) : new Float32Array(nx), exp = new Float32Array(nx);
        dx.fill(7);
        wk.maxUnpool(x, grad, dx, g);
        ref.maxUnpool(x, grad, exp, g);
        assertBitsEqual(dx, exp, `maxUnpool [${spec}] ${inWasm ? 'wasm' : 'copy'} path`);
      }
    }
  });

  test('conv2d / conv2dTranspose / conv2dFilter: within the float32 GEMM bound of the reference, both paths', () => {
    // Every geometry, with few (1, 3: the dot-product kernels) and many (8, 13: the 4x8 tiles, a partial
    // sliver) output channels. Bound per element: (k + 2) * 2^-24 * (|A| |B|) as for GEMM (see fast-kernels.ts).
    for (const spec of GEOMETRIES) for (const f of [1, 3, 8, 13]) for (const inWasm of [true, false]) {
      const g = geometry(spec);
      const [nx] = sizes(g);
      const K = g.kh * g.kw * g.c, ny = g.n * g.oh * g.ow * f;
      const x = finite(nx, spec[1] + f, inWasm), w = finite(K * f, spec[2] + f, inWasm), gy = finite(ny, spec[3] + f, inWasm);
      const abs = (a: Float32Array): Float32Array => a.map(Math.abs);
      const cases: [string, number, (k: Kernels, o: Float32Array, a: Float32Array, b: Float32Array) => void, Float32Array, Float32Array, number][] = [
        ['conv2d', ny, (k, o, a, b) => k.conv2d(a, b, o, g, f), x, w, K],
        ['conv2dTranspose', nx, (k, o, a, b) => k.conv2dTranspose(a, b, o, g, f), gy, w, f * g.kh * g.kw],
        ['conv2dFilter', K * f, (k, o, a, b) => k.conv2dFilter(a, b, o, g, f), x, gy, g.n * g.oh * g.ow],
      ];
      for (const [name, n, call, a, b, depth] of cases) {
        const out = inWasm ? (wb!.alloc('float32', n) as Float32Array) : new Float32Array(n);
        out.fill(NaN); // every element must be written
        const exp = new Float32Array(n), bound = new Float32Array(n);
        call(wk, out, a, b);
        call(ref, exp, a, b);
        call(ref, bound, abs(a), abs(b));
        for (let i = 0; i < n; i++) {
          const tol = (depth + 2) * 2 ** -24 * bound[i] + 1e-30;
          if (!(Math.abs(out[i] - exp[i]) <= tol)) assert.fail(`${name} [${spec}] f=${f} ${inWasm ? 'wasm' : 'copy'}[${i}]: ${out[i]} vs ${exp[i]} (tol ${tol})`);
        }
      }
    }
  });

  test('reduce sum over two rows (the upsampling gradient has its own path): bit-identical, signed zeros too', () => {
    for (const [outer, inner] of [[1, 1], [3, 5], [7, 448], [2, 17]]) {
      const n = outer * 2 * inner;
      const x = f32(n, outer + inner, true);
      for (let i = 0; i < n; i += 7) x[i] = -0; // -0 + -0 and -0 + x
      const out = wb!.alloc('float32', outer * inner) as Float32Array, exp = new Float32Array(outer * inner);
      wk.reduce('sum', x, outer, 2, inner, out);
      ref.reduce('sum', x, outer, 2, inner, exp);
      assertBitsEqual(out, exp, `sum [${outer}, 2, ${inner}]`);
    }
  });

  test('float64 goes to the reference kernels', () => {
    const g = geometry(GEOMETRIES[0]);
    const [nx, ny] = sizes(g);
    const x = Float64Array.from({ length: nx }, (_, i) => i / 7), a = new Float64Array(ny), b = new Float64Array(ny);
    wk.im2col(x, a, g);
    ref.im2col(x, b, g);
    assert.deepEqual(a, b);
  });
});
