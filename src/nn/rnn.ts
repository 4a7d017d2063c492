/**
 * SimpleRNN (Elman) layer, seed 003's recurrent net: the hidden state of the previous step is an input of
 * the next,
 *
 *   h_t = act(x_t W_x^T + h_{t-1} W_h^T + b),   h_0 = 0 unless given,
 *
 * composed from primitive ops one time step at a time. The graph therefore spans every step, and calling
 * backward on a loss is backpropagation through time with no extra code.
 */
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import { activation, type ActivationName, checkActivation } from './activations.js';
import type { LayerInitOptions } from './dense.js';
import { initialize } from './init.js';
import { asParameter, Module } from './module.js';

export interface SimpleRNNConfig {
  inputDim: number;
  units: number;
  /** Default 'tanh': bounded, so the state cannot blow up however long the sequence. */
  activation?: ActivationName;
  /** true: every step's state [batch, time, units]; false (default): the last state [batch, units]. */
  returnSequences?: boolean;
  useBias?: boolean;
}

/**
 * Fills a square [n, n] matrix with a random orthogonal one (Gram-Schmidt on Gaussian rows), Keras' default
 * for recurrent weights: all singular values are 1, so early in training the state is neither amplified nor
 * squashed from step to step, which keeps gradients through time from exploding or vanishing.
 */
export function orthogonalInit(out: Float32Array | Float64Array, n: number, rng: Rng): void {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (;;) {
      for (let j = 0; j < n; j++) q[i * n + j] = rng.normal();
      // Modified Gram-Schmidt: remove the components along the rows already accepted.
      for (let k = 0; k < i; k++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += q[i * n + j] * q[k * n + j];
        for (let j = 0; j < n; j++) q[i * n + j] -= dot * q[k * n + j];
      }
      let norm = 0;
      for (let j = 0; j < n; j++) norm += q[i * n + j] ** 2;
      norm = Math.sqrt(norm);
      if (norm < 1e-6) continue; // a (vanishingly unlikely) dependent draw: draw again
      for (let j = 0; j < n; j++) q[i * n + j] /= norm;
      break;
    }
  }
  out.set(q);
}

export class SimpleRNN extends Module {
  readonly config: Required<SimpleRNNConfig>;
  /** W_x, [units, inputDim] (PyTorch's weight_ih layout). */
  inputWeight: Tensor;
  /** W_h, [units, units] (PyTorch's weight_hh layout). */
  recurrentWeight: Tensor;
  bias: Tensor | null;
  private readonly _act: (x: Tensor) => Tensor;

  constructor(config: SimpleRNNConfig, opts: LayerInitOptions = {}) {
    super();
    const { inputDim, units } = config;
    for (const [k, v] of [['inputDim', inputDim], ['units', units]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`SimpleRNN: ${k} must be a positive integer, got ${v}`);
    }
    this.config = {
      inputDim,
      units,
      activation: checkActivation(config.activation ?? 'tanh'),
      returnSequences: config.returnSequences ?? false,
      useBias: config.useBias ?? true,
    };
    const rng = opts.rng ?? new Rng(0);
    const dt = { dtype: opts.dtype, backend: opts.backend };
    this.inputWeight = asParameter(zeros([units, inputDim], dt));
    initialize(this.inputWeight.data, 'glorotUniform', inputDim, units, rng);
    this.recurrentWeight = asParameter(zeros([units, units], dt));
    orthogonalInit(this.recurrentWeight.data, units, rng);
    this.bias = this.config.useBias ? asParameter(zeros([units], dt)) : null;
    this._act = activation(this.config.activation);
  }

  /** x: [batch, time, inputDim]; h0: optional initial state [batch, units]. */
  forward(x: Tensor, h0?: Tensor): Tensor {
    const { inputDim, units, returnSequences } = this.config;
    if (x.ndim !== 3 || x.shape[2] !== inputDim) {
      throw new Error(`SimpleRNN expects input of shape [batch, time, ${inputDim}], got ${fmtShape(x.shape)}`);
    }
    const [b, steps] = x.shape;
    if (h0 && (h0.ndim !== 2 || h0.shape[0] !== b || h0.shape[1] !== units)) {
      throw new Error(`SimpleRNN: initial state must have shape [${b}, ${units}], got ${fmtShape(h0.shape)}`);
    }
    if (steps === 0) {
      if (returnSequences) return zeros([b, 0, units], { dtype: x.dtype, backend: x.backend });
      return h0 ?? zeros([b, units], { dtype: x.dtype, backend: x.backend });
    }
    // The input projection does not depend on the state: one matmul for all steps instead of one per step.
    let xw = ops.matmul(ops.reshape(x, [b * steps, inputDim]), ops.transpose(this.inputWeight));
    if (this.bias) xw = ops.add(xw, this.bias);
    const proj = ops.reshape(xw, [b, steps, units]);
    const wh = ops.transpose(this.recurrentWeight);
    let h: Tensor | null = h0 ?? null;
    const states: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const pre = ops.reshape(ops.slice(proj, [0, t, 0], [b, 1, units]), [b, units]);
      h = this._act(h ? ops.add(pre, ops.matmul(h, wh)) : pre); // h_0 = 0 contributes nothing: skip its matmul
      if (returnSequences) states.push(ops.reshape(h, [b, 1, units]));
    }
    return returnSequences ? ops.concat(states, 1) : h!;
  }
}
