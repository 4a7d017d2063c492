/**
 * The fast backends' kernels against the reference kernels (the oracle): one suite, run for each backend by
 * its own test file (wasm.test.ts, native-kernels.test.ts), on awkward sizes, every transpose combination,
 * special values, and arrays from outside the backend's memory (the copy path).
 *
 * Tolerances, and why:
 * - GEMM: the reference accumulates in float64 and rounds once; the fast kernels accumulate in float32 (per
 *   K block, then add blocks). The classic bound for a float32 dot product of length k is
 *   |error| <= k * u * sum_p |a_ip| |b_pj| with u = 2^-24, plus one rounding of the reference itself, so we
 *   allow (k + 2) * 2^-24 * (|A| |B|)_ij per element. (Typical errors are ~sqrt(k) times smaller.)
 * - add/sub/mul/div/maximum/comparisons, neg/abs/sqrt/sign, where, reduce max, reduce sum along a middle axis
 *   and the optimizer updates: bit-identical (see the comments in assembly/*.ts and native/isa/*.c for why
 *   each is exact).
 * - exp/log/tanh: 1 float32 ulp. Both sides evaluate in float64 (Math.* vs assembly/math.ts and
 *   native/math.h, ~1e-16) and round to float32; they can only differ where the exact value is within ~1e-16
 *   of a rounding boundary. (A sweep of 70 million float32 inputs found no difference at all; the test below
 *   sweeps 4.3 million.)
 * - sigmoid: 2 float32 ulp. The fast kernels evaluate it in float32 for speed (assembly/sigmoid.ts,
 *   native/sigmoid.h): an exhaustive run over all 2^32 inputs (a C loop outside the suite) found at most 2 ulp
 *   from the reference, and 97 % equal.
 * - reduce sum along the last axis: the float64 partial sums are added in another order; after rounding to
 *   float32 that is at most 1 ulp of the result plus n * 2^-52 * sum |x| (cancellation).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { refBackend } from '../../src/kernels/ref/index.js';
import type { BinaryOp, DType, FloatArray, Kernels, Strided, UnaryOp } from '../../src/kernels/types.js';
import { Rng } from '../../src/tensor/rng.js';

/** How far each transcendental may be from the reference, in float32 ulp (see above). */
export const TRANSCENDENTAL_ULPS = { exp: 1, log: 1, tanh: 1, sigmoid: 2 } as const;

/** A backend under test: its kernels, its own storage, and the count of its live general allocations. */
export interface FastBackend {
  kernels: Partial<Kernels>;
  alloc(dtype: DType, n: number): FloatArray;
  /** Blocks allocated in the backend's memory now (copy-path scratch must be freed after each call). */
  liveBlocks(): number;
}

const SIZES = [0, 1, 3, 17, 255, 257];
const ref = refBackend.kernels as Kernels;

export function assertBitsEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

