/**
 * ops.linear (a Dense layer's forward pass, fused into one kernel where the backend has Kernels.linear) against
 * the same computation as separate ops: the same bits forward and for every gradient, on each backend here
 * (ref fuses with its reference kernel; native fuses in its GEMM; wasm composes).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { getBackend } from '../../src/kernels/registry.js';
import type { Backend, LinearAct } from '../../src/kernels/types.js';
import { createNativeBackend, nativeAvailable } from '../../src/kernels/native/backend.js';
import { createWasmBackend, wasmAvailable } from '../../src/kernels/wasm/backend.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';

const backends: Backend[] = [getBackend('ref')];
if (wasmAvailable()) backends.push(createWasmBackend({ name: 'wasm-linear-test' }));
if (nativeAvailable()) backends.push(createNativeBackend({ threads: 2, name: 'native-linear-test' }));

function rand(shape: number[], seed: number, backend: Backend, scale = 1): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const t = tensor(Array.from({ length: n }, () => rng.uniform(-scale, scale)), shape, { backend });
  t.requiresGrad = true;
  return t;
}

function composed(x: Tensor, w: Tensor, b: Tensor | null, act: LinearAct): Tensor {
  const z = b ? ops.add(ops.matmul(x, ops.transpose(w)), b) : ops.matmul(x, ops.transpose(w));
  return act === 'sigmoid' ? ops.sigmoid(z) : act === 'tanh' ? ops.tanh(z) : act === 'relu' ? ops.maximum(z, 0) : z;
}

const bits = (t: Tensor | null): number[] => (t ? Array.from(t.toTypedArray()) : []);

describe('ops.linear: the same bits as matmul, add and the activation', () => {
  for (const backend of backends) {
    test(`${backend.name}: forward and gradients, every activation, with and without bias, odd sizes`, () => {
      for (const act of ['linear', 'sigmoid', 'tanh', 'relu'] as const) {
        for (const [m, n, k] of [[1, 1, 1], [7, 5, 3], [67, 130, 300], [256, 33, 784]]) {
          for (const withBias of [true, false]) {
            const x = rand([m, k], m + k, backend, 2), w = rand([n, k], n * 3 + k, backend, 0.5), b = withBias ? rand([n], n, backend) : null;
            const g = rand([m, n], 7, backend);
            g.requiresGrad = false;
            const params = b ? [x, w, b] : [x, w];
            const loss = (f: typeof composed) => () => ops.sum(ops.mul(f(x, w, b, act), g));
            const fused = valueAndGrad(loss(ops.linear), params), plain = valueAndGrad(loss(composed), params);
            const what = `${backend.name} ${act} ${m}x${n}x${k} bias=${withBias}`;
            assert.deepEqual(bits(ops.linear(x, w, b, act)), bits(composed(x, w, b, act)), `${what}: forward`);
            fused.grads.forEach((gr, i) => assert.deepEqual(bits(gr), bits(plain.grads[i]), `${what}: gradient ${i}`));
          }
        }
      }
    });
  }
});
