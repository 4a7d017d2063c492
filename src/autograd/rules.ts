/**
 * One table of gradient rules, one per primitive. Its type `{ [P in Primitive]: GradRule<P> }` makes a
 * primitive without a rule a compile error. Rules are written with the same ops as everything else and run
 * with graph recording off (no higher-order gradients).
 *
 * A rule gets the upstream gradient `g` (shape of the output), the output itself (exp, tanh and sqrt reuse it)
 * and the node; it returns one gradient per input, or null for inputs that take none.
 */
import * as convOps from '../tensor/conv-ops.js';
import * as ops from '../tensor/ops.js';
import { type Shape, shapeEq } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradNode, Primitive } from './primitives.js';

export type GradRule<P extends Primitive> = (g: Tensor, out: Tensor, node: GradNode<P>) => (Tensor | null)[];

/**
 * Whether an input takes a gradient. Binary rules skip the other side's work for constants: relu's 0 and a
 * loss's target would otherwise cost full-size passes and a reduction each, only to be thrown away.
 */
const need = (t: Tensor): boolean => t.requiresGrad;
/** A 2-D view whose columns are contiguous (the transpose of a dense matrix). */
const colMajor = (t: Tensor): boolean => t.ndim === 2 && !t.isDense && t.strides[0] === 1 && t.strides[1] === t.shape[0];

