/**
 * 2-D convolution layers over NHWC images ([batch, height, width, channels], as Keras and ImageData lay them
 * out; see docs/architecture.md, "Layout"). Kernels are stored as Keras stores them, so weights map onto a
 * Keras model directly:
 *
 *   Conv2D           weight [kh, kw, inChannels, filters]   y = conv2d(x, W) + b            = im2col(x) @ W + b
 *   Conv2DTranspose  weight [kh, kw, filters, inChannels]   y = conv2dTranspose(x, W) + b   = col2im(x @ W^T) + b
 *
 * (conv2d and conv2dTranspose are primitives computed without the im2col matrix; see tensor/conv-ops.ts.)
 *
 * Padding follows Keras: 'valid' uses no padding; 'same' gives ceil(size / stride) outputs and pads
 * max((out - 1) * stride + k - size, 0) in total, the odd one at the bottom/right.
 */
import type { PatchAttrs } from '../autograd/primitives.js';
import type { DType } from '../kernels/types.js';
import * as convOps from '../tensor/conv-ops.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { activation, type ActivationName, checkActivation } from './activations.js';
import type { LayerInitOptions } from './dense.js';
import { initialize, type InitName } from './init.js';
import { asParameter, Module } from './module.js';

export type Padding = 'same' | 'valid';
export type Pair = number | readonly [number, number];

/** A size given as one number or [height, width], checked to be positive integers. */
export function pair(v: Pair, what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!(typeof v === 'number' || (Array.isArray(v) && v.length === 2)) || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${what} must be a positive integer or [height, width] of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

export function checkPadding(p: string, what: string): Padding {
  if (p !== 'same' && p !== 'valid') throw new Error(`${what}: padding must be 'same' or 'valid', got '${p}'`);
  return p;
}

/** Keras's padding along one axis: [before, after, outputSize]. */
export function axisPadding(size: number, k: number, s: number, padding: Padding, what: string): [number, number, number] {
  if (padding === 'valid') {
    if (size < k) throw new Error(`${what}: a window of ${k} does not fit an input of ${size} with 'valid' padding`);
    return [0, 0, Math.floor((size - k) / s) + 1];
  }
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2), out];
}

/** Window attrs for an h x w input, and the output's spatial size. */
export function windowAttrs(h: number, w: number, kernel: [number, number], strides: [number, number], padding: Padding, what: string): { attrs: PatchAttrs; oh: number; ow: number } {
  const [pt, pb, oh] = axisPadding(h, kernel[0], strides[0], padding, what);
  const [pl, pr, ow] = axisPadding(w, kernel[1], strides[1], padding, what);
  return { attrs: { kernel: [...kernel], strides: [...strides], pads: [pt, pb, pl, pr] }, oh, ow };
}

export function checkNHWC(x: Tensor, channels: number, what: string): [number, number, number] {
  if (x.ndim !== 4 || x.shape[3] !== channels) {
    throw new Error(`${what} expects NHWC input [batch, height, width, ${channels}], got ${fmtShape(x.shape)}`);
  }
  return [x.shape[0], x.shape[1], x.shape[2]];
}

export interface Conv2DConfig {
  /** Channels of the input (Keras infers them; we build the kernel up front). */
  inChannels: number;
  filters: number;
  kernelSize: Pair;
  strides?: Pair;
  /** Default 'valid', as in Keras. */
  padding?: Padding;
  activation?: ActivationName;
  useBias?: boolean;
  /** Kernel initializer (bias starts at zero). Default glorotUniform, as in Keras. */
  init?: InitName;
}

export interface ResolvedConv2DConfig {
  inChannels: number;
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  activation: ActivationName;
  useBias: boolean;
  init: InitName;
}

