/**
 * Makes SequenceAutoencoder files loadable: importing this module registers the kind with io/model-file.ts
 * (which cannot import every model class itself without a cycle through the models).
 */
import { registerModelKind } from '../io/model-file.js';
import { SequenceAutoencoder, type SequenceAutoencoderConfig } from './sequence-autoencoder.js';

// The constructor validates the whole config, so a bad file fails with the model's own message.
registerModelKind('SequenceAutoencoder', (c) => new SequenceAutoencoder(c as unknown as SequenceAutoencoderConfig));
