/**
 * Pooling over NHWC images, with Keras's defaults and padding: pool 2x2, strides = pool size, 'valid'.
 * 'same' gives ceil(size / stride) outputs with the odd padding at the bottom/right (nn/conv.ts axisPadding).
 *
 * MaxPool2D is the maxPool primitive (one pass; the padding never wins, as if it held -Infinity), and its
 * gradient goes to the first maximum of each window, as in TF and PyTorch. AvgPool2D is composed: im2col,
 * a sum over each window, and a division by the number of window positions inside the image (so with 'same'
 * the padding does not dilute the border averages, as in Keras).
 */
import * as convOps from '../tensor/conv-ops.js';
import * as ops from '../tensor/ops.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { checkPadding, type Padding, type Pair, pair, windowAttrs } from './conv.js';
import { Module } from './module.js';

export interface Pool2DConfig {
  /** Window size (default 2). */
  poolSize?: Pair;
  /** Default: the pool size (non-overlapping windows), as in Keras. */
  strides?: Pair;
  /** Default 'valid', as in Keras. */
  padding?: Padding;
}

export interface ResolvedPool2DConfig {
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

abstract class Pool2D extends Module {
  abstract readonly type: 'MaxPool2D' | 'AvgPool2D';
  readonly config: ResolvedPool2DConfig;

  constructor(config: Pool2DConfig, what: string) {
    super();
    const poolSize = pair(config.poolSize ?? 2, `${what}: poolSize`);
    this.config = { poolSize, strides: pair(config.strides ?? poolSize, `${what}: strides`), padding: checkPadding(config.padding ?? 'valid', what) };
  }

  protected windows(x: Tensor): ReturnType<typeof windowAttrs> {
    if (x.ndim !== 4) throw new Error(`${this.type} expects NHWC input [batch, height, width, channels], got [${x.shape}]`);
    return windowAttrs(x.shape[1], x.shape[2], this.config.poolSize, this.config.strides, this.config.padding, this.type);
  }

  /** Output shape of one sample [h, w, c] (no batch axis). */
  outputShape([h, w, c]: readonly number[]): number[] {
    const { oh, ow } = windowAttrs(h, w, this.config.poolSize, this.config.strides, this.config.padding, this.type);
    return [oh, ow, c];
  }

  /** The config for a model file (Sequential.modelConfig), tagged with the layer type. */
  layerConfig(): { type: 'MaxPool2D' | 'AvgPool2D' } & ResolvedPool2DConfig {
    const c = this.config;
    return { type: this.type, poolSize: [...c.poolSize], strides: [...c.strides], padding: c.padding };
  }
}

export class MaxPool2D extends Pool2D {
  readonly type = 'MaxPool2D';
  constructor(config: Pool2DConfig = {}) {
    super(config, 'MaxPool2D');
  }

  forward(x: Tensor): Tensor {
    return convOps.maxPool(x, x, this.windows(x).attrs);
  }
}

export class AvgPool2D extends Pool2D {
  readonly type = 'AvgPool2D';
  constructor(config: Pool2DConfig = {}) {
    super(config, 'AvgPool2D');
  }

  forward(x: Tensor): Tensor {
    const { attrs, oh, ow } = this.windows(x);
    const [n, h, w, c] = x.shape;
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.strides, [pt, , pl] = attrs.pads;
    const sums = ops.sum(ops.reshape(convOps.im2col(x, attrs), [n, oh, ow, kh * kw, c]), 3);
    if (attrs.pads.every((p) => p === 0)) return ops.mul(sums, 1 / (kh * kw));
    // 1 / (window positions inside the image), per output pixel; full [1, oh, ow, c] so the product is a
    // plain row broadcast. Made per call: a constant kept across calls would outlive a training step's arena.
    const inv = zeros([1, oh, ow, c], { dtype: x.dtype, backend: x.backend });
    const rows = (o: number): number => Math.min(o * sh - pt + kh, h) - Math.max(o * sh - pt, 0);
    const cols = (o: number): number => Math.min(o * sw - pl + kw, w) - Math.max(o * sw - pl, 0);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) inv.data.fill(1 / (rows(oy) * cols(ox)), (oy * ow + ox) * c, (oy * ow + ox + 1) * c);
    }
    return ops.mul(sums, inv);
  }
}
