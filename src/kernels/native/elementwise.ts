/**
 * The native elementwise, where, copy, reduce and optimizer kernels (native/isa/elementwise.c, reduce.c,
 * optim.c): the wasm backend's wrappers (src/kernels/wasm/kernels.ts) with the C kernels behind them. Operands
 * are mapped onto the same layouts (layout.ts); float64 data and stride patterns the C kernels do not take go to
 * the wasm kernels, which answer them (or pass them on to the reference kernels).
 *
 * How a call is split over threads is the C side's business (fixed, shape-determined tasks: native/elementwise.h).
 */
import { asGrid, asWalk, flatKind } from '../layout.js';
import { activationGrad as refActivationGrad } from '../ref/activation-grad.js';
import type { BinaryOp, Kernels, UnaryOp } from '../types.js';
import { IN, INOUT, OUT } from '../wasm/operands.js';
import type { NativeAddon, NativeContext } from './addon.js';
import { isF32, type NativeKernelEnv } from './env.js';

/** The addon's functions for this family (native/elementwise-glue.c); offsets in bytes, counts in elements. */
interface ElementwiseAddon {
  unary(ctx: NativeContext, op: number, x: number, out: number, n: number): void;
  binary(ctx: NativeContext, op: number, a: number, ar: number, ac: number, b: number, br: number, bc: number, out: number, rows: number, cols: number): void;
  actGrad(ctx: NativeContext, act: number, g: number, y: number, out: number, n: number): void;
  where(ctx: NativeContext, cond: number, a: number, ac: number, b: number, bc: number, out: number, n: number): void;
  copy(ctx: NativeContext, x: number, s0: number, rs: number, cs: number, out: number, n0: number, rows: number, cols: number): void;
  reduce(ctx: NativeContext, op: number, x: number, outer: number, n: number, inner: number, out: number): void;
  update(
    ctx: NativeContext, kind: number, flag: number, p: number, g: number, s1: number, s2: number, n: number,
    h0: number, h1: number, h2: number, h3: number, h4: number, h5: number, h6: number,
  ): void;
}

// Op codes: must match native/elementwise.h (the same as the wasm kernels').
const UNARY: Record<UnaryOp, number> = { neg: 0, exp: 1, log: 2, sqrt: 3, tanh: 4, abs: 5, sign: 6, sigmoid: 7 };
const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, gt: 5, ge: 6, lt: 7, le: 8, eq: 9 };
const UPDATE = { sgd: 0, momentum: 1, rmsprop: 2, adam: 3 } as const;
/** Activation codes of native/kernels.h (AEK_ACT_*), as src/kernels/native/gemm.ts. */
const ACT = { sigmoid: 1, relu: 2, tanh: 3 } as const;

function hasElementwise(addon: NativeAddon): addon is NativeAddon & ElementwiseAddon {
  return typeof (addon as Partial<ElementwiseAddon>).update === 'function';
}

