/**
 * Variational autoencoder (Kingma & Welling 2014); beta-VAE (Higgins et al. 2017) through `beta`.
 *
 *   h = trunk(x);  mean = Wm h + bm;  logVar = Wv h + bv          (two linear Dense heads)
 *   z = mean + exp(0.5 logVar) * eps,  eps ~ N(0, I) from a seeded Rng   (reparameterization)
 *   r = sigmoid(g(z))   (or g(z) with outputActivation 'linear', for standardized tabular data and MSE)
 *
 * The loss, exactly (the reduction is a common source of confusion):
 *   recon_i = sum over the inputDim pixels of BCE(r_ij, x_ij)   (from the decoder's logits, never log(sigmoid))
 *             or, with reconstruction: 'mse', sum over pixels of (r_ij - x_ij)^2
 *   kl_i    = -0.5 * sum over the latentDim dims of (1 + logVar_ik - mean_ik^2 - exp(logVar_ik))
 *   loss    = (1/B) sum over the B images of the batch of (recon_i + beta kl_i)
 * A SUM over pixels and latent dims, then a MEAN over images ('sumPerSample' in losses/reduction.ts), as the
 * Keras VAE example computes it. A per-pixel mean instead would shrink the reconstruction term inputDim-fold,
 * i.e. silently turn beta = 1 into beta = 784 on MNIST. Both terms are reported per image, in these units.
 */
import { valueAndGrad } from '../autograd/backward.js';
import { noGrad } from '../autograd/mode.js';
import { type Dataset, splitValidation } from '../data/dataset.js';
import type { Inputs } from '../data/inputs.js';
import { inArena } from '../kernels/registry.js';
import type { DType } from '../kernels/types.js';
import { bceWithLogits, mse } from '../losses/losses.js';
import { reduceLoss } from '../losses/reduction.js';
import { type ActivationName, checkActivation } from '../nn/activations.js';
import { Dense, Sequential } from '../nn/dense.js';
import type { InitName } from '../nn/init.js';
import * as ops from '../tensor/ops.js';
import { Rng } from '../tensor/rng.js';
import { Tensor, tensor, zeros } from '../tensor/tensor.js';
import { batchEnd, type Callback, callbackStates, loadCallbackStates } from '../train/callbacks.js';
import { dataSpec } from '../train/checkpoint.js';
import { batchTensor, fit, type FitOptions, type History, placeOf, type StepContext, toDataset } from '../train/fit.js';
import { mapRows } from './batched.js';
import { importanceLogLikelihood, type LogLikelihoodOptions } from './vae-likelihood.js';
import { type AutoencoderModel, DenseAutoencoderBase } from './model.js';

export interface VAEConfig {
  inputDim: number;
  /** Encoder trunk sizes, outermost first; the decoder mirrors them. Default []. */
  hidden?: number[];
  latentDim: number;
  /** Activation of the trunk and decoder hidden layers (default 'relu'). The heads are linear. */
  activation?: ActivationName;
  /** Per-pixel reconstruction term (default 'bce', for data in [0, 1]). */
  reconstruction?: 'bce' | 'mse';
  /** The decoder's output: 'sigmoid' (default, data in [0, 1]) or 'linear' (any real data; needs reconstruction 'mse'). */
  outputActivation?: 'sigmoid' | 'linear';
  /** Weight of the KL term (default 1; > 1 is a beta-VAE, 0 a plain autoencoder with a noisy code). */
  beta?: number;
  init?: InitName;
  seed?: number;
  dtype?: DType;
}

export interface VAELossTerms {
  /** recon + beta kl, batch mean: the number gradients are taken of. */
  loss: Tensor;
  /** Per-image reconstruction sum, batch mean. */
  reconstruction: Tensor;
  /** Per-image KL(q(z|x) || N(0, I)), batch mean. */
  kl: Tensor;
}

