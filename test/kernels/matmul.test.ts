import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { matmul } from '../../src/kernels/ref/matmul.js';
import type { FloatArray } from '../../src/kernels/types.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const DTYPES: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];
const COMBOS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
// [m, k, n]. The last ones exceed the kernel's block sizes (MC=64, KC=256, NC=256) and tile sizes (4x4)
// with ragged remainders, so every edge path (partial tiles, partial blocks, several K slices) runs.
const SIZES: [number, number, number][] = [
  [0, 0, 0], [1, 1, 1], [0, 5, 3], [4, 0, 3], [3, 5, 0], [3, 17, 5], [17, 3, 255], [255, 257, 1], [64, 65, 130],
  [300, 600, 140], [131, 600, 270],
];

/** Deterministic values in [-1, 1). */
function filled(C: Ctor, len: number, seed: number): FloatArray {
  const x = new C(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

const opA = (a: FloatArray, m: number, k: number, transA: boolean, i: number, p: number): number => (transA ? a[p * m + i] : a[i * k + p]);
const opB = (b: FloatArray, k: number, n: number, transB: boolean, p: number, j: number): number => (transB ? b[j * k + p] : b[p * n + j]);

/** Naive triple loop in float64; also returns sum |a*b| per element, the natural scale for the rounding error. */
function oracle(a: FloatArray, b: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean) {
  const ref = new Float64Array(m * n), scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, t = 0;
      for (let p = 0; p < k; p++) {
        const v = opA(a, m, k, transA, i, p) * opB(b, k, n, transB, p, j);
        s += v;
        t += Math.abs(v);
      }
      ref[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { ref, scale };
}

function assertClose(out: FloatArray, a: FloatArray, b: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean): void {
  const { ref, scale } = oracle(a, b, m, n, k, transA, transB);
  const rel = out instanceof Float32Array ? 1e-5 * Math.max(k, 1) : 1e-12;
  for (let e = 0; e < m * n; e++) {
    const err = Math.abs(out[e] - ref[e]);
    if (!(err <= rel * scale[e])) {
      assert.fail(`out[${Math.floor(e / n)},${e % n}] = ${out[e]}, expected ${ref[e]} (m=${m} k=${k} n=${n} transA=${transA} transB=${transB})`);
    }
  }
}

const label = (t: [boolean, boolean]): string => `${t[0] ? 'A^T' : 'A'}${t[1] ? 'B^T' : 'B'}`;

describe('ref matmul', () => {
  for (const [dtype, C] of DTYPES) {
    for (const combo of COMBOS) {
      test(`${dtype} ${label(combo)} matches the naive oracle at every size`, () => {
        const [transA, transB] = combo;
        for (const [m, k, n] of SIZES) {
          const a = filled(C, m * k, m * 31 + k), b = filled(C, k * n, n * 17 + k + 1);
          const out = new C(m * n).fill(NaN); // garbage that must be overwritten, not accumulated into
          matmul(a, b, out, m, n, k, transA, transB);
          assertClose(out, a, b, m, n, k, transA, transB);
        }
      });
    }

    test(`${dtype}: NaN/Inf propagate like the naive loop (no zero skipping)`, () => {
      const m = 7, k = 9, n = 6;
      for (const [transA, transB] of COMBOS) {
        const a = filled(C, m * k, 5), b = filled(C, k * n, 6);
        // NaN at op(a)[2,4] poisons all of row 2.
        a[transA ? 4 * m + 2 : 2 * k + 4] = NaN;
        // Inf at op(a)[5,1] meets op(b)[1,*] = 0: Inf*0 = NaN, so row 5 must be NaN too.
        a[transA ? 1 * m + 5 : 5 * k + 1] = Infinity;
        for (let j = 0; j < n; j++) b[transB ? j * k + 1 : 1 * n + j] = 0;
        // And a NaN in op(b)[3,4] poisons column 4, even where op(a)[i,3] is zero.
        b[transB ? 4 * k + 3 : 3 * n + 4] = NaN;
        a[transA ? 3 * m + 0 : 0 * k + 3] = 0;
        const out = new C(m * n);
        matmul(a, b, out, m, n, k, transA, transB);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const nan = i === 2 || i === 5 || j === 4;
            assert.equal(Number.isNaN(out[i * n + j]), nan, `out[${i},${j}] ${label([transA, transB])}`);
          }
        }
      }
    });

    test(`${dtype}: subarray views with offsets, and out longer than m*n is only written up to m*n`, () => {
      const m = 37, k = 70, n = 45;
      for (const [transA, transB] of COMBOS) {
        const bigA = filled(C, m * k + 11, 1), bigB = filled(C, k * n + 20, 2), bigOut = new C(m * n + 13).fill(-7);
        const a = bigA.subarray(3, 3 + m * k + 5); // longer than needed on purpose
        const b = bigB.subarray(9);
        const out = bigOut.subarray(5);
        matmul(a, b, out, m, n, k, transA, transB);
        assertClose(out, a, b, m, n, k, transA, transB);
        for (let e = 0; e < 5; e++) assert.equal(bigOut[e], -7, 'wrote before the view');
        for (let e = 5 + m * n; e < bigOut.length; e++) assert.equal(bigOut[e], -7, 'wrote past m*n');
      }
    });
  }

  test('repeated calls with shrinking and growing sizes reuse scratch correctly', () => {
    for (const [m, k, n] of [[70, 300, 260], [5, 6, 7], [70, 300, 260], [2, 513, 3]] as const) {
      const a = filled(Float32Array, m * k, m + k), b = filled(Float32Array, k * n, n);
      const out = new Float32Array(m * n).fill(123);
      matmul(a, b, out, m, n, k, true, false);
      assertClose(out, a, b, m, n, k, true, false);
    }
  });
});
