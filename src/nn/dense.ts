import type { Backend, DType, LinearAct } from '../kernels/types.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { activation, type ActivationName, checkActivation } from './activations.js';
import { initialize, type InitName } from './init.js';
import { asParameter, Module } from './module.js';

export interface DenseConfig {
  inputDim: number;
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  /** Weight initializer (bias starts at zero). Default glorotUniform, as in Keras. */
  init?: InitName;
}

export interface LayerInitOptions {
  rng?: Rng;
  dtype?: DType;
  /** Where the parameters live (default: the current backend). */
  backend?: Backend;
}

/**
 * Fully connected layer: y = act(x @ W^T + b).
 * The weight is stored [units, inputDim] as in PyTorch's nn.Linear, so a saved file maps onto a PyTorch
 * model directly; the matmul kernel reads the transposed view without copying it.
 */
/** The activations ops.linear computes with the product (the others run as separate ops after it). */
const FUSED = new Set<string>(['linear', 'sigmoid', 'relu', 'tanh']);

export class Dense extends Module {
  readonly config: Required<DenseConfig>;
  weight: Tensor;
  bias: Tensor | null;
  private readonly _act: (x: Tensor) => Tensor;

  constructor(config: DenseConfig, opts: LayerInitOptions = {}) {
    super();
    const { inputDim, units } = config;
    for (const [k, v] of [['inputDim', inputDim], ['units', units]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Dense: ${k} must be a positive integer, got ${v}`);
    }
    this.config = {
      inputDim,
      units,
      activation: checkActivation(config.activation ?? 'linear'),
      useBias: config.useBias ?? true,
      init: config.init ?? 'glorotUniform',
    };
    const rng = opts.rng ?? new Rng(0);
    this.weight = asParameter(zeros([units, inputDim], { dtype: opts.dtype, backend: opts.backend }));
    initialize(this.weight.data, this.config.init, inputDim, units, rng);
    this.bias = this.config.useBias ? asParameter(zeros([units], { dtype: opts.dtype, backend: opts.backend })) : null;
    this._act = activation(this.config.activation);
  }

  private checkInput(x: Tensor): void {
    if (x.ndim !== 2 || x.shape[1] !== this.config.inputDim) {
      throw new Error(`Dense expects input of shape [batch, ${this.config.inputDim}], got ${fmtShape(x.shape)}`);
    }
  }

  /** The affine part only, before the activation (losses "from logits" want this). */
  preActivation(x: Tensor): Tensor {
    this.checkInput(x);
    const y = ops.matmul(x, ops.transpose(this.weight));
    return this.bias ? ops.add(y, this.bias) : y;
  }

  forward(x: Tensor): Tensor {
    const act = this.config.activation;
    if (!FUSED.has(act)) return this._act(this.preActivation(x));
    // One kernel where the backend fuses the bias and activation into the GEMM (the same bits as the ops).
    this.checkInput(x);
    return ops.linear(x, this.weight, this.bias, act as LinearAct);
  }
}

/** A layer that describes itself for the model file (its `type` names the class the loader rebuilds). */
export interface ConfigurableLayer {
  layerConfig(): { type: string };
}

export type SequentialLayerConfig = ({ type: 'Dense'; dtype: DType } & Required<DenseConfig>) | { type: string };

/** Layers applied in order. */
export class Sequential extends Module {
  layers: Module[];

  constructor(layers: Module[]) {
    super();
    this.layers = layers;
  }

  /**
   * Config of the stack for the model file: Dense layers, and layers that describe themselves with
   * `layerConfig()` (convolution, pooling, reshaping); io/model-file.ts rebuilds both.
   */
  modelConfig(): { kind: 'Sequential'; config: { layers: SequentialLayerConfig[] } } {
    return {
      kind: 'Sequential',
      config: {
        layers: this.layers.map((l, i) => {
          if (l instanceof Dense) return { type: 'Dense' as const, ...l.config, dtype: l.weight.dtype };
          const own = (l as Partial<ConfigurableLayer>).layerConfig;
          if (typeof own !== 'function') throw new Error(`Sequential.modelConfig: layer ${i} is not a Dense layer and has no layerConfig()`);
          return own.call(l);
        }),
      },
    };
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }

  /**
   * The output before its sigmoid, when the last layer is a Dense with a sigmoid activation (else null), so
   * BCE can be computed from logits: stabler, and a third fewer elementwise passes than sigmoid then log.
   */
  sigmoidLogits(x: Tensor): Tensor | null {
    const last = this.layers[this.layers.length - 1];
    if (!(last instanceof Dense) || last.config.activation !== 'sigmoid') return null;
    let h = x;
    for (let i = 0; i + 1 < this.layers.length; i++) h = this.layers[i].forward(h);
    return last.preActivation(h);
  }
}
