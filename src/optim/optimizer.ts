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

/** An optimizer's state as plain data (see Optimizer.state): slot arrays are copies, keyed by parameter path. */
export interface OptimizerState {
  config: Record<string, unknown>;
  lr: number;
  iterations: number;
  steps: Record<string, number>;
  slots: Record<string, Float32Array[] | Float64Array[]>;
}

export abstract class Optimizer {
  readonly params: [string, Tensor][];
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  /** Number of steps taken. */
  iterations = 0;
  protected readonly slots = new Map<string, FloatArray[]>();
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
      let st = this.slots.get(name);
      if (!st) {
        st = Array.from({ length: this.stateSlots() }, () => p.backend.alloc(p.dtype, p.size));
        this.slots.set(name, st);
      }
      this.update(p.data.subarray(p.offset, p.offset + p.size), denseData(g), st, p, this.steps.get(name)!);
    });
  }

  /**
   * Everything a later `loadState` needs to continue bit for bit: the config, the learning rate (a schedule may
   * have moved it), the step counts and copies of every per-parameter slot (Adam's m and v, momentum's v).
   */
  state(): OptimizerState {
    const slots: Record<string, Float32Array[] | Float64Array[]> = {};
    const steps: Record<string, number> = {};
    for (const [name] of this.params) {
      const st = this.slots.get(name);
      if (st) slots[name] = st.map((a) => a.slice()) as Float32Array[] | Float64Array[];
      const n = this.steps.get(name);
      if (n !== undefined) steps[name] = n;
    }
    return { config: this.config(), lr: this.lr, iterations: this.iterations, steps, slots };
  }

  /**
   * Puts back a state taken by `state()` from an optimizer of the same kind and hyper-parameters over
   * parameters of the same names and sizes; anything else is refused with what differs, and nothing changes.
   */
  loadState(s: OptimizerState, source = 'optimizer state'): void {
    const mine = this.config(), theirs = s.config ?? {};
    for (const k of new Set([...Object.keys(mine), ...Object.keys(theirs)])) {
      if (k === 'lr') continue; // the saved lr is restored below
      if (JSON.stringify(mine[k]) !== JSON.stringify(theirs[k])) {
        throw new Error(`${source}: written by an optimizer with ${k} ${JSON.stringify(theirs[k])}, this one has ${JSON.stringify(mine[k])}`);
      }
    }
    const byName = new Map(this.params);
    for (const name of [...Object.keys(s.slots), ...Object.keys(s.steps)]) {
      if (!byName.has(name)) throw new Error(`${source}: has state for parameter '${name}', which this optimizer does not train`);
    }
    const fresh = new Map<string, FloatArray[]>();
    for (const [name, arrays] of Object.entries(s.slots)) {
      const p = byName.get(name)!;
      if (arrays.length !== this.stateSlots()) throw new Error(`${source}: '${name}' has ${arrays.length} state slots, this optimizer keeps ${this.stateSlots()}`);
      fresh.set(name, arrays.map((a, i) => {
        if (a.length !== p.size) throw new Error(`${source}: state slot ${i} of '${name}' has ${a.length} values, the parameter has ${p.size}`);
        const out = p.backend.alloc(p.dtype, p.size);
        out.set(a);
        return out;
      }));
    }
    for (const [name, n] of Object.entries(s.steps)) {
      if (!Number.isInteger(n) || n < 0) throw new Error(`${source}: step count of '${name}' must be a non-negative integer, got ${n}`);
    }
    if (!Number.isInteger(s.iterations) || s.iterations < 0) throw new Error(`${source}: iterations must be a non-negative integer, got ${s.iterations}`);
    this.lr = checkHyper('learning rate', s.lr, 0, Infinity, false);
    this.iterations = s.iterations;
    this.slots.clear();
    for (const [k, v] of fresh) this.slots.set(k, v);
    this.steps.clear();
    for (const [k, v] of Object.entries(s.steps)) this.steps.set(k, v);
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad = null;
  }
}
