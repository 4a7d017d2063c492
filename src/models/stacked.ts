/**
 * Stacked autoencoder with greedy layer-wise pretraining (Bengio et al. 2007; Vincent et al. 2010):
 *
 *   stage k = 1..K: a shallow autoencoder made of encoder layer k and its mirror decoder layer is trained to
 *                   reconstruct the codes of layer k - 1 (the data itself for k = 1), all lower layers frozen;
 *   stage K + 1:    the whole stack is fine-tuned end to end on the data.
 *
 * The shallow autoencoders are built from the stack's OWN layer objects, so pretraining writes straight into
 * the stack's weights (nothing is copied afterwards). With `tiedWeights` each decoder layer uses the transpose
 * of its encoder layer's weight: the very same tensor, so the parameter walk (nn/module.ts) counts it once and
 * a decoder layer owns only its bias.
 */
import { asRows, type Inputs } from '../data/inputs.js';
import type { DType } from '../kernels/types.js';
import { type ActivationName, activation as activationFn, checkActivation } from '../nn/activations.js';
import { Dense, Sequential } from '../nn/dense.js';
import type { InitName } from '../nn/init.js';
import { asParameter, Module } from '../nn/module.js';
import type { OptimizerName } from '../optim/index.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import type { Callback } from '../train/callbacks.js';
import { type Checkpoint, checkSpec, flatSpec, loadWeights, resolveResume } from '../train/checkpoint.js';
import { fit, type FitOptions, type History } from '../train/fit.js';
import { mapRows } from './batched.js';
import { type AutoencoderModel, DenseAutoencoderBase } from './model.js';

export interface StackedAutoencoderConfig {
  inputDim: number;
  /** Encoder hidden sizes, outermost first; with latentDim they are the K stacked layers. Default []. */
  hidden?: number[];
  latentDim: number;
  /** Activation of every hidden layer and of the decoder layers that rebuild them (default 'relu'). */
  activation?: ActivationName;
  /** Activation of the code layer (default: same as `activation`). */
  latentActivation?: ActivationName;
  /** Activation of the reconstruction (default 'sigmoid', for data in [0, 1]). */
  outputActivation?: ActivationName;
  /** Decoder weights = encoder weights transposed (default false). */
  tiedWeights?: boolean;
  init?: InitName;
  seed?: number;
  dtype?: DType;
}

/**
 * A decoder layer tied to an encoder Dense layer with weight W [units, inputDim]: y = act(x W + b), which is
 * a Dense whose weight is W^T (Dense computes x weight^T = x (W^T)^T = x W). `weight` IS the encoder's tensor.
 */
export class TiedDense extends Module {
  readonly config: { inputDim: number; units: number; activation: ActivationName };
  weight: Tensor;
  bias: Tensor;
  private readonly _act: (x: Tensor) => Tensor;

  constructor(tiedTo: Dense, activation: ActivationName) {
    super();
    const [units, inputDim] = tiedTo.weight.shape; // the encoder's [out, in]: this layer maps out -> in
    this.config = { inputDim: units, units: inputDim, activation: checkActivation(activation) };
    this.weight = tiedTo.weight;
    this.bias = asParameter(zeros([inputDim], { dtype: tiedTo.weight.dtype, backend: tiedTo.weight.backend }));
    this._act = activationFn(activation);
  }

  preActivation(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.config.inputDim) {
      throw new Error(`TiedDense expects input of shape [batch, ${this.config.inputDim}], got ${fmtShape(x.shape)}`);
    }
    return ops.add(ops.matmul(x, this.weight), this.bias);
  }

  forward(x: Tensor): Tensor {
    return this._act(this.preActivation(x));
  }
}

type DecoderLayer = Dense | TiedDense;

/** Logits of a sigmoid layer's output (for BCE from logits), or null when its activation is not a sigmoid. */
function sigmoidLogitsOf(last: DecoderLayer, h: Tensor): Tensor | null {
  return last.config.activation === 'sigmoid' ? last.preActivation(h) : null;
}

/** One pretraining stage's model: an encoder layer of the stack and its mirror decoder layer (shared objects). */
class LayerPair extends Module {
  enc: Dense;
  dec: DecoderLayer;
  constructor(enc: Dense, dec: DecoderLayer) {
    super();
    this.enc = enc; // declared first: a tied weight is found (and named) under the encoder
    this.dec = dec;
  }
  forward(x: Tensor): Tensor {
    return this.dec.forward(this.enc.forward(x));
  }
  sigmoidLogits(x: Tensor): Tensor | null {
    return sigmoidLogitsOf(this.dec, this.enc.forward(x));
  }
}

export interface StackedStage {
  /** e.g. 'pretrain layer 2 (256 -> 64)' or 'fine-tune'. */
  name: string;
  kind: 'pretrain' | 'finetune';
  /** 1-based layer for a pretraining stage, null for fine-tuning. */
  layer: number | null;
  loss: 'mse' | 'bce';
  history: History;
}

export interface StackedHistory {
  /** One entry per stage, in training order: K pretraining stages, then fine-tuning. */
  stages: StackedStage[];
  seconds: number;
}