export function makeElementwiseKernels({ addon, ctx, wasm, ops }: NativeKernelEnv): Partial<Kernels> {
  // An addon built from older sources: the wasm kernels answer.
  if (!hasElementwise(addon)) return {};
  const fallback = wasm.kernels as Kernels;

  const unary: Kernels['unary'] = (op, x, out) => {
    if (!isF32(x) || !isF32(out)) return fallback.unary(op, x, out);
    const n = x.length;
    if (n === 0) return;
    ops.run(() => addon.unary(ctx, UNARY[op], ops.ptr(x, 0, n, IN), ops.ptr(out, 0, n, OUT), n));
  };

  const binary: Kernels['binary'] = (op, a, b, out, shape) => {
    const n = shape.reduce((x, y) => x * y, 1);
    if (!isF32(a.data) || !isF32(b.data) || !isF32(out) || n === 0) return fallback.binary(op, a, b, out, shape);
    // The widest split that both operands fit: s = 0 is one flat loop (same shape, or a scalar).
    for (let s = 0; s <= shape.length; s++) {
      const ga = asGrid(a, shape, s), gb = asGrid(b, shape, s);
      if (!ga || !gb) continue;
      let cols = 1;
      for (let d = s; d < shape.length; d++) cols *= shape[d];
      const rows = n / cols;
      const ad = a.data as Float32Array, bd = b.data as Float32Array;
      const aSpan = (rows - 1) * ga.rs + (cols - 1) * ga.cs + 1, bSpan = (rows - 1) * gb.rs + (cols - 1) * gb.cs + 1;
      ops.run(() => {
        const pa = ops.ptr(ad, a.offset, aSpan, IN), pb = ops.ptr(bd, b.offset, bSpan, IN), po = ops.ptr(out, 0, n, OUT);
        addon.binary(ctx, BINARY[op], pa, ga.rs, ga.cs, pb, gb.rs, gb.cs, po, rows, cols);
      });
      return;
    }
    fallback.binary(op, a, b, out, shape);
  };

  // float64 (gradient checks) takes the reference kernel: the same operations in float64.
  const activationGrad: NonNullable<Kernels['activationGrad']> = (act, g, y, out) => {
    if (!isF32(g) || !isF32(y) || !isF32(out) || typeof addon.actGrad !== 'function') return refActivationGrad(act, g, y, out);
    const n = out.length;
    if (n === 0) return;
    ops.run(() => addon.actGrad(ctx, ACT[act], ops.ptr(g, 0, n, IN), ops.ptr(y, 0, n, IN), ops.ptr(out, 0, n, OUT), n));
  };

  const where: Kernels['where'] = (cond, a, b, out, shape) => {
    const n = shape.reduce((x, y) => x * y, 1);
    const kc = flatKind(cond, shape), ka = flatKind(a, shape), kb = flatKind(b, shape);
    if (!isF32(cond.data) || !isF32(a.data) || !isF32(b.data) || !isF32(out) || n === 0 || kc !== 1 || ka < 0 || kb < 0) {
      return fallback.where(cond, a, b, out, shape);
    }
    const cd = cond.data as Float32Array, ad = a.data as Float32Array, bd = b.data as Float32Array;
    ops.run(() => {
      const pc = ops.ptr(cd, cond.offset, n, IN), pa = ops.ptr(ad, a.offset, ka ? n : 1, IN), pb = ops.ptr(bd, b.offset, kb ? n : 1, IN);
      addon.where(ctx, pc, pa, ka, pb, kb, ops.ptr(out, 0, n, OUT), n);
    });
  };

  const copy: Kernels['copy'] = (x, out, shape) => {
    const n = shape.reduce((p, q) => p * q, 1);
    const w = asWalk(x, shape);
    if (!isF32(x.data) || !isF32(out) || n === 0 || !w) return fallback.copy(x, out, shape);
    const xd = x.data as Float32Array;
    const [n0, rows, cols] = w.dims, [s0, rs, cs] = w.strides;
    const span = (n0 - 1) * s0 + (rows - 1) * rs + (cols - 1) * cs + 1;
    ops.run(() => addon.copy(ctx, ops.ptr(xd, x.offset, span, IN), s0, rs, cs, ops.ptr(out, 0, n, OUT), n0, rows, cols));
  };

  const reduce: Kernels['reduce'] = (op, x, outer, n, inner, out) => {
    if (!isF32(x) || !isF32(out)) return fallback.reduce(op, x, outer, n, inner, out);
    if (outer * inner === 0) return;
    ops.run(() => {
      const px = ops.ptr(x, 0, outer * n * inner, IN), po = ops.ptr(out, 0, outer * inner, OUT);
      addon.reduce(ctx, op === 'sum' ? 0 : 1, px, outer, n, inner, po);
    });
  };

  /** One fused update over p and its state (native/elementwise.h aek_update: h as in assembly/optim.ts). */
  const update = (kind: number, flag: boolean, p: Float32Array, g: Float32Array, s1: Float32Array | null, s2: Float32Array | null, h: number[]): void => {
    const n = p.length;
    if (n === 0) return;
    ops.run(() => {
      const pp = ops.ptr(p, 0, n, INOUT), pg = ops.ptr(g, 0, n, IN);
      const p1 = s1 ? ops.ptr(s1, 0, n, INOUT) : 0, p2 = s2 ? ops.ptr(s2, 0, n, INOUT) : 0;
      addon.update(ctx, kind, flag ? 1 : 0, pp, pg, p1, p2, n, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0, h[5] ?? 0, h[6] ?? 0);
    });
  };

  const sgdUpdate: Kernels['sgdUpdate'] = (p, g, lr, wd) => {
    if (!isF32(p) || !isF32(g)) return fallback.sgdUpdate(p, g, lr, wd);
    update(UPDATE.sgd, false, p, g, null, null, [lr, wd]);
  };

  const momentumUpdate: Kernels['momentumUpdate'] = (p, g, v, lr, mu, nesterov, wd) => {
    if (!isF32(p) || !isF32(g) || !isF32(v)) return fallback.momentumUpdate(p, g, v, lr, mu, nesterov, wd);
    update(UPDATE.momentum, nesterov, p, g, v, null, [lr, mu, wd]);
  };

  const rmspropUpdate: Kernels['rmspropUpdate'] = (p, g, s, lr, rho, eps, wd, inside) => {
    if (!isF32(p) || !isF32(g) || !isF32(s)) return fallback.rmspropUpdate(p, g, s, lr, rho, eps, wd, inside);
    update(UPDATE.rmsprop, inside, p, g, s, null, [lr, rho, eps, wd]);
  };

  const adamUpdate: Kernels['adamUpdate'] = (p, g, m, v, lr, b1, b2, eps, step, wd, decoupled) => {
    if (!isF32(p) || !isF32(g) || !isF32(m) || !isF32(v)) return fallback.adamUpdate(p, g, m, v, lr, b1, b2, eps, step, wd, decoupled);
    // The same double-precision expressions as the reference, so the fused kernel matches it bit for bit.
    const bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
    update(UPDATE.adam, decoupled, p, g, m, v, [lr, b1, b2, eps, lr / bc1, Math.sqrt(bc2), wd]);
  };

  return { unary, binary, activationGrad, where, copy, reduce, sgdUpdate, momentumUpdate, rmspropUpdate, adamUpdate };
}
