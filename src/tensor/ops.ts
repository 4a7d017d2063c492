/**
 * The primitive ops. Each one computes its result with a kernel from the registry and, when gradients are
 * being recorded and an input needs one, records a GradNode. Gradient rules live in one table
 * (src/autograd/rules.ts); nothing here knows about derivatives.
 */
import { isGradEnabled } from '../autograd/mode.js';
import type { GradNode, Primitive, PrimitiveAttrs } from '../autograd/primitives.js';
import { kernel } from '../kernels/registry.js';
import type { BinaryOp, FloatArray, LinearAct, Strided, UnaryOp } from '../kernels/types.js';
import { broadcastShapes, denseStrides, fmtShape, normAxis, type Shape, shapeEq, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

export type TensorLike = Tensor | number;

/** Records a primitive's node on its output. Exported for the primitives in sibling files (conv-ops.ts) only. */
export function record<P extends Primitive>(out: Tensor, prim: P, inputs: Tensor[], attrs: PrimitiveAttrs[P]): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { prim, inputs, attrs } as GradNode<P> as GradNode;
  }
  return out;
}

function alloc(like: Tensor, shape: Shape): Tensor {
  return new Tensor(like.backend.alloc(like.dtype, sizeOf(shape)), shape, { backend: like.backend });
}

/**
 * For outputs a kernel writes in full (elementwise ops, matmul with k > 0): no clearing needed. Exported for the
 * primitives in sibling files (conv-ops.ts) only.
 */
export function allocOut(like: Tensor, shape: Shape): Tensor {
  const b = like.backend;
  const data = b.allocUninit ? b.allocUninit(like.dtype, sizeOf(shape)) : b.alloc(like.dtype, sizeOf(shape));
  return new Tensor(data, shape, { backend: b });
}

function asTensor(x: TensorLike, like: Tensor): Tensor {
  if (x instanceof Tensor) {
    if (x.dtype !== like.dtype) throw new Error(`dtype mismatch: ${x.dtype} and ${like.dtype}`);
    return x;
  }
  if (typeof x !== 'number') throw new Error(`expected a Tensor or a number, got ${typeof x}`);
  const t = new Tensor(like.backend.alloc(like.dtype, 1), [], { backend: like.backend });
  t.data[0] = x;
  return t;
}

function pickLike(a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor) return a;
  if (b instanceof Tensor) return b;
  throw new Error('at least one operand must be a Tensor');
}

/** The operand's strides seen from a broadcast output shape (0 on broadcast axes). */
export function broadcastView(t: Tensor, outShape: Shape): Strided {
  const n = outShape.length;
  const strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - (n - t.ndim);
    strides[i] = j < 0 || (t.shape[j] === 1 && outShape[i] !== 1) ? 0 : t.strides[j];
  }
  return { data: t.data, offset: t.offset, strides };
}

/** Dense data for `t`, starting at index 0 of the returned array (a subarray view when already dense). */
export function denseData(t: Tensor): FloatArray {
  if (t.isDense) return t.data.subarray(t.offset, t.offset + t.size);
  const out = t.backend.alloc(t.dtype, t.size);
  kernel('copy', t.backend)({ data: t.data, offset: t.offset, strides: t.strides }, out, t.shape);
  return out;
}

/** A dense tensor with the same values (no graph: same values, same gradient). */
export function contiguous(t: Tensor): Tensor {
  if (t.isDense && t.offset === 0 && t.data.length === t.size) return t;
  const out = new Tensor(denseData(t).slice(), t.shape, { backend: t.backend });
  out.requiresGrad = t.requiresGrad;
  out.node = t.node;
  return out;
}

// ---------------------------------------------------------------- elementwise

function binaryOp(prim: 'add' | 'sub' | 'mul' | 'div' | 'maximum', a0: TensorLike, b0: TensorLike): Tensor {
  const like = pickLike(a0, b0);
  const a = asTensor(a0, like), b = asTensor(b0, like);
  const shape = broadcastShapes(a.shape, b.shape, `${prim}`);
  const out = allocOut(like, shape);
  kernel('binary', like.backend)(prim as BinaryOp, broadcastView(a, shape), broadcastView(b, shape), out.data, shape);
  return record(out, prim, [a, b], {});
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binaryOp('div', a, b);
/**
 * Elementwise max. Gradient goes to `a` where a > b and to `b` elsewhere (ties go to b). So relu(x) =
 * maximum(x, 0) has gradient 0 at x = 0, the usual convention; splitting ties would pass half.
 */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);