function resolve(c: Conv2DConfig, what: string): ResolvedConv2DConfig {
  for (const k of ['inChannels', 'filters'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new Error(`${what}: ${k} must be a positive integer, got ${c[k]}`);
  }
  return {
    inChannels: c.inChannels,
    filters: c.filters,
    kernelSize: pair(c.kernelSize, `${what}: kernelSize`),
    strides: pair(c.strides ?? 1, `${what}: strides`),
    padding: checkPadding(c.padding ?? 'valid', what),
    activation: checkActivation(c.activation ?? 'linear'),
    useBias: c.useBias ?? true,
    init: c.init ?? 'glorotUniform',
  };
}

/** Shared parts of the two convolution layers: kernel, bias, activation. */
abstract class ConvBase extends Module {
  abstract readonly type: 'Conv2D' | 'Conv2DTranspose';
  readonly config: ResolvedConv2DConfig;
  weight: Tensor;
  bias: Tensor | null;
  private readonly _act: (x: Tensor) => Tensor;

  constructor(config: Conv2DConfig, opts: LayerInitOptions, what: string, kernelShape: (c: ResolvedConv2DConfig) => number[]) {
    super();
    this.config = resolve(config, what);
    const c = this.config;
    const shape = kernelShape(c);
    this.weight = asParameter(zeros(shape, { dtype: opts.dtype, backend: opts.backend }));
    // Keras's fans for a conv kernel [kh, kw, in, out]: the receptive field times the in / out depth.
    const field = shape[0] * shape[1];
    initialize(this.weight.data, c.init, field * shape[2], field * shape[3], opts.rng ?? new Rng(0));
    this.bias = c.useBias ? asParameter(zeros([c.filters], { dtype: opts.dtype, backend: opts.backend })) : null;
    this._act = activation(c.activation);
  }

  abstract preActivation(x: Tensor): Tensor;

  /** Output shape of one sample [h, w, c] (no batch axis). */
  abstract outputShape(input: readonly number[]): number[];

  forward(x: Tensor): Tensor {
    return this._act(this.preActivation(x));
  }

  protected addBias(y: Tensor): Tensor {
    return this.bias ? ops.add(y, this.bias) : y;
  }

  /** The config for a model file (Sequential.modelConfig), tagged with the layer type and dtype. */
  layerConfig(): { type: 'Conv2D' | 'Conv2DTranspose'; dtype: DType } & ResolvedConv2DConfig {
    const c = this.config;
    return { type: this.type, ...c, kernelSize: [...c.kernelSize], strides: [...c.strides], dtype: this.weight.dtype };
  }
}

/** 2-D convolution: y = act(conv(x, W) + b), x [batch, h, w, inChannels] -> [batch, oh, ow, filters]. */
export class Conv2D extends ConvBase {
  readonly type = 'Conv2D';
  constructor(config: Conv2DConfig, opts: LayerInitOptions = {}) {
    super(config, opts, 'Conv2D', (c) => [...c.kernelSize, c.inChannels, c.filters]);
  }

  preActivation(x: Tensor): Tensor {
    const c = this.config;
    const [, h, w] = checkNHWC(x, c.inChannels, 'Conv2D');
    return this.addBias(convOps.conv2d(x, this.weight, windowAttrs(h, w, c.kernelSize, c.strides, c.padding, 'Conv2D').attrs));
  }

  outputShape([h, w]: readonly number[]): number[] {
    const c = this.config;
    const { oh, ow } = windowAttrs(h, w, c.kernelSize, c.strides, c.padding, 'Conv2D');
    return [oh, ow, c.filters];
  }
}

/** Keras's output size of a transposed convolution along one axis (no output_padding). */
function transposedSize(size: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? size * s : size * s + Math.max(k - s, 0);
}

/**
 * Transposed convolution (Keras's Conv2DTranspose): the adjoint of a Conv2D with the same kernel, so it maps
 * [batch, h, w, inChannels] to [batch, oh, ow, filters] with oh = h * stride ('same') or
 * h * stride + max(k - stride, 0) ('valid').
 */
export class Conv2DTranspose extends ConvBase {
  readonly type = 'Conv2DTranspose';
  constructor(config: Conv2DConfig, opts: LayerInitOptions = {}) {
    super(config, opts, 'Conv2DTranspose', (c) => [...c.kernelSize, c.filters, c.inChannels]);
  }

  preActivation(x: Tensor): Tensor {
    const c = this.config;
    const [, h, w] = checkNHWC(x, c.inChannels, 'Conv2DTranspose');
    const [oh, ow] = this.outputShape([h, w]);
    // The Conv2D that maps [oh, ow] back to [h, w] defines the windows (and so the padding).
    const { attrs } = windowAttrs(oh, ow, c.kernelSize, c.strides, c.padding, 'Conv2DTranspose');
    return this.addBias(convOps.conv2dTranspose(x, this.weight, { ...attrs, size: [oh, ow] }));
  }

  outputShape([h, w]: readonly number[]): number[] {
    const c = this.config;
    return [transposedSize(h, c.kernelSize[0], c.strides[0], c.padding), transposedSize(w, c.kernelSize[1], c.strides[1], c.padding), c.filters];
  }
}
