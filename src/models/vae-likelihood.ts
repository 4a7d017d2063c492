/**
 * The importance-weighted estimate of a VAE's marginal log-likelihood (Burda, Grosse & Salakhutdinov 2016,
 * "Importance Weighted Autoencoders", eq. 8; the estimator of their Table 1's NLL column):
 *
 *   log p(x) ≈ log (1/k) sum_{j=1..k} w_j,   w_j = p(x | z_j) p(z_j) / q(z_j | x),   z_j ~ q(z | x)
 *
 * computed as a log-mean-exp of the log weights (max subtracted first, so no weight under- or overflows: the
 * log weights of an MNIST image are around -100 nats, whose exp is 0 in float64's eyes). By Jensen's
 * inequality the estimate is a lower bound in expectation that rises to log p(x) as k grows; k = 1 is the
 * ELBO of one sample. With q the exact posterior every weight equals p(x), so the estimate is exact for any k.
 *
 * The densities, in nats, for aekit's VAE (models/vae.ts):
 *   log q(z | x) = sum_d -0.5 (log 2π + logVar_d + eps_d^2)       (z = mean + exp(logVar / 2) eps)
 *   log p(z)     = sum_d -0.5 (log 2π + z_d^2)                     (the N(0, I) prior)
 *   log p(x | z):
 *     reconstruction 'bce': Bernoulli with the decoder's sigmoid output, from its logits l:
 *                           sum_i x_i l_i - softplus(l_i). A density only for binary x: report NLLs on
 *                           binarized data (a grey x makes this a cross-entropy, not a log-likelihood).
 *     reconstruction 'mse': Gaussian N(r, 1/2 I), the one whose negative log-likelihood is the training
 *                           loss's sum of squares up to a constant: -sum_i (x_i - r_i)^2 - (D/2) log π.
 * beta only weights the KL term in training; the likelihood is that of the model p(z) p(x | z) itself.
 */
import { noGrad } from '../autograd/mode.js';
import { type Inputs, inputBatch, inputCount, inputSampleSize } from '../data/inputs.js';
import { AekitError } from '../errors.js';
import { inArena } from '../kernels/registry.js';
import type { Backend, DType } from '../kernels/types.js';
import { softplus } from '../nn/activations.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { type Tensor, zeros } from '../tensor/tensor.js';

/** What the estimator needs of a VAE (models/vae.ts's VAE has all of it). */
export interface LikelihoodModel {
  readonly config: { inputDim: number; latentDim: number; reconstruction: 'bce' | 'mse' };
  posterior(x: Tensor): { mean: Tensor; logVar: Tensor };
  /** The decoder's pre-sigmoid output (for 'bce'), or null when its output is not a sigmoid. */
  decoderLogits(z: Tensor): Tensor | null;
  /** The decoder's output r (for 'mse'). */
  decode(z: Tensor): Tensor;
  /** Where the model's tensors live. */
  place(): { dtype: DType; backend: Backend };
}

export interface LogLikelihoodOptions {
  /** k, the importance samples per input (Burda et al. use 5000; pythae's VAE row 200). */
  samples: number;
  /** Seeds the noise: the same seed gives the same estimates. Default 0. */
  seed?: number;
  /** Inputs per encoder pass (default 100). The decoder sees batchSize * chunk rows at a time. */
  batchSize?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
/** Decoder rows per pass: bounds memory (rows x inputDim values) whatever k is. */
const ROWS_PER_PASS = 4096;
/** Noise values held at once (inputs x k x latentDim): 32 MB of float64, so k = 5000 still fits. */
const NOISE_PER_BATCH = 1 << 22;

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new AekitError(`logLikelihood: ${name} must be a positive integer, got ${String(v)}`, 'E_VALUE');
  return v;
}

/** log((1/k) sum exp(w)) over one input's k log weights, stable: the largest is factored out. */
export function logMeanExp(w: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < w.length; i++) if (w[i] > m) m = w[i];
  if (m === -Infinity || Number.isNaN(m)) return m;
  let s = 0;
  for (let i = 0; i < w.length; i++) s += Math.exp(w[i] - m);
  return m + Math.log(s / w.length);
}

/**
 * Per-input estimates of log p(x) in nats (a Float64Array, one per input; the NLL is minus their mean).
 * Noise comes from one Rng(seed) drawn input by input, sample by sample, in order, so an estimate does not
 * depend on batchSize.
 */