export function compare(op: 'gt' | 'ge' | 'lt' | 'le' | 'eq', a0: TensorLike, b0: TensorLike): Tensor {
  const like = pickLike(a0, b0);
  const a = asTensor(a0, like), b = asTensor(b0, like);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocOut(like, shape);
  kernel('binary', like.backend)(op, broadcastView(a, shape), broadcastView(b, shape), out.data, shape);
  return record(out, 'compare', [a, b], { op });
}

function unaryOp(prim: UnaryOp, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${prim} expects a Tensor`);
  const out = allocOut(x, x.shape);
  kernel('unary', x.backend)(prim, denseData(x), out.data);
  return record(out, prim, [x], {});
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** 1 / (1 + e^-x), evaluated as 0.5 tanh(x / 2) + 0.5 in one kernel pass; finite value and gradient for any x. */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
/** sign(x) in {-1, 0, 1}; no gradient (zero almost everywhere). */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);

/** cond != 0 ? a : b, with broadcasting. cond receives no gradient. */
export function where(cond: Tensor, a0: TensorLike, b0: TensorLike): Tensor {
  const a = asTensor(a0, cond), b = asTensor(b0, cond);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const out = allocOut(cond, shape);
  kernel('where', cond.backend)(broadcastView(cond, shape), broadcastView(a, shape), broadcastView(b, shape), out.data, shape);
  return record(out, 'where', [cond, a, b], {});
}

// ---------------------------------------------------------------- reductions

function normAxes(axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normAxis(a, ndim)))].sort((x, y) => x - y);
  return out;
}

function reduceOp(op: 'sum' | 'max', x: Tensor, axes0: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const axes = normAxes(axes0, x.ndim);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  if (op === 'max' && axes.some((a) => x.shape[a] === 0)) throw new Error(`max over an empty axis of shape ${fmtShape(x.shape)}`);
  // Move reduced axes to one contiguous block: if they already are, no copy is needed.
  const contiguousBlock = axes.length === 0 || axes[axes.length - 1] - axes[0] === axes.length - 1;
  let src: FloatArray, outer: number, n: number, inner: number;
  if (contiguousBlock && axes.length > 0) {
    src = denseData(x);
    outer = sizeOf(x.shape.slice(0, axes[0]));
    n = sizeOf(axes.map((a) => x.shape[a]));
    inner = sizeOf(x.shape.slice(axes[axes.length - 1] + 1));
  } else {
    const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...rest, ...axes];
    src = denseData(permuteView(x, perm));
    outer = sizeOf(rest.map((a) => x.shape[a]));
    n = sizeOf(axes.map((a) => x.shape[a]));
    inner = 1;
  }
  const out = alloc(x, outShape);
  kernel('reduce', x.backend)(op, src, outer, n, inner, out.data);
  return record(out, op, [x], { axes, keepDims });
}

export const sum = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduceOp('sum', x, axes, keepDims);
/** Max over axes; the gradient goes to the maximal elements (split evenly between ties). */
export const max = (x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor => reduceOp('max', x, axes, keepDims);

// ---------------------------------------------------------------- matmul

/** Returns [data, transposed] for a 2-D tensor that is dense or a transposed view of dense data; null otherwise. */
function matOperand(t: Tensor): [FloatArray, boolean] {
  const [r, c] = t.shape;
  if (t.isDense) return [t.data.subarray(t.offset, t.offset + t.size), false];
  if ((t.strides[0] === 1 || r === 1) && (t.strides[1] === r || c === 1)) {
    return [t.data.subarray(t.offset, t.offset + t.size), true];
  }
  return [denseData(t), false];
}

/** Matrix product of 2-D tensors [m,k] @ [k,n]. Transposed views are passed to the kernel without a copy. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new Error(`matmul expects 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.shape[1] !== b.shape[0]) {
    throw new Error(`matmul shape mismatch: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (inner sizes ${a.shape[1]} and ${b.shape[0]} differ)`);
  }
  if (a.dtype !== b.dtype) throw new Error(`dtype mismatch: ${a.dtype} and ${b.dtype}`);
  const [m, k] = a.shape, n = b.shape[1];
  const [ad, ta] = matOperand(a);
  const [bd, tb] = matOperand(b);
  const out = k > 0 ? allocOut(a, [m, n]) : alloc(a, [m, n]);
  kernel('matmul', a.backend)(ad, bd, out.data, m, n, k, ta, tb);
  return record(out, 'matmul', [a, b], {});
}

