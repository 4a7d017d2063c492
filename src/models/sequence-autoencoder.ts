/**
 * Sequence autoencoder (the LSTM autoencoder of Keras' "Building Autoencoders in Keras", Srivastava et al.
 * 2015): an LSTM reads the whole sequence and its last state is the code; the code is repeated at every step
 * and a second LSTM unrolls it back into a sequence, which a per-step Dense maps to the input's features.
 *
 *   x [n, T, F] -> LSTM(F -> units), last h -> [Dense(units -> latentDim)] -> RepeatVector(T)
 *               -> LSTM(code -> units), every h -> TimeDistributed(Dense(units -> F)) -> [n, T, F]
 *
 *   const x = noisySines({ n: 512, timesteps: 20, seed: 1 });
 *   const ae = new SequenceAutoencoder({ inputDim: 1, timesteps: 20, units: 16, latentDim: 4 });
 *   await ae.fit(x, { epochs: 15 });   // held-out MSE ~6% of the per-timestep mean's (see the test)
 *
 * Without latentDim the code is the encoder's last hidden state itself (units values in (-1, 1)); with it, a
 * linear Dense bottleneck follows, so the code size is independent of the LSTM's width.
 */
import { noGrad } from '../autograd/mode.js';
import type { DType } from '../kernels/types.js';
import { Dense } from '../nn/dense.js';
import { LSTM } from '../nn/lstm.js';
import { Module } from '../nn/module.js';
import { RepeatVector, TimeDistributed } from '../nn/sequence.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor, tensor } from '../tensor/tensor.js';

import { fit, type FitOptions, type History } from '../train/fit.js';
import { Dataset } from '../data/dataset.js';
import type { Inputs } from '../data/inputs.js';
import type { NoiseSpec } from '../data/noise.js';
import type { ActivationName } from '../nn/activations.js';
import { mapInBatches } from './batched.js';
import { type AutoencoderModel, meanOf, perSampleSquaredError } from './model.js';


export interface SequenceAutoencoderConfig {
  /** Features per time step. */
  inputDim: number;
  /** Sequence length: the decoder always produces this many steps. */
  timesteps: number;
  /** Width of both LSTMs. */
  units: number;
  /** Size of the code; omitted (or null), the code is the encoder's last hidden state (units values). */
  latentDim?: number | null;
  /** Seeds the weight initialization. */
  seed?: number;
  dtype?: DType;
}

type ResolvedConfig = Required<Omit<SequenceAutoencoderConfig, 'latentDim'>> & { latentDim: number | null };

const BATCH = 1024;

export class SequenceAutoencoder extends Module implements AutoencoderModel {
  readonly config: ResolvedConfig;
  encoder: LSTM;
  bottleneck: Dense | null;
  repeat: RepeatVector;
  decoder: LSTM;
  output: TimeDistributed<Dense>;