/** Sums a broadcast gradient back down to `shape` (the inverse of broadcasting). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapeEq(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? ops.sum(g, axes, true) : g;
  return ops.reshape(s, shape);
}

export const gradRules: { [P in Primitive]: GradRule<P> } = {
  add: (g, _o, { inputs: [a, b] }) => [need(a) ? unbroadcast(g, a.shape) : null, need(b) ? unbroadcast(g, b.shape) : null],
  sub: (g, _o, { inputs: [a, b] }) => [need(a) ? unbroadcast(g, a.shape) : null, need(b) ? unbroadcast(ops.neg(g), b.shape) : null],
  mul: (g, _o, { inputs: [a, b] }) => {
    // a * a (a squared error's d * d): the two products are the same, so one product, added to itself (the
    // bits the two would sum to), and one pass less over the batch.
    if (a === b && need(a)) {
      const ga = unbroadcast(ops.mul(g, a), a.shape);
      return [ops.add(ga, ga), null];
    }
    return [need(a) ? unbroadcast(ops.mul(g, b), a.shape) : null, need(b) ? unbroadcast(ops.mul(g, a), b.shape) : null];
  },
  div: (g, out, { inputs: [a, b] }) => [
    need(a) ? unbroadcast(ops.div(g, b), a.shape) : null,
    need(b) ? unbroadcast(ops.neg(ops.div(ops.mul(g, out), b)), b.shape) : null,
  ],
  maximum: (g, _o, { inputs: [a, b] }) => {
    // Ties go to b: relu = maximum(x, 0) then has gradient 0 at x = 0.
    const toA = ops.compare('gt', a, b);
    const ga = ops.mul(g, toA);
    return [need(a) ? unbroadcast(ga, a.shape) : null, need(b) ? unbroadcast(ops.sub(g, ga), b.shape) : null];
  },
  compare: () => [null, null],
  neg: (g) => [ops.neg(g)],
  exp: (g, out) => [ops.mul(g, out)],
  log: (g, _o, { inputs: [a] }) => [ops.div(g, a)],
  sqrt: (g, out) => [ops.div(g, ops.mul(out, 2))],
  tanh: (g, out) => [ops.mul(g, ops.sub(1, ops.mul(out, out)))],
  sigmoid: (g, out) => [ops.mul(g, ops.mul(out, ops.sub(1, out)))],
  // |x|' = sign(x), and 0 at x = 0 by convention.
  abs: (g, _o, { inputs: [a] }) => [ops.mul(g, ops.sign(a))],
  sign: () => [null],
  where: (g, _o, { inputs: [c, a, b] }) => [
    null,
    need(a) ? unbroadcast(ops.where(c, g, 0), a.shape) : null,
    need(b) ? unbroadcast(ops.where(c, 0, g), b.shape) : null,
  ],
  sum: (g, _o, { inputs: [x], attrs }) => {
    const kept = x.shape.map((d, i) => (attrs.axes.includes(i) ? 1 : d));
    return [ops.expand(ops.reshape(g, kept), x.shape)];
  },
  max: (g, out, { inputs: [x], attrs }) => {
    // Gradient to every maximal element, divided by how many there are (ties split evenly).
    const kept = x.shape.map((d, i) => (attrs.axes.includes(i) ? 1 : d));
    const mask = ops.compare('eq', x, ops.reshape(out, kept));
    const count = ops.sum(mask, attrs.axes, true);
    return [ops.mul(mask, ops.div(ops.reshape(g, kept), count))];
  },
  // Only the gradients that are needed: a Dense layer's input batch needs none, and its product is a GEMM as
  // large as the layer's forward one. A transposed operand (a Dense weight W seen as W^T) gets (g^T a)^T: the
  // same sums in the same order as a^T g, but computed in W's own layout, so the gradient reaches W as a dense
  // view instead of a strided one that must be copied.
  matmul: (g, _o, { inputs: [a, b] }) => [
    need(a) ? ops.matmul(g, ops.transpose(b)) : null,
    need(b) ? (colMajor(b) ? ops.transpose(ops.matmul(ops.transpose(g), a)) : ops.matmul(ops.transpose(a), g)) : null,
  ],
  linear: (g, out, { inputs: [x, w, b], attrs: { act } }) => {
    // The activation's gradient from its output, as the sigmoid, tanh and maximum(z, 0) rules compute it
    // (z > 0 exactly where relu(z) > 0, NaN included; one kernel where the backend fuses it), then the matmul
    // and add rules' products.
    const dz = act === 'linear' ? g : ops.activationGrad(g, out, act);
    return [
      need(x) ? ops.matmul(dz, w) : null,
      need(w) ? ops.matmul(ops.transpose(dz), x) : null,
      b && need(b) ? unbroadcast(dz, b.shape) : null,
    ];
  },
  reshape: (g, _o, { inputs: [x] }) => [ops.reshape(g, x.shape)],
  permute: (g, _o, { attrs }) => {
    const inv = new Array<number>(attrs.axes.length);
    attrs.axes.forEach((a, i) => (inv[a] = i));
    return [ops.permute(g, inv)];
  },
  expand: (g, _o, { inputs: [x] }) => [unbroadcast(g, x.shape)],
  slice: (g, _o, { inputs: [x], attrs }) => [
    ops.pad(g, attrs.begin, x.shape.map((d, i) => d - attrs.begin[i] - attrs.size[i])),
  ],
  pad: (g, _o, { inputs: [x], attrs }) => [ops.slice(g, attrs.before, x.shape)],
  concat: (g, _o, { inputs, attrs }) => {
    let at = 0;
    return inputs.map((t) => {
      const begin = t.shape.map((_, i) => (i === attrs.axis ? at : 0));
      at += t.shape[attrs.axis];
      return ops.slice(g, begin, t.shape);
    });
  },
  im2col: (g, _o, { inputs: [x], attrs }) => [convOps.col2im(g, { ...attrs, size: [x.shape[1], x.shape[2]] })],
  col2im: (g, _o, { attrs: { kernel, strides, pads } }) => [convOps.im2col(g, { kernel, strides, pads })],
  // <y, conv2d(x, w)> = <conv2dTranspose(y, w), x> = <conv2dFilter(x, y), w>: each rule is another of the three.
  conv2d: (g, _o, { inputs: [x, w], attrs }) => [
    need(x) ? convOps.conv2dTranspose(g, w, { ...attrs, size: [x.shape[1], x.shape[2]] }) : null,
    need(w) ? convOps.conv2dFilter(x, g, attrs) : null,
  ],
  conv2dTranspose: (g, _o, { inputs: [y, w], attrs: { kernel, strides, pads } }) => [
    need(y) ? convOps.conv2d(g, w, { kernel, strides, pads }) : null,
    need(w) ? convOps.conv2dFilter(g, y, { kernel, strides, pads }) : null,
  ],
  conv2dFilter: (g, _o, { inputs: [x, y], attrs }) => [
    need(x) ? convOps.conv2dTranspose(y, g, { ...attrs, size: [x.shape[1], x.shape[2]] }) : null,
    need(y) ? convOps.conv2d(x, g, attrs) : null,
  ],
  // The selector only chooses positions (piecewise constant): no gradient.
  maxPool: (g, _o, { inputs: [sel], attrs }) => [null, convOps.maxUnpool(sel, g, attrs)],
  maxUnpool: (g, _o, { inputs: [sel], attrs }) => [null, convOps.maxPool(sel, g, attrs)],
};
