/**
 * Layers that only move values: Flatten, Reshape and UpSampling2D (nearest). No parameters; gradients come
 * from the reshape/expand rules. Shapes exclude the batch axis, as in Keras.
 */
import * as ops from '../tensor/ops.js';
import { fmtShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Pair, pair } from './conv.js';
import { Module } from './module.js';

/** [batch, ...] -> [batch, product of the rest]. */
export class Flatten extends Module {
  readonly type = 'Flatten';

  forward(x: Tensor): Tensor {
    if (x.ndim < 1) throw new Error(`Flatten expects a batch axis, got shape ${fmtShape(x.shape)}`);
    return ops.reshape(x, [x.shape[0], sizeOf(x.shape.slice(1))]);
  }

  outputShape(input: readonly number[]): number[] {
    return [sizeOf(input)];
  }

  layerConfig(): { type: 'Flatten' } {
    return { type: 'Flatten' };
  }
}

/** [batch, ...] -> [batch, ...targetShape]; one entry of targetShape may be -1 (inferred). */
export class Reshape extends Module {
  readonly type = 'Reshape';
  readonly config: { targetShape: number[] };

  constructor(config: { targetShape: readonly number[] }) {
    super();
    const t = config?.targetShape;
    if (!Array.isArray(t) || t.length === 0 || t.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw new Error(`Reshape: targetShape must be positive integers with at most one -1, got ${JSON.stringify(t)}`);
    }
    this.config = { targetShape: [...t] };
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 1) throw new Error(`Reshape expects a batch axis, got shape ${fmtShape(x.shape)}`);
    return ops.reshape(x, [x.shape[0], ...this.outputShape(x.shape.slice(1))]);
  }

  outputShape(input: readonly number[]): number[] {
    const t = this.config.targetShape, size = sizeOf(input);
    const known = sizeOf(t.filter((d) => d !== -1));
    const out = t.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(out) !== size || !out.every(Number.isInteger)) {
      throw new Error(`Reshape: cannot reshape samples of shape ${fmtShape(input)} (${size} values) to ${fmtShape(t)}`);
    }
    return out;
  }

  layerConfig(): { type: 'Reshape'; targetShape: number[] } {
    return { type: 'Reshape', targetShape: [...this.config.targetShape] };
  }
}

/** Nearest-neighbour upsampling of NHWC images: every pixel repeated size[0] x size[1] times (Keras's default). */
export class UpSampling2D extends Module {
  readonly type = 'UpSampling2D';
  readonly config: { size: [number, number]; interpolation: 'nearest' };

  constructor(config: { size?: Pair; interpolation?: 'nearest' } = {}) {
    super();
    if ((config.interpolation ?? 'nearest') !== 'nearest') {
      throw new Error(`UpSampling2D: only 'nearest' interpolation is supported, got '${config.interpolation}'`);
    }
    this.config = { size: pair(config.size ?? 2, 'UpSampling2D: size'), interpolation: 'nearest' };
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new Error(`UpSampling2D expects NHWC input [batch, height, width, channels], got ${fmtShape(x.shape)}`);
    const [n, h, w, c] = x.shape, [sh, sw] = this.config.size;
    // Two broadcasts, widths then rows, each a 3-axis copy the fast copy kernel handles; their gradients are
    // sums over one contiguous axis each (no transposing copy, as a single [n, h, sh, w, sw, c] view would need).
    let y = x;
    if (sw > 1) y = ops.reshape(ops.expand(ops.reshape(y, [n * h * w, 1, c]), [n * h * w, sw, c]), [n, h, w * sw, c]);
    if (sh > 1) y = ops.reshape(ops.expand(ops.reshape(y, [n * h, 1, w * sw * c]), [n * h, sh, w * sw * c]), [n, h * sh, w * sw, c]);
    return y;
  }

  outputShape([h, w, c]: readonly number[]): number[] {
    return [h * this.config.size[0], w * this.config.size[1], c];
  }

  layerConfig(): { type: 'UpSampling2D'; size: [number, number]; interpolation: 'nearest' } {
    return { type: 'UpSampling2D', size: [...this.config.size], interpolation: 'nearest' };
  }
}
