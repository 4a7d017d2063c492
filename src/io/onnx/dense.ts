/**
 * Dense layers and the kinds made of them: the Autoencoder and its sparse, denoising and contractive variants
 * (their inference graph is the plain autoencoder's: the penalties and the noise only shape training), the
 * VAE, the StackedAutoencoder (tied weights included), and the Perceptron and MLP. Layer lists are read from
 * the kind's saved config with the defaults its constructor applies; tensors by their module paths.
 */
import { AekitError } from '../../errors.js';
import { activate, type Ctx, type Flow, toRows } from './emit.js';
import type { AutoencoderEmitter, LayerEmitter, LayerSpec, NetEmitter } from './table.js';

type Config = Record<string, unknown>;

/** A positive integer field of a config, or an E_FORMAT error naming it. */
export function size(c: Config, key: string, who: string): number {
  const v = c[key];
  if (!Number.isInteger(v) || (v as number) <= 0) throw new AekitError(`onnx export: ${who} config's ${key} must be a positive integer, got ${JSON.stringify(v)}`, 'E_FORMAT');
  return v as number;
}

function sizes(c: Config, key: string, who: string): number[] {
  const v = c[key] ?? [];
  if (!Array.isArray(v)) throw new AekitError(`onnx export: ${who} config's ${key} must be a list, got ${JSON.stringify(v)}`, 'E_FORMAT');
  return v.map((_, i) => size(v as unknown as Config, String(i), `${who} ${key}`));
}

/** y = act(x W^T + b): Gemm with transB, so the weight is aekit's [units, inputDim] as it is. */
export const dense: LayerEmitter = (ctx, spec, path, x) => {
  const units = size(spec, 'units', 'Dense'), inputDim = size(spec, 'inputDim', 'Dense');
  const rows = toRows(ctx.g, x, inputDim, `layer ${ctx.path(path)} (Dense)`);
  const inputs = [rows.value, ctx.weight(`${path}.weight`, [units, inputDim])];
  if (spec.useBias !== false) inputs.push(ctx.weight(`${path}.bias`, [units]));
  return { value: activate(ctx.g, spec.activation ?? 'linear', ctx.g.node('Gemm', inputs, { transB: 1 })), layout: 'flat', shape: [units] };
};

/** A StackedAutoencoder's tied decoder layer: y = act(x W + b) with W the encoder layer's [units, inputDim] weight. */
export const tiedDense: LayerEmitter = (ctx, spec, path, x) => {
  const units = size(spec, 'units', 'TiedDense'), inputDim = size(spec, 'inputDim', 'TiedDense');
  const rows = toRows(ctx.g, x, inputDim, `layer ${ctx.path(path)} (tied Dense)`);
  const w = ctx.weight(`${String(spec.tiedTo)}.weight`, [inputDim, units]);
  const y = ctx.g.node('Gemm', [rows.value, w, ctx.weight(`${path}.bias`, [units])]);
  return { value: activate(ctx.g, spec.activation, y), layout: 'flat', shape: [units] };
};

/** Runs `layers` (tensors under `prefix.layers.i`) through the layer table. */
export function runLayers(ctx: Ctx, layers: LayerSpec[], prefix: string, x: Flow): Flow {
  return layers.reduce((h, l, i) => ctx.layer(l, `${prefix}${prefix ? '.' : ''}layers.${i}`, h), x);
}

const denseSpec = (inputDim: number, units: number, activation: unknown): LayerSpec => ({ type: 'Dense', inputDim, units, activation });

/** An autoencoder of Dense layers: encoder inputDim -> hidden -> latentDim, decoder mirrored (autoencoder.ts). */
function mirrored(c: Config, who: string, fixedActivation?: string): { enc: LayerSpec[]; dec: LayerSpec[]; inputDim: number; latentDim: number } {
  const inputDim = size(c, 'inputDim', who), latentDim = size(c, 'latentDim', who);
  const act = fixedActivation ?? c.activation ?? 'relu';
  const latentAct = fixedActivation ?? c.latentActivation ?? act;
  const outAct = c.outputActivation ?? 'sigmoid';
  const s = [inputDim, ...(fixedActivation ? [] : sizes(c, 'hidden', who)), latentDim];
  const enc = s.slice(1).map((u, i) => denseSpec(s[i], u, i + 2 === s.length ? latentAct : act));
  const back = [...s].reverse();
  const dec = back.slice(1).map((u, i) => denseSpec(back[i], u, i + 2 === back.length ? outAct : act));
  return { enc, dec, inputDim, latentDim };
}

