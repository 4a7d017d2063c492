/**
 * The native backend's convolution and pooling kernels (native/isa/conv.c, conv-filter.c, patch.c) against the
 * reference kernels (the oracle), and what their design promises: the same bits for 1, 2 and 3 threads and on
 * the AVX-512 and AVX2 paths.
 *
 * im2col, col2im, maxPool and maxUnpool select or add exactly as the reference does: bit for bit. The three
 * convolutions accumulate each output in float32 with fused multiply-adds (the reference: float64, rounded
 * once), so as for GEMM (native-gemm.test.ts) an element with a sum of `depth` products is within
 * (depth + 2) * 2^-24 * (|A| |B|) of the reference, |A| |B| being the same convolution of the absolute values.
 * Geometries: the wasm tests' odd ones (conv.test.ts), channel counts that take every native path (1 and 3:
 * dot products; 8; 13, 16: one 16-wide block; 24 and 40: blocks of 16 and 8), and images large enough to be cut
 * into row bands, strided too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refBackend } from '../../src/kernels/ref/index.js';
import type { Kernels, PatchGeometry } from '../../src/kernels/types.js';
import { createNativeBackend, nativeAvailable, type NativeBackend } from '../../src/kernels/native/backend.js';
import { nativeUnavailableReason } from '../../src/kernels/native/addon.js';
import { Rng } from '../../src/tensor/rng.js';
import { GEOMETRIES, geometry } from './conv.test.js';
import { runWithIsa } from './native-isa.js';

const skip = nativeAvailable() ? false : `native backend unavailable: ${nativeUnavailableReason()}`;
const ref = refBackend.kernels as Kernels;
const backends = new Map<number, NativeBackend>();
const native = (threads = 1): NativeBackend => {
  let b = backends.get(threads);
  if (!b) backends.set(threads, (b = createNativeBackend({ threads, name: `native-conv-test-${threads}` })));
  return b;
};

/** Uniform values in [-2, 2], in the backend's memory or (b = null) a plain array (the copy path). */
function random(b: NativeBackend | null, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = b ? (b.alloc('float32', n) as Float32Array) : new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-2, 2);
  return x;
}

function empty(b: NativeBackend | null, n: number, fill: number): Float32Array {
  const x = b ? (b.alloc('float32', n) as Float32Array) : new Float32Array(n);
  return x.fill(fill); // garbage the kernel must overwrite
}

