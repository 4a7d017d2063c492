/**
 * Image layers and the ConvAutoencoder. aekit keeps images NHWC and conv kernels as Keras does (Conv2D
 * [kh, kw, in, out], Conv2DTranspose [kh, kw, out, in]); ONNX's Conv and ConvTranspose take NCHW and OIHW
 * ([out, in, kh, kw]; ConvTranspose [in, out, kh, kw]), so kernels are rearranged at export (the initializer
 * keeps the aekit path) and image values are transposed once into NCHW and once back (emit.ts).
 *
 * Padding is Keras's (nn/conv.ts axisPadding): 'same' pads max((out - 1) * stride + k - size, 0), the odd one at
 * the bottom/right. Where the image size is known (always, for a ConvAutoencoder) the pads are written out;
 * where it is chosen at run time (a Sequential whose file does not say it) 'same' is ONNX's auto_pad SAME_UPPER,
 * which is the same rule. Max pooling ignores the padding and average pooling divides by the window positions
 * inside the image (count_include_pad 0), as aekit's pools do.
 */
import { AekitError } from '../../errors.js';
import { axisPadding, type Padding } from '../../nn/conv.js';
import type { Tensor } from '../../tensor/tensor.js';
import { runLayers, size } from './dense.js';
import { activate, type Ctx, type Flow, toAekitLayout, toNCHW } from './emit.js';
import type { AutoencoderEmitter, LayerEmitter, LayerSpec } from './table.js';

type Config = Record<string, unknown>;

function pairOf(v: unknown, what: string, fallback?: number): [number, number] {
  const p = v === undefined && fallback !== undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new AekitError(`onnx export: ${what} must be a positive integer or [height, width] of them, got ${JSON.stringify(v)}`, 'E_FORMAT');
  }
  return [p[0], p[1]];
}

function paddingOf(v: unknown, what: string): Padding {
  const p = v ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw new AekitError(`onnx export: ${what} padding must be 'same' or 'valid', got ${JSON.stringify(v)}`, 'E_FORMAT');
  return p;
}

/**
 * The window attributes of a conv or pool over an h x w image (null: chosen at run time), and the output size.
 * ONNX's pads are [top, left, bottom, right].
 */
function windows(shape: (number | null)[], k: [number, number], s: [number, number], padding: Padding, what: string): { attrs: Record<string, number[] | string>; oh: number | null; ow: number | null } {
  const [h, w] = shape;
  const base = { kernel_shape: k, strides: s };
  if (padding === 'valid') {
    const out = (n: number | null, i: 0 | 1): number | null => (n === null ? null : axisPadding(n, k[i], s[i], 'valid', what)[2]);
    return { attrs: { ...base, pads: [0, 0, 0, 0] }, oh: out(h, 0), ow: out(w, 1) };
  }
  if (h === null || w === null) return { attrs: { ...base, auto_pad: 'SAME_UPPER' }, oh: h === null ? null : Math.ceil(h / s[0]), ow: w === null ? null : Math.ceil(w / s[1]) };
  const [pt, pb, oh] = axisPadding(h, k[0], s[0], 'same', what);
  const [pl, pr, ow] = axisPadding(w, k[1], s[1], 'same', what);
  return { attrs: { ...base, pads: [pt, pl, pb, pr] }, oh, ow };
}

/**
 * A kernel [kh, kw, c, d] as ONNX's [d, c, kh, kw]: Conv2D's HWIO to OIHW, and Conv2DTranspose's
 * [kh, kw, out, in] to ConvTranspose's [in, out, kh, kw], which is the same move.
 */
function toONNXKernel(t: Tensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, c, d] = t.shape;
  const src = t.toTypedArray();
  const out = new Float32Array(src.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < c; i++) {
        for (let j = 0; j < d; j++) out[((j * c + i) * kh + y) * kw + x] = src[((y * kw + x) * c + i) * d + j];
      }
    }
  }
  return { dims: [d, c, kh, kw], data: out };
}

function convCommon(ctx: Ctx, spec: LayerSpec, path: string, x: Flow, type: 'Conv2D' | 'Conv2DTranspose') {
  const who = `layer ${ctx.path(path)} (${type})`;
  const k = pairOf(spec.kernelSize, `${who} kernelSize`), s = pairOf(spec.strides, `${who} strides`, 1);
  const cin = size(spec, 'inChannels', who), filters = size(spec, 'filters', who);
  const f = toNCHW(ctx.g, x);
  if (f.shape[2] !== cin) throw new AekitError(`onnx export: ${who} takes ${cin} channels, its input has ${f.shape[2]}`, 'E_FORMAT');
  const t = ctx.tensor(`${path}.weight`, type === 'Conv2D' ? [...k, cin, filters] : [...k, filters, cin]);
  const { dims, data } = toONNXKernel(t);
  const inputs = [f.value, ctx.derived(`${path}.weight`, dims, data)];
  if (spec.useBias !== false) inputs.push(ctx.weight(`${path}.bias`, [filters]));
  return { who, k, s, filters, f, inputs, padding: paddingOf(spec.padding, who) };
}

