/**
 * The wasm backend's kernels: thin wrappers that check sizes, map the operands onto the shapes the
 * AssemblyScript kernels handle (assembly/*.ts), and call them with pointers (large elementwise calls as jobs
 * the thread pool splits by rows or chunks, see jobs.ts). Whatever they do not handle
 * (float64 data, stride patterns other than the fast paths) goes to the reference kernel, so every call is
 * answered, with the reference kernel's semantics.
 */
import { refBackend } from '../ref/index.js';
import { asGrid, asWalk, flatKind } from '../layout.js';
import type { BinaryOp, FloatArray, Kernels, UnaryOp } from '../types.js';
import type { WasmHeap } from './heap.js';
import type { KernelExports } from './module.js';
import { MIN_PARALLEL_MACS } from '../threads/pool.js';
import { CHUNK, JOB, JobDescriptor, type JobRunner, SLOT } from './jobs.js';
import { IN, INOUT, OUT, Operands } from './operands.js';

const ref = refBackend.kernels as Kernels;

// Op codes: must match the constants at the top of assembly/elementwise.ts.
const UNARY: Record<UnaryOp, number> = { neg: 0, exp: 1, log: 2, sqrt: 3, tanh: 4, abs: 5, sign: 6, sigmoid: 7 };
const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, gt: 5, ge: 6, lt: 7, le: 8, eq: 9 };

/** Runs C[row0:row1] = op(A) @ op(B) for all rows, possibly split over threads (see threads/pool.ts). */
export type GemmRunner = (a: number, b: number, c: number, m: number, n: number, k: number, transA: boolean, transB: boolean) => void;

const isF32 = (x: FloatArray): x is Float32Array => x instanceof Float32Array;

/**
 * Work (in the pool's units, about one multiply-add) per element of an elementwise kernel: memory-bound ops
 * split from ~256k elements, exp/log/tanh (float64 polynomials) and sigmoid (a float32 polynomial and a
 * division) from ~64k.
 */
const SIMPLE_COST = 8, TRANSCENDENTAL_COST = 32;
/**
 * The fused optimizer updates have a square root and a division per element for RMSProp and Adam. Priced like
 * the transcendentals when they evaluated in float64 (~2.3 ns per parameter on one core; W1's RMSProp was 1.05 ms
 * of a 14.6 ms step on 2 threads); they now run in float32 lanes (the reference's rounding, bit for bit), cheaper
 * per parameter, and the split threshold was kept.
 */
const OPTIMIZER_COST = 32;

