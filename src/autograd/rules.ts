/**
 * One table of gradient rules, one per primitive. Its type `{ [P in Primitive]: GradRule<P> }` makes a
 * primitive without a rule a compile error. Rules are written with the same ops as everything else and run
 * with graph recording off (no higher-order gradients).
 *
 * A rule gets the upstream gradient `g` (shape of the output), the output itself (exp, tanh and sqrt reuse it)
 * and the node; it returns one gradient per input, or null for inputs that take none.
 */
import * as ops from '../tensor/ops.js';
import { type Shape, shapeEq } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradNode, Primitive } from './primitives.js';

export type GradRule<P extends Primitive> = (g: Tensor, out: Tensor, node: GradNode<P>) => (Tensor | null)[];

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
  add: (g, _o, { inputs: [a, b] }) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)],
  sub: (g, _o, { inputs: [a, b] }) => [unbroadcast(g, a.shape), unbroadcast(ops.neg(g), b.shape)],
  mul: (g, _o, { inputs: [a, b] }) => [unbroadcast(ops.mul(g, b), a.shape), unbroadcast(ops.mul(g, a), b.shape)],
  div: (g, out, { inputs: [a, b] }) => [
    unbroadcast(ops.div(g, b), a.shape),
    unbroadcast(ops.neg(ops.div(ops.mul(g, out), b)), b.shape),
  ],
  maximum: (g, _o, { inputs: [a, b] }) => {
    // Ties go to b: relu = maximum(x, 0) then has gradient 0 at x = 0.
    const toA = ops.compare('gt', a, b);
    return [unbroadcast(ops.mul(g, toA), a.shape), unbroadcast(ops.sub(g, ops.mul(g, toA)), b.shape)];
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
    unbroadcast(ops.where(c, g, 0), a.shape),
    unbroadcast(ops.where(c, 0, g), b.shape),
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
  matmul: (g, _o, { inputs: [a, b] }) => [ops.matmul(g, ops.transpose(b)), ops.matmul(ops.transpose(a), g)],
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
};
