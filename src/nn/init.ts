/**
 * Weight initializers. fanIn/fanOut are the layer's input and output sizes.
 * - Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fanIn + fanOut))   (Keras' Dense default)
 * - Glorot/Xavier normal:  N(0, 2 / (fanIn + fanOut))  — a plain normal; Keras truncates at 2 std, we do not
 * - He uniform:            U(-a, a), a = sqrt(6 / fanIn)
 * - He normal:             N(0, 2 / fanIn)                 (suits ReLU layers)
 */
import type { Rng } from '../tensor/rng.js';
import type { FloatArray } from '../kernels/types.js';

export type InitName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros';
export const INITS: readonly InitName[] = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'zeros'];

export function initialize(out: FloatArray, name: InitName, fanIn: number, fanOut: number, rng: Rng): void {
  switch (name) {
    case 'glorotUniform': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-a, a);
      return;
    }
    case 'glorotNormal': {
      const s = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, s);
      return;
    }
    case 'heUniform': {
      const a = Math.sqrt(6 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-a, a);
      return;
    }
    case 'heNormal': {
      const s = Math.sqrt(2 / fanIn);
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, s);
      return;
    }
    case 'zeros':
      out.fill(0);
      return;
    default:
      throw new Error(`unknown initializer '${String(name)}' (expected one of: ${INITS.join(', ')})`);
  }
}