  constructor(config: SequenceAutoencoderConfig) {
    super();
    const latentDim = config.latentDim ?? null;
    const dims: [string, unknown][] = [['inputDim', config.inputDim], ['timesteps', config.timesteps], ['units', config.units]];
    if (latentDim !== null) dims.push(['latentDim', latentDim]);
    for (const [k, v] of dims) {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`SequenceAutoencoder: ${k} must be a positive integer, got ${String(v)}`);
    }
    const dtype = config.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`SequenceAutoencoder: unknown dtype '${String(dtype)}'`);
    this.config = { inputDim: config.inputDim, timesteps: config.timesteps, units: config.units, latentDim, seed: config.seed ?? 0, dtype };
    const { inputDim, timesteps, units } = this.config;
    const opts = { rng: new Rng(this.config.seed), dtype };
    this.encoder = new LSTM({ inputDim, units }, opts);
    this.bottleneck = latentDim === null ? null : new Dense({ inputDim: units, units: latentDim }, opts);
    this.repeat = new RepeatVector(timesteps);
    this.decoder = new LSTM({ inputDim: this.codeDim, units, returnSequences: true }, opts);
    this.output = new TimeDistributed(new Dense({ inputDim: units, units: inputDim }, opts));
  }

  /** Values per code: latentDim, or units without a bottleneck. */
  get codeDim(): number {
    return this.config.latentDim ?? this.config.units;
  }

  get inputShape(): readonly number[] {
    return [this.config.timesteps, this.config.inputDim];
  }

  get codeShape(): readonly number[] {
    return [this.codeDim];
  }

  /** Each step is mapped back by a linear Dense. */
  get outputActivation(): ActivationName {
    return 'linear';
  }

  get trainingNoise(): NoiseSpec | null {
    return null;
  }

  /** "lstm32-8-lstm32 (20x1)": LSTM width, code size, LSTM width, (timesteps x features). */
  architecture(): string {
    const { units, timesteps, inputDim } = this.config;
    return `lstm${units}-${this.codeDim}-lstm${units} (${timesteps}x${inputDim})`;
  }

  private checkInput(x: Tensor): Tensor {
    const { timesteps, inputDim } = this.config;
    if (x.ndim !== 3 || x.shape[1] !== timesteps || x.shape[2] !== inputDim) {
      throw new Error(`SequenceAutoencoder expects sequences of shape [batch, ${timesteps}, ${inputDim}], got ${fmtShape(x.shape)}`);
    }
    return x;
  }

  /** The codes of a batch [batch, T, F] -> [batch, codeDim], in the graph (for custom losses). */
  encodeBatch(x: Tensor): Tensor {
    const h = this.encoder.forward(this.checkInput(x));
    return this.bottleneck ? this.bottleneck.forward(h) : h;
  }

  /** Sequences from a batch of codes [batch, codeDim] -> [batch, T, F], in the graph. */
  decodeBatch(code: Tensor): Tensor {
    if (code.ndim !== 2 || code.shape[1] !== this.codeDim) {
      throw new Error(`SequenceAutoencoder decodes codes of shape [batch, ${this.codeDim}], got ${fmtShape(code.shape)}`);
    }
    return this.output.forward(this.decoder.forward(this.repeat.forward(code)));
  }

  forward(x: Tensor): Tensor {
    return this.decodeBatch(this.encodeBatch(x));
  }

  /**
   * Sequences as a tensor [n, T, F] in the model's dtype, from a tensor [n, T, F] (or flat rows of T * F), a
   * Dataset of samples [T, F], or arrays of scalars (one array per sequence, F = 1).
   */
  private asSequences(x: Inputs): Tensor {
    const dtype = this.config.dtype;
    const { timesteps, inputDim } = this.config;
    if (x instanceof Dataset) {
      if (x.sampleSize !== timesteps * inputDim) {
        throw new Error(`SequenceAutoencoder expects sequences of ${timesteps} steps x ${inputDim} features, got samples of shape [${x.sampleShape.join(', ')}]`);
      }
      return tensor(x.toFloat32(), [x.length, timesteps, inputDim], { dtype });
    }
    if (x instanceof Tensor) {
      // Flat rows of T * F values (or [n, T] for one feature) are sequences too.
      const shaped = x.ndim === 3 ? x : x.ndim === 2 && x.shape[1] === timesteps * inputDim ? tensor(x.toTypedArray(), [x.shape[0], timesteps, inputDim], { dtype: x.dtype }) : x;
      if (shaped.dtype === dtype) return this.checkInput(shaped);
      return this.checkInput(tensor(shaped.toTypedArray(), shaped.shape, { dtype }));
    }
    if (!Array.isArray(x)) throw new Error('sequences must be a Tensor [n, time, features] or an array of number arrays');
    if (this.config.inputDim !== 1) throw new Error(`arrays of scalars need inputDim 1; this model reads ${this.config.inputDim} features per step`);
    const m = tensor(x, undefined, { dtype });
    return this.checkInput(tensor(m.toTypedArray(), [m.shape[0], m.shape[1] ?? 0, 1], { dtype }));
  }

  /** Runs `f` over the rows of `x` in batches, without gradients, each batch in the step arena. */
  private mapBatches(x: Tensor, sampleShape: number[], f: (b: Tensor) => Tensor): Tensor {
    const n = x.shape[0];
    if (n <= BATCH) return noGrad(() => f(x));
    const inSize = x.size / n, src = x.toTypedArray();
    const take = (s: number, e: number): Tensor => tensor(src.subarray(s * inSize, e * inSize), [e - s, ...x.shape.slice(1)], { dtype: this.config.dtype });
    return mapInBatches(n, sampleShape, { dtype: this.config.dtype }, BATCH, take, f);
  }

  /** Codes [n, codeDim]. */
  encode(x: Inputs): Tensor {
    return this.mapBatches(this.asSequences(x), [this.codeDim], (b) => this.encodeBatch(b));
  }

  /** Sequences [n, T, F] from codes [n, codeDim]. */
  decode(codes: Inputs): Tensor {
    const dtype = this.config.dtype;
    const c = codes instanceof Tensor
      ? (codes.dtype === dtype ? codes : tensor(codes.toTypedArray(), codes.shape, { dtype }))
      : codes instanceof Dataset ? tensor(codes.toFloat32(), [codes.length, codes.sampleSize], { dtype }) : tensor(codes, undefined, { dtype });
    if (c.ndim !== 2) throw new Error(`SequenceAutoencoder decodes codes of shape [n, ${this.codeDim}], got ${fmtShape(c.shape)}`);
    return this.mapBatches(c, [this.config.timesteps, this.config.inputDim], (b) => this.decodeBatch(b));
  }

  /** Reconstructions [n, T, F]. */
  reconstruct(x: Inputs): Tensor {
    return this.mapBatches(this.asSequences(x), [this.config.timesteps, this.config.inputDim], (b) => this.forward(b));
  }

  /** Mean squared reconstruction error over every value of every sequence, or one mean per sequence. */
  reconstructionError(x: Inputs, opts?: { reduce?: 'mean' }): number;
  reconstructionError(x: Inputs, opts: { reduce: 'perSample' }): Float32Array;
  reconstructionError(x: Inputs, opts: { reduce?: 'mean' | 'perSample' } = {}): number | Float32Array {
    const reduce = opts.reduce ?? 'mean';
    if (reduce !== 'mean' && reduce !== 'perSample') throw new Error(`reduce must be 'mean' or 'perSample', got '${String(reduce)}'`);
    const xs = this.asSequences(x);
    const per = perSampleSquaredError(this.reconstruct(xs).toTypedArray(), xs.toTypedArray(), xs.shape[0]);
    return reduce === 'perSample' ? per : meanOf(per);
  }

  /** What the model file stores to rebuild this model (see io/model-file.ts and sequence-register.ts). */
  modelConfig(): { kind: 'SequenceAutoencoder'; config: ResolvedConfig } {
    return { kind: 'SequenceAutoencoder', config: { ...this.config } };
  }

  /** Trains the model to reconstruct its input (MSE). Defaults: Adam with lr 0.01; see train/fit.ts for the rest. */
  fit(data: Inputs, opts: FitOptions = {}): Promise<History> {
    // Arrays of scalars become [n, T, 1] here, validation data included: fit itself would make them [n, T].
    const val = Array.isArray(opts.validationData) ? { validationData: this.asSequences(opts.validationData) } : {};
    return fit(this, this.asSequences(data), { optimizer: 'adam', lr: 0.01, ...opts, ...val });
  }
}