const bits = new Float32Array(1), ints = new Int32Array(bits.buffer);
function ordered(x: number): number {
  bits[0] = x;
  return ints[0] < 0 ? -2147483648 - ints[0] : ints[0];
}
export function assertUlps(actual: ArrayLike<number>, expected: ArrayLike<number>, ulps: number, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(a) && Number.isNaN(e), `${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    if (a === e) continue;
    assert.ok(Math.abs(ordered(a) - ordered(e)) <= ulps, `${what}[${i}]: got ${a}, expected ${e} (> ${ulps} ulp)`);
  }
}

/** Every 997th float32 bit pattern (4.3 million values: all signs, subnormals, Inf, NaN), in `alloc`'s storage. */
export function bitPatternSweep(alloc: (n: number) => Float32Array): Float32Array {
  const step = 997, count = Math.floor(2 ** 32 / step);
  const x = alloc(count);
  const u = new Uint32Array(x.buffer, x.byteOffset, count);
  for (let i = 0; i < count; i++) u[i] = (i * step) >>> 0;
  return x;
}

/** Registers the kernel checks for the backend `make()` returns, under describe blocks named `${name} ...`. */
export function fastKernelSuite(name: string, skip: string | false, make: () => FastBackend): void {
  let cached: FastBackend | undefined;
  const fb = (): FastBackend => (cached ??= make());
  const k = (): Kernels => fb().kernels as Kernels;

  /** Float32 storage: in the backend's memory (the no-copy path) or a plain Float32Array (the copy path). */
  function f32(n: number, fill: (i: number) => number, inMemory = true): Float32Array {
    const x = inMemory ? (fb().alloc('float32', n) as Float32Array) : new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = fill(i);
    return x;
  }
  function random(n: number, seed: number, inMemory = true, lo = -1, hi = 1): Float32Array {
    const rng = new Rng(seed);
    return f32(n, () => rng.uniform(lo, hi), inMemory);
  }
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -2.5, 1e-30, 3e38, -3e38, 88.7, -104];
  function withSpecials(n: number, seed: number, inMemory = true): Float32Array {
    const rng = new Rng(seed);
    return f32(n, (i) => (i % 5 === 0 ? SPECIAL[(i / 5) % SPECIAL.length] : rng.uniform(-4, 4)), inMemory);
  }

  describe(`${name} matmul`, { skip }, () => {
    const combos = [[false, false], [true, false], [false, true], [true, true]] as const;
    test('matches the reference within (k + 2) * 2^-24 * (|A||B|) on odd sizes, all transposes', () => {
      let seed = 1;
      for (const [ta, tb] of combos) {
        for (const m of SIZES) for (const n of SIZES) for (const kk of SIZES) {
          if (m * n * kk > 257 * 257 * 17 && !(m === 255 && n === 257 && kk === 255)) continue; // keep the run short
          const a = random(m * kk, seed++), b = random(kk * n, seed++);
          const out = f32(m * n, () => 12345); // garbage: the kernel must overwrite, including when k = 0
          k().matmul(a, b, out, m, n, kk, ta, tb);
          const exp = new Float32Array(m * n);
          ref.matmul(a, b, exp, m, n, kk, ta, tb);
          const absProd = new Float64Array(m * n);
          ref.matmul(Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), absProd, m, n, kk, ta, tb);
          for (let i = 0; i < m * n; i++) {
            const tol = (kk + 2) * 2 ** -24 * absProd[i] + 1e-30;
            if (!(Math.abs(out[i] - exp[i]) <= tol)) {
              assert.fail(`m=${m} n=${n} k=${kk} transA=${ta} transB=${tb} [${i}]: ${out[i]} vs ${exp[i]} (tol ${tol})`);
            }
          }
        }
      }
    });

    test('wide and deep shapes that cross the kernels\' column (2048) and K (256) blocks', () => {
      for (const [m, n, kk] of [[5, 2050, 7], [9, 4100, 3], [6, 10, 1000]]) {
        for (const [ta, tb] of combos) {
          const a = random(m * kk, m + kk), b = random(kk * n, n + kk), out = f32(m * n, () => 1), exp = new Float32Array(m * n);
          k().matmul(a, b, out, m, n, kk, ta, tb);
          ref.matmul(a, b, exp, m, n, kk, ta, tb);
          const absProd = new Float64Array(m * n);
          ref.matmul(Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), absProd, m, n, kk, ta, tb);
          for (let i = 0; i < m * n; i++) {
            assert.ok(Math.abs(out[i] - exp[i]) <= (kk + 2) * 2 ** -24 * absProd[i] + 1e-30, `${m}x${n}x${kk} [${i}]`);
          }
        }
      }
    });

    test('NaN and Inf propagate like the reference', () => {
      const m = 9, n = 13, kk = 11;
      for (const [ta, tb] of combos) {
        const a = random(m * kk, 3), b = random(kk * n, 4);
        a[5] = NaN;
        b[7] = Infinity;
        b[8] = -Infinity;
        const out = f32(m * n, () => 0), exp = new Float32Array(m * n);
        k().matmul(a, b, out, m, n, kk, ta, tb);
        ref.matmul(a, b, exp, m, n, kk, ta, tb);
        for (let i = 0; i < m * n; i++) {
          assert.equal(Number.isNaN(out[i]), Number.isNaN(exp[i]), `NaN at ${i} (transA=${ta}, transB=${tb})`);
          if (!Number.isFinite(exp[i]) && !Number.isNaN(exp[i])) assert.equal(out[i], exp[i], `Inf at ${i}`);
        }
      }
    });

    test('copy path: operands outside the backend memory give the same result', () => {
      const m = 33, n = 18, kk = 65;
      for (const [ta, tb] of combos) {
        const a = random(m * kk, 7), b = random(kk * n, 8);
        const fast = f32(m * n, () => 0);
        k().matmul(a, b, fast, m, n, kk, ta, tb);
        const slow = new Float32Array(m * n);
        const before = fb().liveBlocks();
        k().matmul(random(m * kk, 7, false), random(kk * n, 8, false), slow, m, n, kk, ta, tb);
        assert.equal(fb().liveBlocks(), before, 'copy-path scratch is freed');
        assertBitsEqual(slow, fast, `copy path transA=${ta} transB=${tb}`);
      }
    });

    test('float64 goes to the reference kernel', () => {
      const a = Float64Array.from([1, 2, 3, 4]), b = Float64Array.from([5, 6, 7, 8]), out = new Float64Array(4);
      k().matmul(a, b, out, 2, 2, 2, false, false);
      assert.deepEqual(Array.from(out), [19, 22, 43, 50]);
    });
  });

  describe(`${name} unary`, { skip }, () => {
    const exact: UnaryOp[] = ['neg', 'abs', 'sqrt', 'sign'];
    const libm = Object.keys(TRANSCENDENTAL_ULPS) as (keyof typeof TRANSCENDENTAL_ULPS)[];
    for (const op of [...exact, ...libm]) {
      const ulps = exact.includes(op) ? 0 : TRANSCENDENTAL_ULPS[op as keyof typeof TRANSCENDENTAL_ULPS];
      test(`${op} (${ulps === 0 ? 'bit-identical' : `${ulps} ulp`}), specials, both paths`, () => {
        for (const n of SIZES) {
          for (const inMemory of [true, false]) {
            const x = withSpecials(n, n + 1, inMemory);
            const out = inMemory ? f32(n, () => 7) : new Float32Array(n).fill(7), exp = new Float32Array(n);
            k().unary(op, x, out);
            ref.unary(op, x, exp);
            if (ulps === 0) assertBitsEqual(out, exp, `${op} n=${n}`);
            else assertUlps(out, exp, ulps, `${op} n=${n}`);
          }
        }
      });
    }

    test('float64 goes to the reference kernel', () => {
      const x = Float64Array.from([0.5, -2, 1e-300]), out = new Float64Array(3), exp = new Float64Array(3);
      k().unary('exp', x, out);
      ref.unary('exp', x, exp);
      assert.deepEqual(Array.from(out), Array.from(exp));
    });
  });

  describe(`${name} exp/log/tanh/sigmoid over the whole float32 range`, { skip }, () => {
    test('every 997th bit pattern (4.3 million values, all signs, subnormals, Inf, NaN): within 1 ulp (sigmoid 2)', () => {
      const x = bitPatternSweep((n) => f32(n, () => 0));
      for (const [op, ulps] of Object.entries(TRANSCENDENTAL_ULPS) as [keyof typeof TRANSCENDENTAL_ULPS, number][]) {
        const out = f32(x.length, () => 0), exp = new Float32Array(x.length);
        k().unary(op, x, out);
        ref.unary(op, x, exp);
        assertUlps(out, exp, ulps, `${op} sweep`);
      }
    });
  });

  const BIN_OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'gt', 'ge', 'lt', 'le', 'eq'];
  const dense = (shape: number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1));

  describe(`${name} binary`, { skip }, () => {
    // [label, shape, a strides, b strides] with data laid out to fit; a and b share special values and ties.
    const cases = (r: number, c: number): [string, number[], number[], number[]][] => [
      ['same shape', [r, c], dense([r, c]), dense([r, c])],
      ['scalar b', [r, c], dense([r, c]), [0, 0]],
      ['scalar a', [r, c], [0, 0], dense([r, c])],
      ['row broadcast b ([B,F] op [F])', [r, c], dense([r, c]), [0, 1]],
      ['row broadcast a', [r, c], [0, 1], dense([r, c])],
      ['column broadcast b ([B,F] op [B,1])', [r, c], dense([r, c]), [1, 0]],
      ['column broadcast a, row broadcast b', [r, c], [1, 0], [0, 1]],
      ['transposed a (reference fallback)', [r, c], [1, r], dense([r, c])],
      ['3-D bias ([A,B,F] op [F])', [2, r, c], dense([2, r, c]), [0, 0, 1]],
    ];
    for (const op of BIN_OPS) {
      test(`${op}: bit-identical on every broadcast pattern, NaN, +-0 ties`, () => {
        for (const [r, c] of [[1, 1], [3, 17], [17, 3], [2, 255], [257, 1], [0, 5], [3, 40]]) {
          for (const [label, shape, sa, sb] of cases(r, c)) {
            for (const inMemory of [true, false]) {
              const total = shape.reduce((x, y) => x * y, 1);
              const span = (s: number[]) => (total === 0 ? 1 : 1 + shape.reduce((acc, d, i) => acc + (d - 1) * s[i], 0));
              // Few distinct values so ties (including -0 vs +0) and NaN pairs occur often.
              const pool = [0, -0, 1, -1, 2, NaN, Infinity, -Infinity, 0.5];
              const rng = new Rng(r * 31 + c);
              const aData = f32(span(sa) + 2, () => pool[rng.int(pool.length)], inMemory);
              const bData = f32(span(sb) + 1, () => pool[rng.int(pool.length)], inMemory);
              const a: Strided = { data: aData, offset: 2, strides: sa }, b: Strided = { data: bData, offset: 1, strides: sb };
              const out = inMemory ? f32(total, () => 9) : new Float32Array(total), exp = new Float32Array(total);
              k().binary(op, a, b, out, shape);
              ref.binary(op, a, b, exp, shape);
              assertBitsEqual(out, exp, `${op} ${label} [${shape}] inMemory=${inMemory}`);
            }
          }
        }
      });
    }
  });

  describe(`${name} where`, { skip }, () => {
    test('dense and scalar operands, NaN condition selects a; strided falls back', () => {
      for (const n of SIZES) {
        const cond = f32(n, (i) => [0, 1, NaN, -0, 2][i % 5]);
        const a = random(n, 1), b = random(n, 2), sa = f32(1, () => 5), sb = f32(1, () => -5);
        const variants: [Strided, Strided][] = [
          [{ data: a, offset: 0, strides: [1] }, { data: b, offset: 0, strides: [1] }],
          [{ data: sa, offset: 0, strides: [0] }, { data: b, offset: 0, strides: [1] }],
          [{ data: a, offset: 0, strides: [1] }, { data: sb, offset: 0, strides: [0] }],
          [{ data: sa, offset: 0, strides: [0] }, { data: sb, offset: 0, strides: [0] }],
          [{ data: random(2 * n + 1, 5), offset: 1, strides: [2] }, { data: sb, offset: 0, strides: [0] }], // fallback
        ];
        for (const [va, vb] of variants) {
          const out = f32(n, () => 3), exp = new Float32Array(n);
          const c: Strided = { data: cond, offset: 0, strides: [1] };
          k().where(c, va, vb, out, [n]);
          ref.where(c, va, vb, exp, [n]);
          assertBitsEqual(out, exp, `where n=${n}`);
        }
      }
    });
  });

  describe(`${name} copy`, { skip }, () => {
    test('strided views (transpose, slices, broadcasts, 3-D permutes) copy bit-identically, both paths', () => {
      for (const [r, c] of [[1, 1], [3, 17], [17, 3], [64, 33], [257, 5], [9, 40]]) {
        for (const inMemory of [true, false]) {
          const src = withSpecials(4 * r * c + 8, r + c, inMemory);
          const views: [string, number[], number[], number][] = [
            ['transpose of dense [c, r]', [r, c], [1, r], 0],
            ['dense', [r, c], [c, 1], 3],
            ['row slice with gaps', [r, c], [2 * c, 1], 1],
            ['column broadcast', [r, c], [1, 0], 2],
            ['scalar broadcast', [r, c], [0, 0], 5],
            ['strided both ways', [r, c], [2, 2 * r], 1],
            ['3-D permute', [2, r, c], [1, 2 * c, 2], 0],
            ['3-D transposes', [2, r, c], [r * c, 1, r], 0],
            ['4-D permute (falls back)', [2, 2, r, c], [2 * r * c, 1, 2, 2 * r], 0],
            ['3-D mergeable', [2, r, c], [r * c, c, 1], 0],
          ];
          for (const [label, shape, strides, offset] of views) {
            const n = shape.reduce((x, y) => x * y, 1);
            const x: Strided = { data: src, offset, strides };
            const out = inMemory ? f32(n, () => 5) : new Float32Array(n), exp = new Float32Array(n);
            k().copy(x, out, shape);
            ref.copy(x, exp, shape);
            assertBitsEqual(out, exp, `copy ${label} [${shape}]`);
          }
        }
      }
    });
  });

  describe(`${name} reduce`, { skip }, () => {
    test('sum and max over [outer, n, inner] on odd sizes, specials, both paths', () => {
      for (const outer of [1, 3]) for (const n of [0, 1, 3, 17, 255, 257]) for (const inner of [1, 3, 17, 40]) {
        for (const inMemory of [true, false]) {
          const len = outer * n * inner;
          const x = random(len, outer * 1000 + n * 10 + inner, inMemory, -3, 3);
          for (const op of ['sum', 'max'] as const) {
            const out = inMemory ? f32(outer * inner, () => 1) : new Float32Array(outer * inner), exp = new Float32Array(outer * inner);
            k().reduce(op, x, outer, n, inner, out);
            ref.reduce(op, x, outer, n, inner, exp);
            if (op === 'max' || inner > 1) assertBitsEqual(out, exp, `${op} [${outer},${n},${inner}]`);
            else {
              for (let o = 0; o < outer; o++) {
                let absSum = 0;
                for (let i = 0; i < n; i++) absSum += Math.abs(x[o * n + i]);
                const tol = 2 ** -23 * Math.abs(exp[o]) + n * 2 ** -52 * absSum;
                assert.ok(Math.abs(out[o] - exp[o]) <= tol, `sum row ${o} of [${outer},${n}]: ${out[o]} vs ${exp[o]}`);
              }
            }
          }
        }
      }
    });

    test('a long reduced axis (20000 rows: more than one task\'s share of elements), both ops', () => {
      for (const [outer, n, inner] of [[2, 20000, 3], [1, 20001, 1]]) {
        const x = random(outer * n * inner, n + inner, true, -3, 3);
        for (const op of ['sum', 'max'] as const) {
          const out = f32(outer * inner, () => 1), exp = new Float32Array(outer * inner);
          k().reduce(op, x, outer, n, inner, out);
          ref.reduce(op, x, outer, n, inner, exp);
          if (op === 'max' || inner > 1) assertBitsEqual(out, exp, `${op} [${outer},${n},${inner}]`);
          else assert.ok(Math.abs(out[0] - exp[0]) <= 2 ** -23 * Math.abs(exp[0]) + n * 2 ** -52 * 3 * n, `sum of [${n}]: ${out[0]} vs ${exp[0]}`);
        }
      }
    });

    test('max: NaN wins wherever it is, and a zero maximum keeps the sign of the first zero', () => {
      const rows: number[][] = [
        [-1, NaN, 5, 7, 2], [3, 2, 1, 0, NaN], [-0, 0, -1, -2, -3], [-5, 0, -0, -1, -1], [-1, -2, -3, -4, -0, 0, -1],
        [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [-3, -0, -3, -3, -3, -3, -3, -3, 0],
        // Longer than one vector: the first zero (-0) sits in a later lane than a +0 after it; a NaN in a late lane.
        [...Array<number>(5).fill(-1), -0, ...Array<number>(11).fill(-1), 0, ...Array<number>(20).fill(-2)], [...Array<number>(37).fill(-1), NaN, 4],
      ];
      for (const row of rows) {
        const x = f32(row.length, (i) => row[i]);
        const out = f32(1, () => 0), exp = new Float32Array(1);
        k().reduce('max', x, 1, row.length, 1, out);
        ref.reduce('max', x, 1, row.length, 1, exp);
        assertBitsEqual(out, exp, `max of [${row.map(String)}]`);
        const col = f32(row.length * 5, (i) => row[Math.floor(i / 5)]); // the same values down 5 columns
        const out5 = f32(5, () => 0), exp5 = new Float32Array(5);
        k().reduce('max', col, 1, row.length, 5, out5);
        ref.reduce('max', col, 1, row.length, 5, exp5);
        assertBitsEqual(out5, exp5, `column max of [${row.map(String)}]`);
      }
    });
  });

  describe(`${name} optimizer updates`, { skip }, () => {
    type Run = (k: Kernels, p: Float32Array, g: Float32Array, s: Float32Array[], step: number) => void;
    const variants: [string, number, Run][] = [
      ['sgd', 0, (k, p, g) => k.sgdUpdate(p, g, 0.1, 0.01)],
      ['momentum', 1, (k, p, g, s) => k.momentumUpdate(p, g, s[0], 0.05, 0.9, false, 0)],
      ['nesterov + wd', 1, (k, p, g, s) => k.momentumUpdate(p, g, s[0], 0.05, 0.9, true, 1e-3)],
      ['rmsprop (eps outside sqrt)', 1, (k, p, g, s) => k.rmspropUpdate(p, g, s[0], 0.01, 0.9, 1e-8, 0, false)],
      ['rmsprop (eps inside sqrt) + wd', 1, (k, p, g, s) => k.rmspropUpdate(p, g, s[0], 0.01, 0.9, 1e-7, 1e-2, true)],
      ['adam', 2, (k, p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-3, 0.9, 0.999, 1e-8, t, 0, false)],
      ['adam + L2', 2, (k, p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-3, 0.9, 0.999, 1e-8, t, 0.1, false)],
      ['adamw', 2, (k, p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-2, 0.8, 0.99, 1e-7, t, 0.05, true)],
    ];
    for (const [label, slots, runStep] of variants) {
      test(`${label}: bit-identical to the reference over 5 steps, odd sizes, both paths`, () => {
        for (const n of SIZES) for (const inMemory of [true, false]) {
          const pw = random(n, 1, inMemory), pr = Float32Array.from(pw);
          const sw = Array.from({ length: slots }, () => f32(n, () => 0, inMemory)), sr = sw.map(() => new Float32Array(n));
          for (let t = 1; t <= 5; t++) {
            const rng = new Rng(10 + t);
            const g = f32(n, (i) => (i % 7 === 0 ? [0, -0, 1e-20, -3][i % 4] : rng.uniform(-2, 2)), inMemory);
            runStep(k(), pw, g, sw, t);
            runStep(ref, pr, g, sr, t);
          }
          assertBitsEqual(pw, pr, `${label} n=${n} param`);
          sw.forEach((s, i) => assertBitsEqual(s, sr[i], `${label} n=${n} state ${i}`));
        }
      });
    }
    test('a NaN gradient gives a NaN parameter, as in the reference', () => {
      const p = random(6, 2), g = f32(6, (i) => (i === 3 ? NaN : 0.5)), m = f32(6, () => 0), v = f32(6, () => 0);
      k().adamUpdate(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 1, 0, false);
      assert.ok(Number.isNaN(p[3]) && !Number.isNaN(p[2]));
    });
  });
}
