/**
 * Model files on disk (Node only): saving atomically and loading by path. The format (encodeModel, decodeModel:
 * weights, config, data info and preprocessing in one .safetensors file) is model-codec.ts, which runs in
 * browsers too; it is re-exported here so one import serves Node users.
 */
import { AnomalyDetector } from '../analysis/anomaly.js';
import { Autoencoder } from '../models/autoencoder.js';
import type { AutoencoderModel } from '../models/model.js';
import type { Sequential } from '../nn/dense.js';
import type { Module } from '../nn/module.js';
import { AekitError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { asAutoencoder, buildModel, encodeModel, type LoadedModel, type ModelExtras, type SavableModel } from './model-codec.js';
import { readSafetensors } from './safetensors-file.js';

export * from './model-codec.js';

/** Writes the model atomically (temp file + rename): an existing file survives any failure. */
export function saveModel(path: string, model: SavableModel, training?: Record<string, unknown>, extras: ModelExtras = {}): void {
  writeFileAtomic(path, encodeModel(model, training, extras));
}

export function loadModelFile(path: string): LoadedModel {
  const { tensors, metadata } = readSafetensors(path);
  return buildModel(tensors, metadata, path);
}

/**
 * Loads a model file. `part: 'encoder' | 'decoder'` returns just that half of an autoencoder, a module of its
 * own (`encode`-only deployments need not keep the decoder around).
 */
export function loadModel(path: string): Module;
export function loadModel(path: string, opts: { part: 'encoder' | 'decoder' }): Sequential;
export function loadModel(path: string, opts: { part?: 'encoder' | 'decoder' } = {}): Module {
  const { model } = loadModelFile(path);
  if (!opts.part) return model;
  const part = (model as unknown as Record<string, unknown>)[opts.part];
  if (!part || typeof part !== 'object') throw new AekitError(`${path}: a ${model.constructor.name} has no ${opts.part}`);
  return part as Sequential;
}

/** Loads a file that must hold an Autoencoder. */
export function loadAutoencoder(path: string): Autoencoder {
  const { model } = loadModelFile(path);
  if (!(model instanceof Autoencoder)) throw new AekitError(`${path}: expected an Autoencoder model, found ${model.constructor.name}`);
  return model;
}

/** A model file holding an autoencoder of any kind, with the data info and preprocessing saved beside it. */
export function loadAutoencoderModel(path: string): LoadedModel<AutoencoderModel> {
  return asAutoencoder(loadModelFile(path), path);
}

/** Loads a file that must hold an AnomalyDetector (threshold, scaler and calibration included). */
export function loadAnomalyDetector(path: string): AnomalyDetector {
  const { model } = loadModelFile(path);
  if (!(model instanceof AnomalyDetector)) throw new AekitError(`${path}: expected an AnomalyDetector, found ${model.constructor.name}`);
  return model;
}
