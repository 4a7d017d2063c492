/**
 * Convolutional autoencoder on NHWC images. The default is the Keras blog's MNIST model ("Building
 * Autoencoders in Keras", convolutional section), preset 'keras-blog':
 *
 *   encoder  28x28x1 -> Conv16 3x3 relu same -> MaxPool 2 same -> Conv8 -> MaxPool -> Conv8 -> MaxPool -> 4x4x8
 *   decoder  4x4x8 -> Conv8 -> Up 2 -> Conv8 -> Up 2 -> Conv16 3x3 relu VALID (16 -> 14) -> Up 2 -> Conv1 sigmoid same
 *
 * Each encoder stage is a convolution followed by a 'same' max pool; each decoder stage a convolution followed
 * by nearest upsampling; a last convolution maps back to the input's channels. Inputs may be NHWC, [n, h, w]
 * (one channel) or flat [n, h * w * c] (e.g. MNIST loaded flat): the reconstruction has the input's shape,
 * so `fit` and the losses see matching shapes.
 *
 * With `noise` set (preset 'keras-blog-denoising', the blog's denoising model: Conv32-Pool-Conv32-Pool to 7x7x32
 * and back) the model is a denoiser: `fit` corrupts each batch afresh with fit's seeded noise stream and the
 * target stays the clean batch, as DenoisingAutoencoder does for dense nets; the noise is saved with the model.
 */
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { addNoise, checkNoiseSpec, makeCorruption, type NoiseSpec } from '../data/noise.js';
import type { Backend, DType } from '../kernels/types.js';
import { type ActivationName, checkActivation } from '../nn/activations.js';
import { Conv2D, type Padding, type Pair, checkPadding, pair } from '../nn/conv.js';
import { Sequential } from '../nn/dense.js';
import type { InitName } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { MaxPool2D } from '../nn/pool.js';
import { UpSampling2D } from '../nn/reshape.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape, sizeOf } from '../tensor/shape.js';
import { type Tensor } from '../tensor/tensor.js';

import { fit, type FitData, type FitOptions, type History } from '../train/fit.js';
import { mapInBatches } from './batched.js';
import type { AutoencoderModel } from './model.js';

/** One convolution of a stage (3x3, 'same', the model's activation unless given). */
export interface ConvStage {
  filters: number;
  kernelSize?: Pair;
  padding?: Padding;
  activation?: ActivationName;
}

export interface ResolvedConvStage {
  filters: number;
  kernelSize: [number, number];
  padding: Padding;
  activation: ActivationName;
}

export interface ConvAutoencoderConfig {
  /** One image [height, width, channels]. Default [28, 28, 1]. */
  inputShape?: [number, number, number];
  /** Encoder stages: convolution then max pool. Default Keras blog: 16, 8, 8 filters. */
  encoder?: (ConvStage | number)[];
  /** Decoder stages: convolution then upsampling. Default Keras blog: 8, 8, then 16 with 'valid' padding. */
  decoder?: (ConvStage | number)[];
  /** Pool and upsampling factor. Default 2. */
  pool?: Pair;
  /** Activation of every stage's convolution (default 'relu'). */
  activation?: ActivationName;
  /** Activation of the last convolution (default 'sigmoid', for images in [0, 1]). */
  outputActivation?: ActivationName;
  /** Kernel size of the last convolution (default 3, 'same'). */
  outputKernelSize?: Pair;
  /** Training corruption: set, the model is a denoising autoencoder (default none). */
  noise?: NoiseSpec | null;
  init?: InitName;
  seed?: number;
  dtype?: DType;
}

export interface ResolvedConvAutoencoderConfig {
  inputShape: [number, number, number];
  encoder: ResolvedConvStage[];
  decoder: ResolvedConvStage[];
  pool: [number, number];
  activation: ActivationName;
  outputActivation: ActivationName;
  outputKernelSize: [number, number];
  noise: NoiseSpec | null;
  init: InitName;
  seed: number;
  dtype: DType;
}

export const CONV_AE_PRESETS = {
  'keras-blog': {
    inputShape: [28, 28, 1],
    encoder: [16, 8, 8],
    decoder: [8, 8, { filters: 16, padding: 'valid' }],
  },
  // The blog's denoising model: wider and shallower (7x7x32 code), trained on gaussian noise 0.5 clipped to [0, 1].
  'keras-blog-denoising': {
    inputShape: [28, 28, 1],
    encoder: [32, 32],
    decoder: [32, 32],
    noise: { type: 'gaussian', factor: 0.5, clip: true },
  },
} as const satisfies Record<string, ConvAutoencoderConfig>;
export type ConvAutoencoderPreset = keyof typeof CONV_AE_PRESETS;