export interface VAEHistory extends History {
  /** Per-image reconstruction term (sum over pixels), averaged over each epoch's images. */
  reconstruction: number[];
  /** Per-image KL term (sum over latent dims), averaged over each epoch's images. */
  kl: number[];
  valReconstruction: number[];
  valKl: number[];
}

/** fit's options minus the ones the VAE decides itself (its step, its loss). */
export type VAEFitOptions = Omit<FitOptions, 'step' | 'loss' | 'corrupt'>;

/** z = mean + exp(0.5 logVar) * eps: eps is a constant, so gradients reach mean and logVar only. */
export function reparameterize(mean: Tensor, logVar: Tensor, eps: Tensor): Tensor {
  return ops.add(mean, ops.mul(ops.exp(ops.mul(logVar, 0.5)), eps));
}

/** Closed-form KL(N(mean, exp(logVar)) || N(0, I)), summed over latent dims and averaged over the batch. */
export function klDivergence(mean: Tensor, logVar: Tensor): Tensor {
  const inner = ops.sub(ops.sub(ops.add(logVar, 1), ops.mul(mean, mean)), ops.exp(logVar));
  return ops.mul(reduceLoss(inner, 'sumPerSample'), -0.5);
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9), used to lay
 * the manifold grid out at equal probability steps rather than equal distances.
 */
export function normInv(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normInv: p must lie in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}


export class VAE extends DenseAutoencoderBase implements AutoencoderModel {
  readonly config: Required<Omit<VAEConfig, 'dtype'>> & { dtype: DType };
  encoder: Sequential;
  zMean: Dense;
  zLogVar: Dense;
  decoder: Sequential;

