/**
 * The primitive ops: the only ops with kernels and gradient rules. Everything else (sigmoid, softplus,
 * softmax, every loss) is composed from these and gets its gradient for free.
 *
 * `PrimitiveAttrs` maps each primitive to its attributes. rules.ts declares
 * `const gradRules: { [P in Primitive]: GradRule<P> }`, so adding a primitive here without a gradient rule
 * does not compile.
 */
import type { LinearAct } from '../kernels/types.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Windows over NHWC images (dilation 1): kernel [kh, kw], strides [sh, sw], zero padding
 * [top, bottom, left, right]. Layers turn Keras's 'same'/'valid' into explicit pads (nn/conv.ts).
 */
export interface PatchAttrs {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
}

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
  /**
   * linear(x, w, b?) = act(x @ w^T + b): a Dense layer's forward pass as one kernel where the backend has it
   * (ops.linear composes matmul, add and the activation elsewhere). Its rule uses the same ops as the composed
   * form's rules, so the gradients are the same bits either way.
   */
  linear: { act: LinearAct };
  reshape: { shape: number[] };
  permute: { axes: number[] };
  expand: { shape: number[] };
  slice: { begin: number[]; size: number[] };
  pad: { before: number[]; after: number[] };
  concat: { axis: number };
  /**
   * [n, h, w, c] -> [n, oh, ow, kh * kw * c]: every window as one row, so a convolution is one matmul with the
   * [kh * kw * c, out] kernel. Its gradient is col2im, and col2im's is im2col (each is the other's adjoint).
   */
  im2col: PatchAttrs;
  /** The adjoint of im2col: sums patch rows back onto an image of spatial size `size` (Conv2DTranspose). */
  col2im: PatchAttrs & { size: [number, number] };
  /**
   * conv2d(x, w): NHWC convolution, im2col(x) @ w without the im2col matrix. Its gradients are
   * conv2dTranspose (for x) and conv2dFilter (for w); each of the three is linear in both inputs and their
   * rules use the other two, so the set is closed. The composed im2col + matmul form is the test oracle.
   */
  conv2d: PatchAttrs;
  conv2dTranspose: PatchAttrs & { size: [number, number] };
  conv2dFilter: PatchAttrs;
  /**
   * maxPool(sel, v): per window, v at the first maximum of sel (max pooling is maxPool(x, x)); sel takes no
   * gradient. maxUnpool(sel, g) is its adjoint in v, and each is the other's gradient rule.
   */
  maxPool: PatchAttrs;
  maxUnpool: PatchAttrs;
}

export type Primitive = keyof PrimitiveAttrs;

/** A recorded application of a primitive: enough to run its gradient rule. */
export interface GradNode<P extends Primitive = Primitive> {
  readonly prim: P;
  readonly inputs: readonly Tensor[];
  readonly attrs: PrimitiveAttrs[P];
}
