/**
 * Jobs on the wasm thread pool (convolution and pooling split by images, large elementwise kernels by rows or
 * chunks): every kernel bit-identical for 1, 2 and 3 threads (the kernel gradient is summed per image, then in
 * image order), the jobs really split, a ConvAutoencoder trained on 1 and 2 threads ends with identical
 * weights, and training steps in the step arena keep wasm memory flat (DESIGN.md #3, #4).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { threadsSupported } from '../../src/kernels/threads/pool.js';
import type { Kernels, PatchGeometry } from '../../src/kernels/types.js';
import { createWasmBackend, wasmAvailable, type WasmBackend } from '../../src/kernels/wasm/backend.js';
import { outputLoss } from '../../src/losses/fused.js';
import { ConvAutoencoder } from '../../src/models/conv-autoencoder.js';
import { Adam } from '../../src/optim/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';

const skip = !wasmAvailable() ? 'wasm backend unavailable' : !threadsSupported() ? 'worker_threads unavailable' : false;
let one: WasmBackend, two: WasmBackend, three: WasmBackend;

before(async () => {
  if (skip) return;
  one = createWasmBackend();
  two = createWasmBackend({ threads: 2, watchContention: false }); // these tests count the jobs split
  three = createWasmBackend({ threads: 3, watchContention: false });
  assert.ok(await two.whenReady(), 'workers of the 2-thread pool started');
  assert.ok(await three.whenReady(), 'workers of the 3-thread pool started');
});
after(() => {
  if (skip) return;
  two.close();
  three.close();
});

function f32(b: WasmBackend, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = b.alloc('float32', n) as Float32Array;
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1);
  return x;
}

function sameBits(x: Float32Array, y: Float32Array, what: string): void {
  assert.equal(x.length, y.length, `${what}: length`);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

describe('conv kernels on the thread pool', { skip }, () => {
  test('every kernel is bit-identical for 1, 2 and 3 threads, on batches that split unevenly', () => {
    // Big enough to cross the pool's threshold; 37 and 45 images do not divide by 2 or 3.
    const cases: [string, PatchGeometry, number][] = [
      ['3x3 same 16 -> 8', { n: 37, h: 14, w: 13, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 14, ow: 13 }, 8],
      ['3x3 same 16 -> 1', { n: 45, h: 20, w: 20, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, oh: 20, ow: 20 }, 1],
      ['3x2 stride 2, 5 -> 12', { n: 37, h: 31, w: 32, c: 5, kh: 3, kw: 2, sh: 2, sw: 2, pt: 1, pl: 0, oh: 16, ow: 16 }, 12],
    ];
    const before2 = two.pool!.parallelCalls, before3 = three.pool!.parallelCalls;
    for (const [name, g, f] of cases) {
      const nx = g.n * g.h * g.w * g.c, ny = g.n * g.oh * g.ow * f, K = g.kh * g.kw * g.c;
      const results = [one, two, three].map((b) => {
        const k = b.kernels as Kernels;
        const x = f32(b, nx, 1), w = f32(b, K * f, 2), gy = f32(b, ny, 3);
        const y = b.alloc('float32', ny) as Float32Array, dx = b.alloc('float32', nx) as Float32Array, dw = b.alloc('float32', K * f) as Float32Array;
        k.conv2d(x, w, y, g, f);
        k.conv2dTranspose(gy, w, dx, g, f);
        k.conv2dFilter(x, gy, dw, g, f);
        const cols = b.alloc('float32', g.n * g.oh * g.ow * K) as Float32Array, back = b.alloc('float32', nx) as Float32Array;
        k.im2col(x, cols, g);
        k.col2im(cols, back, g);
        const pg: PatchGeometry = { ...g, kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, oh: Math.floor(g.h / 2), ow: Math.floor(g.w / 2) };
        const pooled = b.alloc('float32', g.n * pg.oh * pg.ow * g.c) as Float32Array, unpooled = b.alloc('float32', nx) as Float32Array;
        k.maxPool(x, x, pooled, pg);
        k.maxUnpool(x, pooled, unpooled, pg);
        return { y, dx, dw, cols, back, pooled, unpooled };
      });
      for (const [i, r] of results.slice(1).entries()) {
        for (const key of Object.keys(r) as (keyof typeof r)[]) sameBits(r[key], results[0][key], `${name}: ${key} with ${i + 2} threads`);
      }
    }
    // The three convolutions of every case are large enough to split (the patch and pool calls here are not).
    assert.ok(two.pool!.parallelCalls - before2 >= 9, 'the jobs were split over 2 threads');
    assert.ok(three.pool!.parallelCalls - before3 >= 9, 'the jobs were split over 3 threads');
  });

  test('pooling and patch kernels split too when large (W3\'s first pooling layer)', () => {
    const g: PatchGeometry = { n: 128, h: 28, w: 28, c: 16, kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, oh: 14, ow: 14 };
    const nx = g.n * 784 * 16, ny = g.n * 196 * 16;
    const run = (b: WasmBackend): Float32Array[] => {
      const k = b.kernels as Kernels;
      const x = f32(b, nx, 7), y = b.alloc('float32', ny) as Float32Array, dx = b.alloc('float32', nx) as Float32Array;
      const cols = b.alloc('float32', nx) as Float32Array, img = b.alloc('float32', nx) as Float32Array;
      k.maxPool(x, x, y, g);
      k.maxUnpool(x, y, dx, g);
      k.im2col(x, cols, g);
      k.col2im(cols, img, g);
      return [y, dx, cols, img];
    };
    const calls = two.pool!.parallelCalls;
    const [a, b] = [run(one), run(two)];
    a.forEach((v, i) => sameBits(b[i], v, `output ${i}`));
    assert.equal(two.pool!.parallelCalls - calls, 4);
  });
});

describe('large elementwise, copy and reduce kernels on the thread pool', { skip }, () => {
  test('split by rows or chunks: bit-identical to one thread, odd sizes, broadcasts, specials', () => {
    const n = 300_007; // above the split threshold, not a multiple of the chunk or of 4
    const calls = two.pool!.parallelCalls;
    const run = (b: WasmBackend): Float32Array[] => {
      const k = b.kernels as Kernels;
      const x = f32(b, n, 11), y = f32(b, n, 12);
      for (let i = 0; i < n; i += 97) x[i] = [NaN, -0, Infinity, -Infinity, 0][(i / 97) % 5];
      const out = (): Float32Array => b.alloc('float32', n) as Float32Array;
      const res: Float32Array[] = [];
      for (const op of ['exp', 'log', 'tanh', 'sigmoid', 'neg', 'sqrt'] as const) {
        const o = out();
        k.unary(op, x, o);
        res.push(o);
      }
      const grid = [641, 468]; // 299988 elements, an odd row count
      const m = grid[0] * grid[1];
      const bias = f32(b, grid[1], 13);
      for (const op of ['add', 'mul', 'maximum', 'gt', 'div'] as const) {
        const flat = out();
        k.binary(op, { data: x, offset: 0, strides: [1] }, { data: y, offset: 0, strides: [1] }, flat, [n]);
        const row = b.alloc('float32', m) as Float32Array;
        k.binary(op, { data: x, offset: 0, strides: [grid[1], 1] }, { data: bias, offset: 0, strides: [0, 1] }, row, grid);
        const scalar = out();
        k.binary(op, { data: x, offset: 0, strides: [1] }, { data: y, offset: 5, strides: [0] }, scalar, [n]);
        res.push(flat, row, scalar);
      }
      const w = out();
      k.where({ data: y, offset: 0, strides: [1] }, { data: x, offset: 0, strides: [1] }, { data: y, offset: 3, strides: [0] }, w, [n]);
      const t = b.alloc('float32', m) as Float32Array; // a transpose, and a 3-axis broadcast (upsampling)
      k.copy({ data: x, offset: 0, strides: [1, grid[0]] }, t, grid);
      const up = b.alloc('float32', 2 * m) as Float32Array;
      k.copy({ data: x, offset: 0, strides: [grid[1], 0, 1] }, up, [grid[0], 2, grid[1]]);
      const sums = b.alloc('float32', grid[0] * 4) as Float32Array, maxes = b.alloc('float32', grid[0]) as Float32Array;
      k.reduce('sum', x, grid[0], grid[1] / 4, 4, sums);
      k.reduce('max', y, grid[0], grid[1], 1, maxes);
      res.push(w, t, up, sums, maxes);
      return res;
    };
    const [a, c] = [run(one), run(two)];
    a.forEach((v, i) => sameBits(c[i], v, `result ${i}`));
    assert.ok(two.pool!.parallelCalls - calls >= a.length - 2, `most calls split (${two.pool!.parallelCalls - calls} of ${a.length})`);
  });
});

describe('ConvAutoencoder training on the wasm backend', { skip }, () => {
  function train(b: WasmBackend, steps: number, stats?: (i: number) => void): { loss: number; weights: Float32Array[] } {
    const model = ConvAutoencoder.preset('keras-blog', { seed: 5 }, { backend: b });
    const opt = new Adam(model, { lr: 2e-3 });
    const rng = new Rng(6);
    const x = new Tensor(b.alloc('float32', 32 * 784), [32, 28, 28, 1], { backend: b });
    for (let i = 0; i < x.size; i++) x.data[i] = rng.uniform() < 0.8 ? 0 : rng.uniform(0, 1); // sparse, like digits
    const params = model.parameters();
    const step = (): number => {
      const { value, grads } = valueAndGrad(() => outputLoss(model, x, x, 'bce'), params);
      opt.step(grads);
      return value.item();
    };
    let loss = step(); // outside the arena: Adam allocates its state on its first update
    for (let i = 0; i < steps; i++) {
      loss = b.withArena(step);
      stats?.(i);
    }
    return { loss, weights: params.map((p) => Float32Array.from(p.toTypedArray() as Float32Array)) };
  }

  test('1 and 2 threads give bit-identical weights after 20 steps', () => {
    const a = train(one, 20), c = train(two, 20);
    assert.ok(Number.isFinite(a.loss));
    a.weights.forEach((w, i) => sameBits(c.weights[i], w, `parameter ${i}`));
  });

  test('300 steps in the step arena: wasm memory, heap top and live blocks do not move after warm-up', () => {
    const seen: ReturnType<WasmBackend['stats']>[] = [];
    const r = train(two, 300, (i) => {
      if (i === 20) seen.push(two.stats());
    });
    const [warm] = seen, end = two.stats();
    assert.equal(end.memoryBytes, warm.memoryBytes, 'memory.buffer.byteLength is flat');
    assert.equal(end.top, warm.top, 'no new memory from the top of the heap');
    assert.equal(end.liveBlocks, warm.liveBlocks, 'no general allocation left behind by a step');
    assert.ok(r.loss < 0.5, `the model learns (loss ${r.loss})`);
  });
});