  constructor(config: VAEConfig) {
    super();
    const hidden = config.hidden ?? [];
    for (const [k, v] of [['inputDim', config.inputDim], ['latentDim', config.latentDim], ...hidden.map((h, i) => [`hidden[${i}]`, h] as const)] as const) {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`VAE: ${k} must be a positive integer, got ${v}`);
    }
    const beta = config.beta ?? 1;
    if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta)) throw new Error(`VAE: beta must be a finite number >= 0, got ${beta}`);
    const reconstruction = config.reconstruction ?? 'bce';
    if (reconstruction !== 'bce' && reconstruction !== 'mse') throw new Error(`VAE: reconstruction must be 'bce' or 'mse', got '${String(reconstruction)}'`);
    const outputActivation = config.outputActivation ?? 'sigmoid';
    if (outputActivation !== 'sigmoid' && outputActivation !== 'linear') throw new Error(`VAE: outputActivation must be 'sigmoid' or 'linear', got '${String(outputActivation)}'`);
    if (outputActivation === 'linear' && reconstruction === 'bce') throw new Error("VAE: cross-entropy needs a sigmoid output; use reconstruction 'mse' with a linear output");
    this.config = {
      inputDim: config.inputDim, hidden: [...hidden], latentDim: config.latentDim,
      activation: checkActivation(config.activation ?? 'relu'), reconstruction, outputActivation, beta,
      init: config.init ?? 'glorotUniform', seed: config.seed ?? 0, dtype: config.dtype ?? 'float32',
    };
    const c = this.config;
    const opts = { rng: new Rng(c.seed), dtype: c.dtype };
    const dense = (inputDim: number, units: number, act: ActivationName): Dense => new Dense({ inputDim, units, activation: act, init: c.init }, opts);
    const trunk = [c.inputDim, ...c.hidden];
    this.encoder = new Sequential(trunk.slice(1).map((u, i) => dense(trunk[i], u, c.activation)));
    this.zMean = dense(trunk[trunk.length - 1], c.latentDim, 'linear');
    this.zLogVar = dense(trunk[trunk.length - 1], c.latentDim, 'linear');
    const back = [c.latentDim, ...[...c.hidden].reverse(), c.inputDim];
    this.decoder = new Sequential(back.slice(1).map((u, i) => dense(back[i], u, i + 2 === back.length ? c.outputActivation : c.activation)));
  }





  /** The parameters of q(z|x), with gradients: mean and logVar, each [batch, latentDim]. */
  posterior(x: Tensor): { mean: Tensor; logVar: Tensor } {
    const h = this.encoder.forward(this.checkInput(x));
    return { mean: this.zMean.forward(h), logVar: this.zLogVar.forward(h) };
  }

  /** Standard normal noise [n, latentDim] drawn from `rng`: a constant tensor, no gradient flows into it. */
  noise(n: number, rng: Rng): Tensor {
    const eps = zeros([n, this.config.latentDim], placeOf(this));
    for (let i = 0; i < eps.size; i++) eps.data[i] = rng.normal();
    return eps;
  }

  /** Both loss terms for the batch `x` with the given noise (see the module comment for the exact reduction). */
  lossTerms(batch: Tensor, eps: Tensor): VAELossTerms {
    const x = this.checkInput(batch);
    const { mean, logVar } = this.posterior(x);
    const z = reparameterize(mean, logVar, eps);
    const sum = { reduction: 'sumPerSample' } as const;
    const reconstruction = this.config.reconstruction === 'bce'
      ? bceWithLogits(this.decoder.sigmoidLogits(z)!, x, sum) // 'bce' is only allowed with a sigmoid output
      : mse(this.decoder.forward(z), x, sum);
    const kl = klDivergence(mean, logVar);
    return { loss: ops.add(reconstruction, ops.mul(kl, this.config.beta)), reconstruction, kl };
  }

  /** Deterministic reconstruction: the decoded posterior mean (training decodes a sampled z instead). */
  forward(x: Tensor): Tensor {
    return this.decoder.forward(this.posterior(x).mean);
  }

  /** Posterior means, [n, latentDim]: the codes to plot or to interpolate between. */
  encode(x: Inputs): Tensor {
    return mapRows(this, x, this.config.inputDim, this.config.latentDim, (b) => this.posterior(b).mean, 'encode');
  }

  /** Images from codes, [n, inputDim]. */
  decode(z: Inputs): Tensor {
    return mapRows(this, z, this.config.latentDim, this.config.inputDim, (b) => this.decoder.forward(b), 'decode');
  }


  /** n new images: z ~ N(0, I) from `rng`, decoded. */
  sample(n: number, rng: Rng = new Rng(0)): Tensor {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`sample: n must be a positive integer, got ${n}`);
    return this.decode(this.noise(n, rng));
  }

  /**
   * Decodes `steps` codes evenly spaced on the segment from code `a` to code `b` (both included), [steps,
   * inputDim]. Written (1 - t) a + t b so the endpoints are exactly a and b.
   */
  interpolate(a: ArrayLike<number> | Tensor, b: ArrayLike<number> | Tensor, steps: number): Tensor {
    if (!Number.isInteger(steps) || steps < 2) throw new Error(`interpolate: steps must be an integer >= 2, got ${steps}`);
    const k = this.config.latentDim;
    const [va, vb] = [a, b].map((v) => (v instanceof Tensor ? v.toTypedArray() : v));
    if (va.length !== k || vb.length !== k) throw new Error(`interpolate: codes must have ${k} values, got ${va.length} and ${vb.length}`);
    const z = new Float64Array(steps * k);
    for (let s = 0; s < steps; s++) {
      const t = s / (steps - 1);
      for (let j = 0; j < k; j++) z[s * k + j] = (1 - t) * va[j] + t * vb[j];
    }
    return this.decode(tensor(z, [steps, k], { dtype: this.config.dtype }));
  }

  /**
   * The 2-D latent manifold, as in the Keras VAE example: codes at normInv of n evenly spaced probabilities in
   * [lo, hi] (default 0.05..0.95) on latent dims `dims` (others 0), decoded; [n * n, inputDim] row-major, row r
   * of the grid first. Columns go up in dims[0] left to right, rows go DOWN in dims[1] from top to bottom, so
   * the picture has the orientation of a plot of the codes.
   */
  manifold(n: number, opts: { lo?: number; hi?: number; dims?: [number, number] } = {}): Tensor {
    return this.decode(manifoldCodes(n, this.config.latentDim, opts));
  }

  /**
   * Mean loss terms per image over `data`, without gradients, with noise from a fresh Rng(seed): the same
   * noise each call, so numbers from different epochs compare the model and not the draw.
   */
  evaluate(data: Inputs, opts: { seed?: number; batchSize?: number } = {}): { loss: number; reconstruction: number; kl: number } {
    const ds = toDataset(data, 'evaluation data');
    const rng = new Rng(opts.seed ?? 0);
    const bs = opts.batchSize ?? 256;
    const place = placeOf(this);
    const tot = { loss: 0, reconstruction: 0, kl: 0 };
    noGrad(() => {
      for (let s = 0; s < ds.length; s += bs) {
        const idx = Array.from({ length: Math.min(bs, ds.length - s) }, (_, i) => s + i);
        inArena(place.backend, () => {
          const t = this.lossTerms(batchTensor(ds, idx, place), this.noise(idx.length, rng));
          for (const k of ['loss', 'reconstruction', 'kl'] as const) tot[k] += t[k].item() * idx.length;
        });
      }
    });
    const n = Math.max(ds.length, 1);
    return { loss: tot.loss / n, reconstruction: tot.reconstruction / n, kl: tot.kl / n };
  }

  /**
   * Per-sample importance-weighted estimates of log p(x) in nats with k = `samples` draws from q(z|x) (Burda et
   * al. 2016); the test NLL is minus their mean. Bernoulli decoder ('bce', binary x) or Gaussian N(r, I/2)
   * ('mse'): see models/vae-likelihood.ts for the densities.
   */
  logLikelihood(x: Inputs, opts: LogLikelihoodOptions): Float64Array {
    return importanceLogLikelihood({
      config: this.config,
      posterior: (b) => this.posterior(b),
      decoderLogits: (z) => this.decoder.sigmoidLogits(z),
      decode: (z) => this.decoder.forward(z),
      place: () => placeOf(this),
    }, x, opts);
  }

  modelConfig(): { kind: 'VAE'; config: VAEConfig } {
    return { kind: 'VAE', config: { ...this.config, hidden: [...this.config.hidden] } };
  }

  /**
   * Trains on `data` through fit's `step` override (its batching, shuffling, callbacks and abort all apply).
   * Noise comes from fit's seeded stream, so a run is reproducible. The history's `loss` is recon + beta kl per
   * image; `reconstruction` and `kl` give the two terms. Validation uses `evaluate` with a fixed seed.
   */
  async fit(data: Inputs, opts: VAEFitOptions = {}): Promise<VAEHistory> {
    let train = toDataset(data, 'training data');
    let val: Dataset | null = null;
    if (opts.validationData !== undefined && opts.validationSplit !== undefined) throw new Error('give either validationData or validationSplit, not both');
    if (opts.validationSplit !== undefined) ({ train, val } = splitValidation(train, opts.validationSplit));
    else if (opts.validationData !== undefined) val = toDataset(opts.validationData, 'validation data');
    const extra = { reconstruction: [] as number[], kl: [] as number[], valReconstruction: [] as number[], valKl: [] as number[] };
    const epoch = { reconstruction: 0, kl: 0, n: 0 };
    const params = this.parameters();
    const backend = placeOf(this).backend;
    let warmedUp = false;
    const step = (xb: Tensor, ctx: StepContext): number => {
      const run = (): number => {
        const eps = this.noise(xb.shape[0], ctx.rng);
        const out: { terms?: VAELossTerms } = {};
        const { value, grads } = valueAndGrad(() => (out.terms = this.lossTerms(xb, eps)).loss, params);
        ctx.optimizer.step(grads);
        const t = out.terms!;
        epoch.reconstruction += t.reconstruction.item() * xb.shape[0];
        epoch.kl += t.kl.item() * xb.shape[0];
        epoch.n += xb.shape[0];
        return value.item();
      };
      // As fit's own step: the first step outside the arena (optimizer state is created then and must live on),
      // every later one inside it, so memory stays flat; only numbers leave `run`.
      if (!warmedUp) { warmedUp = true; return run(); }
      return inArena(backend, run);
    };
    const user = opts.callbacks ?? [];
    // The validation loss is the VAE's own (fit's evaluateLoss knows only pred/target losses); its two terms
    // are kept beside it.
    const validate = val && val.length ? (): number => {
      const v = this.evaluate(val!, { seed: (opts.seed ?? 0) + 1 });
      extra.valReconstruction.push(v.reconstruction);
      extra.valKl.push(v.kl);
      return v.loss;
    } : undefined;
    // One callback in front of the user's: it closes the epoch's terms. Its state (the terms so far, the
    // current epoch's sums, the user's callbacks' states) goes into checkpoints, so a resumed run reports them all.
    const monitor: Callback = {
      onBatchEnd: (info, control) => batchEnd(user, info, control),
      onEpochEnd: (info, control) => {
        extra.reconstruction.push(epoch.reconstruction / epoch.n);
        extra.kl.push(epoch.kl / epoch.n);
        Object.assign(epoch, { reconstruction: 0, kl: 0, n: 0 });
        user.forEach((c) => c.onEpochEnd?.(info, control));
      },
      onTrainEnd: (control) => user.forEach((c) => c.onTrainEnd?.(control)),
      state: () => ({ extra: structuredClone(extra), epoch: { ...epoch }, user: callbackStates(user) }),
      loadState: (state, control) => {
        const s = state as { extra: typeof extra; epoch: typeof epoch; user: { name: string; state: unknown }[] };
        for (const k of Object.keys(extra) as (keyof typeof extra)[]) {
          if (!Array.isArray(s?.extra?.[k])) throw new Error(`VAE: the checkpoint's VAE state has no '${k}' list`);
          extra[k] = [...s.extra[k]];
        }
        Object.assign(epoch, s.epoch);
        loadCallbackStates(user, s.user ?? [], control, 'VAE checkpoint');
      },
    };
    const valSpec = val && (opts.checkpoint || opts.resume) ? await dataSpec('validationData', val) : {};
    const checkpointScope = { ...opts.checkpointScope, spec: { ...opts.checkpointScope?.spec, ...valSpec } };
    const h = await fit(this, train, { ...opts, validationData: undefined, validationSplit: undefined, step, validate, callbacks: [monitor], checkpointScope });
    return { ...h, ...extra };
  }
}

