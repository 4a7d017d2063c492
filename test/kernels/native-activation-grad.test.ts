/**
 * Kernels.activationGrad (the linear rule's g * act'(z) from the output y, one native pass: native/isa/
 * elementwise.c) against the ops it replaces, run on the same backend: the same bits on odd sizes, on special
 * values (NaN, +-Inf, +-0, subnormals: a sweep over float32 bit patterns), on 1, 2 and 3 threads, and on the
 * AVX-512, AVX2 and portable builds. ops.activationGrad takes those ops on backends without the kernel (wasm),
 * and the reference kernel (float64 on native too) is held to the same.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refBackend } from '../../src/kernels/ref/index.js';
import { nativeUnavailableReason } from '../../src/kernels/native/addon.js';
import { createNativeBackend, nativeAvailable, type NativeBackend } from '../../src/kernels/native/backend.js';
import type { Backend, FloatArray, Kernels } from '../../src/kernels/types.js';
import { createWasmBackend, wasmAvailable } from '../../src/kernels/wasm/backend.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { assertBitsEqual, bitPatternSweep } from './fast-kernels.js';
import { runWithIsa } from './native-isa.js';

const skip = nativeAvailable() ? false : `native backend unavailable: ${nativeUnavailableReason()}`;
const ACTS = ['sigmoid', 'tanh', 'relu'] as const;
type Act = (typeof ACTS)[number];
// 300000 is past the native kernel's threshold for splitting a call over the pool (and not a multiple of its chunk).
const SIZES = [0, 1, 3, 17, 255, 257, 300000];

const natives = new Map<number, NativeBackend>();
const native = (threads: number): NativeBackend => {
  let b = natives.get(threads);
  if (!b) natives.set(threads, (b = createNativeBackend({ threads, name: `native-actgrad-test-${threads}` })));
  return b;
};

/** The rule's ops, as src/autograd/rules.ts composed them before the fused kernel. */
function composed(g: Tensor, y: Tensor, act: Act): Tensor {
  return act === 'sigmoid' ? ops.mul(g, ops.mul(y, ops.sub(1, y)))
    : act === 'tanh' ? ops.mul(g, ops.sub(1, ops.mul(y, y)))
      : ops.mul(g, ops.compare('gt', y, 0));
}

/** y mostly in [0, 1] (an activation's range) with some values outside, g in [-3, 3], and a few specials. */
function operands(n: number, seed: number): [number[], number[]] {
  const rng = new Rng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1e-40, -1e-40, 3.4e38];
  const y = Array.from({ length: n }, (_, i) => (i % 97 === 5 ? specials[i % specials.length] : i % 7 === 0 ? rng.uniform(-2, 2) : rng.uniform(0, 1)));
  const g = Array.from({ length: n }, (_, i) => (i % 89 === 3 ? specials[(i >> 1) % specials.length] : rng.uniform(-3, 3)));
  return [g, y];
}

/** The fused kernel's output for data g, y on `backend`. */
function fused(backend: Backend, act: Act, g: ArrayLike<number>, y: ArrayLike<number>): Float32Array {
  const n = g.length;
  const ga = backend.alloc('float32', n) as Float32Array, ya = backend.alloc('float32', n) as Float32Array, out = backend.alloc('float32', n) as Float32Array;
  ga.set(g);
  ya.set(y);
  (backend.kernels as Kernels).activationGrad!(act, ga, ya, out);
  return out;
}

describe('native activationGrad: the same bits as the ops it replaces', { skip }, () => {
  test('odd sizes, every activation, with NaN, infinities, zeros and subnormals', () => {
    const b = native(2);
    for (const act of ACTS) {
      for (const n of SIZES) {
        const [g, y] = operands(n, n + 1);
        const want = composed(tensor(g, [n], { backend: b }), tensor(y, [n], { backend: b }), act).toTypedArray();
        const got = fused(b, act, g, y);
        assertBitsEqual(got, want, `${act} n=${n}`);
        const ref = new Float32Array(n);
        refBackend.kernels.activationGrad!(act, Float32Array.from(g), Float32Array.from(y), ref);
        assertBitsEqual(ref, want, `reference ${act} n=${n}`);
      }
    }
  });

  test('every 997th float32 bit pattern as y, against another sweep as g', () => {
    const b = native(2);
    const y = bitPatternSweep((n) => b.alloc('float32', n) as Float32Array);
    const g = Float32Array.from(y).reverse();
    const n = y.length;
    for (const act of ACTS) {
      const want = composed(tensor(g, [n], { backend: b }), tensor(y, [n], { backend: b }), act).toTypedArray();
      assertBitsEqual(fused(b, act, g, y), want, `${act} bit-pattern sweep`);
    }
  });

  test('the same bytes on 1, 2 and 3 threads', () => {
    const [g, y] = operands(300000, 11);
    const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    for (const act of ACTS) {
      const one = Buffer.from(bytes(fused(native(1), act, g, y)));
      for (const t of [2, 3]) assert.ok(bytes(fused(native(t), act, g, y)).equals(one), `${act}: ${t} threads differ from 1`);
    }
  });

  test('float64 operands take the reference kernel: the same values as the float64 ops', () => {
    const b = native(2);
    for (const act of ACTS) {
      const [g, y] = operands(257, 3);
      const want = composed(tensor(g, [257], { backend: b, dtype: 'float64' }), tensor(y, [257], { backend: b, dtype: 'float64' }), act).toTypedArray();
      const out = new Float64Array(257);
      (b.kernels as Kernels).activationGrad!(act, Float64Array.from(g), Float64Array.from(y), out);
      assertBitsEqual(out, want, `float64 ${act}`);
    }
  });
});

