/**
 * Reference optimizer updates, one pass per parameter. The formulas (and which published variant each
 * follows) are documented in src/optim/*.ts; these loops are the oracle for fused fast-backend versions.
 *
 * Float32 parameters are updated in float32 arithmetic, as PyTorch does: the hyper-parameters are rounded to
 * float32 once, and every operation's result is rounded to float32 (`r`). So the fast backends' float32 lanes,
 * running the same operations in the same order, give these bits exactly (a float32 +, -, *, / or sqrt is the
 * float64 one rounded once). Float64 parameters (gradient checks) are updated in float64.
 */
import type { FloatArray } from '../types.js';

type Round = (x: number) => number;
const exact: Round = (x) => x;
const rounding = (p: FloatArray): Round => (p instanceof Float32Array ? Math.fround : exact);

export function sgdUpdate(p: FloatArray, g: FloatArray, lr: number, wd: number): void {
  const r = rounding(p), LR = r(lr), WD = r(wd);
  for (let i = 0; i < p.length; i++) p[i] = r(p[i] - r(LR * r(g[i] + r(WD * p[i]))));
}

export function momentumUpdate(
  p: FloatArray, g: FloatArray, v: FloatArray, lr: number, mu: number, nesterov: boolean, wd: number,
): void {
  const r = rounding(p), LR = r(lr), MU = r(mu), WD = r(wd);
  for (let i = 0; i < p.length; i++) {
    const gi = r(g[i] + r(WD * p[i]));
    const vi = r(r(MU * v[i]) + gi);
    v[i] = vi;
    p[i] = r(p[i] - r(LR * (nesterov ? r(gi + r(MU * vi)) : vi)));
  }
}

export function rmspropUpdate(
  p: FloatArray, g: FloatArray, s: FloatArray, lr: number, rho: number, eps: number, wd: number, epsInsideSqrt: boolean,
): void {
  const r = rounding(p), LR = r(lr), RHO = r(rho), OMR = r(1 - rho), EPS = r(eps), WD = r(wd);
  for (let i = 0; i < p.length; i++) {
    const gi = r(g[i] + r(WD * p[i]));
    const si = r(r(RHO * s[i]) + r(r(OMR * gi) * gi));
    s[i] = si;
    const den = epsInsideSqrt ? r(Math.sqrt(r(si + EPS))) : r(r(Math.sqrt(si)) + EPS);
    p[i] = r(p[i] - r(r(LR * gi) / den));
  }
}

/**
 * Adam / AdamW with torch's bias correction: stepSize = lr / (1 - b1^t) and sqrtBc2 = sqrt(1 - b2^t), computed
 * in float64 and rounded once, like every hyper-parameter (the fast kernels take them so from their wrappers).
 */
export function adamUpdate(
  p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray,
  lr: number, b1: number, b2: number, eps: number, step: number, wd: number, decoupled: boolean,
): void {
  const r = rounding(p);
  const bc1 = 1 - Math.pow(b1, step);
  const bc2 = 1 - Math.pow(b2, step);
  const SS = r(lr / bc1), SB = r(Math.sqrt(bc2)), LRWD = r(lr * wd), WD = r(wd);
  const B1 = r(b1), B2 = r(b2), OMB1 = r(1 - b1), OMB2 = r(1 - b2), EPS = r(eps);
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (decoupled) p[i] = r(p[i] - r(LRWD * p[i]));
    else gi = r(gi + r(WD * p[i]));
    const mi = r(r(B1 * m[i]) + r(OMB1 * gi));
    const vi = r(r(B2 * v[i]) + r(r(OMB2 * gi) * gi));
    m[i] = mi;
    v[i] = vi;
    p[i] = r(p[i] - r(r(SS * mi) / r(r(r(Math.sqrt(vi)) / SB) + EPS)));
  }
}
