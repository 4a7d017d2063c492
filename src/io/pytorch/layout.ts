/**
 * Where each of an aekit model's tensors lives in the PyTorch module model.py builds (model-py.ts): the state-dict
 * key, the shape, and how the values move between the two layouts. One table drives both directions, so export
 * and import cannot disagree.
 *
 *   aekit                                   PyTorch                             layout
 *   encoder.layers.K.weight / .bias         encoder.T.weight / .bias            Dense [out, in] = nn.Linear's
 *   (Sequential layer K)                    (nn.Sequential module T)            T counts a layer's activation
 *                                                                               module too: Linear/Conv2d + act = 2
 *   encoder.layers.K.weight (Conv2D)        encoder.T.weight                    HWIO -> OIHW (permute 3, 2, 0, 1)
 *   zMean.*, zLogVar.* (VAE)                z_mean.*, z_log_var.*               as Dense
 *   encoder.inputWeight (LSTM)              encoder.weight_ih_l0                same, gates i, f, g, o in both
 *   encoder.recurrentWeight                 encoder.weight_hh_l0                same
 *   encoder.bias                            encoder.bias_ih_l0 + bias_hh_l0     aekit has one bias: exported as
 *                                                                               bias_ih_l0, bias_hh_l0 = 0; imported
 *                                                                               as their sum
 *   output.layer.* (TimeDistributed)        output.*                            nn.Linear applies per step itself
 *   decoder.layers.K.bias (tied Stacked)    decoder.T.bias                      the weight is the encoder's, once
 */
import { AekitError } from '../../errors.js';
import { Conv2D } from '../../nn/conv.js';
import { Dense, Sequential } from '../../nn/dense.js';
import { LSTM } from '../../nn/lstm.js';
import type { Module } from '../../nn/module.js';
import { MaxPool2D } from '../../nn/pool.js';
import { UpSampling2D } from '../../nn/reshape.js';
import { TiedDense } from '../../models/stacked.js';
import type { Tensor } from '../../tensor/tensor.js';

/** 'copy': same values and shape; 'hwio': a conv kernel, permuted; 'lstmBiasHH': PyTorch's second LSTM bias. */
export type TorchLayout = 'copy' | 'hwio' | 'lstmBiasHH';

export interface TorchTensorSpec {
  /** The PyTorch state-dict key. */
  torch: string;
  /** The aekit tensor it comes from and goes back to. */
  aekit: string;
  torchShape: number[];
  layout: TorchLayout;
}

/** The autoencoder kinds model.py can build (an AnomalyDetector exports the autoencoder inside it). */
export const PYTORCH_KINDS = [
  'Autoencoder', 'SparseAutoencoder', 'DenoisingAutoencoder', 'ContractiveAutoencoder', 'StackedAutoencoder', 'VAE',
  'ConvAutoencoder', 'SequenceAutoencoder',
] as const;
export type PyTorchKind = (typeof PYTORCH_KINDS)[number];

export function isPyTorchKind(kind: string): kind is PyTorchKind {
  return (PYTORCH_KINDS as readonly string[]).includes(kind);
}

/** OIHW from HWIO: [kh, kw, in, out] -> [out, in, kh, kw]. */
export const HWIO_TO_OIHW = [3, 2, 0, 1];
/** The inverse permutation: OIHW -> HWIO. */
export const OIHW_TO_HWIO = [2, 3, 1, 0];

const permuted = (shape: readonly number[], perm: readonly number[]): number[] => perm.map((p) => shape[p]);

