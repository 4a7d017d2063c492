/**
 * Optimizer base: holds (path, parameter) pairs and per-parameter state keyed by path, and applies one
 * fused update kernel per parameter (see src/kernels/ref/optim.ts for the reference loops).
 */
import { kernel } from '../kernels/registry.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { Module } from '../nn/module.js';
import { denseData } from '../tensor/ops.js';
import { fmtShape, shapeEq } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export type ParamSource = Module | readonly Tensor[] | readonly [string, Tensor][];

function namedParams(src: ParamSource): [string, Tensor][] {
  if (src instanceof Module) return src.namedParameters();
  return src.map((p, i) => (Array.isArray(p) ? [p[0], p[1]] as [string, Tensor] : [String(i), p as Tensor]));
}

export function checkHyper(name: string, value: number, lo: number, hi: number, loInclusive = true): number {
  const okLo = loInclusive ? value >= lo : value > lo;
  if (typeof value !== 'number' || Number.isNaN(value) || !okLo || value > hi) {
    throw new Error(`${name} must be in ${loInclusive ? '[' : '('}${lo}, ${hi}], got ${value}`);
  }
  return value;
}

export abstract class Optimizer {
  readonly params: [string, Tensor][];
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  /** Number of steps taken. */
  iterations = 0;
  protected readonly state = new Map<string, FloatArray[]>();
  /** Updates applied to each parameter (a parameter without a gradient on a step is not counted, as in PyTorch). */
  protected readonly steps = new Map<string, number>();

  constructor(params: ParamSource, lr: number) {
    this.params = namedParams(params);
    if (this.params.length === 0) throw new Error('optimizer: no parameters to optimize');
    this.lr = checkHyper('learning rate', lr, 0, Infinity, false);
  }

  /** Optimizer kind and hyper-parameters, for summaries and saved files. */
  abstract config(): Record<string, unknown>;

  /** Applies one step to `p` (the parameter's storage) in place; `param` tells which backend's kernels to use. */
  protected abstract update(p: FloatArray, g: FloatArray, state: FloatArray[], param: Tensor, step: number): void;
  protected abstract stateSlots(): number;

  protected k<K extends keyof Kernels>(name: K, param: Tensor): Kernels[K] {
    return kernel(name, param.backend);
  }

  /**
   * One update. `grads` (same order as params) defaults to each parameter's `.grad`; parameters without a
   * gradient are skipped, as in PyTorch.
   */
  step(grads?: readonly (Tensor | null)[]): void {
    if (grads && grads.length !== this.params.length) {
      throw new Error(`optimizer.step: got ${grads.length} gradients for ${this.params.length} parameters`);
    }
    // Check every gradient before touching anything, so a rejected step changes nothing.
    const gs = this.params.map(([name, p], i) => {
      const g = grads ? grads[i] : p.grad;
      if (g && !shapeEq(g.shape, p.shape)) {
        throw new Error(`optimizer.step: gradient for '${name}' has shape ${fmtShape(g.shape)}, parameter has ${fmtShape(p.shape)}`);
      }
      return g;
    });
    this.iterations++;
    this.params.forEach(([name, p], i) => {
      const g = gs[i];
      if (!g) return;
      this.steps.set(name, (this.steps.get(name) ?? 0) + 1);
      let st = this.state.get(name);
      if (!st) {
        st = Array.from({ length: this.stateSlots() }, () => p.backend.alloc(p.dtype, p.size));
        this.state.set(name, st);
      }
      this.update(p.data.subarray(p.offset, p.offset + p.size), denseData(g), st, p, this.steps.get(name)!);
    });
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad = null;
  }
}
