// Fused optimizer updates: one pass over a parameter and its state, in place.
//
// The reference loops (src/kernels/ref/optim.ts) update float32 parameters in float32 arithmetic: the
// hyper-parameters rounded to float32 once, every operation rounded to float32. These kernels run the same
// operations in the same order in f32x4 lanes (an f32 +, -, *, / or sqrt is exactly the reference's double
// result rounded once), so the results are bit-identical to the reference. The hyper-parameters arrive as f64
// (lr / (1 - b1^t) and the like are computed by the TS wrapper in JS doubles, as the reference does) and are
// rounded here. (They used to compute in float64 lanes, like an earlier reference; float32 is what PyTorch does,
// and it made the native updates ~2.7x faster: a few percent of a W1 training step.)
//
// Every element goes through the same vector code, the 0-3 leftover ones as a splat whose lane 0 is stored.

// @ts-ignore: decorator
@inline
function f(x: f64): v128 {
  return f32x4.splat(<f32>x);
}

// @ts-ignore: decorator
@inline
function ld(p: usize, o: usize, full: bool): v128 {
  return full ? v128.load(p + o) : v128.load32_splat(p + o);
}

// @ts-ignore: decorator
@inline
function st(p: usize, o: usize, full: bool, v: v128): void {
  if (full) v128.store(p + o, v);
  else v128.store32_lane(p + o, v, 0);
}

/** p -= lr * (g + wd * p) */
export function sgdUpdate(p: usize, g: usize, n: i32, lr: f64, wd: f64): void {
  const LR = f(lr), WD = f(wd);
  for (let i = 0; i < n; ) {
    const full = i + 4 <= n, o = <usize>i * 4;
    const P = ld(p, o, full), G = ld(g, o, full);
    st(p, o, full, f32x4.sub(P, f32x4.mul(LR, f32x4.add(G, f32x4.mul(WD, P)))));
    i += full ? 4 : 1;
  }
}

/** g' = g + wd p; v = mu v + g'; p -= lr (nesterov ? g' + mu v : v) */
export function momentumUpdate(p: usize, g: usize, v: usize, n: i32, lr: f64, mu: f64, nesterov: bool, wd: f64): void {
  const LR = f(lr), MU = f(mu), WD = f(wd);
  for (let i = 0; i < n; ) {
    const full = i + 4 <= n, o = <usize>i * 4;
    const P = ld(p, o, full), G = ld(g, o, full), V = ld(v, o, full);
    const gi = f32x4.add(G, f32x4.mul(WD, P));
    const vi = f32x4.add(f32x4.mul(MU, V), gi);
    const step = nesterov ? f32x4.add(gi, f32x4.mul(MU, vi)) : vi;
    st(v, o, full, vi);
    st(p, o, full, f32x4.sub(P, f32x4.mul(LR, step)));
    i += full ? 4 : 1;
  }
}

/** g' = g + wd p; s = rho s + (1 - rho) g'^2; p -= lr g' / (inside ? sqrt(s + eps) : sqrt(s) + eps) */
export function rmspropUpdate(p: usize, g: usize, s: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64, epsInside: bool): void {
  const LR = f(lr), RHO = f(rho), OMR = f(1 - rho), EPS = f(eps), WD = f(wd);
  for (let i = 0; i < n; ) {
    const full = i + 4 <= n, o = <usize>i * 4;
    const P = ld(p, o, full), G = ld(g, o, full), S = ld(s, o, full);
    const gi = f32x4.add(G, f32x4.mul(WD, P));
    const si = f32x4.add(f32x4.mul(RHO, S), f32x4.mul(f32x4.mul(OMR, gi), gi));
    const den = epsInside ? f32x4.sqrt(f32x4.add(si, EPS)) : f32x4.add(f32x4.sqrt(si), EPS);
    st(s, o, full, si);
    st(p, o, full, f32x4.sub(P, f32x4.div(f32x4.mul(LR, gi), den)));
    i += full ? 4 : 1;
  }
}

/** Adam / AdamW with torch's bias correction: stepSize = lr / (1 - b1^t), sqrtBc2 = sqrt(1 - b2^t). */
export function adamUpdate(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f64, b1: f64, b2: f64, eps: f64, stepSize: f64, sqrtBc2: f64, wd: f64, decoupled: bool,
): void {
  const B1 = f(b1), B2 = f(b2), OMB1 = f(1 - b1), OMB2 = f(1 - b2);
  const EPS = f(eps), SS = f(stepSize), SB = f(sqrtBc2), LRWD = f(lr * wd), WD = f(wd);
  for (let i = 0; i < n; ) {
    const full = i + 4 <= n, o = <usize>i * 4;
    let P = ld(p, o, full), gi = ld(g, o, full);
    const M = ld(m, o, full), V = ld(v, o, full);
    if (decoupled) P = f32x4.sub(P, f32x4.mul(LRWD, P));
    else gi = f32x4.add(gi, f32x4.mul(WD, P));
    const mi = f32x4.add(f32x4.mul(B1, M), f32x4.mul(OMB1, gi));
    const vi = f32x4.add(f32x4.mul(B2, V), f32x4.mul(f32x4.mul(OMB2, gi), gi));
    const den = f32x4.add(f32x4.div(f32x4.sqrt(vi), SB), EPS);
    st(m, o, full, mi);
    st(v, o, full, vi);
    st(p, o, full, f32x4.sub(P, f32x4.div(f32x4.mul(SS, mi), den)));
    i += full ? 4 : 1;
  }
}