/** One row of `summary()`: a layer and its output shape per sample (as Keras's model.summary() lists them). */
export interface LayerSummary {
  name: string;
  outputShape: number[];
  params: number;
}

type ShapedLayer = Module & { outputShape(input: readonly number[]): number[] };

export class ConvAutoencoder extends Module implements AutoencoderModel {
  readonly config: ResolvedConvAutoencoderConfig;
  encoder: Sequential;
  decoder: Sequential;
  /** Shape of one code [h, w, c] (the encoder's output). */
  readonly latentShape: number[];

  static preset(name: ConvAutoencoderPreset, overrides: ConvAutoencoderConfig = {}, opts: { backend?: Backend } = {}): ConvAutoencoder {
    const p = CONV_AE_PRESETS[name] as ConvAutoencoderConfig | undefined;
    if (!p) throw new Error(`unknown ConvAutoencoder preset '${name}' (known: ${Object.keys(CONV_AE_PRESETS).join(', ')})`);
    return new ConvAutoencoder({ ...p, ...overrides }, opts);
  }

  /** `opts.backend`: where the parameters live (default: the current backend); not part of the saved config. */
  constructor(config: ConvAutoencoderConfig = {}, opts: { backend?: Backend } = {}) {
    super();
    const blog = CONV_AE_PRESETS['keras-blog'];
    const activation = checkActivation(config.activation ?? 'relu');
    const stage = (s: ConvStage | number, i: number, what: string): ResolvedConvStage => {
      const o: ConvStage = typeof s === 'number' ? { filters: s } : s;
      if (!o || !Number.isInteger(o.filters) || o.filters <= 0) throw new Error(`ConvAutoencoder: ${what}[${i}].filters must be a positive integer, got ${JSON.stringify(s)}`);
      return {
        filters: o.filters,
        kernelSize: pair(o.kernelSize ?? 3, `ConvAutoencoder: ${what}[${i}].kernelSize`),
        padding: checkPadding(o.padding ?? 'same', `ConvAutoencoder: ${what}[${i}]`),
        activation: checkActivation(o.activation ?? activation),
      };
    };
    const shape = config.inputShape ?? [...blog.inputShape];
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`ConvAutoencoder: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`);
    }
    const stages = (list: readonly (ConvStage | number)[] | undefined, fallback: readonly (ConvStage | number)[], what: string): ResolvedConvStage[] => {
      const l = list ?? fallback;
      if (!Array.isArray(l)) throw new Error(`ConvAutoencoder: ${what} must be a list of stages, got ${JSON.stringify(l)}`);
      return l.map((s, i) => stage(s, i, what));
    };
    this.config = {
      inputShape: [shape[0], shape[1], shape[2]],
      encoder: stages(config.encoder, blog.encoder, 'encoder'),
      decoder: stages(config.decoder, blog.decoder, 'decoder'),
      pool: pair(config.pool ?? 2, 'ConvAutoencoder: pool'),
      activation,
      outputActivation: checkActivation(config.outputActivation ?? 'sigmoid', 'outputActivation'),
      outputKernelSize: pair(config.outputKernelSize ?? 3, 'ConvAutoencoder: outputKernelSize'),
      noise: config.noise ? checkNoiseSpec({ ...config.noise }) : null,
      init: config.init ?? 'glorotUniform',
      seed: config.seed ?? 0,
      dtype: config.dtype ?? 'float32',
    };
    if (this.config.encoder.length === 0) throw new Error('ConvAutoencoder: the encoder needs at least one stage');
    const c = this.config;
    const layerOpts = { rng: new Rng(c.seed), dtype: c.dtype, backend: opts.backend };
    // Build layer by layer, following the shape so each convolution knows its input channels and a stage
    // that does not fit (an image too small for a 'valid' window) fails here with the layer's own message.
    let cur: number[] = [...c.inputShape];
    const add = (list: Module[], layer: ShapedLayer): void => {
      cur = layer.outputShape(cur);
      list.push(layer);
    };
    const conv = (s: ResolvedConvStage): Conv2D =>
      new Conv2D({ inChannels: cur[2], filters: s.filters, kernelSize: s.kernelSize, padding: s.padding, activation: s.activation, init: c.init }, layerOpts);
    const enc: Module[] = [];
    for (const s of c.encoder) {
      add(enc, conv(s));
      add(enc, new MaxPool2D({ poolSize: c.pool, padding: 'same' }));
    }
    this.latentShape = [...cur];
    const dec: Module[] = [];
    for (const s of c.decoder) {
      add(dec, conv(s));
      add(dec, new UpSampling2D({ size: c.pool }));
    }
    add(dec, conv({ filters: c.inputShape[2], kernelSize: c.outputKernelSize, padding: 'same', activation: c.outputActivation }));
    if (cur.join() !== c.inputShape.join()) {
      throw new Error(`ConvAutoencoder: the decoder ends at ${fmtShape(cur)}, not the input shape ${fmtShape(c.inputShape)} (adjust the stages or their padding)`);
    }
    this.encoder = new Sequential(enc);
    this.decoder = new Sequential(dec);
  }

  get inputShape(): readonly number[] {
    return this.config.inputShape;
  }

  get codeShape(): readonly number[] {
    return this.latentShape;
  }

  get outputActivation(): ActivationName {
    return this.config.outputActivation;
  }

  get trainingNoise(): NoiseSpec | null {
    return this.config.noise;
  }

  /** "28x28x1-conv16-8-8-4x4x8-conv8-8-16v-28x28x1": filters per stage, v for 'valid' padding. */
  architecture(): string {
    const c = this.config;
    const stages = (l: ResolvedConvStage[]): string => l.map((s) => `${s.filters}${s.padding === 'valid' ? 'v' : ''}`).join('-');
    const shape = (d: readonly number[]): string => d.join('x');
    return `${shape(c.inputShape)}-conv${stages(c.encoder)}-${shape(this.latentShape)}-conv${stages(c.decoder)}-${shape(c.inputShape)}`;
  }

  /** The input as NHWC, checked against inputShape. */
  private toImages(x: Tensor): Tensor {
    const [h, w, ch] = this.config.inputShape;
    const ok = x.ndim >= 2 && sizeOf(x.shape.slice(1)) === h * w * ch && (x.ndim === 2 || x.ndim === 4 || ch === 1);
    if (!ok) throw new Error(`ConvAutoencoder expects images [batch, ${h}, ${w}, ${ch}] (or [batch, ${h * w * ch}]), got ${fmtShape(x.shape)}`);
    return x.ndim === 4 && x.shape[1] === h ? x : ops.reshape(x, [x.shape[0], h, w, ch]);
  }

  /** Reconstruction in the shape of `x`. */
  forward(x: Tensor): Tensor {
    return ops.reshape(this.decoder.forward(this.encoder.forward(this.toImages(x))), x.shape);
  }

  /** The last convolution's pre-activation when the output is a sigmoid (BCE from logits), else null. */
  sigmoidLogits(x: Tensor): Tensor | null {
    if (this.config.outputActivation !== 'sigmoid') return null;
    const layers = this.decoder.layers;
    let h = this.encoder.forward(this.toImages(x));
    for (let i = 0; i + 1 < layers.length; i++) h = layers[i].forward(h);
    return ops.reshape((layers[layers.length - 1] as Conv2D).preActivation(h), x.shape);
  }

  /** Layer by layer output shapes per sample, input first (as Keras's model.summary()). */
  summary(): LayerSummary[] {
    const rows: LayerSummary[] = [{ name: 'input', outputShape: [...this.config.inputShape], params: 0 }];
    let cur: number[] = [...this.config.inputShape];
    for (const [part, seq] of [['encoder', this.encoder], ['decoder', this.decoder]] as const) {
      seq.layers.forEach((l, i) => {
        cur = (l as ShapedLayer).outputShape(cur);
        rows.push({ name: `${part}.layers.${i} (${(l as { type?: string }).type})`, outputShape: cur, params: l.parameterCount() });
      });
    }
    return rows;
  }

  /** Runs `f` over `x` in batches without gradients, each batch in the step arena; stacks [n, ...shape]. */
  private mapBatches(x: Inputs, shape: number[], f: (b: Tensor) => Tensor, what: string): Tensor {
    const n = inputCount(x);
    const inSize = inputSampleSize(x);
    const want = what === 'decode' ? sizeOf(this.latentShape) : sizeOf(this.config.inputShape);
    if (n > 0 && inSize !== want) throw new Error(`${what}: samples have ${inSize} values, the model expects ${want}`);
    const place = { dtype: this.config.dtype, backend: this.parameters()[0]?.backend };
    return mapInBatches(n, shape, place, 256, (s, e) => inputBatch(x, s, e, what, this.config.dtype), f);
  }

  /** Codes [n, ...latentShape] (4x4x8 for the Keras blog model). */
  encode(x: Inputs): Tensor {
    return this.mapBatches(x, this.latentShape, (b) => this.encoder.forward(this.toImages(b)), 'encode');
  }

  /** Images [n, h, w, c] from codes (given NHWC or flat). */
  decode(h: Inputs): Tensor {
    return this.mapBatches(h, [...this.config.inputShape], (b) => this.decoder.forward(ops.reshape(b, [b.shape[0], ...this.latentShape])), 'decode');
  }

  /** Reconstructions [n, h, w, c]. */
  reconstruct(x: Inputs): Tensor {
    return this.mapBatches(x, [...this.config.inputShape], (b) => this.decoder.forward(this.encoder.forward(this.toImages(b))), 'reconstruct');
  }

  /** The model's clean estimate of (noisy) images: reconstruct(x), named for what a denoiser is used for. */
  denoise(x: Inputs): Tensor {
    return this.reconstruct(x);
  }

  /** `x` corrupted once with the model's noise (default gaussian 0.5 if it has none), from a seeded stream. */
  corrupt(x: Inputs, seed = 0): Tensor {
    const noise = this.config.noise ?? { type: 'gaussian', factor: 0.5, clip: true };
    return addNoise(inputBatch(x, 0, inputCount(x), 'corrupt', this.config.dtype), noise, seed);
  }

  /**
   * Mean squared error per value of the reconstructions of `x` (clean inputs), the number Autoencoder's
   * reconstructionError reports; `reduce: 'perSample'` gives one mean per image.
   */
  reconstructionError(x: Inputs, opts?: { reduce?: 'mean' }): number;
  reconstructionError(x: Inputs, opts: { reduce: 'perSample' }): Float32Array;
  reconstructionError(x: Inputs, opts: { reduce?: 'mean' | 'perSample' } = {}): number | Float32Array {
    const reduce = opts.reduce ?? 'mean';
    if (reduce !== 'mean' && reduce !== 'perSample') throw new Error(`reduce must be 'mean' or 'perSample', got '${String(reduce)}'`);
    const d = sizeOf(this.config.inputShape);
    const per = this.mapBatches(x, [1], (b) => {
      const img = this.toImages(b);
      const diff = ops.sub(this.decoder.forward(this.encoder.forward(img)), img);
      return ops.div(ops.sum(ops.reshape(ops.mul(diff, diff), [b.shape[0], d]), 1), d);
    }, 'reconstructionError').toTypedArray();
    if (reduce === 'perSample') return Float32Array.from(per);
    let s = 0;
    for (const v of per) s += v;
    return per.length ? s / per.length : NaN;
  }

  /** What the model file stores to rebuild this model (see io/model-file.ts). */
  modelConfig(): { kind: 'ConvAutoencoder'; config: ResolvedConvAutoencoderConfig } {
    const c = this.config;
    const stages = (l: ResolvedConvStage[]): ResolvedConvStage[] => l.map((s) => ({ ...s, kernelSize: [...s.kernelSize] }));
    return {
      kind: 'ConvAutoencoder',
      config: {
        ...c, inputShape: [...c.inputShape], encoder: stages(c.encoder), decoder: stages(c.decoder), pool: [...c.pool],
        outputKernelSize: [...c.outputKernelSize], noise: c.noise ? { ...c.noise } : null,
      },
    };
  }

  /**
   * Trains the model to reconstruct `data` (see train/fit.ts for every option). A model with `noise` trains on
   * (corrupted batch, clean batch) pairs; `opts.corrupt` overrides that for one run.
   */
  fit(data: FitData, opts: FitOptions = {}): Promise<History> {
    const noise = this.config.noise;
    return fit(this, data, noise && !opts.corrupt ? { ...opts, corrupt: makeCorruption(noise) } : opts);
  }
}
