/**
 * Sparse autoencoders, and the regularized-autoencoder base they share with the contractive one.
 *
 *   const sae = new SparseAutoencoder({ inputDim: 784, latentDim: 32, sparsity: { l1: 1e-4 } });       // Keras blog
 *   const kl = new SparseAutoencoder({ inputDim: 784, latentDim: 64, latentActivation: 'sigmoid',
 *                                      sparsity: { kl: { rho: 0.05, beta: 3 } } });                     // Ng's notes
 *   await sae.fit(x, { epochs: 10, loss: 'bce' });   // trains on reconstruction loss + penalty(code)
 *
 * Penalties, with h the code [B, k] of a batch of B samples:
 *   - L1 activity:  l1 * sum|h| / B      (Keras' activity_regularizer=l1(...), which Keras divides by B);
 *   - KL sparsity:  beta * sum_j KL(rho || rho_hat_j), rho_hat_j = mean_b h_bj the batch's average activation
 *                   of unit j, KL(p || q) = p log(p/q) + (1 - p) log((1 - p)/(1 - q)). rho_hat is clamped to
 *                   [1e-7, 1 - 1e-7] (as BCE is) so a dead or saturated unit gives a large, finite penalty.
 * Both are added to the reconstruction loss as is (mean over all values for 'mse'/'bce'), so l1 and beta are
 * relative to that scale. The history's `loss` includes the penalty (as Keras reports it); `valLoss` is the
 * plain reconstruction loss.
 */
import { valueAndGrad } from '../autograd/backward.js';
import type { Inputs } from '../data/inputs.js';
import { inArena } from '../kernels/registry.js';
import { bceWithLogits, type LossName, lossFn } from '../losses/losses.js';
import * as ops from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { fit, type FitData, type FitOptions, type History, type LossFunction, type StepContext } from '../train/fit.js';
import { Autoencoder, type AutoencoderConfig } from './autoencoder.js';

/**
 * An autoencoder trained on reconstruction loss + penalty(code, input). Subclasses supply the penalty; `fit`
 * then runs its own step (below) so the penalty sees the code of the very forward pass that is trained.
 */
export abstract class RegularizedAutoencoder extends Autoencoder {
  // Autoencoder.modelConfig() types its kind as the literal 'Autoencoder', so no subclass can report another
  // kind without this one suppression. Widening that return type to { kind: string; ... } in autoencoder.ts
  // makes this directive unused (a compile error), the signal to delete it.
  abstract override modelConfig(): { kind: string; config: object };

  /** The regularization term for codes `code` = encoder(input) of one batch: a scalar tensor. */
  abstract penalty(code: Tensor, input: Tensor): Tensor;

  /**
   * The training objective for one batch: loss(decoder(h), target) + penalty(h, input), h = encoder(input).
   * 'bce' on a sigmoid output is computed from the logits (as fit does for plain autoencoders). Custom `step`
   * functions can call this to keep the penalty.
   */
  objective(input: Tensor, target: Tensor, loss: LossName | LossFunction = 'mse'): Tensor {
    const h = this.encoder.forward(input);
    const z = loss === 'bce' ? this.decoder.sigmoidLogits(h) : null;
    const recon = z ? bceWithLogits(z, target) : (typeof loss === 'function' ? loss : lossFn(loss))(this.decoder.forward(h), target);
    return ops.add(recon, this.penalty(h, input));
  }

  /**
   * Trains on `objective`. Every FitOptions field works as for Autoencoder, `corrupt` included (a sparse
   * denoising autoencoder is `fit(x, { corrupt: gaussianNoise(0.5) })`). A caller's own `step` replaces ours
   * entirely (use `objective` in it to keep the penalty).
   */
  override fit(data: FitData, opts: FitOptions = {}): Promise<History> {
    if (opts.step) return fit(this, data, opts);
    const loss: LossName | LossFunction = opts.loss ?? 'mse';
    const params = this.parameters();
    let warmedUp = false;
    const step = (xb: Tensor, ctx: StepContext): number => {
      const run = (): number => {
        const input = opts.corrupt ? opts.corrupt(xb, ctx.rng) : xb;
        const { value, grads } = valueAndGrad(() => this.objective(input, xb, loss), params);
        ctx.optimizer.step(grads);
        return value.item();
      };
      // As fit's default step: the first step runs outside the backend's step arena, because optimizers
      // create their state then and it must outlive the step; later steps free everything they allocate.
      if (!warmedUp) {
        warmedUp = true;
        return run();
      }
      return inArena(xb.backend, run);
    };
    return fit(this, data, { ...opts, step });
  }
}

