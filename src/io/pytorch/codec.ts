/**
 * aekit models out to PyTorch and back, on bytes (browser-safe):
 *
 *   const { modelPy, safetensors } = toPyTorch(model, { data, preprocessing });   // model.py + its state dict
 *   const modelFile = fromPyTorch(bytesOfTrainedStateDict);                         // an aekit model file again
 *
 * The safetensors file's tensors are the state dict of model.py's module (names and layouts: layout.ts); the
 * aekit kind, config, data info and preprocessing method ride in its metadata (metadata.ts). The preprocessing
 * vectors are buffers of the module (preprocessing.shift/scale/fill), not applied in forward(): forward() then
 * computes exactly what aekit's forward computes (model units), so a PyTorch training loop with the same loss is
 * aekit's, and the buffers still travel with every state dict and come back on import (model.preprocess()
 * applies them to raw data).
 *
 * An AnomalyDetector exports the autoencoder inside it: its threshold and calibration scores describe the old
 * weights, so they cannot survive training elsewhere (after import, `new AnomalyDetector(model).fit(normal,
 * { train: false })` calibrates the retrained autoencoder without training it again). A
 * standardizing detector's scaler is folded into the exported preprocessing, so the module still takes the
 * detector's data.
 */
import { AnomalyDetector } from '../../analysis/anomaly.js';
import { checkDataInfo, type DataInfo } from '../../data/info.js';
import { Preprocessing } from '../../data/preprocess.js';
import { AekitError, asAekitError } from '../../errors.js';
import type { AutoencoderModel } from '../../models/model.js';
import type { Module } from '../../nn/module.js';
import { fmtShape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { modelKind } from '../kinds.js';
import { checkConfigDtypes, checkConfigSizes, decodeModel, encodeModel, type ModelExtras, type SavableModel } from '../model-codec.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../safetensors.js';
import { fromTorchValues, isPyTorchKind, PYTORCH_KINDS, toTorchValues, torchSpecs, type TorchTensorSpec } from './layout.js';
import { parsePyTorchMetadata, PYTORCH_FORMAT, PYTORCH_METADATA_KEY, type PyTorchMetadata } from './metadata.js';
import { modelPy } from './model-py.js';

export interface PyTorchExtras extends ModelExtras {
  /** The model file's training record: its `dataRequest` (how the data was opened) is carried through. */
  training?: Record<string, unknown> | null;
}

export interface PyTorchExport {
  /** model.py: the module, a safetensors reader/writer, load() and save(). */
  modelPy: string;
  /** The state dict (PyTorch names and layouts) with aekit's metadata: model.safetensors. */
  safetensors: Uint8Array;
}

const PREP = 'preprocessing.';

/** A detector's scaler composed after the data preprocessing: ((x - s) / c - mean) / std = (x - (s + c mean)) / (c std). */
function foldScaler(prep: Preprocessing | null, mean: Float64Array, std: Float64Array): Preprocessing {
  const d = mean.length, p = prep ? prep.shift.length : 1;
  if (d % p !== 0) throw new AekitError(`PyTorch export: the detector's ${d} inputs are not a whole number of preprocessing periods (${p})`, 'E_UNSUPPORTED');
  const shift = new Float64Array(d), scale = new Float64Array(d);
  const fill = prep?.fill ? new Float64Array(d) : null;
  for (let j = 0; j < d; j++) {
    const s = prep ? prep.shift[j % p] : 0, c = prep ? prep.scale[j % p] : 1;
    shift[j] = s + c * mean[j];
    scale[j] = c * std[j];
    if (fill) fill[j] = prep!.fill![j % p];
  }
  return new Preprocessing({ method: 'standardize', shift, scale, fill });
}

/** The autoencoder to export and the preprocessing it takes (a detector's own scaler folded in). */
function exportable(model: Module, extras: PyTorchExtras): { ae: SavableModel; kind: string; prep: Preprocessing | null; from?: string } {
  const prep = extras.preprocessing ?? null;
  if (model instanceof AnomalyDetector) {
    const ae = model.autoencoder;
    const sc = model.scaler;
    return { ae, kind: ae.modelConfig().kind, prep: sc ? foldScaler(prep, sc.mean.data as Float64Array, sc.std.data as Float64Array) : prep, from: 'AnomalyDetector' };
  }
  const cfg = (model as Partial<SavableModel>).modelConfig;
  if (typeof cfg !== 'function') throw new AekitError(`PyTorch export: a ${model.constructor.name} has no modelConfig(): not a saved aekit model kind`, 'E_UNSUPPORTED');
  return { ae: model as SavableModel, kind: cfg.call(model).kind, prep };
}

const safe = (data: Float32Array | Float64Array, shape: number[]): SafeTensor => ({ dtype: data instanceof Float64Array ? 'F64' : 'F32', shape, data });

/** model.py and the state dict of `model` (any autoencoder kind, or an AnomalyDetector's autoencoder). */
export function toPyTorch(model: Module, extras: PyTorchExtras = {}): PyTorchExport {
  const { ae, kind, prep, from } = exportable(model, extras);
  if (!isPyTorchKind(kind)) {
    throw new AekitError(`PyTorch export: a model of kind '${kind}' cannot be exported (kinds: ${PYTORCH_KINDS.join(', ')}, and an AnomalyDetector's autoencoder)`, 'E_UNSUPPORTED');
  }
  const own = new Map(ae.namedTensors());
  const tensors: Record<string, SafeTensor> = {};
  for (const spec of torchSpecs(ae, kind)) tensors[spec.torch] = safe(toTorchValues(spec, own.get(spec.aekit)!), spec.torchShape);
  const meta: PyTorchMetadata = { aekit_pytorch: PYTORCH_FORMAT, kind, config: ae.modelConfig().config as Record<string, unknown> };
  if (extras.data) meta.data = extras.data;
  if (prep) {
    const size = (ae as unknown as AutoencoderModel).inputShape.reduce((a, b) => a * b, 1);
    if (size % prep.shift.length !== 0) throw new AekitError(`PyTorch export: the preprocessing's period ${prep.shift.length} does not divide the model's ${size} inputs`);
    meta.preprocessing = { method: prep.method, period: prep.shift.length, fill: prep.fill !== null };
    tensors[`${PREP}shift`] = safe(prep.shift.slice(), [prep.shift.length]);
    tensors[`${PREP}scale`] = safe(prep.scale.slice(), [prep.scale.length]);
    if (prep.fill) tensors[`${PREP}fill`] = safe(prep.fill.slice(), [prep.fill.length]);
  }
  const request = extras.training?.dataRequest;
  if (typeof request === 'object' && request !== null) meta.dataRequest = request as Record<string, unknown>;
  if (from) meta.exportedFrom = from;
  return { modelPy: modelPy(kind), safetensors: encodeSafetensors(tensors, { [PYTORCH_METADATA_KEY]: JSON.stringify(meta), format: 'pt' }) };
}

/** Every expected key present with its shape, nothing else: the error names each offending key. */
function checkKeys(tensors: Record<string, SafeTensor>, expected: Map<string, number[]>, source: string): void {
  const list = (names: string[]): string => names.slice(0, 5).map((n) => `'${n}'`).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  const missing = [...expected.keys()].filter((k) => !(k in tensors));
  if (missing.length) {
    // DistributedDataParallel and torch.compile wrap the module: their state dicts prefix every key.
    const prefix = ['module.', '_orig_mod.'].find((p) => `${p}${missing[0]}` in tensors);
    const hint = prefix ? `; the keys start with '${prefix}': save the wrapped module (model.${prefix.slice(0, -1)})` : '';
    throw new AekitError(`${source}: missing tensor${missing.length > 1 ? 's' : ''} ${list(missing)} (the first expected ${fmtShape(expected.get(missing[0])!)})${hint}`);
  }
  const extra = Object.keys(tensors).filter((k) => !expected.has(k));
  if (extra.length) throw new AekitError(`${source}: unexpected tensor${extra.length > 1 ? 's' : ''} ${list(extra)} (the model has no such parameter)`);
  for (const [k, shape] of expected) {
    const got = tensors[k].shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new AekitError(`${source}: tensor '${k}' has shape ${fmtShape(got)}, the model expects ${fmtShape(shape)}`);
    }
  }
}

