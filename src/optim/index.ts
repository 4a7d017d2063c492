import { Adam, type AdamOptions } from './adam.js';
import type { Optimizer, ParamSource } from './optimizer.js';
import { RMSProp, type RMSPropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

export { Optimizer, type OptimizerState, type ParamSource } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { RMSProp, type RMSPropOptions } from './rmsprop.js';
export { Adam, type AdamOptions } from './adam.js';

export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam' | 'adamw';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'];

export type OptimizerOptions = SGDOptions & RMSPropOptions & AdamOptions;

/** Builds an optimizer by name ('momentum' = SGD with momentum 0.9 unless given; 'adamw' = decoupled decay). */
export function makeOptimizer(name: OptimizerName, params: ParamSource, opts: OptimizerOptions = {}): Optimizer {
  switch (name) {
    case 'sgd': return new SGD(params, opts);
    case 'momentum': return new SGD(params, { ...opts, momentum: opts.momentum ?? 0.9 });
    case 'nesterov': return new SGD(params, { ...opts, momentum: opts.momentum ?? 0.9, nesterov: true });
    case 'rmsprop': return new RMSProp(params, opts);
    case 'adam': return new Adam(params, opts);
    case 'adamw': return new Adam(params, { ...opts, decoupled: true, weightDecay: opts.weightDecay ?? 0.01 });
    default:
      throw new Error(`unknown optimizer '${String(name)}' (expected one of: ${OPTIMIZERS.join(', ')})`);
  }
}