export interface StackedFitOptions extends Omit<FitOptions, 'epochs' | 'step' | 'loss' | 'optimizer' | 'callbacks' | 'corrupt'> {
  /** Epochs of each pretraining stage (default 1). */
  pretrainEpochs?: number;
  /** Epochs of fine-tuning (default 1; 0 skips it). */
  finetuneEpochs?: number;
  /**
   * Loss of the stage that rebuilds the data (layer 1) and of fine-tuning (default 'mse'). Deeper stages rebuild
   * codes, which are not probabilities in general, and always use 'mse'.
   */
  loss?: 'mse' | 'bce';
  /** Each stage gets a fresh optimizer of this kind (default 'adam'): state from another stage would not fit. */
  optimizer?: OptimizerName;
  /** Callbacks per stage: a fresh set each time, so stateful ones (EarlyStopping) do not mix stages. */
  callbacks?: (stage: string) => Callback[];
}

export class StackedAutoencoder extends DenseAutoencoderBase implements AutoencoderModel {
  readonly config: Required<Omit<StackedAutoencoderConfig, 'dtype'>> & { dtype: DType };
  encoder: Sequential;
  decoder: Sequential;

  constructor(config: StackedAutoencoderConfig) {
    super();
    const hidden = config.hidden ?? [];
    for (const [k, v] of [['inputDim', config.inputDim], ['latentDim', config.latentDim], ...hidden.map((h, i) => [`hidden[${i}]`, h] as const)] as const) {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`StackedAutoencoder: ${k} must be a positive integer, got ${v}`);
    }
    if (config.tiedWeights !== undefined && typeof config.tiedWeights !== 'boolean') throw new Error(`StackedAutoencoder: tiedWeights must be a boolean, got ${String(config.tiedWeights)}`);
    const act = checkActivation(config.activation ?? 'relu');
    this.config = {
      inputDim: config.inputDim, hidden: [...hidden], latentDim: config.latentDim, activation: act,
      latentActivation: checkActivation(config.latentActivation ?? act, 'latentActivation'),
      outputActivation: checkActivation(config.outputActivation ?? 'sigmoid', 'outputActivation'),
      tiedWeights: config.tiedWeights ?? false, init: config.init ?? 'glorotUniform', seed: config.seed ?? 0, dtype: config.dtype ?? 'float32',
    };
    const c = this.config;
    const opts = { rng: new Rng(c.seed), dtype: c.dtype };
    const sizes = this.sizes;
    const K = sizes.length - 1;
    const enc = sizes.slice(1).map((u, i) => new Dense({ inputDim: sizes[i], units: u, activation: i === K - 1 ? c.latentActivation : c.activation, init: c.init }, opts));
    // Decoder layer j rebuilds the input of encoder layer K-1-j; the one rebuilding the data gets outputActivation.
    const dec = enc.map((_, j) => {
      const e = enc[K - 1 - j];
      const a = j === K - 1 ? c.outputActivation : c.activation;
      return c.tiedWeights ? new TiedDense(e, a) : new Dense({ inputDim: e.config.units, units: e.config.inputDim, activation: a, init: c.init }, opts);
    });
    this.encoder = new Sequential(enc);
    this.decoder = new Sequential(dec);
  }

  /** [inputDim, ...hidden, latentDim]. */
  get sizes(): number[] {
    return [this.config.inputDim, ...this.config.hidden, this.config.latentDim];
  }

  private get encLayers(): Dense[] { return this.encoder.layers as Dense[]; }
  private get decLayers(): DecoderLayer[] { return this.decoder.layers as DecoderLayer[]; }





  /** Reconstruction in the shape of `x` (as Autoencoder.forward). */
  forward(x: Tensor): Tensor {
    const out = this.decoder.forward(this.encoder.forward(this.checkInput(x)));
    return x.ndim === 2 ? out : ops.reshape(out, x.shape);
  }

  /** Reconstruction logits when the output is a sigmoid (lets fit compute BCE from logits), else null. */
  sigmoidLogits(x: Tensor): Tensor | null {
    const dec = this.decLayers;
    let h = this.encoder.forward(this.checkInput(x));
    for (let i = 0; i + 1 < dec.length; i++) h = dec[i].forward(h);
    const logits = sigmoidLogitsOf(dec[dec.length - 1], h);
    return logits === null || x.ndim === 2 ? logits : ops.reshape(logits, x.shape);
  }

  encode(x: Inputs): Tensor {
    return mapRows(this, x, this.config.inputDim, this.config.latentDim, (b) => this.encoder.forward(this.checkInput(b)), 'encode');
  }

  decode(h: Inputs): Tensor {
    return mapRows(this, h, this.config.latentDim, this.config.inputDim, (b) => this.decoder.forward(b), 'decode');
  }


  /** The codes of encoder layer k (0: the data itself), as a tensor [n, sizes[k]], for stage k + 1. */
  private codesBelow(x: Inputs, k: number): Inputs {
    if (k === 0) return asRows(x, this.config.inputDim);
    const layers = this.encLayers.slice(0, k);
    return mapRows(this, x, this.config.inputDim, this.sizes[k], (b) => {
      let h = this.checkInput(b);
      for (const l of layers) h = l.forward(h);
      return h;
    }, 'pretraining codes');
  }

  /**
   * Stage `index`'s fit options. Checkpoints hold the whole stack, the stage and the stages finished before it
   * (`done`); only the stage a checkpoint was written in resumes from it (`resume`).
   */
  private stageOptions(opts: StackedFitOptions, stage: string, index: number, done: StackedStage[] = [], resume?: Checkpoint): FitOptions {
    const { pretrainEpochs: _p, finetuneEpochs: _f, loss: _l, callbacks, resume: _r, ...rest } = opts;
    // Each stage draws its own shuffles from seed + index: changing one stage's epochs leaves the others alone.
    return {
      ...rest, seed: (opts.seed ?? 0) + index, callbacks: callbacks ? callbacks(stage) : [],
      ...(resume ? { resume } : {}),
      checkpointScope: { model: this, spec: { stage: index }, extra: { stage: index, stages: done } },
    };
  }

  /**
   * The checkpoint to resume from (fit's `resume`), with the stack's weights put back and the stages it had
   * finished; none: start at stage 0.
   */
  private async resumePoint(opts: StackedFitOptions): Promise<{ ck?: Checkpoint; stage: number; done: StackedStage[] }> {
    if (!opts.resume) return { stage: 0, done: [] };
    const ck = await resolveResume(opts.resume);
    const where = 'where' in opts.resume && typeof opts.resume.where === 'string' ? opts.resume.where : 'checkpoint';
    const stage = ck.extra.stage, done = ck.extra.stages;
    if (!Number.isInteger(stage) || (stage as number) < 0 || (stage as number) > this.sizes.length - 1 || !Array.isArray(done)) {
      throw new Error(`${where}: not a checkpoint of a StackedAutoencoder (no stage recorded)`);
    }
    // The codes a stage trains on come from the layers below it: the weights must be back before they are computed.
    const model = Object.fromEntries(Object.entries(ck.spec).filter(([k]) => k.startsWith('model.')));
    checkSpec({ ...ck, spec: model }, flatSpec('model', this.modelConfig()), where);
    loadWeights(this, ck.weights, where);
    return { ck, stage: stage as number, done: done as StackedStage[] };
  }

  /** Greedy layer-wise pretraining: one shallow-autoencoder stage per layer, lowest first. */
  async pretrain(data: Inputs, opts: StackedFitOptions = {}, from: { ck?: Checkpoint; stage: number; done: StackedStage[] } = { stage: 0, done: [] }): Promise<StackedStage[]> {
    const stages: StackedStage[] = [...from.done.slice(0, from.stage)];
    const sizes = this.sizes;
    const K = sizes.length - 1;
    for (let k = from.stage; k < K; k++) {
      const name = `pretrain layer ${k + 1} (${sizes[k]} -> ${sizes[k + 1]})`;
      const loss = k === 0 ? (opts.loss ?? 'mse') : 'mse';
      const pair = new LayerPair(this.encLayers[k], this.decLayers[K - 1 - k]);
      const codes = this.codesBelow(data, k);
      const validationData = opts.validationData === undefined ? undefined : this.codesBelow(opts.validationData, k);
      const resume = k === from.stage ? from.ck : undefined;
      const history = await fit(pair, codes, { ...this.stageOptions(opts, name, k, [...stages], resume), validationData, epochs: opts.pretrainEpochs ?? 1, loss });
      stages.push({ name, kind: 'pretrain', layer: k + 1, loss, history });
      if (history.stopReason === 'aborted') break;
    }
    return stages;
  }

  /** End-to-end training of the whole stack on the data (the last stage). */
  async finetune(data: Inputs, opts: StackedFitOptions = {}, done: StackedStage[] = [], resume?: Checkpoint): Promise<StackedStage> {
    const loss = opts.loss ?? 'mse';
    const history = await fit(this, data, { ...this.stageOptions(opts, 'fine-tune', this.sizes.length - 1, done, resume), epochs: opts.finetuneEpochs ?? 1, loss });
    return { name: 'fine-tune', kind: 'finetune', layer: null, loss, history };
  }

  /** Pretraining then fine-tuning; the history has one entry per stage. */
  async fit(data: Inputs, opts: StackedFitOptions = {}): Promise<StackedHistory> {
    const t0 = performance.now();
    const from = await this.resumePoint(opts);
    const K = this.sizes.length - 1;
    const stages = await this.pretrain(data, opts, from);
    const aborted = stages.some((s) => s.history.stopReason === 'aborted');
    if (!aborted && (opts.finetuneEpochs ?? 1) > 0) stages.push(await this.finetune(data, opts, [...stages], from.stage === K ? from.ck : undefined));
    return { stages, seconds: (performance.now() - t0) / 1000 };
  }

  modelConfig(): { kind: 'StackedAutoencoder'; config: StackedAutoencoderConfig } {
    return { kind: 'StackedAutoencoder', config: { ...this.config, hidden: [...this.config.hidden] } };
  }
}