export function importanceLogLikelihood(model: LikelihoodModel, x: Inputs, opts: LogLikelihoodOptions): Float64Array {
  if (opts === null || typeof opts !== 'object') throw new AekitError('logLikelihood: give the options, e.g. { samples: 200 }', 'E_VALUE');
  const k = positiveInt('samples', opts.samples);
  // The batch shrinks when k is large so its noise stays bounded; estimates do not depend on it (see below).
  const bs = Math.min(positiveInt('batchSize', opts.batchSize ?? 100), Math.max(1, Math.floor(NOISE_PER_BATCH / (k * model.config.latentDim))));
  const seed = opts.seed ?? 0;
  if (!Number.isFinite(seed)) throw new AekitError(`logLikelihood: seed must be a finite number, got ${String(seed)}`, 'E_VALUE');
  const { inputDim: D, latentDim: L, reconstruction } = model.config;
  const n = inputCount(x);
  if (n > 0 && inputSampleSize(x) !== D) throw new AekitError(`logLikelihood: samples have ${inputSampleSize(x)} values, the model expects ${D}`, 'E_VALUE');
  const { dtype, backend } = model.place();
  const rng = new Rng(seed);
  const out = new Float64Array(n);
  const logW = new Float64Array(k);
  noGrad(() => {
    for (let s = 0; s < n; s += bs) {
      const b = Math.min(bs, n - s);
      inArena(backend, () => {
        const xb = inputBatch(x, s, s + b, 'logLikelihood', dtype);
        const post = model.posterior(xb);
        const mean = post.mean.toTypedArray(), logVar = post.logVar.toTypedArray();
        const xs = xb.toTypedArray();
        // All noise for this batch, input-major, drawn before any decoding: the order is (input, sample, dim).
        const eps = new Float64Array(b * k * L);
        for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
        // A pass decodes `per` samples of every input of the batch: rows (input i, sample j) = i * per + j.
        const per = Math.max(1, Math.min(k, Math.floor(ROWS_PER_PASS / b)));
        const w = new Float64Array(b * k);
        for (let j0 = 0; j0 < k; j0 += per) {
          const m = Math.min(per, k - j0);
          const z = zeros([b * m, L], { dtype, backend });
          for (let i = 0; i < b; i++) {
            for (let j = 0; j < m; j++) {
              let lq = 0, lp = 0;
              for (let d = 0; d < L; d++) {
                const e = eps[(i * k + j0 + j) * L + d];
                const lv = logVar[i * L + d];
                const zd = mean[i * L + d] + Math.exp(0.5 * lv) * e;
                z.data[(i * m + j) * L + d] = zd;
                lq += -0.5 * (LOG_2PI + lv + e * e);
                lp += -0.5 * (LOG_2PI + zd * zd);
              }
              w[i * k + j0 + j] = lp - lq;
            }
          }
          // x repeated per sample, so the decoder's rows and their targets line up.
          const target = zeros([b * m, D], { dtype, backend });
          for (let i = 0; i < b; i++) for (let j = 0; j < m; j++) target.data.set(xs.subarray(i * D, (i + 1) * D), (i * m + j) * D);
          const lpx = logPxGivenZ(model, reconstruction, z, target, D);
          for (let i = 0; i < b; i++) for (let j = 0; j < m; j++) w[i * k + j0 + j] += lpx[i * m + j];
        }
        for (let i = 0; i < b; i++) {
          for (let j = 0; j < k; j++) logW[j] = w[i * k + j];
          out[s + i] = logMeanExp(logW);
        }
      });
    }
  });
  return out;
}

/** log p(x | z) per row (see the module comment), summed over the D values in the tensors' dtype. */
function logPxGivenZ(model: LikelihoodModel, reconstruction: 'bce' | 'mse', z: Tensor, x: Tensor, D: number): ArrayLike<number> {
  if (reconstruction === 'bce') {
    const l = model.decoderLogits(z);
    if (!l) throw new AekitError("logLikelihood: reconstruction 'bce' needs a sigmoid decoder output", 'E_VALUE');
    return ops.sum(ops.sub(ops.mul(x, l), softplus(l)), 1).toTypedArray();
  }
  const d = ops.sub(model.decode(z), x);
  const sq = ops.sum(ops.mul(d, d), 1).toTypedArray();
  const c = 0.5 * D * Math.log(Math.PI);
  return Float64Array.from(sq, (v) => -v - c);
}