export const conv2d: LayerEmitter = (ctx, spec, path, x) => {
  const { who, k, s, filters, f, inputs, padding } = convCommon(ctx, spec, path, x, 'Conv2D');
  const { attrs, oh, ow } = windows(f.shape, k, s, padding, who);
  const y = ctx.g.node('Conv', inputs, attrs);
  return { value: activate(ctx.g, spec.activation ?? 'linear', y, 1), layout: 'nchw', shape: [oh, ow, filters] };
};

/**
 * Keras's transposed convolution (nn/conv.ts): the adjoint of the Conv2D that maps the output back. Its
 * padding does not depend on the image size: total max(k - s, 0) (0 for 'valid'), the odd one at the end, and
 * ONNX's output_padding max(s - k, 0) adds the rows a stride longer than the kernel leaves at the end.
 */
export const conv2dTranspose: LayerEmitter = (ctx, spec, path, x) => {
  const { k, s, filters, f, inputs, padding } = convCommon(ctx, spec, path, x, 'Conv2DTranspose');
  const total = [0, 1].map((i) => (padding === 'same' ? Math.max(k[i] - s[i], 0) : 0));
  const pads = [Math.floor(total[0] / 2), Math.floor(total[1] / 2), total[0] - Math.floor(total[0] / 2), total[1] - Math.floor(total[1] / 2)];
  const y = ctx.g.node('ConvTranspose', inputs, { kernel_shape: k, strides: s, pads, output_padding: [0, 1].map((i) => Math.max(s[i] - k[i], 0)) });
  const out = (n: number | null, i: number): number | null => (n === null ? null : padding === 'same' ? n * s[i] : n * s[i] + Math.max(k[i] - s[i], 0));
  return { value: activate(ctx.g, spec.activation ?? 'linear', y, 1), layout: 'nchw', shape: [out(f.shape[0], 0), out(f.shape[1], 1), filters] };
};

function pool(op: 'MaxPool' | 'AveragePool'): LayerEmitter {
  return (ctx, spec, path, x) => {
    const who = `layer ${ctx.path(path)} (${op === 'MaxPool' ? 'MaxPool2D' : 'AvgPool2D'})`;
    const k = pairOf(spec.poolSize, `${who} poolSize`, 2);
    const s = spec.strides === undefined ? k : pairOf(spec.strides, `${who} strides`);
    const f = toNCHW(ctx.g, x);
    const { attrs, oh, ow } = windows(f.shape, k, s, paddingOf(spec.padding, who), who);
    const y = ctx.g.node(op, [f.value], op === 'AveragePool' ? { ...attrs, count_include_pad: 0 } : attrs);
    return { value: y, layout: 'nchw', shape: [oh, ow, f.shape[2]] };
  };
}
export const maxPool = pool('MaxPool');
export const avgPool = pool('AveragePool');

