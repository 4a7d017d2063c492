/**
 * Reference optimizer updates, one pass per parameter. The formulas (and which published variant each
 * follows) are documented in src/optim/*.ts; these loops are the oracle for fused fast-backend versions.
 */
import type { FloatArray } from '../types.js';

export function sgdUpdate(p: FloatArray, g: FloatArray, lr: number, wd: number): void {
  for (let i = 0; i < p.length; i++) p[i] -= lr * (g[i] + wd * p[i]);
}

export function momentumUpdate(
  p: FloatArray, g: FloatArray, v: FloatArray, lr: number, mu: number, nesterov: boolean, wd: number,
): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + wd * p[i];
    const vi = mu * v[i] + gi;
    v[i] = vi;
    p[i] -= lr * (nesterov ? gi + mu * vi : vi);
  }
}

export function rmspropUpdate(
  p: FloatArray, g: FloatArray, s: FloatArray, lr: number, rho: number, eps: number, wd: number, epsInsideSqrt: boolean,
): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + wd * p[i];
    const si = rho * s[i] + (1 - rho) * gi * gi;
    s[i] = si;
    p[i] -= (lr * gi) / (epsInsideSqrt ? Math.sqrt(si + eps) : Math.sqrt(si) + eps);
  }
}

export function adamUpdate(
  p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray,
  lr: number, b1: number, b2: number, eps: number, step: number, wd: number, decoupled: boolean,
): void {
  const bc1 = 1 - Math.pow(b1, step);
  const bc2 = 1 - Math.pow(b2, step);
  const stepSize = lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (decoupled) p[i] -= lr * wd * p[i];
    else gi += wd * p[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
