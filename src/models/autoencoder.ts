/**
 * The autoencoder of the seeds: encoder h = f(x), decoder r = g(h), trained so that r ≈ x.
 *
 *   new Autoencoder({ inputDim: 784, hidden: [256], latentDim: 128, activation: 'sigmoid' })
 *
 * builds encoder 784 -> 256 -> 128 and decoder 128 -> 256 -> 784 (the hidden sizes mirrored), each a
 * Sequential of Dense layers, so `encoder` and `decoder` can be used and saved on their own.
 */
import { noGrad } from '../autograd/mode.js';
import type { DType } from '../kernels/types.js';
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { type ActivationName, checkActivation } from '../nn/activations.js';
import { Dense, Sequential } from '../nn/dense.js';
import type { InitName } from '../nn/init.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

import { fit, type FitData, type FitOptions, type History } from '../train/fit.js';
import { mapInBatches } from './batched.js';
import { type AutoencoderModel, DenseAutoencoderBase } from './model.js';

export interface AutoencoderConfig {
  inputDim: number;
  /** Encoder hidden sizes, outermost first; the decoder mirrors them. Default []. */
  hidden?: number[];
  latentDim: number;
  /** Activation of every hidden layer (default 'relu'). */
  activation?: ActivationName;
  /** Activation of the code layer (default: same as `activation`). */
  latentActivation?: ActivationName;
  /** Activation of the reconstruction (default 'sigmoid', for data in [0, 1]). */
  outputActivation?: ActivationName;
  init?: InitName;
  /** Seeds the weight initialization. */
  seed?: number;
  dtype?: DType;
}

export type ErrorReduce = 'mean' | 'perSample' | 'none';

export class Autoencoder extends DenseAutoencoderBase implements AutoencoderModel {
  readonly config: Required<Omit<AutoencoderConfig, 'dtype'>> & { dtype: DType };
  encoder: Sequential;
  decoder: Sequential;

