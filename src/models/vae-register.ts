/**
 * Makes VAE and StackedAutoencoder files loadable (io/model-file.ts builds a model from its `kind`). A separate
 * module imported for its side effect, so model-file.ts need not know every model class.
 */
import { registerModelKind } from '../io/model-file.js';
import { StackedAutoencoder, type StackedAutoencoderConfig } from './stacked.js';
import { VAE, type VAEConfig } from './vae.js';

registerModelKind('VAE', (c) => new VAE(c as unknown as VAEConfig));
registerModelKind('StackedAutoencoder', (c) => new StackedAutoencoder(c as unknown as StackedAutoencoderConfig));