export interface SparsityOptions {
  /** Weight of the L1 activity penalty l1 * sum|h| / B (the Keras blog uses 10e-5 = 1e-4). */
  l1?: number;
  /** KL sparsity target: average activation `rho` in (0, 1), penalty weight `beta` (needs sigmoid codes). */
  kl?: { rho: number; beta: number };
}

export interface SparseAutoencoderConfig extends AutoencoderConfig {
  sparsity: SparsityOptions;
}

/** Keeps KL's logarithms finite for a unit that is never (or always) on. */
const RHO_EPS = 1e-7;

export class SparseAutoencoder extends RegularizedAutoencoder {
  readonly sparsity: { l1: number; kl: { rho: number; beta: number } | null };

  constructor(config: SparseAutoencoderConfig) {
    super(config);
    const s = config.sparsity;
    if (typeof s !== 'object' || s === null || (s.l1 === undefined && s.kl === undefined)) {
      throw new Error('SparseAutoencoder: sparsity must give l1 and/or kl, e.g. { l1: 1e-4 } or { kl: { rho: 0.05, beta: 3 } }');
    }
    const l1 = s.l1 ?? 0;
    if (typeof l1 !== 'number' || !(l1 >= 0) || !Number.isFinite(l1)) throw new Error(`SparseAutoencoder: l1 must be a finite number >= 0, got ${String(l1)}`);
    let kl: { rho: number; beta: number } | null = null;
    if (s.kl !== undefined) {
      const { rho, beta } = s.kl;
      if (typeof rho !== 'number' || !(rho > 0 && rho < 1)) throw new Error(`SparseAutoencoder: kl.rho must be in (0, 1), got ${String(rho)}`);
      if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta)) throw new Error(`SparseAutoencoder: kl.beta must be a finite number >= 0, got ${String(beta)}`);
      // rho_hat is an average activation: it must lie in (0, 1), which only a sigmoid code guarantees.
      if (this.config.latentActivation !== 'sigmoid') {
        throw new Error(`SparseAutoencoder: the KL sparsity penalty needs codes in (0, 1): set latentActivation: 'sigmoid' (got '${this.config.latentActivation}')`);
      }
      kl = { rho, beta };
    }
    this.sparsity = { l1, kl };
  }

  /** l1 * sum|h| / B. */
  l1Penalty(code: Tensor): Tensor {
    return ops.mul(ops.sum(ops.abs(code)), this.sparsity.l1 / Math.max(code.shape[0], 1));
  }

  /** beta * sum_j KL(rho || rho_hat_j) with rho_hat the batch mean of each code unit (0 without kl). */
  klPenalty(code: Tensor): Tensor {
    if (!this.sparsity.kl) return ops.mul(ops.sum(code), 0);
    const { rho, beta } = this.sparsity.kl;
    const rhoHat0 = ops.div(ops.sum(code, 0), Math.max(code.shape[0], 1));
    const rhoHat = ops.neg(ops.maximum(ops.neg(ops.maximum(rhoHat0, RHO_EPS)), -(1 - RHO_EPS))); // clamp
    // KL = [rho log rho + (1-rho) log(1-rho)] - rho log rho_hat - (1-rho) log(1-rho_hat); the bracket is a constant.
    const constant = rho * Math.log(rho) + (1 - rho) * Math.log(1 - rho);
    const cross = ops.add(ops.mul(ops.log(rhoHat), rho), ops.mul(ops.log(ops.sub(1, rhoHat)), 1 - rho));
    return ops.mul(ops.sub(constant * rhoHat.size, ops.sum(cross)), beta);
  }

  override penalty(code: Tensor): Tensor {
    const { l1, kl } = this.sparsity;
    if (l1 > 0 && kl) return ops.add(this.l1Penalty(code), this.klPenalty(code));
    return kl ? this.klPenalty(code) : this.l1Penalty(code);
  }

  override modelConfig(): { kind: 'SparseAutoencoder'; config: SparseAutoencoderConfig } {
    const { l1, kl } = this.sparsity;
    const sparsity: SparsityOptions = { ...(l1 > 0 || !kl ? { l1 } : {}), ...(kl ? { kl: { ...kl } } : {}) };
    return { kind: 'SparseAutoencoder', config: { ...this.config, hidden: [...this.config.hidden], sparsity } };
  }
}

/** Mean code activation over a data set: how sparse the codes are (lower is sparser for relu/sigmoid codes). */
export function meanActivation(model: { encode(x: Inputs): Tensor }, x: Inputs): number {
  const v = model.encode(x).toTypedArray();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length ? s / v.length : NaN;
}
