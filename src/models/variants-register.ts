/**
 * Makes the autoencoder variants loadable from model files: importing this module registers their kinds
 * with io/model-file.ts (which cannot import them itself without a cycle through the models).
 */
import { registerModelKind } from '../io/model-file.js';
import { ContractiveAutoencoder, type ContractiveAutoencoderConfig } from './contractive.js';
import { DenoisingAutoencoder, type DenoisingAutoencoderConfig } from './denoising.js';
import { SparseAutoencoder, type SparseAutoencoderConfig } from './sparse.js';

// Each constructor validates its whole config, so a bad file fails with the model's own message.
registerModelKind('SparseAutoencoder', (c) => new SparseAutoencoder(c as unknown as SparseAutoencoderConfig));
registerModelKind('DenoisingAutoencoder', (c) => new DenoisingAutoencoder(c as unknown as DenoisingAutoencoderConfig));
registerModelKind('ContractiveAutoencoder', (c) => new ContractiveAutoencoder(c as unknown as ContractiveAutoencoderConfig));
