/**
 * Recurrent layers and the kinds made of them (SequenceAutoencoder, RNNRegressor), as ONNX's LSTM and RNN ops.
 * aekit's sequences are batch-first [batch, time, features]; ONNX's recurrent ops take time-major
 * [time, batch, features], so the input is transposed in and the sequence output transposed back.
 *
 * aekit's LSTM (nn/lstm.ts) keeps its gates in PyTorch's order i, f, g, o (row blocks of inputWeight [4u, in],
 * recurrentWeight [4u, u], bias [4u]); ONNX's LSTM wants i, o, f, c (c is aekit's g), so the row blocks are
 * reordered. ONNX has two biases (input and recurrent, B = [Wb, Rb]); aekit's one bias goes in Wb and Rb is zero.
 * ONNX's default activations (sigmoid for gates, tanh for the cell and output) are aekit's; no peepholes.
 */
import { AekitError } from '../../errors.js';
import { size } from './dense.js';
import { type Ctx, type Flow, toRows, unsupported } from './emit.js';
import type { AutoencoderEmitter, LayerEmitter, LayerSpec, NetEmitter } from './table.js';

type Config = Record<string, unknown>;

/** Row blocks of `src` ([blocks * u, cols]) in the order `order`, as one float32 array. */
function reorderBlocks(src: ArrayLike<number>, u: number, cols: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * u * cols);
  order.forEach((b, k) => {
    for (let i = 0; i < u * cols; i++) out[k * u * cols + i] = src[b * u * cols + i];
  });
  return out;
}

/** aekit gate blocks (i, f, g, o) in ONNX's order (i, o, f, c). */
const LSTM_ORDER = [0, 3, 1, 2] as const;

function timeMajor(ctx: Ctx, x: Flow, who: string, inputDim: number): string {
  if (x.layout !== 'seq' || x.shape.length !== 2) throw new AekitError(`onnx export: ${who} takes sequences [time, features], got samples of shape [${x.shape.join(', ')}]`, 'E_FORMAT');
  if (x.shape[1] !== inputDim) throw new AekitError(`onnx export: ${who} takes ${inputDim} features per step, its input has ${x.shape[1]}`, 'E_FORMAT');
  return ctx.g.node('Transpose', [x.value], { perm: [1, 0, 2] });
}

/**
 * The op's outputs Y [time, 1, batch, u] and Y_h [1, batch, u] as aekit's: every step's h [batch, time, u]
 * (returnSequences) or the last h [batch, u].
 */
function recurrentOutput(ctx: Ctx, y: string, yh: string, returnSequences: boolean, time: number | null, u: number): Flow {
  if (!returnSequences) return { value: ctx.g.node('Squeeze', [yh, ctx.g.ints('axes', [0])]), layout: 'flat', shape: [u] };
  const seq = ctx.g.node('Squeeze', [y, ctx.g.ints('axes', [1])]);
  return { value: ctx.g.node('Transpose', [seq], { perm: [1, 0, 2] }), layout: 'seq', shape: [time, u] };
}

export const lstm: LayerEmitter = (ctx, spec, path, x) => {
  const who = `layer ${ctx.path(path)} (LSTM)`;
  const inputDim = size(spec, 'inputDim', who), u = size(spec, 'units', who);
  const xt = timeMajor(ctx, x, who, inputDim);
  const w = ctx.tensor(`${path}.inputWeight`, [4 * u, inputDim]).toTypedArray();
  const r = ctx.tensor(`${path}.recurrentWeight`, [4 * u, u]).toTypedArray();
  const b = new Float32Array(8 * u);
  b.set(reorderBlocks(ctx.tensor(`${path}.bias`, [4 * u]).toTypedArray(), u, 1, LSTM_ORDER));
  const [y, yh] = ctx.g.nodeN('LSTM', [
    xt,
    ctx.derived(`${path}.inputWeight`, [1, 4 * u, inputDim], reorderBlocks(w, u, inputDim, LSTM_ORDER)),
    ctx.derived(`${path}.recurrentWeight`, [1, 4 * u, u], reorderBlocks(r, u, u, LSTM_ORDER)),
    ctx.derived(`${path}.bias`, [1, 8 * u], b),
  ], ['lstm_y', 'lstm_h'], { hidden_size: u });
  return recurrentOutput(ctx, y, yh, spec.returnSequences === true, x.shape[0], u);
};