/** The Autoencoder and its variants: `contractive` fixes the one-layer sigmoid encoder (contractive.ts). */
export function denseAutoencoder(contractive = false): AutoencoderEmitter {
  return {
    input: (c, who) => [size(c, 'inputDim', who)],
    encode: (ctx, c, x) => ({ code: runLayers(ctx, mirrored(c, ctx.kind, contractive ? 'sigmoid' : undefined).enc, 'encoder', x) }),
    decode: (ctx, c, code) => runLayers(ctx, mirrored(c, ctx.kind, contractive ? 'sigmoid' : undefined).dec, 'decoder', code),
  };
}

/** VAE (vae.ts): trunk, two linear heads (mean, log-variance), decoder; reconstruct decodes the mean. */
export const vae: AutoencoderEmitter = {
  input: (c, who) => [size(c, 'inputDim', who)],
  encode: (ctx, c, x) => {
    const inputDim = size(c, 'inputDim', ctx.kind), latentDim = size(c, 'latentDim', ctx.kind);
    const trunk = [inputDim, ...sizes(c, 'hidden', ctx.kind)];
    const h = runLayers(ctx, trunk.slice(1).map((u, i) => denseSpec(trunk[i], u, c.activation ?? 'relu')), 'encoder', x);
    const head = (name: string): Flow => ctx.layer(denseSpec(trunk[trunk.length - 1], latentDim, 'linear'), name, h);
    return { code_mean: head('zMean'), code_log_var: head('zLogVar') };
  },
  decode: (ctx, c, code) => {
    const latentDim = size(c, 'latentDim', ctx.kind);
    const back = [latentDim, ...sizes(c, 'hidden', ctx.kind).reverse(), size(c, 'inputDim', ctx.kind)];
    const out = c.outputActivation ?? 'sigmoid';
    return runLayers(ctx, back.slice(1).map((u, i) => denseSpec(back[i], u, i + 2 === back.length ? out : c.activation ?? 'relu')), 'decoder', code);
  },
};

/** StackedAutoencoder (stacked.ts): decoder layer j rebuilds encoder layer K-1-j, tied to its weight when tiedWeights. */
function stackedLayers(c: Config, who: string): { enc: LayerSpec[]; dec: LayerSpec[] } {
  const m = mirrored(c, who);
  if (c.tiedWeights !== true) return m;
  const K = m.enc.length;
  const dec = m.dec.map((l, j) => ({ ...l, type: 'TiedDense', tiedTo: `encoder.layers.${K - 1 - j}` }));
  return { enc: m.enc, dec };
}

export const stacked: AutoencoderEmitter = {
  input: (c, who) => [size(c, 'inputDim', who)],
  encode: (ctx, c, x) => ({ code: runLayers(ctx, stackedLayers(c, ctx.kind).enc, 'encoder', x) }),
  decode: (ctx, c, code) => runLayers(ctx, stackedLayers(c, ctx.kind).dec, 'decoder', code),
};

/** Perceptron (perceptron.ts): one sigmoid Dense layer. */
export const perceptron: NetEmitter = {
  input: (c, who) => [size(c, 'inputDim', who)],
  forward: (ctx, c, x) => ctx.layer({ type: 'Dense', inputDim: size(c, 'inputDim', ctx.kind), units: c.outputDim ?? 1, activation: 'sigmoid', useBias: c.useBias ?? true }, 'layer', x),
};

/** MLP (mlp.ts): Dense layers, the last linear, then the output activation (softmax over the outputs). */
export const mlp: NetEmitter = {
  input: (c, who) => [sizes(c, 'sizes', who)[0]],
  forward: (ctx, c, x) => {
    const s = sizes(c, 'sizes', ctx.kind);
    if (s.length < 2) throw new AekitError(`onnx export: an MLP needs at least two sizes, got ${JSON.stringify(s)}`, 'E_FORMAT');
    const layers = s.slice(1).map((u, i) => denseSpec(s[i], u, i + 2 === s.length ? 'linear' : c.activation ?? 'sigmoid'));
    const h = runLayers(ctx, layers, '', x);
    return { ...h, value: activate(ctx.g, c.outputActivation ?? 'sigmoid', h.value) };
  },
};
