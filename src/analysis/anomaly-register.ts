/**
 * Makes AnomalyDetector files loadable: importing this module registers the 'AnomalyDetector' kind with
 * io/model-file.ts. The file's config is the detector's modelConfig(): the wrapped autoencoder's own
 * { kind, config } plus threshold, strategy and scaling flags; its tensors are the autoencoder's weights
 * (`autoencoder.encoder.layers.0.weight`, ...) plus the `scaler.mean`, `scaler.std` and `calibrationScores`
 * buffers. model-file.ts keeps its builders private, so the autoencoder kinds a detector may wrap are listed
 * here (registerDetectorBase adds more).
 */
import { loadModelFile, registerModelKind } from '../io/model-file.js';
import { Autoencoder, type AutoencoderConfig } from '../models/autoencoder.js';
import { ContractiveAutoencoder, type ContractiveAutoencoderConfig } from '../models/contractive.js';
import { DenoisingAutoencoder, type DenoisingAutoencoderConfig } from '../models/denoising.js';
import { SparseAutoencoder, type SparseAutoencoderConfig } from '../models/sparse.js';
import { StackedAutoencoder, type StackedAutoencoderConfig } from '../models/stacked.js';
import { VAE, type VAEConfig } from '../models/vae.js';
import { AnomalyDetector, type AnomalyDetectorConfig, type ReconstructingModel } from './anomaly.js';

type BaseBuilder = (config: Record<string, unknown>) => ReconstructingModel;

const bases = new Map<string, BaseBuilder>([
  ['Autoencoder', (c) => new Autoencoder(c as unknown as AutoencoderConfig)],
  ['SparseAutoencoder', (c) => new SparseAutoencoder(c as unknown as SparseAutoencoderConfig)],
  ['DenoisingAutoencoder', (c) => new DenoisingAutoencoder(c as unknown as DenoisingAutoencoderConfig)],
  ['ContractiveAutoencoder', (c) => new ContractiveAutoencoder(c as unknown as ContractiveAutoencoderConfig)],
  ['VAE', (c) => new VAE(c as unknown as VAEConfig)],
  ['StackedAutoencoder', (c) => new StackedAutoencoder(c as unknown as StackedAutoencoderConfig)],
]);

/** Lets a detector file wrap another autoencoder class (its modelConfig().kind maps to this builder). */
export function registerDetectorBase(kind: string, build: BaseBuilder): void {
  bases.set(kind, build);
}

function buildDetector(config: Record<string, unknown>, source: string): AnomalyDetector {
  const inner = config.autoencoder as { kind?: unknown; config?: unknown } | undefined;
  if (!inner || typeof inner.kind !== 'string' || typeof inner.config !== 'object' || inner.config === null) {
    throw new Error(`${source}: AnomalyDetector config has no autoencoder { kind, config }`);
  }
  const build = bases.get(inner.kind);
  if (!build) throw new Error(`${source}: AnomalyDetector wraps unknown kind '${inner.kind}' (known: ${[...bases.keys()].join(', ')})`);
  for (const k of ['standardize', 'strategy', 'threshold', 'calibrationSize', 'inputDim'] as const) {
    if (!(k in config)) throw new Error(`${source}: AnomalyDetector config lacks '${k}'`);
  }
  return AnomalyDetector.fromConfig(config as unknown as AnomalyDetectorConfig, build(inner.config as Record<string, unknown>));
}

registerModelKind('AnomalyDetector', buildDetector);

/** Loads a file that must hold an AnomalyDetector (threshold, scaler and calibration included). */
export function loadAnomalyDetector(path: string): AnomalyDetector {
  const { model } = loadModelFile(path);
  if (!(model instanceof AnomalyDetector)) throw new Error(`${path}: expected an AnomalyDetector, found ${model.constructor.name}`);
  return model;
}