function assertBitsEqual(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const imageSize = (g: PatchGeometry, c = g.c): number => g.n * g.h * g.w * c;
const windowsSize = (g: PatchGeometry, c: number): number => g.n * g.oh * g.ow * c;

type Conv = 'conv2d' | 'conv2dTranspose' | 'conv2dFilter';
/** One convolution: its operands' sizes, its output's, and the number of products in each output's sum. */
function convCase(name: Conv, g: PatchGeometry, f: number): { a: number; b: number; out: number; depth: number } {
  const K = g.kh * g.kw * g.c;
  if (name === 'conv2d') return { a: imageSize(g), b: K * f, out: windowsSize(g, f), depth: K };
  if (name === 'conv2dTranspose') return { a: windowsSize(g, f), b: K * f, out: imageSize(g), depth: g.kh * g.kw * f };
  return { a: imageSize(g), b: windowsSize(g, f), out: K * f, depth: g.n * g.oh * g.ow };
}
const call = (k: Kernels, name: Conv, a: Float32Array, b: Float32Array, out: Float32Array, g: PatchGeometry, f: number): void => k[name](a, b, out, g, f);
const CONVS: Conv[] = ['conv2d', 'conv2dTranspose', 'conv2dFilter'];

/** Images large enough to be cut into row bands (> 2^21 multiply-adds each), one strided. */
const LARGE: [number[], number][] = [
  [[1, 70, 65, 16, 3, 3, 1, 1, 1, 1, 1, 1], 16],
  [[2, 101, 67, 8, 3, 3, 2, 2, 1, 1, 1, 1], 40],
];

describe('native conv kernels', { skip }, () => {
  test('conv2d / conv2dTranspose / conv2dFilter: within (depth + 2) * 2^-24 * (|A| |B|) of the reference, both operand paths', () => {
    const b = native(2);
    const cases: [number[], number][] = [];
    for (const spec of GEOMETRIES) for (const f of [1, 3, 8, 13, 16, 24, 40]) cases.push([spec, f]);
    cases.push(...LARGE, [[3, 5, 6, 32, 3, 3, 1, 1, 1, 1, 1, 1], 24]); // the last: a kernel gradient summed in 2 chunks
    let seed = 1;
    for (const [spec, f] of cases) {
      const g = geometry(spec);
      for (const name of CONVS) {
        const s = convCase(name, g, f);
        for (const inMemory of spec[0] * spec[1] > 100 ? [true] : [true, false]) {
          const host = inMemory ? b : null;
          const x = random(host, s.a, seed++), y = random(host, s.b, seed++), out = empty(host, s.out, NaN);
          call(b.kernels as Kernels, name, x, y, out, g, f);
          const exp = new Float32Array(s.out), bound = new Float32Array(s.out);
          call(ref, name, x, y, exp, g, f);
          call(ref, name, x.map(Math.abs), y.map(Math.abs), bound, g, f);
          for (let i = 0; i < s.out; i++) {
            const tol = (s.depth + 2) * 2 ** -24 * bound[i] + 1e-30;
            if (!(Math.abs(out[i] - exp[i]) <= tol)) assert.fail(`${name} [${spec}] f=${f} ${inMemory ? 'memory' : 'copy'}[${i}]: ${out[i]} vs ${exp[i]} (tol ${tol})`);
          }
        }
      }
    }
  });

  test('NaN and Infinity reach exactly the outputs whose windows hold them (not through padding or masked lanes)', () => {
    const b = native(1);
    for (const spec of [GEOMETRIES[0], GEOMETRIES[4], [2, 9, 8, 21, 3, 3, 1, 1, 1, 1, 1, 1]]) {
      for (const f of [1, 13]) {
        const g = geometry(spec);
        for (const name of CONVS) {
          const s = convCase(name, g, f);
          const x = random(b, s.a, 3), y = random(b, s.b, 4);
          for (let i = 0; i < s.a; i += 29) x[i] = [NaN, Infinity, -Infinity][(i / 29) % 3];
          const out = empty(b, s.out, 0), exp = new Float32Array(s.out);
          call(b.kernels as Kernels, name, x, y, out, g, f);
          call(ref, name, x, y, exp, g, f);
          for (let i = 0; i < s.out; i++) {
            assert.equal(Number.isNaN(out[i]), Number.isNaN(exp[i]), `${name} [${spec}] f=${f}: NaN at ${i} (${out[i]} vs ${exp[i]})`);
            if (!Number.isFinite(exp[i]) && !Number.isNaN(exp[i])) assert.equal(out[i], exp[i], `${name}: Infinity at ${i}`);
          }
        }
      }
    }
  });

  test('im2col / col2im: bit-identical to the reference, padding written, both operand paths', () => {
    const b = native(2);
    for (const spec of [...GEOMETRIES, ...LARGE.map(([s]) => s)]) {
      const g = geometry(spec);
      const nx = imageSize(g), ny = windowsSize(g, g.kh * g.kw * g.c);
      for (const host of [b, null]) {
        const x = random(host, nx, spec[1]);
        for (let i = 0; i < nx; i += 11) x[i] = [NaN, -0, Infinity][(i / 11) % 3];
        const cols = empty(host, ny, 7), expCols = new Float32Array(ny);
        (b.kernels as Kernels).im2col(x, cols, g);
        ref.im2col(x, expCols, g);
        assertBitsEqual(cols, expCols, `im2col [${spec}] ${host ? 'memory' : 'copy'} path`);
        const y = random(host, ny, spec[2]);
        for (let i = 0; i < ny; i += 7) y[i] = -0; // -0 + -0 stays -0 in the reference's adds
        const img = empty(host, nx, 7), expImg = new Float32Array(nx);
        (b.kernels as Kernels).col2im(y, img, g);
        ref.col2im(y, expImg, g);
        assertBitsEqual(img, expImg, `col2im [${spec}] ${host ? 'memory' : 'copy'} path`);
      }
    }
  });

  test('maxPool / maxUnpool: bit-identical on pooling geometries, ties, NaN, -Infinity, -0, channel tails, both operand paths', () => {
    const b = native(2);
    const pools = GEOMETRIES.filter(([, , , , kh, kw, , , pt, pb, pl, pr]) => Math.max(pt, pb) < kh && Math.max(pl, pr) < kw);
    // Tiling windows (stride = window) take a path of their own: 'same', and 'valid' leaving pixels uncovered;
    // 37 channels are two vectors and a tail.
    pools.push([2, 7, 7, 16, 2, 2, 2, 2, 0, 1, 0, 1], [1, 7, 9, 8, 2, 2, 2, 2, 0, 0, 0, 0], [1, 6, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1], [3, 9, 9, 37, 3, 3, 2, 2, 1, 1, 1, 1], [2, 8, 7, 37, 2, 2, 2, 2, 0, 0, 0, 1]);
    for (const spec of pools) {
      const g = geometry(spec);
      const nx = imageSize(g), ny = windowsSize(g, g.c);
      for (const host of [b, null]) {
        // Values from a small set, so windows hold ties; specials mixed in.
        const x = random(host, nx, spec[2]);
        x.forEach((v, i) => (x[i] = i % 13 === 0 ? -Infinity : i % 17 === 0 ? NaN : i % 19 === 0 ? -0 : Math.round(v * 2)));
        const v = random(host, nx, spec[3] + 1);
        for (const [label, vals] of [['x, x', x], ['x, v', v]] as const) {
          const out = empty(host, ny, 7), exp = new Float32Array(ny);
          (b.kernels as Kernels).maxPool(x, vals, out, g);
          ref.maxPool(x, vals, exp, g);
          assertBitsEqual(out, exp, `maxPool(${label}) [${spec}] ${host ? 'memory' : 'copy'} path`);
        }
        const grad = random(host, ny, spec[4]);
        for (let i = 0; i < ny; i += 5) grad[i] = -0;
        const dx = empty(host, nx, 7), exp = new Float32Array(nx);
        (b.kernels as Kernels).maxUnpool(x, grad, dx, g);
        ref.maxUnpool(x, grad, exp, g);
        assertBitsEqual(dx, exp, `maxUnpool [${spec}] ${host ? 'memory' : 'copy'} path`);
      }
    }
  });

  test('every kernel gives the same bits on 1, 2 and 3 threads (batches that split unevenly, row bands)', () => {
    const cases: [string, PatchGeometry, number][] = [
      ['3x3 same 1 -> 16 (W3)', { n: 37, h: 28, w: 28, c: 1, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 28, ow: 28 }, 16],
      ['3x3 same 16 -> 8', { n: 37, h: 14, w: 13, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 14, ow: 13 }, 8],
      ['3x3 same 16 -> 1', { n: 45, h: 20, w: 20, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 20, ow: 20 }, 1],
      ['3x2 stride 2, 5 -> 12', { n: 37, h: 31, w: 32, c: 5, kh: 3, kw: 2, sh: 2, sw: 2, pt: 1, pl: 0, oh: 16, ow: 16 }, 12],
      ['banded 16 -> 16', geometry(LARGE[0][0]), 16],
      ['32 -> 24 over 100 images: more image groups than the cap, kernel gradient summed in chunks', { n: 100, h: 12, w: 11, c: 32, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 12, ow: 11 }, 24],
    ];
    for (const [name, g, f] of cases) {
      const K = g.kh * g.kw * g.c;
      const results = [1, 2, 3].map((threads) => {
        const b = native(threads), k = b.kernels as Kernels;
        const x = random(b, imageSize(g), 1), w = random(b, K * f, 2), gy = random(b, windowsSize(g, f), 3);
        const y = empty(b, windowsSize(g, f), 0), dx = empty(b, imageSize(g), 0), dw = empty(b, K * f, 0);
        k.conv2d(x, w, y, g, f);
        k.conv2dTranspose(gy, w, dx, g, f);
        k.conv2dFilter(x, gy, dw, g, f);
        const cols = empty(b, windowsSize(g, K), 0), back = empty(b, imageSize(g), 0);
        k.im2col(x, cols, g);
        k.col2im(cols, back, g);
        const pg: PatchGeometry = { ...g, kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, oh: Math.floor(g.h / 2), ow: Math.floor(g.w / 2) };
        const pooled = empty(b, windowsSize(pg, g.c), 0), unpooled = empty(b, imageSize(g), 0);
        k.maxPool(x, x, pooled, pg);
        k.maxUnpool(x, pooled, unpooled, pg);
        return { y, dx, dw, cols, back, pooled, unpooled };
      });
      for (const [i, r] of results.slice(1).entries()) {
        for (const key of Object.keys(r) as (keyof typeof r)[]) assertBitsEqual(r[key], results[0][key], `${name}: ${key} with ${i + 2} threads`);
      }
    }
  });

  test('zero sizes: an empty batch writes nothing; no channels or no windows give zero sums', () => {
    const b = native(2), k = b.kernels as Kernels;
    const none = geometry([0, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1]);
    for (const name of CONVS) {
      const s = convCase(name, none, 4), out = empty(b, s.out, 7);
      call(k, name, empty(b, s.a, 0), random(b, s.b, 1), out, none, 4);
      // conv2dFilter sums over no windows: zeros; the others have nothing to write.
      assert.ok(out.every((v) => v === (name === 'conv2dFilter' ? 0 : 7)), `${name} with n = 0`);
    }
    k.maxPool(empty(b, 0, 0), empty(b, 0, 0), empty(b, 0, 0), none);
    // No input channels: conv2d sums nothing.
    const flat = geometry([2, 4, 4, 0, 3, 3, 1, 1, 1, 1, 1, 1]);
    const y = empty(b, windowsSize(flat, 5), NaN);
    k.conv2d(empty(b, 0, 0), empty(b, 0, 0), y, flat, 5); // x and w hold no values
    assert.ok(y.every((v) => Object.is(v, 0)), 'conv2d with c = 0 writes zeros');
    // No filters: the transposed convolution sums nothing.
    const g = geometry([2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1]);
    const dx = empty(b, imageSize(g), NaN);
    k.conv2dTranspose(empty(b, 0, 0), empty(b, 0, 0), dx, g, 0); // grad and w hold no values
    assert.ok(dx.every((v) => Object.is(v, 0)), 'conv2dTranspose with f = 0 writes zeros');
  });

  test('float64 goes to the reference kernels', () => {
    const g = geometry(GEOMETRIES[1]), f = 3, K = g.kh * g.kw * g.c;
    const x = Float64Array.from({ length: imageSize(g) }, (_, i) => Math.sin(i)), w = Float64Array.from({ length: K * f }, (_, i) => Math.cos(i));
    const a = new Float64Array(windowsSize(g, f)), e = new Float64Array(windowsSize(g, f));
    (native(1).kernels as Kernels).conv2d(x, w, a, g, f);
    ref.conv2d(x, w, e, g, f);
    assert.deepEqual(a, e);
  });
});

/** Every kernel's outputs (base64 per kernel) from a child process with AEKIT_NATIVE_ISA capping the instruction set. */
function outputsWithIsa(isa: string | undefined): { isa: string; out: Record<string, string> } {
  const script = `
    import { createNativeBackend } from ${JSON.stringify(fileURLToPath(new URL('../../src/kernels/native/backend.ts', import.meta.url)))};
    import { Rng } from ${JSON.stringify(fileURLToPath(new URL('../../src/tensor/rng.ts', import.meta.url)))};
    const b = createNativeBackend({ threads: 2 }), k = b.kernels, rng = new Rng(5), out = {};
    const rand = (n) => { const x = b.alloc('float32', n); for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1); return x; };
    const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    // 13 and 21 channels: masked lanes and an AVX2 register tile that is not AVX-512's.
    for (const [c, f] of [[1, 16], [16, 8], [13, 1], [8, 21], [21, 3]]) {
      const g = { n: 3, h: 17, w: 19, c, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 17, ow: 19 }, K = 9 * c;
      const x = rand(3 * 17 * 19 * c), w = rand(K * f), gy = rand(3 * 17 * 19 * f);
      const y = b.alloc('float32', gy.length), dx = b.alloc('float32', x.length), dw = b.alloc('float32', K * f);
      k.conv2d(x, w, y, g, f); k.conv2dTranspose(gy, w, dx, g, f); k.conv2dFilter(x, gy, dw, g, f);
      const pg = { ...g, kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, oh: 9, ow: 10 };
      const p = b.alloc('float32', 3 * 9 * 10 * c), u = b.alloc('float32', x.length);
      k.maxPool(x, x, p, pg); k.maxUnpool(x, p, u, pg);
      Object.assign(out, { ['y' + c]: bytes(y), ['dx' + c]: bytes(dx), ['dw' + c]: bytes(dw), ['pool' + c]: bytes(p), ['unpool' + c]: bytes(u) });
    }
    process.stdout.write(JSON.stringify({ isa: b.isa, out }) + String.fromCharCode(10), () => process.exit(0));`;
  return runWithIsa<{ isa: string; out: Record<string, string> }>(isa, script);
}

describe('native conv kernels across instruction sets', { skip }, () => {
  test('AVX-512 and AVX2 give the same bits; the portable build agrees within the tolerance (pooling exactly)', (t) => {
    const best = outputsWithIsa(undefined);
    if (best.isa === 'generic') return t.skip('this CPU has neither AVX-512 nor AVX2');
    const avx2 = outputsWithIsa('avx2');
    assert.equal(avx2.isa, 'avx2');
    for (const key of Object.keys(best.out)) assert.equal(avx2.out[key], best.out[key], `${key}: ${best.isa} vs avx2`);
    const generic = outputsWithIsa('generic');
    assert.equal(generic.isa, 'generic');
    const floats = (s: string): Float32Array => {
      const bytes = Buffer.from(s, 'base64'); // small ones are views of Node's shared pool
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    };
    for (const key of Object.keys(best.out)) {
      const a = floats(generic.out[key]), e = floats(best.out[key]);
      if (key.includes('pool')) assert.equal(generic.out[key], best.out[key], `${key}: pooling selects, so every build agrees`);
      // Sums of at most 3 * 17 * 19 products of values in [-1, 1]: the two roundings differ by at most twice the bound.
      else for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= 2 * 971 * 2 ** -24 * 971, `${key}[${i}]: generic ${a[i]} vs ${e[i]}`);
    }
  });
});
