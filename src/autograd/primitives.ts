/**
 * The primitive ops: the only ops with kernels and gradient rules. Everything else (sigmoid, softplus,
 * softmax, every loss) is composed from these and gets its gradient for free.
 *
 * `PrimitiveAttrs` maps each primitive to its attributes. rules.ts declares
 * `const gradRules: { [P in Primitive]: GradRule<P> }`, so adding a primitive here without a gradient rule
 * does not compile.
 */
import type { Tensor } from '../tensor/tensor.js';

export interface PrimitiveAttrs {
  add: Record<string, never>;
  sub: Record<string, never>;
  mul: Record<string, never>;
  div: Record<string, never>;
  maximum: Record<string, never>;
  /** Comparisons produce 0/1 masks and pass no gradient. */
  compare: { op: 'gt' | 'ge' | 'lt' | 'le' | 'eq' };
  neg: Record<string, never>;
  exp: Record<string, never>;
  log: Record<string, never>;
  sqrt: Record<string, never>;
  tanh: Record<string, never>;
  /** A primitive (not tanh composed) because it is on every sigmoid layer's hot path: one pass, not four. */
  sigmoid: Record<string, never>;
  abs: Record<string, never>;
  sign: Record<string, never>;
  /** where(cond, a, b): cond gets no gradient. */
  where: Record<string, never>;
  sum: { axes: number[]; keepDims: boolean };
  max: { axes: number[]; keepDims: boolean };
  matmul: Record<string, never>;
  reshape: { shape: number[] };
  permute: { axes: number[] };
  expand: { shape: number[] };
  slice: { begin: number[]; size: number[] };
  pad: { before: number[]; after: number[] };
  concat: { axis: number };
}

export type Primitive = keyof PrimitiveAttrs;

/** A recorded application of a primitive: enough to run its gradient rule. */
export interface GradNode<P extends Primitive = Primitive> {
  readonly prim: P;
  readonly inputs: readonly Tensor[];
  readonly attrs: PrimitiveAttrs[P];
}