/** The manifold's codes, [n * n, latentDim] (see VAE.manifold). */
export function manifoldCodes(n: number, latentDim: number, opts: { lo?: number; hi?: number; dims?: [number, number] } = {}): Tensor {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`manifold: n must be a positive integer, got ${n}`);
  const lo = opts.lo ?? 0.05, hi = opts.hi ?? 0.95;
  if (!(lo > 0 && hi < 1 && lo <= hi)) throw new Error(`manifold: need 0 < lo <= hi < 1, got lo ${lo}, hi ${hi}`);
  const [dx, dy] = opts.dims ?? [0, 1];
  for (const d of [dx, dy]) if (!Number.isInteger(d) || d < 0 || d >= latentDim) throw new Error(`manifold: dims must be latent dims in 0..${latentDim - 1}, got ${d}`);
  if (dx === dy) throw new Error('manifold: the two dims must differ');
  const grid = Array.from({ length: n }, (_, i) => normInv(n === 1 ? 0.5 : lo + ((hi - lo) * i) / (n - 1)));
  const z = new Float64Array(n * n * latentDim);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      z[(r * n + c) * latentDim + dx] = grid[c];
      z[(r * n + c) * latentDim + dy] = grid[n - 1 - r];
    }
  }
  return tensor(z, [n * n, latentDim], { dtype: 'float64' });
}