/** aekit's SimpleRNN activations that ONNX's RNN op has. */
const RNN_ACTIVATIONS: Record<string, string> = { tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid' };

/** SimpleRNN (nn/rnn.ts): h_t = act(x_t W_x^T + h_{t-1} W_h^T + b), ONNX's RNN with the bias as Wb. */
export const simpleRnn: LayerEmitter = (ctx, spec, path, x) => {
  const who = `layer ${ctx.path(path)} (SimpleRNN)`;
  const inputDim = size(spec, 'inputDim', who), u = size(spec, 'units', who);
  const act = RNN_ACTIVATIONS[String(spec.activation ?? 'tanh')];
  if (!act) throw unsupported(`${who} has activation '${String(spec.activation)}'; ONNX's RNN op takes ${Object.keys(RNN_ACTIVATIONS).join(', ')}`);
  const xt = timeMajor(ctx, x, who, inputDim);
  const b = new Float32Array(2 * u);
  if (spec.useBias !== false) b.set(ctx.tensor(`${path}.bias`, [u]).toTypedArray());
  const inputs = [
    xt,
    ctx.derived(`${path}.inputWeight`, [1, u, inputDim], Float32Array.from(ctx.tensor(`${path}.inputWeight`, [u, inputDim]).toTypedArray())),
    ctx.derived(`${path}.recurrentWeight`, [1, u, u], Float32Array.from(ctx.tensor(`${path}.recurrentWeight`, [u, u]).toTypedArray())),
    ctx.derived(spec.useBias !== false ? `${path}.bias` : `${path}.zero_bias`, [1, 2 * u], b),
  ];
  const [y, yh] = ctx.g.nodeN('RNN', inputs, ['rnn_y', 'rnn_h'], { hidden_size: u, activations: { strings: [act] } });
  return recurrentOutput(ctx, y, yh, spec.returnSequences === true, x.shape[0], u);
};

/** RepeatVector(n) (nn/sequence.ts): [batch, f] -> [batch, n, f], the same vector at every step. */
export const repeatVector: LayerEmitter = (ctx, spec, path, x) => {
  const n = size(spec, 'n', `layer ${ctx.path(path)} (RepeatVector)`);
  const rows = toRows(ctx.g, x, x.shape[0] ?? 0, `layer ${ctx.path(path)} (RepeatVector)`);
  const v = ctx.g.node('Unsqueeze', [rows.value, ctx.g.ints('axes', [1])]);
  return { value: ctx.g.node('Tile', [v, ctx.g.ints('repeats', [1, n, 1])]), layout: 'seq', shape: [n, rows.shape[0]] };
};

/** TimeDistributed(layer) (nn/sequence.ts): the layer on every step, batch and time merged around it. */
export const timeDistributed: LayerEmitter = (ctx, spec, path, x) => {
  const who = `layer ${ctx.path(path)} (TimeDistributed)`;
  const [time, f] = x.shape;
  if (x.layout !== 'seq' || time === null || f === null) throw new AekitError(`onnx export: ${who} needs sequences of a known length`, 'E_FORMAT');
  const inner = spec.layer as LayerSpec;
  if (typeof inner?.type !== 'string') throw new AekitError(`onnx export: ${who} has no inner layer`, 'E_FORMAT');
  const rows: Flow = { value: ctx.g.node('Reshape', [x.value, ctx.g.ints('rows_shape', [-1, f])]), layout: 'flat', shape: [f] };
  const y = ctx.layer(inner, `${path}.layer`, rows);
  const units = y.shape[0] as number;
  return { value: ctx.g.node('Reshape', [y.value, ctx.g.ints('seq_shape', [-1, time, units])]), layout: 'seq', shape: [time, units] };
};

/** The SequenceAutoencoder (models/sequence-autoencoder.ts): LSTM, optional Dense bottleneck, repeat, LSTM, Dense per step. */
export const sequenceAutoencoder: AutoencoderEmitter = {
  input: (c, who) => [size(c, 'timesteps', who), size(c, 'inputDim', who)],
  encode: (ctx, c, x) => {
    const f = size(c, 'inputDim', ctx.kind), u = size(c, 'units', ctx.kind);
    const h = ctx.layer({ type: 'LSTM', inputDim: f, units: u }, 'encoder', x);
    if (c.latentDim === null || c.latentDim === undefined) return { code: h };
    return { code: ctx.layer({ type: 'Dense', inputDim: u, units: size(c, 'latentDim', ctx.kind) }, 'bottleneck', h) };
  },
  decode: (ctx, c, code) => {
    const f = size(c, 'inputDim', ctx.kind), u = size(c, 'units', ctx.kind), t = size(c, 'timesteps', ctx.kind);
    const k = c.latentDim === null || c.latentDim === undefined ? u : size(c, 'latentDim', ctx.kind);
    const rep = ctx.layer({ type: 'RepeatVector', n: t }, 'repeat', { ...code, shape: [k] });
    const seq = ctx.layer({ type: 'LSTM', inputDim: k, units: u, returnSequences: true }, 'decoder', rep);
    return ctx.layer({ type: 'TimeDistributed', layer: { type: 'Dense', inputDim: u, units: f } }, 'output', seq);
  },
};

/** RNNRegressor (models/rnn.ts): a SimpleRNN's last state through a linear Dense; any sequence length. */
export const rnnRegressor: NetEmitter = {
  input: (c) => [null, (c.inputDim as number | undefined) ?? 1],
  forward: (ctx, c, x) => {
    const cfg: Config = { inputDim: c.inputDim ?? 1, units: c.units ?? 16, outputDim: c.outputDim ?? 1 };
    const h = ctx.layer({ type: 'SimpleRNN', inputDim: cfg.inputDim, units: cfg.units }, 'rnn', x);
    return ctx.layer({ type: 'Dense', inputDim: cfg.units, units: cfg.outputDim }, 'head', h);
  },
};