/** SHA-256 of each activation's output on 300000 elements, in a child process with the ISA capped at `isa`. */
function digestsWithIsa(isa: string | undefined): { isa: string; digests: Record<string, string> } {
  const here = (f: string): string => JSON.stringify(fileURLToPath(new URL(f, import.meta.url)));
  const script = `
    import { createHash } from 'node:crypto';
    import { createNativeBackend } from ${here('../../src/kernels/native/backend.ts')};
    import { Rng } from ${here('../../src/tensor/rng.ts')};
    const b = createNativeBackend({ threads: 2 });
    const n = 300001, rng = new Rng(5);
    const g = b.alloc('float32', n), y = b.alloc('float32', n), out = b.alloc('float32', n);
    for (let i = 0; i < n; i++) { g[i] = rng.uniform(-3, 3); y[i] = i % 50 === 0 ? [NaN, Infinity, -0, 1e-40, -1][i % 5] : rng.uniform(-0.5, 1.5); }
    const digests = {};
    for (const act of ['sigmoid', 'tanh', 'relu']) {
      b.kernels.activationGrad(act, g, y, out);
      digests[act] = createHash('sha256').update(Buffer.from(out.buffer, out.byteOffset, out.byteLength)).digest('base64');
    }
    console.log(JSON.stringify({ isa: b.isa, digests }));
    process.exit(0);`;
  return runWithIsa<{ isa: string; digests: Record<string, string> }>(isa, script);
}

describe('native activationGrad instruction sets', { skip }, () => {
  test('AVX-512, AVX2 and the portable build give the same bits', (t) => {
    const best = digestsWithIsa(undefined);
    if (best.isa === 'generic') return t.skip('this CPU has neither AVX-512 nor AVX2');
    for (const isa of best.isa === 'avx512' ? ['avx2', 'generic'] : ['generic']) {
      const other = digestsWithIsa(isa);
      assert.equal(other.isa, isa);
      for (const act of ACTS) assert.equal(other.digests[act], best.digests[act], `${act}: ${isa} vs ${best.isa}`);
    }
  });
});

describe('ops.activationGrad', () => {
  const backends: Backend[] = [refBackend];
  if (wasmAvailable()) backends.push(createWasmBackend({ name: 'wasm-actgrad-test' }));
  if (nativeAvailable()) backends.push(native(2));
  const data = (t: Tensor): FloatArray => t.toTypedArray();

  for (const backend of backends) {
    test(`${backend.name}: the composed ops' bits, fused or not (and for a strided g)`, () => {
      const [g0, y0] = operands(67 * 33, 9);
      for (const act of ACTS) {
        const g = tensor(g0, [67, 33], { backend }), y = tensor(y0, [67, 33], { backend });
        assertBitsEqual(data(ops.activationGrad(g, y, act)), data(composed(g, y, act)), `${backend.name} ${act}`);
        const gt = ops.transpose(tensor(g0, [33, 67], { backend }));
        assertBitsEqual(data(ops.activationGrad(gt, y, act)), data(composed(gt, y, act)), `${backend.name} ${act} strided g`);
      }
    });
  }

  test('while gradients are recorded it takes the composed ops, so the result has a graph', () => {
    const backend = nativeAvailable() ? native(2) : refBackend;
    const g = tensor([0.5, -1, 2], [3], { backend }), y = tensor([0.2, 0.7, 0.9], [3], { backend });
    y.requiresGrad = true;
    const r = ops.activationGrad(g, y, 'sigmoid');
    assert.ok(r.requiresGrad && r.node, 'no graph recorded');
  });
});
