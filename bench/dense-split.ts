/**
 * Where a W1 inference batch spends its time (issue #3's question: does a fused dense kernel, matmul + bias +
 * activation in one pass, pay?). Times, in one run on the same data and backend, per batch of 256:
 *
 *   forward          the model as inference runs it (Dense: matmul, bias add, sigmoid per layer)
 *   matmuls only     the four GEMMs alone: the floor of any fused kernel that still does every GEMM
 *   + bias           the GEMMs and bias adds, no activation
 *   sigmoid alone    the four sigmoids alone, on tensors of the layers' output sizes
 *   bias adds alone  the four bias adds alone
 *
 * A fused kernel would save the extra memory passes and dispatches (what `+ bias` and `bias adds alone` cost),
 * not the sigmoid's own arithmetic, which it would still have to do.
 *
 *   npm run bench:dense [-- --threads 2 --seconds 3 --json]
 */
import { parseArgs } from 'node:util';
import { noGrad } from '../src/autograd/mode.js';
import { getBackend } from '../src/kernels/registry.js';
import { useBackend } from '../src/kernels/select.js';
import { Dense, Sequential } from '../src/nn/dense.js';
import * as ops from '../src/tensor/ops.js';
import { Rng } from '../src/tensor/rng.js';
import { Tensor } from '../src/tensor/tensor.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
    seconds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
useBackend({ backend: values.backend as 'wasm' | 'ref', threads: Number(values.threads) });
const backend = getBackend();
const seconds = Number(values.seconds);
const batch = 256;
const sizes = [784, 256, 128, 256, 784];
const rng = new Rng(0);
const layers = sizes.slice(1).map((u, i) => new Dense({ inputDim: sizes[i], units: u, activation: 'sigmoid' }, { rng, backend }));
const model = new Sequential(layers);
const x = new Tensor(backend.alloc('float32', batch * 784), [batch, 784], { backend });
for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform(0, 1);
// Pre-activations of each layer's size, so the elementwise timings see realistic values.
const pre = noGrad(() => layers.map((l, i) => ops.matmul(i === 0 ? x : new Tensor(backend.alloc('float32', batch * sizes[i]), [batch, sizes[i]], { backend }), ops.transpose(l.weight))));
for (const p of pre) for (let i = 0; i < p.data.length; i++) p.data[p.offset + i] = rng.normal() * 3;

const arena = (f: () => void): void => void (backend.withArena ? backend.withArena(f) : f());

/** Milliseconds per call of `f`, after a warm-up, over about `seconds`. */
function time(f: () => void): number {
  for (let i = 0; i < 20; i++) arena(f);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    arena(f);
    n++;
  }
  return (performance.now() - t0) / n;
}

const rows: [string, number][] = noGrad(() => [
  ['forward (matmul + bias + sigmoid)', time(() => void model.forward(x))],
  ['matmuls only', time(() => { let h = x; for (const l of layers) h = ops.matmul(h, ops.transpose(l.weight)); })],
  ['matmuls + bias adds', time(() => { let h = x; for (const l of layers) h = ops.add(ops.matmul(h, ops.transpose(l.weight)), l.bias!); })],
  ['sigmoid alone (4 layers)', time(() => { for (const p of pre) ops.sigmoid(p); })],
  ['bias adds alone (4 layers)', time(() => { layers.forEach((l, i) => ops.add(pre[i], l.bias!)); })],
]);

const label = `${backend.name}${values.backend === 'wasm' ? `, ${values.threads} thread(s)` : ''}`;
if (values.json) {
  for (const [what, ms] of rows) console.log(JSON.stringify({ backend: label, what, msPerBatch: ms, samplesPerSec: (batch / ms) * 1000 }));
} else {
  console.log(`W1 inference, batch ${batch}, ${label}:`);
  const full = rows[0][1];
  for (const [what, ms] of rows) {
    console.log(`  ${what.padEnd(36)} ${ms.toFixed(3).padStart(7)} ms/batch  ${((batch / ms) * 1000).toFixed(0).padStart(7)} samples/s  ${((100 * ms) / full).toFixed(0).padStart(3)}% of forward`);
  }
}
