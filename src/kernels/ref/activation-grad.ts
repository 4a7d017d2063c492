/**
 * The reference activation gradient (Kernels.activationGrad): the gradient rules' separate ops written out per
 * element, rounding after each one as a float32 array store would (Math.fround), so the result has their bits.
 */
import type { FloatArray, LinearAct } from '../types.js';

export function activationGrad(act: Exclude<LinearAct, 'linear'>, g: FloatArray, y: FloatArray, out: FloatArray): void {
  const n = out.length;
  const r = out instanceof Float32Array ? Math.fround : (v: number): number => v;
  switch (act) {
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = g[i] * r(y[i] * r(1 - y[i])); return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = g[i] * r(1 - r(y[i] * y[i])); return;
    // y > 0 is false for NaN: the mask is 0 and g * 0 keeps g's sign (or NaN for an infinite g).
    case 'relu': for (let i = 0; i < n; i++) out[i] = g[i] * (y[i] > 0 ? 1 : 0); return;
  }
}