export function makeKernels(heap: WasmHeap, wasm: KernelExports, runGemm: GemmRunner, runJob: JobRunner, threads: number): Partial<Kernels> {
  const ops = new Operands(heap);
  const desc = new JobDescriptor(heap);
  /** Large enough to be worth a job the pool may split (a single thread calls the kernel directly). */
  const big = (elements: number, cost = SIMPLE_COST): boolean => threads > 1 && elements * cost >= MIN_PARALLEL_MACS;
  const items = (rows: number, cols: number): number => (rows > 1 ? rows : Math.ceil(cols / CHUNK));

  /** Calls `fn` and then copies back / frees any copy-path scratch, also when `fn` throws. */
  const run = (fn: () => void): void => ops.run(fn);

  const matmul: Kernels['matmul'] = (a, b, out, m, n, k, transA, transB) => {
    if (!isF32(a) || !isF32(b) || !isF32(out)) return ref.matmul(a, b, out, m, n, k, transA, transB);
    if (m === 0 || n === 0) return;
    run(() => {
      const pa = ops.ptr(a, 0, m * k, IN), pb = ops.ptr(b, 0, k * n, IN), pc = ops.ptr(out, 0, m * n, OUT);
      runGemm(pa, pb, pc, m, n, k, transA, transB);
    });
  };

  const unary: Kernels['unary'] = (op, x, out) => {
    if (!isF32(x) || !isF32(out)) return ref.unary(op, x, out);
    const n = x.length;
    if (n === 0) return;
    const cost = op === 'exp' || op === 'log' || op === 'tanh' || op === 'sigmoid' ? TRANSCENDENTAL_COST : SIMPLE_COST;
    run(() => {
      const px = ops.ptr(x, 0, n, IN), po = ops.ptr(out, 0, n, OUT);
      if (!big(n, cost)) return wasm.unary(UNARY[op], px, po, n);
      runJob(desc.write({ 0: JOB.unary, [SLOT.op]: UNARY[op], [SLOT.a]: px, [SLOT.out]: po, [SLOT.cols]: n }), items(1, n), 0, 0, n * cost);
    });
  };

  const binary: Kernels['binary'] = (op, a, b, out, shape) => {
    const n = shape.reduce((x, y) => x * y, 1);
    if (!isF32(a.data) || !isF32(b.data) || !isF32(out) || n === 0) return ref.binary(op, a, b, out, shape);
    // The widest split that both operands fit: s = 0 is one flat loop (same shape, or a scalar).
    for (let s = 0; s <= shape.length; s++) {
      const ga = asGrid(a, shape, s), gb = asGrid(b, shape, s);
      if (!ga || !gb) continue;
      let cols = 1;
      for (let d = s; d < shape.length; d++) cols *= shape[d];
      const rows = cols === 0 ? 0 : n / cols;
      if (rows === 0) return;
      const ad = a.data as Float32Array, bd = b.data as Float32Array;
      const aSpan = (rows - 1) * ga.rs + (cols - 1) * ga.cs + 1, bSpan = (rows - 1) * gb.rs + (cols - 1) * gb.cs + 1;
      run(() => {
        const pa = ops.ptr(ad, a.offset, aSpan, IN), pb = ops.ptr(bd, b.offset, bSpan, IN), po = ops.ptr(out, 0, n, OUT);
        if (!big(n)) return wasm.binary2d(BINARY[op], pa, ga.rs, ga.cs, pb, gb.rs, gb.cs, po, rows, cols);
        runJob(desc.write({
          0: JOB.binary, [SLOT.op]: BINARY[op], [SLOT.a]: pa, [SLOT.ar]: ga.rs, [SLOT.ac]: ga.cs,
          [SLOT.b]: pb, [SLOT.br]: gb.rs, [SLOT.bc]: gb.cs, [SLOT.out]: po, [SLOT.rows]: rows, [SLOT.cols]: cols,
        }), items(rows, cols), 0, 0, n * SIMPLE_COST);
      });
      return;
    }
    ref.binary(op, a, b, out, shape);
  };

  const where: Kernels['where'] = (cond, a, b, out, shape) => {
    const n = shape.reduce((x, y) => x * y, 1);
    const kc = flatKind(cond, shape), ka = flatKind(a, shape), kb = flatKind(b, shape);
    if (!isF32(cond.data) || !isF32(a.data) || !isF32(b.data) || !isF32(out) || n === 0 || kc !== 1 || ka < 0 || kb < 0) {
      return ref.where(cond, a, b, out, shape);
    }
    const cd = cond.data as Float32Array, ad = a.data as Float32Array, bd = b.data as Float32Array;
    run(() => {
      const pc = ops.ptr(cd, cond.offset, n, IN), pa = ops.ptr(ad, a.offset, ka ? n : 1, IN), pb = ops.ptr(bd, b.offset, kb ? n : 1, IN);
      const po = ops.ptr(out, 0, n, OUT);
      if (!big(n)) return wasm.where1d(pc, pa, ka, pb, kb, po, n);
      runJob(desc.write({
        0: JOB.where, [SLOT.cond]: pc, [SLOT.a]: pa, [SLOT.ac]: ka, [SLOT.b]: pb, [SLOT.bc]: kb, [SLOT.out]: po, [SLOT.cols]: n,
      }), items(1, n), 0, 0, n * SIMPLE_COST);
    });
  };

  const copy: Kernels['copy'] = (x, out, shape) => {
    const n = shape.reduce((p, q) => p * q, 1);
    const w = asWalk(x, shape);
    if (!isF32(x.data) || !isF32(out) || n === 0 || !w) return ref.copy(x, out, shape);
    const xd = x.data as Float32Array;
    const [n0, rows, cols] = w.dims, [s0, rs, cs] = w.strides;
    const span = (n0 - 1) * s0 + (rows - 1) * rs + (cols - 1) * cs + 1;
    run(() => {
      const px = ops.ptr(xd, x.offset, span, IN), po = ops.ptr(out, 0, n, OUT);
      if (big(n)) {
        const jobs = n0 > 1 ? n0 : items(rows, cols);
        runJob(desc.write({
          0: JOB.copy, [SLOT.a]: px, [SLOT.s0]: s0, [SLOT.ar]: rs, [SLOT.ac]: cs, [SLOT.out]: po, [SLOT.n0]: n0, [SLOT.rows]: rows, [SLOT.cols]: cols,
        }), jobs, 0, 0, n * SIMPLE_COST);
      } else if (n0 === 1) {
        wasm.copy2d(px, rs, cs, po, rows, cols);
      } else {
        wasm.copy3d(px, s0, rs, cs, po, n0, rows, cols);
      }
    });
  };

  const reduce: Kernels['reduce'] = (op, x, outer, n, inner, out) => {
    if (!isF32(x) || !isF32(out)) return ref.reduce(op, x, outer, n, inner, out);
    if (outer * inner === 0) return;
    run(() => {
      const px = ops.ptr(x, 0, outer * n * inner, IN), po = ops.ptr(out, 0, outer * inner, OUT), code = op === 'sum' ? 0 : 1;
      // Rows of [outer, n, inner] are independent, so only outer > 1 splits (a single row's sum would need
      // partial sums, whose order would depend on the split).
      if (outer < 2 || !big(outer * n * inner)) return wasm.reduce(code, px, outer, n, inner, po);
      runJob(desc.write({ 0: JOB.reduce, [SLOT.op]: code, [SLOT.a]: px, [SLOT.s0]: n, [SLOT.cols]: inner, [SLOT.out]: po }), outer, 0, 0, outer * n * inner * SIMPLE_COST);
    });
  };

  /**
   * A large update as a pool job over chunks of the parameters (assembly/jobs.ts): p, g and up to two state
   * buffers, the update's boolean option and its float64 hyper-parameters. Returns false when it is too small
   * to split, and the caller runs the kernel directly.
   */
  const updateJob = (kind: number, n: number, ptrs: [number, number, number, number], flag: boolean, hyper: number[]): boolean => {
    if (!big(n, OPTIMIZER_COST)) return false;
    const [pp, pg, s1, s2] = ptrs;
    runJob(desc.write({ 0: kind, [SLOT.op]: flag ? 1 : 0, [SLOT.a]: pp, [SLOT.b]: pg, [SLOT.out]: s1, [SLOT.cond]: s2, [SLOT.cols]: n }, hyper),
      items(1, n), 0, 0, n * OPTIMIZER_COST);
    return true;
  };

  const sgdUpdate: Kernels['sgdUpdate'] = (p, g, lr, wd) => {
    if (!isF32(p) || !isF32(g)) return ref.sgdUpdate(p, g, lr, wd);
    const n = p.length;
    if (n === 0) return;
    run(() => {
      const pp = ops.ptr(p, 0, n, INOUT), pg = ops.ptr(g, 0, n, IN);
      if (!updateJob(JOB.sgd, n, [pp, pg, 0, 0], false, [lr, wd])) wasm.sgdUpdate(pp, pg, n, lr, wd);
    });
  };

  const momentumUpdate: Kernels['momentumUpdate'] = (p, g, v, lr, mu, nesterov, wd) => {
    if (!isF32(p) || !isF32(g) || !isF32(v)) return ref.momentumUpdate(p, g, v, lr, mu, nesterov, wd);
    const n = p.length;
    if (n === 0) return;
    run(() => {
      const pp = ops.ptr(p, 0, n, INOUT), pg = ops.ptr(g, 0, n, IN), pv = ops.ptr(v, 0, n, INOUT);
      if (!updateJob(JOB.momentum, n, [pp, pg, pv, 0], nesterov, [lr, mu, wd])) wasm.momentumUpdate(pp, pg, pv, n, lr, mu, nesterov ? 1 : 0, wd);
    });
  };

  const rmspropUpdate: Kernels['rmspropUpdate'] = (p, g, s, lr, rho, eps, wd, inside) => {
    if (!isF32(p) || !isF32(g) || !isF32(s)) return ref.rmspropUpdate(p, g, s, lr, rho, eps, wd, inside);
    const n = p.length;
    if (n === 0) return;
    run(() => {
      const pp = ops.ptr(p, 0, n, INOUT), pg = ops.ptr(g, 0, n, IN), ps = ops.ptr(s, 0, n, INOUT);
      if (!updateJob(JOB.rmsprop, n, [pp, pg, ps, 0], inside, [lr, rho, eps, wd])) wasm.rmspropUpdate(pp, pg, ps, n, lr, rho, eps, wd, inside ? 1 : 0);
    });
  };

  const adamUpdate: Kernels['adamUpdate'] = (p, g, m, v, lr, b1, b2, eps, step, wd, decoupled) => {
    if (!isF32(p) || !isF32(g) || !isF32(m) || !isF32(v)) return ref.adamUpdate(p, g, m, v, lr, b1, b2, eps, step, wd, decoupled);
    const n = p.length;
    if (n === 0) return;
    // The same double-precision expressions as the reference, so the fused kernel matches it bit for bit.
    const bc1 = 1 - Math.pow(b1, step);
    const bc2 = 1 - Math.pow(b2, step);
    run(() => {
      const pp = ops.ptr(p, 0, n, INOUT), pg = ops.ptr(g, 0, n, IN), pm = ops.ptr(m, 0, n, INOUT), pv = ops.ptr(v, 0, n, INOUT);
      const hyper = [lr, b1, b2, eps, lr / bc1, Math.sqrt(bc2), wd];
      if (!updateJob(JOB.adam, n, [pp, pg, pm, pv], decoupled, hyper)) {
        wasm.adamUpdate(pp, pg, pm, pv, n, lr, b1, b2, eps, lr / bc1, Math.sqrt(bc2), wd, decoupled ? 1 : 0);
      }
    });
  };

  return { matmul, unary, binary, where, copy, reduce, sgdUpdate, momentumUpdate, rmspropUpdate, adamUpdate };
}
