/**
 * The native backend's GEMM against the reference kernel (the oracle), and the properties its design promises:
 * the same bits for any thread count and on the AVX-512 and AVX2 paths (native/kernels.h: the sum order of an
 * element depends only on the K blocking).
 *
 * Tolerance, as for the wasm kernel (test/kernels/fast-kernels.ts): the reference accumulates in float64 and rounds
 * once; the native kernel accumulates in float32 with fused multiply-adds per K block of 256, then adds the
 * blocks. A float32 dot product of length k is within k * 2^-24 * sum_p |a_ip| |b_pj| of the exact value, plus
 * one rounding of the reference: (k + 2) * 2^-24 * (|A| |B|)_ij per element.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refBackend } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { createNativeBackend, nativeAvailable, type NativeBackend } from '../../src/kernels/native/backend.js';
import { nativeUnavailableReason } from '../../src/kernels/native/addon.js';
import { Rng } from '../../src/tensor/rng.js';
import { runWithIsa } from './native-isa.js';

// CI builds the addon (npm ci); a run with AEKIT_SKIP_NATIVE=1 checks the suite without it, where this file skips.
const skip = nativeAvailable() ? false : `native backend unavailable: ${nativeUnavailableReason()}`;
const ref = refBackend.kernels as Kernels;
const SIZES = [0, 1, 3, 17, 255, 257];
const combos = [[false, false], [true, false], [false, true], [true, true]] as const;
const backends = new Map<number, NativeBackend>();
const native = (threads = 1): NativeBackend => {
  let b = backends.get(threads);
  if (!b) backends.set(threads, (b = createNativeBackend({ threads, name: `native-test-${threads}` })));
  return b;
};

function random(b: NativeBackend | null, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = b ? (b.alloc('float32', n) as Float32Array) : new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1);
  return x;
}

function checkAgainstRef(out: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): void {
  const exp = new Float32Array(m * n);
  ref.matmul(a, b, exp, m, n, k, ta, tb);
  const absProd = new Float64Array(m * n);
  ref.matmul(Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), absProd, m, n, k, ta, tb);
  for (let i = 0; i < m * n; i++) {
    const tol = (k + 2) * 2 ** -24 * absProd[i] + 1e-30;
    if (!(Math.abs(out[i] - exp[i]) <= tol)) assert.fail(`m=${m} n=${n} k=${k} transA=${ta} transB=${tb} [${i}]: ${out[i]} vs ${exp[i]} (tol ${tol})`);
  }
}

function product(b: NativeBackend, m: number, n: number, k: number, ta: boolean, tb: boolean, seed: number): Float32Array {
  const x = random(b, m * k, seed), y = random(b, k * n, seed + 1), out = b.alloc('float32', m * n) as Float32Array;
  out.fill(12345); // garbage: the kernel must overwrite it, also when k = 0
  (b.kernels as Kernels).matmul(x, y, out, m, n, k, ta, tb);
  return out;
}

describe('native matmul', { skip }, () => {
  test('matches the reference within (k + 2) * 2^-24 * (|A||B|) on sizes 0, 1, 3, 17, 255, 257, all transposes', () => {
    const b = native(2);
    let seed = 1;
    for (const [ta, tb] of combos) {
      for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
        if (m * n * k > 257 * 257 * 17 && !(m === 255 && n === 257 && k === 255)) continue; // keep the run short
        const a = random(b, m * k, seed), bb = random(b, k * n, seed + 1);
        const out = b.alloc('float32', m * n) as Float32Array;
        out.fill(12345);
        (b.kernels as Kernels).matmul(a, bb, out, m, n, k, ta, tb);
        checkAgainstRef(out, a, bb, m, n, k, ta, tb);
        seed += 2;
      }
    }
  });

  test('shapes that cross the tile (48 x 128) and K-block (256) edges', () => {
    const b = native(2);
    for (const [m, n, k] of [[97, 300, 600], [5, 2050, 7], [6, 10, 1000], [49, 129, 257]]) {
      for (const [ta, tb] of combos) {
        const a = random(b, m * k, m + k), bb = random(b, k * n, n + k), out = b.alloc('float32', m * n) as Float32Array;
        (b.kernels as Kernels).matmul(a, bb, out, m, n, k, ta, tb);
        checkAgainstRef(out, a, bb, m, n, k, ta, tb);
      }
    }
  });

  test('the same bits on 1, 2 and 3 threads', () => {
    for (const [m, n, k] of [[130, 290, 530], [256, 784, 256]]) {
      for (const [ta, tb] of combos) {
        const one = product(native(1), m, n, k, ta, tb, 9), two = product(native(2), m, n, k, ta, tb, 9), three = product(native(3), m, n, k, ta, tb, 9);
        assert.deepEqual(Buffer.from(two.buffer, two.byteOffset, two.byteLength), Buffer.from(one.buffer, one.byteOffset, one.byteLength), `2 threads ${m}x${n}x${k} ${ta} ${tb}`);
        assert.deepEqual(Buffer.from(three.buffer, three.byteOffset, three.byteLength), Buffer.from(one.buffer, one.byteOffset, one.byteLength), `3 threads ${m}x${n}x${k} ${ta} ${tb}`);
      }
    }
  });

  test('NaN and Inf propagate like the reference', () => {
    const b = native(1), m = 9, n = 13, k = 11;
    for (const [ta, tb] of combos) {
      const a = random(b, m * k, 3), bb = random(b, k * n, 4);
      a[5] = NaN;
      bb[7] = Infinity;
      bb[8] = -Infinity;
      const out = b.alloc('float32', m * n) as Float32Array, exp = new Float32Array(m * n);
      (b.kernels as Kernels).matmul(a, bb, out, m, n, k, ta, tb);
      ref.matmul(a, bb, exp, m, n, k, ta, tb);
      for (let i = 0; i < m * n; i++) {
        assert.equal(Number.isNaN(out[i]), Number.isNaN(exp[i]), `NaN at ${i} (transA=${ta}, transB=${tb})`);
        if (!Number.isFinite(exp[i]) && !Number.isNaN(exp[i])) assert.equal(out[i], exp[i], `Inf at ${i}`);
      }
    }
  });

  test('operands outside the backend memory (the copy path) give the same bits', () => {
    const b = native(2), m = 33, n = 18, k = 65;
    for (const [ta, tb] of combos) {
      const fast = b.alloc('float32', m * n) as Float32Array;
      (b.kernels as Kernels).matmul(random(b, m * k, 7), random(b, k * n, 8), fast, m, n, k, ta, tb);
      const slow = new Float32Array(m * n);
      (b.kernels as Kernels).matmul(random(null, m * k, 7), random(null, k * n, 8), slow, m, n, k, ta, tb);
      assert.deepEqual(Array.from(slow), Array.from(fast));
    }
  });

  test('float64 goes to the reference kernel', () => {
    const a = Float64Array.from([1, 2, 3, 4]), bb = Float64Array.from([5, 6, 7, 8]), out = new Float64Array(4);
    (native(1).kernels as Kernels).matmul(a, bb, out, 2, 2, 2, false, false);
    assert.deepEqual(Array.from(out), [19, 22, 43, 50]);
  });
});

/** The product's bytes (base64) from a child process with AEKIT_NATIVE_ISA capping the instruction set. */
function productWithIsa(isa: string | undefined): { isa: string; bytes: string } {
  const script = `
    import { createNativeBackend } from ${JSON.stringify(fileURLToPath(new URL('../../src/kernels/native/backend.ts', import.meta.url)))};
    import { Rng } from ${JSON.stringify(fileURLToPath(new URL('../../src/tensor/rng.ts', import.meta.url)))};
    const b = createNativeBackend({ threads: 2 });
    const rng = new Rng(5), m = 61, n = 150, k = 700;
    const x = b.alloc('float32', m * k), y = b.alloc('float32', k * n), out = b.alloc('float32', m * n);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
    for (let i = 0; i < y.length; i++) y[i] = rng.uniform(-1, 1);
    b.kernels.matmul(x, y, out, m, n, k, false, true);
    console.log(JSON.stringify({ isa: b.isa, bytes: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64') }));
    process.exit(0);`;
  return runWithIsa<{ isa: string; bytes: string }>(isa, script);
}

describe('native instruction sets', { skip }, () => {
  test('AVX-512 and AVX2 give the same bits; the portable kernel stays within the tolerance', (t) => {
    const best = productWithIsa(undefined);
    if (best.isa === 'generic') return t.skip('this CPU has neither AVX-512 nor AVX2');
    const avx2 = productWithIsa('avx2');
    assert.equal(avx2.isa, 'avx2');
    assert.equal(avx2.bytes, best.bytes, `${best.isa} vs avx2`);
    const generic = productWithIsa('generic');
    assert.equal(generic.isa, 'generic');
    const g = new Float32Array(Buffer.from(generic.bytes, 'base64').buffer.slice(0));
    const f = new Float32Array(Buffer.from(best.bytes, 'base64').buffer.slice(0));
    for (let i = 0; i < f.length; i++) assert.ok(Math.abs(g[i] - f[i]) <= 702 * 2 ** -24 * 700, `generic [${i}]: ${g[i]} vs ${f[i]}`);
  });
});
