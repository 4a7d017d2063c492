/**
 * Reverse-mode autodiff: order the graph topologically, then walk it backwards, applying each node's rule
 * and accumulating (+=) into each input's gradient, so a tensor used twice gets both contributions.
 */
import { add } from '../tensor/ops.js';
import { fmtShape, shapeEq } from '../tensor/shape.js';
import { ones, Tensor } from '../tensor/tensor.js';
import { noGrad } from './mode.js';
import type { GradNode, Primitive } from './primitives.js';
import { gradRules, type GradRule } from './rules.js';

function topoOrder(root: Tensor): Tensor[] {
  // Iterative DFS (a recurrent net unrolled over a long sequence would overflow a recursive one).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node ? t.node.inputs : [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Gradients of `output` with respect to every tensor in its graph that requires one. `seed` defaults to ones
 * for a one-element output; other outputs need an explicit seed of their shape.
 */
export function gradients(output: Tensor, seed?: Tensor): Map<Tensor, Tensor> {
  if (!output.requiresGrad) {
    throw new Error('backward: the output does not depend on any tensor that requires a gradient');
  }
  if (!seed && output.size !== 1) {
    throw new Error(`backward needs a scalar output or an explicit seed gradient; got shape ${fmtShape(output.shape)}`);
  }
  const s = seed ?? ones(output.shape, { dtype: output.dtype, backend: output.backend });
  if (!shapeEq(s.shape, output.shape)) throw new Error(`seed gradient ${fmtShape(s.shape)} does not match output ${fmtShape(output.shape)}`);
  const grads = new Map<Tensor, Tensor>([[output, s]]);
  noGrad(() => {
    for (const t of topoOrder(output)) {
      const g = grads.get(t);
      const node = t.node;
      if (!g || !node) continue;
      const rule = gradRules[node.prim] as GradRule<Primitive>;
      const inGrads = rule(g, t, node as GradNode<Primitive>);
      node.inputs.forEach((inp, i) => {
        const gi = inGrads[i];
        if (!gi || !inp.requiresGrad) return;
        const prev = grads.get(inp);
        grads.set(inp, prev ? add(prev, gi) : gi);
      });
      if (t !== output) grads.delete(t); // intermediate gradients are no longer needed
    }
  });
  return grads;
}

/** PyTorch-style: accumulates d(output)/d(leaf) into `leaf.grad` for every leaf that requires a gradient. */
export function backward(output: Tensor, seed?: Tensor): void {
  const grads = gradients(output, seed);
  noGrad(() => {
    for (const [t, g] of grads) {
      if (t.node || t === output) continue;
      t.grad = t.grad ? add(t.grad, g) : g;
    }
  });
}

/** Gradients of `output` with respect to `wrt` (zeros for tensors it does not depend on). */
export function grad(output: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const grads = gradients(output);
  return wrt.map((t) => grads.get(t) ?? new Tensor(t.backend.alloc(t.dtype, t.size), t.shape, { backend: t.backend }));
}

/** Evaluates `fn` and its gradient with respect to `params` in one go (level-3 training loops use this). */
export function valueAndGrad(fn: () => Tensor, params: readonly Tensor[]): { value: Tensor; grads: Tensor[] } {
  for (const p of params) {
    if (!p.requiresGrad) throw new Error(`valueAndGrad: parameter ${p} does not have requiresGrad set`);
  }
  const value = fn();
  return { value, grads: grad(value, params) };
}

/** The same values with no graph behind them: gradients stop here. */
export function detach(t: Tensor): Tensor {
  return new Tensor(t.data, t.shape, { strides: t.strides, offset: t.offset, backend: t.backend });
}
