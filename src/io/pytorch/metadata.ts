/**
 * What an exported PyTorch file says about itself: JSON under "aekit_pytorch" in the safetensors metadata,
 * written by the export and kept by model.py's save. A key of its own (not the model file's "aekit"): the tensors
 * are named the PyTorch way, so aekit's loader must not mistake the file for a model file; `aekit import` turns it
 * into one.
 *
 *   { "aekit_pytorch": 1, "kind": "Autoencoder", "config": {...},      the aekit model to rebuild
 *     "data": {...},                                                    DataInfo, when the model file had one
 *     "preprocessing": { "method": "minmax", "period": 4, "fill": false },   its vectors are the buffers
 *                                                                       preprocessing.shift/scale(/fill)
 *     "dataRequest": {...},                                             how aekit opened the training data
 *     "exportedFrom": "AnomalyDetector" }                               when the file held a detector
 */
import { AekitError } from '../../errors.js';
import type { DataInfo } from '../../data/info.js';
import { PREPROCESS_METHODS, type PreprocessMethod } from '../../data/preprocess.js';

export const PYTORCH_METADATA_KEY = 'aekit_pytorch';
export const PYTORCH_FORMAT = 1;

export interface PyTorchMetadata {
  aekit_pytorch: number;
  kind: string;
  config: Record<string, unknown>;
  data?: DataInfo;
  preprocessing?: { method: PreprocessMethod; period: number; fill: boolean };
  dataRequest?: Record<string, unknown>;
  exportedFrom?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The metadata of a file, checked field by field (the data info itself is checked where the model is built). */
export function parsePyTorchMetadata(metadata: Record<string, string>, source: string): PyTorchMetadata {
  const raw = metadata[PYTORCH_METADATA_KEY];
  if (raw === undefined) {
    const hint = metadata.aekit !== undefined ? ' (it is an aekit model file already: no import needed)' : " (save it with model.py's save(model, path), or pass metadata=model.aekit_metadata() to safetensors' save_file)";
    throw new AekitError(`${source}: no "${PYTORCH_METADATA_KEY}" entry in the safetensors metadata${hint}`);
  }
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch (e) {
    throw new AekitError(`${source}: the "${PYTORCH_METADATA_KEY}" metadata is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(m)) throw new AekitError(`${source}: the "${PYTORCH_METADATA_KEY}" metadata is not a JSON object`);
  if (m.aekit_pytorch !== PYTORCH_FORMAT) {
    throw new AekitError(`${source}: unsupported aekit_pytorch version ${JSON.stringify(m.aekit_pytorch)} (this aekit reads ${PYTORCH_FORMAT})`, 'E_UNSUPPORTED');
  }
  if (typeof m.kind !== 'string') throw new AekitError(`${source}: the "${PYTORCH_METADATA_KEY}" metadata has no model 'kind'`);
  if (!isObject(m.config)) throw new AekitError(`${source}: the "${PYTORCH_METADATA_KEY}" metadata has no model 'config'`);
  const p = m.preprocessing;
  if (p !== undefined && p !== null) {
    if (!isObject(p) || !(PREPROCESS_METHODS as readonly unknown[]).includes(p.method) || !Number.isInteger(p.period) || (p.period as number) <= 0 || typeof p.fill !== 'boolean') {
      throw new AekitError(`${source}: the metadata's preprocessing must be { method, period, fill }, got ${JSON.stringify(p)}`);
    }
  }
  for (const k of ['data', 'dataRequest'] as const) {
    if (m[k] !== undefined && m[k] !== null && !isObject(m[k])) throw new AekitError(`${source}: the metadata's '${k}' must be an object`);
  }
  return m as unknown as PyTorchMetadata;
}
