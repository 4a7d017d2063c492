/**
 * What turns a model graph into one that takes raw data: the saved preprocessing (data/preprocess.ts) at the
 * input and its inverse at the output, and the AnomalyDetector (analysis/anomaly.ts): its optional scaler around
 * the autoencoder, and its score part, which computes the detector's three answers in the graph.
 *
 * Preprocessing: transform(x) = (fill NaN, then) (x - shift[j]) * (1 / scale[j]), inverse(z) = z * scale[j] +
 * shift[j], j = the position in the sample mod the period. aekit computes these in float64 and rounds once to
 * float32; the graph computes them in float32 (a rounding per op: within a few ulps). A NaN with no fill values
 * is an error in aekit; in the graph it flows through as NaN.
 *
 * Score: the detector's score is the mean squared reconstruction error in model space, summed in float64, and
 * `is_anomaly` is score > threshold (AnomalyDetector.decide). The graph casts the float32 reconstruction and
 * input to float64 and reduces there, and compares with the float64 threshold, so the decision is aekit's rule
 * on the same kind of number; `anomaly_probability` is the share of the calibration scores <= score
 * (AnomalyDetector.probability: the empirical CDF), a float64 count divided by their number.
 */
import type { Preprocessing } from '../../data/preprocess.js';
import { AekitError } from '../../errors.js';
import { type Ctx, type Flow, toAekitLayout, unsupported } from './emit.js';
import type { Graph } from './graph.js';
import type { AutoencoderEmitter, KindEntry } from './table.js';

type Config = Record<string, unknown>;

/**
 * `v` (one value per position mod its length) as a constant that broadcasts over samples of `shape`: a
 * vector over the last axis when its length is that axis's (a table's columns, a sequence's features, an
 * image's channels), else tiled over the shortest run of trailing axes it divides.
 */
function periodic(g: Graph, name: string, v: ArrayLike<number>, shape: (number | null)[]): string {
  const p = v.length;
  if (p === 1) return g.floats(name, [1], v);
  for (let k = shape.length - 1; k >= 0; k--) {
    const dims = shape.slice(k);
    if (dims.some((d) => d === null)) break;
    const n = (dims as number[]).reduce((a, b) => a * b, 1);
    if (n % p === 0) return g.floats(name, dims as number[], Array.from({ length: n }, (_, i) => v[i % p]));
  }
  throw new AekitError(`onnx export: the preprocessing works on groups of ${p} values, but the model's samples are [${shape.join(', ')}]`, 'E_FORMAT');
}

/** Raw data -> model inputs (nothing for an identity map). */
export function preprocessIn(g: Graph, x: Flow, prep: Preprocessing | null): Flow {
  if (!prep || prep.isIdentity) return x;
  let v = x.value;
  if (prep.fill) v = g.node('Where', [g.node('IsNaN', [v]), periodic(g, 'preprocessing.fill', prep.fill, x.shape), v]);
  if (prep.shift.some((s) => s !== 0)) v = g.node('Sub', [v, periodic(g, 'preprocessing.shift', prep.shift, x.shape)]);
  if (prep.scale.some((s) => s !== 1)) v = g.node('Mul', [v, periodic(g, 'preprocessing.inverse_scale', prep.scale.map((s) => 1 / s), x.shape)]);
  return { ...x, value: v };
}

/** Model outputs -> data units. */
export function preprocessOut(g: Graph, y: Flow, prep: Preprocessing | null): Flow {
  if (!prep || prep.isIdentity) return y;
  const f = toAekitLayout(g, y);
  let v = f.value;
  if (prep.scale.some((s) => s !== 1)) v = g.node('Mul', [v, periodic(g, 'preprocessing.scale', prep.scale, f.shape)]);
  if (prep.shift.some((s) => s !== 0)) v = g.node('Add', [v, periodic(g, 'preprocessing.shift', prep.shift, f.shape)]);
  return { ...f, value: v };
}

/** The autoencoder an AnomalyDetector wraps, its config, and where its tensors are. */
export interface DetectorParts {
  inner: AutoencoderEmitter;
  innerConfig: Config;
  innerKind: string;
}

