/**
 * The one table of what the exporter knows: layer types (a Sequential's layers, and the layers the kinds are
 * made of) and model kinds. Adding a layer or a kind is one entry here plus its emitter in the family's file
 * (dense.ts, conv.ts, recurrent.ts); nothing tests classes: a model is read through its saved kind, config and
 * tensor paths, as a model file describes it.
 */
import { AekitError } from '../../errors.js';
import { avgPool, batchNorm, conv2d, conv2dTranspose, convAutoencoder, dropout, flatten, maxPool, reshape, upSampling } from './conv.js';
import { dense, denseAutoencoder, mlp, perceptron, runLayers, stacked, tiedDense, vae } from './dense.js';
import type { Ctx, Flow } from './emit.js';
import { lstm, repeatVector, rnnRegressor, sequenceAutoencoder, simpleRnn, timeDistributed } from './recurrent.js';

type Config = Record<string, unknown>;

/** One layer's config as the model file stores it (Sequential.modelConfig's layers), with its `type`. */
export type LayerSpec = Config & { type: string };

/** Emits one layer whose tensors are under `path` (e.g. `encoder.layers.0`), from the flow `x`; returns its output. */
export type LayerEmitter = (ctx: Ctx, spec: LayerSpec, path: string, x: Flow) => Flow;
export type LayerTable = Record<string, LayerEmitter>;

/** An autoencoder kind: its input (one sample, model units), its encoder and its decoder. */
export interface AutoencoderEmitter {
  input(c: Config, who: string): number[];
  /** The code(s): { code } or, for the VAE, { code_mean, code_log_var } (the first is what decode takes). */
  encode(ctx: Ctx, c: Config, x: Flow): Record<string, Flow>;
  decode(ctx: Ctx, c: Config, code: Flow): Flow;
}

/**
 * A network that is not an autoencoder: one forward pass. Null input sizes are chosen at run time; `sample` is
 * the data's sample shape where the file records it (an image size a Sequential's config does not hold).
 */
export interface NetEmitter {
  input(c: Config, who: string, sample?: readonly number[]): (number | null)[];
  forward(ctx: Ctx, c: Config, x: Flow): Flow;
}

export const LAYERS: LayerTable = {
  Dense: dense,
  TiedDense: tiedDense,
  Conv2D: conv2d,
  Conv2DTranspose: conv2dTranspose,
  MaxPool2D: maxPool,
  AvgPool2D: avgPool,
  UpSampling2D: upSampling,
  Flatten: flatten,
  Reshape: reshape,
  BatchNorm: batchNorm,
  Dropout: dropout,
  LSTM: lstm,
  SimpleRNN: simpleRnn,
  RepeatVector: repeatVector,
  TimeDistributed: timeDistributed,
};

/** Sequential (io/kinds.ts): its `layers` in order; the input is the first layer's (images NHWC, size from `data`). */
const sequential: NetEmitter = {
  input: (c, _who, sample) => {
    const first = layerList(c)[0];
    if (!first) throw new AekitError('onnx export: this Sequential has no layers', 'E_FORMAT');
    if (first.type === 'Dense') return [first.inputDim as number];
    if (first.type === 'Conv2D' || first.type === 'Conv2DTranspose') {
      const known = sample?.length === 3 && sample[2] === first.inChannels;
      return known ? [...sample] : [null, null, first.inChannels as number];
    }
    if (first.type === 'LSTM' || first.type === 'SimpleRNN') return [null, first.inputDim as number];
    throw new AekitError(`onnx export: a Sequential starting with a ${first.type} layer does not say its input's shape`, 'E_UNSUPPORTED');
  },
  forward: (ctx, c, x) => runLayers(ctx, layerList(c), '', x),
};

function layerList(c: Config): LayerSpec[] {
  const l = c.layers;
  if (!Array.isArray(l) || l.some((s) => typeof s !== 'object' || s === null || typeof (s as Config).type !== 'string')) {
    throw new AekitError("onnx export: a Sequential's config needs 'layers', a list of layer configs with a 'type'", 'E_FORMAT');
  }
  return l as LayerSpec[];
}

/** A kind: an autoencoder, a plain network, or the detector (which wraps an autoencoder; see detector.ts). */
export type KindEntry = { autoencoder: AutoencoderEmitter } | { net: NetEmitter } | { detector: true };

export const KINDS: Record<string, KindEntry> = {
  Autoencoder: { autoencoder: denseAutoencoder() },
  SparseAutoencoder: { autoencoder: denseAutoencoder() },
  DenoisingAutoencoder: { autoencoder: denseAutoencoder() },
  ContractiveAutoencoder: { autoencoder: denseAutoencoder(true) },
  VAE: { autoencoder: vae },
  StackedAutoencoder: { autoencoder: stacked },
  ConvAutoencoder: { autoencoder: convAutoencoder },
  SequenceAutoencoder: { autoencoder: sequenceAutoencoder },
  AnomalyDetector: { detector: true },
  Perceptron: { net: perceptron },
  MLP: { net: mlp },
  RNNRegressor: { net: rnnRegressor },
  Sequential: { net: sequential },
};