/** `data` (C order, `shape`) with its axes reordered: out axis i is in axis perm[i]. Exact: values are only moved. */
export function permute<T extends Float32Array | Float64Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const n = shape.length;
  const outShape = permuted(shape, perm);
  const inStrides = new Array<number>(n);
  for (let i = n - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const strides = perm.map((p) => inStrides[p]); // input stride of each output axis
  const out = new (data.constructor as new (len: number) => T)(data.length);
  const idx = new Array<number>(n).fill(0);
  let src = 0;
  for (let o = 0; o < data.length; o++) {
    out[o] = data[src];
    for (let a = n - 1; a >= 0; a--) {
      idx[a]++;
      src += strides[a];
      if (idx[a] < outShape[a]) break;
      src -= strides[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return out;
}

function unsupported(what: string): never {
  throw new AekitError(`PyTorch export: ${what} has no PyTorch counterpart in model.py`, 'E_UNSUPPORTED');
}

/**
 * A Sequential's layers in nn.Sequential order: a Dense or Conv2D becomes two modules (the layer, then its
 * activation, nn.Identity for 'linear'), a pool or an upsampling one, so module indices are predictable from the
 * aekit layer list alone.
 */
function sequentialSpecs(seq: Sequential, aekit: string, torch: string, out: TorchTensorSpec[]): void {
  let t = 0;
  seq.layers.forEach((layer, k) => {
    const a = `${aekit}.layers.${k}`, p = `${torch}.${t}`;
    if (layer instanceof Dense || layer instanceof TiedDense) {
      // A tied layer's weight is its encoder layer's tensor, saved once, under the encoder (nn/module.ts's walk).
      if (layer instanceof Dense) out.push({ torch: `${p}.weight`, aekit: `${a}.weight`, torchShape: [...layer.weight.shape], layout: 'copy' });
      if (!layer.bias) unsupported(`${a} (a Dense layer without a bias)`);
      out.push({ torch: `${p}.bias`, aekit: `${a}.bias`, torchShape: [...layer.bias.shape], layout: 'copy' });
      t += 2;
    } else if (layer instanceof Conv2D) {
      const c = layer.config;
      if (c.strides[0] !== 1 || c.strides[1] !== 1) unsupported(`${a} (a strided convolution)`);
      out.push({ torch: `${p}.weight`, aekit: `${a}.weight`, torchShape: permuted(layer.weight.shape, HWIO_TO_OIHW), layout: 'hwio' });
      if (!layer.bias) unsupported(`${a} (a convolution without a bias)`);
      out.push({ torch: `${p}.bias`, aekit: `${a}.bias`, torchShape: [...layer.bias.shape], layout: 'copy' });
      t += 2;
    } else if (layer instanceof MaxPool2D) {
      const c = layer.config;
      if (c.padding !== 'same' || c.strides.join() !== c.poolSize.join()) unsupported(`${a} (a max pool other than 'same' with strides = pool size)`);
      t += 1;
    } else if (layer instanceof UpSampling2D) {
      t += 1;
    } else {
      unsupported(`${a} (a ${layer.constructor.name})`);
    }
  });
}

function lstmSpecs(lstm: LSTM, aekit: string, torch: string, out: TorchTensorSpec[]): void {
  out.push(
    { torch: `${torch}.weight_ih_l0`, aekit: `${aekit}.inputWeight`, torchShape: [...lstm.inputWeight.shape], layout: 'copy' },
    { torch: `${torch}.weight_hh_l0`, aekit: `${aekit}.recurrentWeight`, torchShape: [...lstm.recurrentWeight.shape], layout: 'copy' },
    { torch: `${torch}.bias_ih_l0`, aekit: `${aekit}.bias`, torchShape: [...lstm.bias.shape], layout: 'copy' },
    { torch: `${torch}.bias_hh_l0`, aekit: `${aekit}.bias`, torchShape: [...lstm.bias.shape], layout: 'lstmBiasHH' },
  );
}

function denseSpecs(d: Dense, aekit: string, torch: string, out: TorchTensorSpec[]): void {
  out.push({ torch: `${torch}.weight`, aekit: `${aekit}.weight`, torchShape: [...d.weight.shape], layout: 'copy' });
  if (d.bias) out.push({ torch: `${torch}.bias`, aekit: `${aekit}.bias`, torchShape: [...d.bias.shape], layout: 'copy' });
}

/**
 * The PyTorch state dict of an autoencoder of `kind` (the tensors of its model.py module, preprocessing aside),
 * checked to cover every tensor of the aekit model exactly once.
 */
export function torchSpecs(model: Module, kind: string): TorchTensorSpec[] {
  if (!isPyTorchKind(kind)) unsupported(`a model of kind '${kind}' (exportable kinds: ${PYTORCH_KINDS.join(', ')}, and an AnomalyDetector's autoencoder)`);
  const m = model as unknown as Record<string, Module | null>;
  const out: TorchTensorSpec[] = [];
  if (kind === 'SequenceAutoencoder') {
    lstmSpecs(m.encoder as LSTM, 'encoder', 'encoder', out);
    if (m.bottleneck) denseSpecs(m.bottleneck as Dense, 'bottleneck', 'bottleneck', out);
    lstmSpecs(m.decoder as LSTM, 'decoder', 'decoder', out);
    denseSpecs((m.output as unknown as { layer: Dense }).layer, 'output.layer', 'output', out);
  } else {
    sequentialSpecs(m.encoder as Sequential, 'encoder', 'encoder', out);
    if (kind === 'VAE') {
      denseSpecs(m.zMean as Dense, 'zMean', 'z_mean', out);
      denseSpecs(m.zLogVar as Dense, 'zLogVar', 'z_log_var', out);
    }
    sequentialSpecs(m.decoder as Sequential, 'decoder', 'decoder', out);
  }
  // A guard against this table drifting from the models: every aekit tensor mapped, nothing invented.
  const mine = new Set(model.namedTensors().map(([name]) => name));
  const mapped = new Set(out.map((s) => s.aekit));
  const stray = [...mapped].filter((n) => !mine.has(n)).concat([...mine].filter((n) => !mapped.has(n)));
  if (stray.length) throw new Error(`PyTorch layout of ${kind} out of step with the model: ${stray.join(', ')}`);
  return out;
}

/** The PyTorch value of one spec from the aekit tensor. */
export function toTorchValues(spec: TorchTensorSpec, t: Tensor): Float32Array | Float64Array {
  const data = t.toTypedArray() as Float32Array | Float64Array;
  if (spec.layout === 'hwio') return permute(data, t.shape, HWIO_TO_OIHW);
  if (spec.layout === 'lstmBiasHH') return new (data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(data.length);
  return data.slice();
}

/**
 * The aekit tensor `name` from its PyTorch values (each spec with that aekit name, and its values). An LSTM's
 * two biases are added in the tensor's own precision; where bias_hh is 0 (as exported) the element is bias_ih's
 * own bits, so an untouched export comes back bit-identical (-0 + 0 would be +0).
 */
export function fromTorchValues(parts: { spec: TorchTensorSpec; values: Float32Array | Float64Array }[]): Float32Array | Float64Array {
  const main = parts.find((p) => p.spec.layout !== 'lstmBiasHH');
  if (!main) throw new Error(`no main tensor for ${parts[0]?.spec.aekit}`);
  const { spec, values } = main;
  const out = spec.layout === 'hwio' ? permute(values, spec.torchShape, OIHW_TO_HWIO) : values.slice();
  const f32 = out instanceof Float32Array;
  for (const p of parts) {
    if (p.spec.layout !== 'lstmBiasHH') continue;
    for (let i = 0; i < out.length; i++) {
      const v = p.values[i];
      if (v !== 0) out[i] = f32 ? Math.fround(out[i] + v) : out[i] + v;
    }
  }
  return out;
}
