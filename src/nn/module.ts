/**
 * Module: a plain object tree. Parameters are found by walking the object's own fields (names like
 * `encoder.layers.0.weight`), and that one walk drives parameters(), state dicts, save/load and optimizer
 * state. There is no registration step to forget.
 */
import type { Rng } from '../tensor/rng.js';
import { fmtShape, shapeEq } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export abstract class Module {
  /** Training mode (dropout active, batch statistics used); eval() turns it off. */
  training = true;

  abstract forward(x: Tensor): Tensor;

  /** Trainable parameters and saved buffers, in declaration order, with their dotted paths. */
  namedTensors(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<object>();
    const walk = (value: unknown, prefix: string): void => {
      if (value instanceof Tensor) {
        // A tensor reachable twice (tied weights) is one parameter: count it once, under its first path.
        if (value.role && !seen.has(value)) {
          seen.add(value);
          out.push([prefix, value]);
        }
        return;
      }
      if (value === null || typeof value !== 'object' || seen.has(value)) return;
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, prefix ? `${prefix}.${i}` : `${i}`));
        return;
      }
      if (!(value instanceof Module)) return;
      for (const [k, v] of Object.entries(value)) {
        if (k.startsWith('_')) continue; // private fields (caches, parents) are not state
        walk(v, prefix ? `${prefix}.${k}` : k);
      }
    };
    walk(this, '');
    return out;
  }

  namedParameters(): [string, Tensor][] {
    return this.namedTensors().filter(([, t]) => t.role === 'param');
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every module in the tree, this one first. */
  modules(): Module[] {
    const out: Module[] = [];
    const seen = new Set<object>();
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== 'object' || seen.has(v) || v instanceof Tensor) return;
      seen.add(v);
      if (v instanceof Module) out.push(v);
      if (!(v instanceof Module) && !Array.isArray(v)) return;
      for (const [k, c] of Object.entries(v)) if (!k.startsWith('_')) walk(c);
    };
    walk(this);
    return out;
  }

  /**
   * The random streams this module draws from while training (Dropout's masks), not its children's. A
   * checkpoint saves their states so a resumed run draws the same masks; a module with an Rng of its own
   * overrides this, or resume would silently draw other numbers.
   */
  randomStreams(): Rng[] {
    return [];
  }

  stateDict(): Map<string, Tensor> {
    return new Map(this.namedTensors());
  }

  /** Copies values into this module's tensors; every name and shape must match. */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, source = 'state dict'): void {
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const mine = this.namedTensors();
    for (const [name, t] of mine) {
      const src = entries.get(name);
      if (!src) throw new Error(`${source}: missing tensor '${name}' of shape ${fmtShape(t.shape)}`);
      if (!shapeEq(src.shape, t.shape)) {
        throw new Error(`${source}: tensor '${name}' has shape ${fmtShape(src.shape)}, the model expects ${fmtShape(t.shape)}`);
      }
    }
    const names = new Set(mine.map(([n]) => n));
    for (const name of entries.keys()) {
      if (!names.has(name)) throw new Error(`${source}: unexpected tensor '${name}' (the model has no such parameter)`);
    }
    for (const [name, t] of mine) {
      const values = entries.get(name)!.toTypedArray();
      t.data.set(values, t.offset);
    }
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }
}

/** Marks a tensor as a trainable parameter (it will need gradients). */
export function asParameter(t: Tensor): Tensor {
  t.role = 'param';
  t.requiresGrad = true;
  return t;
}

/** Marks a tensor as saved, non-trained state (e.g. running statistics). */
export function asBuffer(t: Tensor): Tensor {
  t.role = 'buffer';
  return t;
}