export function detectorParts(config: Config, kinds: Record<string, KindEntry>): DetectorParts {
  const a = config.autoencoder as { kind?: unknown; config?: unknown } | undefined;
  if (!a || typeof a.kind !== 'string' || typeof a.config !== 'object' || a.config === null) {
    throw new AekitError('onnx export: the AnomalyDetector config has no autoencoder { kind, config }', 'E_FORMAT');
  }
  const entry = Object.hasOwn(kinds, a.kind) ? kinds[a.kind] : undefined;
  if (!entry || !('autoencoder' in entry)) throw unsupported(`an AnomalyDetector wrapping a '${a.kind}' (the exporter knows the autoencoder kinds ${Object.entries(kinds).filter(([, e]) => 'autoencoder' in e).map(([k]) => k).join(', ')})`);
  return { inner: entry.autoencoder, innerConfig: a.config as Config, innerKind: a.kind };
}

/** The detector's own standardization (`standardize: true`): (x - mean) / std over each sample's values. */
function scaler(ctx: Ctx, config: Config, x: Flow, inverse: boolean): Flow {
  if (config.standardize !== true) return x;
  const f = toAekitLayout(ctx.g, x);
  const d = (f.shape as number[]).reduce((a, b) => a * b, 1);
  const dims = f.shape as number[];
  // Shaped like a sample (the scaler works on each sample's flat values); one initializer for both directions.
  const vec = (name: string): string => {
    const t = ctx.tensor(`scaler.${name}`, [d]), path = ctx.path(`scaler.${name}`);
    return ctx.g.has(path) ? path : ctx.g.initializer(path, dims, Float32Array.from(t.toTypedArray()));
  };
  const v = inverse
    ? ctx.g.node('Add', [ctx.g.node('Mul', [f.value, vec('std')]), vec('mean')])
    : ctx.g.node('Div', [ctx.g.node('Sub', [f.value, vec('mean')]), vec('std')]);
  return { ...f, value: v };
}

/** The detector as an autoencoder: the scaler, then the wrapped autoencoder (tensors under `autoencoder.`). */
export function detectorEmitter(p: DetectorParts): AutoencoderEmitter {
  return {
    input: (_c, who) => p.inner.input(p.innerConfig, `${who}'s ${p.innerKind}`),
    encode: (ctx, c, x) => p.inner.encode(ctx.at('autoencoder.'), p.innerConfig, scaler(ctx, c, x, false)),
    decode: (ctx, c, code) => scaler(ctx, c, p.inner.decode(ctx.at('autoencoder.'), p.innerConfig, code), true),
  };
}

/** The score part's outputs from model inputs `x` (after the preprocessing). */
export function scoreOutputs(ctx: Ctx, config: Config, p: DetectorParts, x: Flow): { error: string; flag: string; probability: string } {
  const g = ctx.g;
  const threshold = config.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new AekitError('onnx export: this AnomalyDetector has no threshold yet (fit it first)', 'E_VALUE');
  const n = ctx.tensor('calibrationScores').size;
  if (n === 0) throw new AekitError('onnx export: this AnomalyDetector has no calibration scores (fit it first)', 'E_VALUE');
  const z = scaler(ctx, config, x, false);
  const inner = ctx.at('autoencoder.');
  const codes = p.inner.encode(inner, p.innerConfig, z);
  const r = toAekitLayout(g, p.inner.decode(inner, p.innerConfig, Object.values(codes)[0]));
  const double = (v: string): string => g.node('Cast', [v], { to: 11 });
  const diff = g.node('Sub', [double(r.value), double(z.value)]);
  const axes = z.shape.map((_, i) => i + 1);
  const sum = g.node('ReduceSum', [g.node('Mul', [diff, diff]), g.ints('sample_axes', axes)], { keepdims: 0 });
  const count = z.shape.reduce<number>((a, b) => a * (b as number), 1);
  const error = g.node('Div', [sum, g.scalar('values_per_sample', count)]);
  const flag = g.node('Greater', [error, g.scalar('threshold', threshold)]);
  const cal = g.initializer(ctx.path('calibrationScores'), [n], Float64Array.from(ctx.tensor('calibrationScores').toTypedArray()));
  const below = g.node('Cast', [g.node('LessOrEqual', [cal, g.node('Unsqueeze', [error, g.ints('axes', [1])])])], { to: 11 });
  const counted = g.node('ReduceSum', [below, g.ints('calibration_axis', [1])], { keepdims: 0 });
  const probability = g.node('Div', [counted, g.scalar('calibration_size', n)]);
  return { error, flag, probability };
}