/**
 * A Dense layer's forward pass, act(x @ w^T + b) for x [m, k], w [n, k] (PyTorch's layout), b [n] or null: one
 * kernel where the backend fuses it (Kernels.linear), else matmul, add and the activation. Same bits either way.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null, act: LinearAct): Tensor {
  const fused = x.backend.kernels.linear;
  const [m, k] = x.shape, n = w.shape[0];
  const fusable = fused && x.ndim === 2 && w.ndim === 2 && w.shape[1] === k && k > 0 && x.isDense && w.isDense
    && x.dtype === w.dtype && w.backend === x.backend
    && (!b || (b.ndim === 1 && b.shape[0] === n && b.isDense && b.dtype === x.dtype && b.backend === x.backend));
  if (!fusable) {
    const z = b ? add(matmul(x, transpose(w)), b) : matmul(x, transpose(w));
    return act === 'sigmoid' ? sigmoid(z) : act === 'tanh' ? tanh(z) : act === 'relu' ? maximum(z, 0) : z;
  }
  const out = allocOut(x, [m, n]);
  fused(denseData(x), denseData(w), b ? denseData(b) : null, out.data, m, n, k, act);
  return record(out, 'linear', b ? [x, w, b] : [x, w], { act });
}

/**
 * The gradient of `act` at its output y = act(z), times g: g * (y * (1 - y)) for sigmoid, g * (1 - y * y) for
 * tanh, g * (y > 0) for relu (the linear rule's). One kernel where the backend has Kernels.activationGrad and the
 * operands are dense tensors of one shape, else those ops; the same bits either way. It records no primitive of
 * its own: while gradients are being recorded (never inside a rule) it takes the composed ops, which do.
 */
export function activationGrad(g: Tensor, y: Tensor, act: Exclude<LinearAct, 'linear'>): Tensor {
  const fused = g.backend.kernels.activationGrad;
  const recording = isGradEnabled() && (g.requiresGrad || y.requiresGrad);
  if (!fused || recording || !shapeEq(g.shape, y.shape) || !g.isDense || !y.isDense || g.dtype !== y.dtype || g.backend !== y.backend) {
    return act === 'sigmoid' ? mul(g, mul(y, sub(1, y)))
      : act === 'tanh' ? mul(g, sub(1, mul(y, y)))
        : mul(g, compare('gt', y, 0));
  }
  const out = allocOut(g, g.shape);
  fused(act, denseData(g), denseData(y), out.data);
  return out;
}

// ---------------------------------------------------------------- views and layout

function view(x: Tensor, shape: Shape, strides: Shape, offset: number): Tensor {
  return new Tensor(x.data, shape, { strides, offset, backend: x.backend });
}

export function reshape(x: Tensor, shape0: Shape): Tensor {
  const shape = [...shape0];
  const infer = shape.indexOf(-1);
  if (infer >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== infer));
    shape[infer] = known === 0 ? 0 : x.size / known;
  }
  if (sizeOf(shape) !== x.size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`cannot reshape a tensor of shape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape0)}`);
  }
  const out = x.isDense
    ? view(x, shape, denseStrides(shape), x.offset)
    : new Tensor(denseData(x), shape, { backend: x.backend });
  return record(out, 'reshape', [x], { shape });
}

function permuteView(x: Tensor, axes: readonly number[]): Tensor {
  return view(x, axes.map((a) => x.shape[a]), axes.map((a) => x.strides[a]), x.offset);
}

