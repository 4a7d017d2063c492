/**
 * Calls of every elementwise, where, copy, reduce and optimizer kernel large enough to be split over threads
 * (and with odd sizes, so tasks end in partial vectors), on fixed pseudo-random data with special values: the
 * outputs by name. native-kernels.test.ts compares them across thread counts and instruction sets, and with
 * the reference kernels.
 */
import type { Backend, Kernels, Strided } from '../../src/kernels/types.js';
import { Rng } from '../../src/tensor/rng.js';

export interface LargeCalls {
  out: Record<string, Float32Array>;
  /** Sums along a row (not bit-identical to the reference): the row length and each row's sum of |x|. */
  rowSums: Record<string, { n: number; absSums: number[] }>;
}

export function largeCalls(b: Backend): LargeCalls {
  const k = b.kernels as Kernels;
  const rng = new Rng(42);
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 88.7, -104];
  const data = (n: number, lo = -4, hi = 4, specials = true): Float32Array => {
    const x = b.alloc('float32', n) as Float32Array;
    for (let i = 0; i < n; i++) x[i] = specials && i % 97 === 0 ? SPECIAL[(i / 97) % SPECIAL.length] : rng.uniform(lo, hi);
    return x;
  };
  const out = (n: number): Float32Array => b.alloc('float32', n) as Float32Array;
  const dense = (x: Float32Array): Strided => ({ data: x, offset: 0, strides: [1] });
  const r: Record<string, Float32Array> = {};

  const n = 300_001;
  const x = data(n), y = data(n);
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'tanh', 'abs', 'sign', 'sigmoid'] as const) k.unary(op, x, (r[`unary ${op}`] = out(n)));
  for (const op of ['add', 'div', 'maximum', 'le'] as const) k.binary(op, dense(x), dense(y), (r[`binary ${op}`] = out(n)), [n]);
  // [991, 301] plus a row ([F]) and a column ([B, 1]) broadcast: whole rows per task.
  const rows = 991, cols = 301, bias = data(cols), colv = data(rows);
  k.binary('add', { data: x, offset: 0, strides: [cols, 1] }, { data: bias, offset: 0, strides: [0, 1] }, (r['binary bias add'] = out(rows * cols)), [rows, cols]);
  k.binary('sub', { data: x, offset: 0, strides: [cols, 1] }, { data: colv, offset: 0, strides: [1, 0] }, (r['binary column sub'] = out(rows * cols)), [rows, cols]);
  const cond = data(n);
  k.where(dense(cond), dense(x), { data: y, offset: 0, strides: [0] }, (r.where = out(n)), [n]);
  // A transposed [703, 421] view, a 3-D permute, a broadcast row.
  k.copy({ data: x, offset: 0, strides: [1, 703] }, (r['copy transpose'] = out(703 * 421)), [703, 421]);
  k.copy({ data: x, offset: 1, strides: [1, 3 * 151, 3] }, (r['copy 3-D permute'] = out(3 * 400 * 151)), [3, 400, 151]);
  k.copy({ data: x, offset: 0, strides: [1, 0] }, (r['copy broadcast'] = out(1000 * 300)), [1000, 300]);
  // Sums of finite data (a NaN would hide the sum order); max also with the special values. In `c`, every 7th
  // value is +-2^40: the float64 partial sums then lose different low bits for every grouping of the elements,
  // so a change in the sum order shows in the float32 result.
  const z = data(n, -3, 3, false), c = data(n, -1, 1, false);
  for (let i = 0; i < n; i += 7) c[i] = i % 14 === 0 ? 2 ** 40 : -(2 ** 40);
  const rowSums: LargeCalls['rowSums'] = {};
  const alongRows = (name: string, x: Float32Array, rows: number, len: number): void => {
    k.reduce('sum', x, rows, len, 1, (r[name] = out(rows)));
    const absSums: number[] = [];
    for (let o = 0; o < rows; o++) {
      let s = 0;
      for (let i = 0; i < len; i++) s += Math.abs(x[o * len + i]);
      absSums.push(s);
    }
    rowSums[name] = { n: len, absSums };
  };
  alongRows('reduce sum one row', z, 1, n);
  alongRows('reduce sum rows', z, 1001, 299);
  alongRows('reduce sum one row, cancellation', c, 1, n);
  alongRows('reduce sum rows, cancellation', c, 1001, 299);
  k.reduce('max', z, 1, n, 1, (r['reduce max one row'] = out(1)));
  k.reduce('max', z, 1001, 299, 1, (r['reduce max rows'] = out(1001)));
  for (const op of ['sum', 'max'] as const) {
    k.reduce(op, z, 3, 257, 389, (r[`reduce ${op} columns`] = out(3 * 389)));
    k.reduce(op, z, 1, 256, 1171, (r[`reduce ${op} bias gradient`] = out(1171)));
    k.reduce(op, z, 1, 20000, 15, (r[`reduce ${op} long columns`] = out(15))); // more rows than a task's share
  }
  k.reduce('max', x, 1001, 299, 1, (r['reduce max rows, specials'] = out(1001)));
  k.reduce('max', x, 3, 257, 389, (r['reduce max columns, specials'] = out(3 * 389)));
  const opt = (name: string, slots: number, run: (p: Float32Array, g: Float32Array, s: Float32Array[], t: number) => void): void => {
    const p = data(n, -1, 1), s = Array.from({ length: slots }, () => out(n));
    for (let t = 1; t <= 3; t++) run(p, data(n, -2, 2), s, t);
    r[name] = p;
    s.forEach((v, i) => (r[`${name} state ${i}`] = v));
  };
  opt('sgd', 0, (p, g) => k.sgdUpdate(p, g, 0.1, 0.01));
  opt('nesterov', 1, (p, g, s) => k.momentumUpdate(p, g, s[0], 0.05, 0.9, true, 1e-3));
  opt('rmsprop', 1, (p, g, s) => k.rmspropUpdate(p, g, s[0], 0.01, 0.9, 1e-7, 0, false));
  opt('adamw', 2, (p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-2, 0.9, 0.999, 1e-8, t, 0.05, true));
  opt('adam + L2', 2, (p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-3, 0.9, 0.999, 1e-8, t, 0.1, false));
  return { out: r, rowSums };
}