function checkFinite(name: string, t: SafeTensor, source: string): void {
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) throw new AekitError(`${source}: tensor '${name}' ${fmtShape(t.shape)} holds ${t.data[i]} at element ${i}`, 'E_VALUE');
  }
}

function readPreprocessing(meta: PyTorchMetadata, tensors: Record<string, SafeTensor>, source: string): Preprocessing | null {
  if (!meta.preprocessing) return null;
  const vec = (name: string): Float64Array => Float64Array.from(tensors[`${PREP}${name}`].data);
  return asAekitError('E_FORMAT', () => new Preprocessing({
    method: meta.preprocessing!.method, shift: vec('shift'), scale: vec('scale'), fill: meta.preprocessing!.fill ? vec('fill') : null,
  }));
}

/**
 * The aekit model file of a PyTorch state dict written by model.py's save (or safetensors' save_file with
 * model.aekit_metadata()): keys renamed back, layouts transposed back, every key and shape checked, the model
 * rebuilt through io/kinds.ts and encoded by io/model-codec.ts with its data info and preprocessing.
 */
export function fromPyTorch(bytes: Uint8Array, source = '<bytes>'): Uint8Array {
  let contents: ReturnType<typeof decodeSafetensors>;
  try {
    contents = decodeSafetensors(bytes, source);
  } catch (e) {
    // Half precision is what model.half() saves: say how to save what aekit reads.
    if (e instanceof AekitError && e.code === 'E_DTYPE') throw new AekitError(`${e.message}; call model.float() before saving`, 'E_DTYPE', { cause: e });
    throw e;
  }
  const { tensors, metadata } = contents;
  const meta = parsePyTorchMetadata(metadata, source);
  if (!isPyTorchKind(meta.kind)) {
    throw new AekitError(`${source}: kind '${meta.kind}' is not one aekit imports from PyTorch (${PYTORCH_KINDS.join(', ')})`, 'E_UNSUPPORTED');
  }
  checkConfigDtypes(meta.config, source);
  checkConfigSizes(meta.config, Object.values(tensors).reduce((n, t) => n + t.data.length, 0), source);
  let model: Module;
  try {
    model = modelKind(meta.kind, source).build(meta.config, source);
  } catch (e) {
    if (e instanceof RangeError || e instanceof AekitError) throw e;
    throw new AekitError(`${source}: invalid model config: ${(e as Error).message}`, 'E_FORMAT', { cause: e });
  }
  const p = meta.preprocessing;
  const inputSize = (model as unknown as AutoencoderModel).inputShape.reduce((a, b) => a * b, 1);
  if (p && inputSize % p.period !== 0) {
    throw new AekitError(`${source}: the preprocessing's period ${p.period} does not divide the model's ${inputSize} inputs`);
  }
  const specs = torchSpecs(model, meta.kind);
  const expected = new Map<string, number[]>(specs.map((s) => [s.torch, s.torchShape]));
  if (p) for (const name of ['shift', 'scale', ...(p.fill ? ['fill'] : [])]) expected.set(`${PREP}${name}`, [p.period]);
  checkKeys(tensors, expected, source);
  for (const [name, t] of Object.entries(tensors)) checkFinite(name, t, source);

  const own = new Map(model.namedTensors());
  const groups = new Map<string, { spec: TorchTensorSpec; values: Float32Array | Float64Array }[]>();
  for (const spec of specs) {
    const t = tensors[spec.torch], mine = own.get(spec.aekit)!;
    if ((t.dtype === 'F64') !== (mine.dtype === 'float64')) {
      const fix = mine.dtype === 'float64' ? 'model.double()' : 'model.float()';
      throw new AekitError(`${source}: tensor '${spec.torch}' is ${t.dtype} but the model is ${mine.dtype} (its config's dtype): call ${fix} before saving`, 'E_DTYPE');
    }
    const parts = groups.get(spec.aekit) ?? [];
    parts.push({ spec, values: t.data });
    groups.set(spec.aekit, parts);
  }
  const state = new Map<string, Tensor>();
  for (const [name, parts] of groups) state.set(name, new Tensor(fromTorchValues(parts), [...own.get(name)!.shape]));
  asAekitError('E_FORMAT', () => model.loadStateDict(state, source));

  const data: DataInfo | null = meta.data ? asAekitError('E_FORMAT', () => checkDataInfo(meta.data, source)) : null;
  const training: Record<string, unknown> = { importedFrom: 'pytorch' };
  if (meta.dataRequest) training.dataRequest = meta.dataRequest;
  if (meta.exportedFrom) training.exportedFrom = meta.exportedFrom;
  const out = encodeModel(model as SavableModel, training, { data, preprocessing: readPreprocessing(meta, tensors, source) });
  decodeModel(out, source); // what is returned is a model file aekit loads: checked here, not by the next command
  return out;
}