  constructor(config: AutoencoderConfig) {
    super();
    const hidden = config.hidden ?? [];
    for (const [k, v] of [['inputDim', config.inputDim], ['latentDim', config.latentDim], ...hidden.map((h, i) => [`hidden[${i}]`, h] as const)] as const) {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`Autoencoder: ${k} must be a positive integer, got ${v}`);
    }
    const activation = checkActivation(config.activation ?? 'relu');
    this.config = {
      inputDim: config.inputDim,
      hidden: [...hidden],
      latentDim: config.latentDim,
      activation,
      latentActivation: checkActivation(config.latentActivation ?? activation, 'latentActivation'),
      outputActivation: checkActivation(config.outputActivation ?? 'sigmoid', 'outputActivation'),
      init: config.init ?? 'glorotUniform',
      seed: config.seed ?? 0,
      dtype: config.dtype ?? 'float32',
    };
    const c = this.config;
    const rng = new Rng(c.seed);
    const opts = { rng, dtype: c.dtype };
    const sizes = [c.inputDim, ...c.hidden, c.latentDim];
    const enc: Dense[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const last = i + 2 === sizes.length;
      enc.push(new Dense({ inputDim: sizes[i], units: sizes[i + 1], activation: last ? c.latentActivation : c.activation, init: c.init }, opts));
    }
    const back = [...sizes].reverse();
    const dec: Dense[] = [];
    for (let i = 0; i + 1 < back.length; i++) {
      const last = i + 2 === back.length;
      dec.push(new Dense({ inputDim: back[i], units: back[i + 1], activation: last ? c.outputActivation : c.activation, init: c.init }, opts));
    }
    this.encoder = new Sequential(enc);
    this.decoder = new Sequential(dec);
  }




  /**
   * Reconstruction in the shape of `x`: a batch of images [n, 28, 28, 1] is read as rows of 784 values and
   * comes back as images, so `fit` and the losses see matching shapes whatever the data's sample shape.
   */
  forward(x: Tensor): Tensor {
    const out = this.decoder.forward(this.encoder.forward(this.checkInput(x)));
    return x.ndim === 2 ? out : ops.reshape(out, x.shape);
  }


  /** Runs `f` over `x` in batches without gradients and stacks the results. */
  private mapBatches(x: Inputs, width: number, f: (b: Tensor) => Tensor, what: string): Tensor {
    const n = inputCount(x);
    if (x instanceof Tensor && x.ndim === 2 && x.dtype === this.config.dtype && n <= 4096) return noGrad(() => f(x));
    const size = inputSampleSize(x);
    if (n > 0 && size !== (what === 'decode' ? this.config.latentDim : this.config.inputDim)) {
      throw new Error(`${what}: samples have ${size} values, the model expects ${what === 'decode' ? this.config.latentDim : this.config.inputDim}`);
    }
    const rows = (s: number, e: number): Tensor => {
      const b = inputBatch(x, s, e, what, this.config.dtype);
      return b.ndim === 2 ? b : ops.reshape(b, [e - s, size]);
    };
    return mapInBatches(n, [width], { dtype: this.config.dtype }, 1024, rows, f);
  }

  /** Decoder logits before a sigmoid output (null for other output activations); see Sequential.sigmoidLogits. */
  sigmoidLogits(x: Tensor): Tensor | null {
    const logits = this.decoder.sigmoidLogits(this.encoder.forward(this.checkInput(x)));
    return logits === null || x.ndim === 2 ? logits : ops.reshape(logits, x.shape);
  }

  /** The codes h = f(x), shape [n, latentDim]. */
  encode(x: Inputs): Tensor {
    return this.mapBatches(x, this.config.latentDim, (b) => this.encoder.forward(this.checkInput(b)), 'encode');
  }

  /** Reconstructions from codes, shape [n, inputDim]. */
  decode(h: Inputs): Tensor {
    return this.mapBatches(h, this.config.inputDim, (b) => {
      if (b.ndim !== 2 || b.shape[1] !== this.config.latentDim) {
        throw new Error(`decode expects codes of shape [batch, ${this.config.latentDim}], got ${fmtShape(b.shape)}`);
      }
      return this.decoder.forward(b);
    }, 'decode');
  }

  /** r = g(f(x)), shape [n, inputDim]. */
  override reconstruct(x: Inputs): Tensor {
    return this.mapBatches(x, this.config.inputDim, (b) => this.forward(b), 'reconstruct');
  }

  /**
   * Squared reconstruction error (r - x)^2:
   * 'mean' (default) over all elements -> number; 'perSample' mean over each sample's features -> Float32Array;
   * 'none' -> the elementwise tensor [n, inputDim].
   */
  override reconstructionError(x: Inputs, opts?: { reduce?: 'mean' }): number;
  override reconstructionError(x: Inputs, opts: { reduce: 'perSample' }): Float32Array;
  override reconstructionError(x: Inputs, opts: { reduce: 'none' }): Tensor;
  override reconstructionError(x: Inputs, opts: { reduce?: ErrorReduce } = {}): number | Float32Array | Tensor {
    const reduce = opts.reduce ?? 'mean';
    if (!['mean', 'perSample', 'none'].includes(reduce)) throw new Error(`reduce must be 'mean', 'perSample' or 'none', got '${reduce}'`);
    const d = this.config.inputDim;
    const sq = this.mapBatches(x, d, (b) => {
      const diff = ops.sub(this.forward(b), b);
      return ops.mul(diff, diff);
    }, 'reconstructionError');
    if (reduce === 'none') return sq;
    const per = noGrad(() => ops.div(ops.sum(sq, 1), d)).toTypedArray();
    if (reduce === 'perSample') return Float32Array.from(per);
    let s = 0;
    for (const v of per) s += v;
    return per.length ? s / per.length : NaN;
  }

  /** What the model file stores to rebuild this model (see io/model-file.ts). */
  modelConfig(): { kind: string; config: object } {
    return { kind: 'Autoencoder', config: { ...this.config, hidden: [...this.config.hidden] } };
  }

  /** Trains the model to reconstruct `data` (see train/fit.ts for every option). */
  fit(data: FitData, opts: FitOptions = {}): Promise<History> {
    return fit(this, data, opts);
  }
}