/** Nearest upsampling: every pixel repeated (Resize, asymmetric coordinates, floor: out[i] = in[floor(i / s)]). */
export const upSampling: LayerEmitter = (ctx, spec, path, x) => {
  const [sh, sw] = pairOf(spec.size, `layer ${ctx.path(path)} (UpSampling2D) size`, 2);
  const f = toNCHW(ctx.g, x);
  const scales = ctx.g.floats('upsample_scales', [4], [1, 1, sh, sw]);
  const y = ctx.g.node('Resize', [f.value, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  const [h, w, c] = f.shape;
  return { value: y, layout: 'nchw', shape: [h === null ? null : h * sh, w === null ? null : w * sw, c] };
};

/** [batch, ...] -> [batch, values], in aekit's order (NHWC for images). */
export const flatten: LayerEmitter = (ctx, _spec, _path, x) => {
  const f = toAekitLayout(ctx.g, x);
  const n = f.shape.every((d) => d !== null) ? (f.shape as number[]).reduce((a, b) => a * b, 1) : null;
  return { value: ctx.g.node('Flatten', [f.value], { axis: 1 }), layout: 'flat', shape: [n] };
};

/** [batch, ...] -> [batch, ...targetShape] (0 in ONNX's shape keeps the batch size; one -1 is inferred). */
export const reshape: LayerEmitter = (ctx, spec, path, x) => {
  const t = spec.targetShape;
  if (!Array.isArray(t) || t.length === 0 || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
    throw new AekitError(`onnx export: layer ${ctx.path(path)} (Reshape) targetShape must be positive integers (one may be -1), got ${JSON.stringify(t)}`, 'E_FORMAT');
  }
  const f = toAekitLayout(ctx.g, x);
  const total = f.shape.every((d) => d !== null) ? (f.shape as number[]).reduce((a, b) => a * b, 1) : null;
  const known = (t as number[]).filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const shape = (t as number[]).map((d) => (d === -1 ? (total === null ? null : total / known) : d));
  const y = ctx.g.node('Reshape', [f.value, ctx.g.ints('reshape_shape', [0, ...(t as number[])])]);
  return { value: y, layout: shape.length === 3 ? 'nhwc' : shape.length === 2 ? 'seq' : 'flat', shape };
};

/**
 * Batch normalization in its inference form (nn/batchnorm.ts, eval mode): the running statistics, ONNX's
 * BatchNormalization over the channel axis (axis 1: NCHW images and rows as they are; a sequence's features
 * are moved there and back).
 */
export const batchNorm: LayerEmitter = (ctx, spec, path, x) => {
  const c = size(spec, 'features', `layer ${ctx.path(path)} (BatchNorm)`);
  const eps = typeof spec.epsilon === 'number' ? spec.epsilon : 1e-3;
  const f = x.layout === 'nhwc' ? toNCHW(ctx.g, x) : x;
  const seq = f.layout === 'seq';
  const input = seq ? ctx.g.node('Transpose', [f.value], { perm: [0, 2, 1] }) : f.value;
  const params = ['gamma', 'beta', 'runningMean', 'runningVar'].map((n) => ctx.weight(`${path}.${n}`, [c]));
  const y = ctx.g.node('BatchNormalization', [input, ...params], { epsilon: { float: eps } });
  return { ...f, value: seq ? ctx.g.node('Transpose', [y], { perm: [0, 2, 1] }) : y };
};

/** Dropout is the identity at inference (nn/dropout.ts after eval()). */
export const dropout: LayerEmitter = (_ctx, _spec, _path, x) => x;

/** The ConvAutoencoder's layers from its config (models/conv-autoencoder.ts builds the same list). */
function convLayers(c: Config, who: string): { enc: LayerSpec[]; dec: LayerSpec[]; input: [number, number, number] } {
  const input = c.inputShape;
  if (!Array.isArray(input) || input.length !== 3 || !input.every((d) => Number.isInteger(d) && d > 0)) {
    throw new AekitError(`onnx export: ${who} config's inputShape must be [height, width, channels], got ${JSON.stringify(input)}`, 'E_FORMAT');
  }
  const pool = pairOf(c.pool, `${who} pool`, 2);
  const act = c.activation ?? 'relu';
  let channels = input[2] as number;
  const conv = (s: unknown, i: number, what: string): LayerSpec => {
    const o = (typeof s === 'number' ? { filters: s } : s) as Config;
    if (typeof o !== 'object' || o === null) throw new AekitError(`onnx export: ${who} ${what}[${i}] is not a stage`, 'E_FORMAT');
    const spec: LayerSpec = { type: 'Conv2D', inChannels: channels, filters: o.filters, kernelSize: o.kernelSize ?? 3, padding: o.padding ?? 'same', activation: o.activation ?? act };
    channels = size(o, 'filters', `${who} ${what}[${i}]`);
    return spec;
  };
  const stages = (key: string): unknown[] => {
    if (!Array.isArray(c[key])) throw new AekitError(`onnx export: ${who} config's ${key} must be a list of stages`, 'E_FORMAT');
    return c[key] as unknown[];
  };
  const enc = stages('encoder').flatMap((s, i) => [conv(s, i, 'encoder'), { type: 'MaxPool2D', poolSize: pool, strides: pool, padding: 'same' }]);
  const dec = stages('decoder').flatMap((s, i) => [conv(s, i, 'decoder'), { type: 'UpSampling2D', size: pool }]);
  dec.push(conv({ filters: input[2], kernelSize: c.outputKernelSize ?? 3, padding: 'same', activation: c.outputActivation ?? 'sigmoid' }, dec.length / 2, 'output'));
  return { enc, dec, input: input as [number, number, number] };
}

export const convAutoencoder: AutoencoderEmitter = {
  input: (c, who) => convLayers(c, who).input,
  encode: (ctx, c, x) => ({ code: runLayers(ctx, convLayers(c, ctx.kind).enc, 'encoder', x) }),
  decode: (ctx, c, code) => runLayers(ctx, convLayers(c, ctx.kind).dec, 'decoder', code),
};
