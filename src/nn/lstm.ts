/**
 * LSTM layer (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), composed from
 * primitive ops one time step at a time like SimpleRNN, so backpropagation through time comes from the graph:
 *
 *   z_t = x_t W_ih^T + h_{t-1} W_hh^T + b                 [batch, 4 units], split into four blocks:
 *   i = sigmoid(z_i)   f = sigmoid(z_f)   g = tanh(z_g)   o = sigmoid(z_o)
 *   c_t = f * c_{t-1} + i * g
 *   h_t = o * tanh(c_t)                                   h_0 = c_0 = 0 unless given
 *
 * Gate order i, f, g, o is PyTorch's (Keras' i, f, c, o is the same order), and the weights use PyTorch's
 * layout: inputWeight [4 units, inputDim] = weight_ih_l0, recurrentWeight [4 units, units] = weight_hh_l0.
 * There is one bias, as in Keras; PyTorch has two (bias_ih + bias_hh), so export it as bias_ih with bias_hh = 0.
 *
 * Initialization follows Keras: Glorot-uniform input weights (fan-in inputDim, fan-out 4 units), orthogonal
 * recurrent weights, bias 0 except the forget gate's, which starts at 1 (Keras' unit_forget_bias; Jozefowicz
 * et al. 2015): f starts near sigmoid(1) = 0.73, so the cell remembers from the first step instead of halving its
 * memory each step, and gradients reach early steps. Keras makes the whole [units, 4 units] recurrent kernel
 * orthogonal at once; here each gate's [units, units] block is orthogonal on its own (orthogonalInit is square
 * only), which keeps what matters: every gate's recurrent map preserves norms at the start.
 */
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { type Tensor, zeros } from '../tensor/tensor.js';
import type { LayerInitOptions } from './dense.js';
import { initialize } from './init.js';
import { asParameter, Module } from './module.js';
import { orthogonalInit } from './rnn.js';

export interface LSTMConfig {
  inputDim: number;
  units: number;
  /** true: every step's h, [batch, time, units]; false (default): the last h, [batch, units]. */
  returnSequences?: boolean;
  /** Start the forget-gate bias at 1 (default true, as Keras' unit_forget_bias). */
  unitForgetBias?: boolean;
}

/** What one pass over a sequence produces: the output (as configured) and the final states. */
export interface LSTMResult {
  output: Tensor;
  h: Tensor;
  c: Tensor;
}

export class LSTM extends Module {
  readonly config: Required<LSTMConfig>;
  /** W_ih, [4 units, inputDim], gate blocks i, f, g, o in rows. */
  inputWeight: Tensor;
  /** W_hh, [4 units, units], same gate blocks. */
  recurrentWeight: Tensor;
  /** b, [4 units]. */
  bias: Tensor;

  constructor(config: LSTMConfig, opts: LayerInitOptions = {}) {
    super();
    const { inputDim, units } = config;
    for (const [k, v] of [['inputDim', inputDim], ['units', units]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`LSTM: ${k} must be a positive integer, got ${v}`);
    }
    this.config = {
      inputDim,
      units,
      returnSequences: config.returnSequences ?? false,
      unitForgetBias: config.unitForgetBias ?? true,
    };
    const rng = opts.rng ?? new Rng(0);
    const place = { dtype: opts.dtype, backend: opts.backend };
    this.inputWeight = asParameter(zeros([4 * units, inputDim], place));
    initialize(this.inputWeight.data, 'glorotUniform', inputDim, 4 * units, rng);
    this.recurrentWeight = asParameter(zeros([4 * units, units], place));
    for (let k = 0; k < 4; k++) orthogonalInit(this.recurrentWeight.data.subarray(k * units * units, (k + 1) * units * units), units, rng);
    this.bias = asParameter(zeros([4 * units], place));
    if (this.config.unitForgetBias) this.bias.data.fill(1, units, 2 * units);
  }

  /** x: [batch, time, inputDim]; h0, c0: optional initial states [batch, units]. */
  forward(x: Tensor, h0?: Tensor, c0?: Tensor): Tensor {
    return this.run(x, h0, c0).output;
  }

  /** The output and the final states h and c (to seed another LSTM, or to inspect the cell). */
  run(x: Tensor, h0?: Tensor, c0?: Tensor): LSTMResult {
    const { inputDim, units: u, returnSequences } = this.config;
    if (x.ndim !== 3 || x.shape[2] !== inputDim) {
      throw new Error(`LSTM expects input of shape [batch, time, ${inputDim}], got ${fmtShape(x.shape)}`);
    }
    const [b, steps] = x.shape;
    for (const [name, s] of [['h0', h0], ['c0', c0]] as const) {
      if (s && (s.ndim !== 2 || s.shape[0] !== b || s.shape[1] !== u)) {
        throw new Error(`LSTM: initial state ${name} must have shape [${b}, ${u}], got ${fmtShape(s.shape)}`);
      }
    }
    const place = { dtype: x.dtype, backend: x.backend };
    if (steps === 0) {
      const h = h0 ?? zeros([b, u], place), c = c0 ?? zeros([b, u], place);
      return { output: returnSequences ? zeros([b, 0, u], place) : h, h, c };
    }
    // The input projection does not depend on the state: one matmul for all steps instead of one per step.
    const xw = ops.add(ops.matmul(ops.reshape(x, [b * steps, inputDim]), ops.transpose(this.inputWeight)), this.bias);
    const proj = ops.reshape(xw, [b, steps, 4 * u]);
    const whh = ops.transpose(this.recurrentWeight);
    let h: Tensor | null = h0 ?? null;
    let c: Tensor | null = c0 ?? null;
    const states: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const pre = ops.reshape(ops.slice(proj, [0, t, 0], [b, 1, 4 * u]), [b, 4 * u]);
      const z = h ? ops.add(pre, ops.matmul(h, whh)) : pre; // h_0 = 0 contributes nothing: skip its matmul
      // One sigmoid pass over all four blocks (the g block's result goes unused, and gets zero gradient) costs
      // less than three separate kernel calls on strided slices.
      const sg = ops.sigmoid(z);
      const gate = (k: number, from: Tensor): Tensor => ops.slice(from, [0, k * u], [b, u]);
      const i = gate(0, sg), f = gate(1, sg), o = gate(3, sg);
      const g = ops.tanh(gate(2, z));
      const ig = ops.mul(i, g);
      c = c ? ops.add(ops.mul(f, c), ig) : ig; // c_0 = 0: f * c_0 vanishes
      h = ops.mul(o, ops.tanh(c));
      if (returnSequences) states.push(ops.reshape(h, [b, 1, u]));
    }
    return { output: returnSequences ? ops.concat(states, 1) : h!, h: h!, c: c! };
  }
}