export function permute(x: Tensor, axes0: readonly number[]): Tensor {
  const axes = axes0.map((a) => normAxis(a, x.ndim));
  if (axes.length !== x.ndim || new Set(axes).size !== x.ndim) {
    throw new Error(`permute axes ${fmtShape(axes0)} are not a permutation of ${x.ndim} axes`);
  }
  return record(permuteView(x, axes), 'permute', [x], { axes });
}

/** Transpose of the last two axes (a view). */
export function transpose(x: Tensor): Tensor {
  if (x.ndim < 2) throw new Error(`transpose needs at least 2 axes, got shape ${fmtShape(x.shape)}`);
  const axes = x.shape.map((_, i) => i);
  [axes[x.ndim - 2], axes[x.ndim - 1]] = [axes[x.ndim - 1], axes[x.ndim - 2]];
  return permute(x, axes);
}

/** Broadcasts to `shape` as a view (stride 0 on broadcast axes). */
export function expand(x: Tensor, shape0: Shape): Tensor {
  const shape = [...shape0];
  const bs = broadcastShapes(x.shape, shape, 'expand');
  if (!shapeEq(bs, shape)) throw new Error(`cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  const v = broadcastView(x, shape);
  return record(view(x, shape, v.strides, x.offset), 'expand', [x], { shape });
}

/** A view of `size[d]` elements from `begin[d]` on each axis (-1 in size means "to the end"). */
export function slice(x: Tensor, begin0: readonly number[], size0?: readonly number[]): Tensor {
  if (begin0.length !== x.ndim) throw new Error(`slice begin ${fmtShape(begin0)} must have one entry per axis of ${fmtShape(x.shape)}`);
  const begin = [...begin0];
  const size = x.shape.map((d, i) => (size0 === undefined || size0[i] === -1 ? d - begin[i] : size0[i]));
  for (let i = 0; i < x.ndim; i++) {
    if (begin[i] < 0 || size[i] < 0 || begin[i] + size[i] > x.shape[i]) {
      throw new Error(`slice [${begin}] + [${size}] is out of bounds for shape ${fmtShape(x.shape)}`);
    }
  }
  let offset = x.offset;
  for (let i = 0; i < x.ndim; i++) offset += begin[i] * x.strides[i];
  return record(view(x, size, x.strides, offset), 'slice', [x], { begin, size });
}

/** Writes dense `src` of shape `srcShape` into dense `out` of shape `outShape` at `begin`. */
function writeRegion(out: FloatArray, outShape: Shape, begin: readonly number[], src: FloatArray, srcShape: Shape): void {
  const nd = outShape.length;
  if (sizeOf(srcShape) === 0) return;
  if (nd === 0) { out[0] = src[0]; return; }
  const os = denseStrides(outShape);
  const len = srcShape[nd - 1];
  const rows = sizeOf(srcShape) / len;
  const idx = new Array<number>(nd).fill(0);
  for (let r = 0; r < rows; r++) {
    let o = 0;
    for (let d = 0; d < nd; d++) o += (idx[d] + begin[d]) * os[d];
    out.set(src.subarray(r * len, r * len + len), o);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < srcShape[d]) break;
      idx[d] = 0;
    }
  }
}

/** Zero padding: `before[d]` zeros in front of and `after[d]` behind axis d. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  if (before.length !== x.ndim || after.length !== x.ndim) throw new Error(`pad needs one entry per axis of ${fmtShape(x.shape)}`);
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const out = alloc(x, shape);
  writeRegion(out.data, shape, before, denseData(x), x.shape);
  return record(out, 'pad', [x], { before: [...before], after: [...after] });
}

export function concat(xs: readonly Tensor[], axis0 = 0): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  const first = xs[0];
  const axis = normAxis(axis0, first.ndim);
  for (const t of xs) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw new Error(`concat along axis ${axis}: shapes ${xs.map((s) => fmtShape(s.shape)).join(', ')} do not match`);
    }
  }
  const shape = [...first.shape];
  shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
  const out = alloc(first, shape);
  let at = 0;
  for (const t of xs) {
    const begin = shape.map((_, i) => (i === axis ? at : 0));
    writeRegion(out.data, shape, begin, denseData(t), t.shape);
    at += t.shape[axis];
  }
  return record(out, 'concat', [...xs], { axis });
}
