// Fused optimizer updates: one pass over a parameter and its state, in place.
//
// The reference loops (src/kernels/ref/optim.ts) read float32 values, compute in float64 (JS numbers) and
// round once when storing. These kernels do the same arithmetic in float64x2 lanes, in the same order, with
// the same hyper-parameter expressions precomputed by the TS wrapper in JS doubles, so the results are
// bit-identical to the reference. (A float32 version would be ~2x faster but drift by an ulp per step; these
// passes are memory-bound and small next to the GEMMs of a step, so exactness wins.)

// @ts-ignore: decorator
@inline
function ld2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

// @ts-ignore: decorator
@inline
function st2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

// @ts-ignore: decorator
@inline
function ld1(p: usize): v128 {
  return f64x2.splat(<f64>load<f32>(p));
}

// @ts-ignore: decorator
@inline
function st1(p: usize, v: v128): void {
  store<f32>(p, <f32>f64x2.extract_lane(v, 0));
}

/** p -= lr * (g + wd * p) */
export function sgdUpdate(p: usize, g: usize, n: i32, lr: f64, wd: f64): void {
  const LR = f64x2.splat(lr), WD = f64x2.splat(wd);
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i * 4;
    const two = i + 1 < n;
    const P = two ? ld2(p + o) : ld1(p + o), G = two ? ld2(g + o) : ld1(g + o);
    const r = f64x2.sub(P, f64x2.mul(LR, f64x2.add(G, f64x2.mul(WD, P))));
    if (two) st2(p + o, r); else st1(p + o, r);
  }
}

/** g' = g + wd p; v = mu v + g'; p -= lr (nesterov ? g' + mu v : v) */
export function momentumUpdate(p: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, nesterov: bool, wd: f64): void {
  const LR = f64x2.splat(lr), MU = f64x2.splat(mu), WD = f64x2.splat(wd);
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i * 4;
    const two = i + 1 < n;
    const P = two ? ld2(p + o) : ld1(p + o), G = two ? ld2(g + o) : ld1(g + o), V = two ? ld2(v + o) : ld1(v + o);
    const gi = f64x2.add(G, f64x2.mul(WD, P));
    const vi = f64x2.add(f64x2.mul(MU, V), gi);
    const step = nesterov ? f64x2.add(gi, f64x2.mul(MU, vi)) : vi;
    const r = f64x2.sub(P, f64x2.mul(LR, step));
    if (two) { st2(v + o, vi); st2(p + o, r); } else { st1(v + o, vi); st1(p + o, r); }
  }
}

/** g' = g + wd p; s = rho s + (1 - rho) g'^2; p -= lr g' / (inside ? sqrt(s + eps) : sqrt(s) + eps) */
export function rmspropUpdate(p: usize, g: usize, s: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64, epsInside: bool): void {
  const LR = f64x2.splat(lr), RHO = f64x2.splat(rho), OMR = f64x2.splat(1 - rho), EPS = f64x2.splat(eps), WD = f64x2.splat(wd);
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i * 4;
    const two = i + 1 < n;
    const P = two ? ld2(p + o) : ld1(p + o), G = two ? ld2(g + o) : ld1(g + o), S = two ? ld2(s + o) : ld1(s + o);
    const gi = f64x2.add(G, f64x2.mul(WD, P));
    const si = f64x2.add(f64x2.mul(RHO, S), f64x2.mul(f64x2.mul(OMR, gi), gi));
    const den = epsInside ? f64x2.sqrt(f64x2.add(si, EPS)) : f64x2.add(f64x2.sqrt(si), EPS);
    const r = f64x2.sub(P, f64x2.div(f64x2.mul(LR, gi), den));
    if (two) { st2(s + o, si); st2(p + o, r); } else { st1(s + o, si); st1(p + o, r); }
  }
}

/**
 * Adam / AdamW with torch's bias correction. stepSize = lr / (1 - b1^t) and sqrtBc2 = sqrt(1 - b2^t) come from
 * the wrapper (computed with Math.pow in JS, as the reference does). With decoupled decay the reference stores
 * p after the decay (a float32 rounding) and reads it back for the Adam step; we round there too.
 */
export function adamUpdate(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f64, b1: f64, b2: f64, eps: f64, stepSize: f64, sqrtBc2: f64, wd: f64, decoupled: bool,
): void {
  const B1 = f64x2.splat(b1), B2 = f64x2.splat(b2), OMB1 = f64x2.splat(1 - b1), OMB2 = f64x2.splat(1 - b2);
  const EPS = f64x2.splat(eps), SS = f64x2.splat(stepSize), SB = f64x2.splat(sqrtBc2);
  const LRWD = f64x2.splat(lr * wd), WD = f64x2.splat(wd);
  for (let i = 0; i < n; i += 2) {
    const o = <usize>i * 4;
    const two = i + 1 < n;
    let P = two ? ld2(p + o) : ld1(p + o);
    let gi = two ? ld2(g + o) : ld1(g + o);
    const M = two ? ld2(m + o) : ld1(m + o), V = two ? ld2(v + o) : ld1(v + o);
    if (decoupled) {
      // p is stored (rounded to float32) and re-read by the reference: promote(demote(x)) rounds the same way.
      P = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(f64x2.sub(P, f64x2.mul(LRWD, P))));
    } else {
      gi = f64x2.add(gi, f64x2.mul(WD, P));
    }
    const mi = f64x2.add(f64x2.mul(B1, M), f64x2.mul(OMB1, gi));
    const vi = f64x2.add(f64x2.mul(B2, V), f64x2.mul(f64x2.mul(OMB2, gi), gi));
    const den = f64x2.add(f64x2.div(f64x2.sqrt(vi), SB), EPS);
    const r = f64x2.sub(P, f64x2.div(f64x2.mul(SS, mi), den));
    if (two) { st2(m + o, mi); st2(v + o, vi); st2(p + o, r); } else { st1(m + o, mi); st1(v + o, vi); st1(p + o, r); }
  }
}
