/**
 * Memory on the wasm backend: the general allocator (size classes, freeing by FinalizationRegistry), the step
 * arena (reuse, nesting, overflow), the arena's one trap (a tensor must not escape it), and the DESIGN.md #4
 * requirement: thousands of training steps with flat memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { getBackend, setBackend } from '../../src/kernels/registry.js';
import { classBytes, sizeClass } from '../../src/kernels/wasm/heap.js';
import { createWasmBackend, initWasmBackend, wasmAvailable, type WasmBackend } from '../../src/kernels/wasm/backend.js';
import { mse } from '../../src/losses/losses.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Adam } from '../../src/optim/index.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor, zeros } from '../../src/tensor/tensor.js';
import { fit } from '../../src/train/fit.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD128 or shared memory unavailable';
let wb: WasmBackend;
let previous = 'ref';

before(() => {
  if (skip) return;
  previous = getBackend().name;
  wb = initWasmBackend()!;
  setBackend('wasm');
});
after(() => {
  if (!skip) setBackend(previous);
});

function smallAutoencoder(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential([
    new Dense({ inputDim: 16, units: 8, activation: 'relu' }, { rng }),
    new Dense({ inputDim: 8, units: 16, activation: 'sigmoid' }, { rng }),
  ]);
}

function data(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return tensor(Float32Array.from({ length: n * 16 }, () => rng.uniform(0, 1)), [n, 16]);
}

describe('wasm general allocator', { skip }, () => {
  test('size classes cover every request with at most 25% (or 16 bytes) of slack', () => {
    for (let bytes = 1; bytes < 1 << 22; bytes = Math.ceil(bytes * 1.07) + 1) {
      const c = classBytes(sizeClass(bytes));
      assert.ok(c >= bytes && c <= Math.max(bytes * 1.25, bytes + 16) && c % 16 === 0, `class for ${bytes} bytes is ${c}`);
      assert.equal(sizeClass(c), sizeClass(bytes), 'a class size maps to its own class');
    }
  });

  test('storage of unreachable tensors is freed by the FinalizationRegistry and reused', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const b = createWasmBackend();
    const live0 = b.stats().liveBlocks;
    const churn = (): void => {
      for (let i = 0; i < 200; i++) zeros([1000], { backend: b }).data.fill(i);
    };
    // Finalization callbacks run as tasks some time after a collection: on a loaded machine 10 ms is not always
    // enough, so collect and wait until every churned block is back (bounded: 2 s), not for a fixed time.
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 200 && b.stats().liveBlocks > live0; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    churn();
    const top = b.stats().top;
    for (let round = 0; round < 3; round++) {
      await settle();
      churn();
    }
    assert.equal(b.stats().top, top, 'later rounds reuse freed blocks instead of taking new memory');
    const t = zeros([5], { backend: b });
    assert.deepEqual(Array.from(t.data), [0, 0, 0, 0, 0], 'reused storage is zero-filled');
  });
});

describe('wasm step arena', { skip }, () => {
  test('allocations inside are released on return; nested arenas rewind to their own start', () => {
    const outside = zeros([8]);
    let first = -1;
    wb.withArena(() => {
      const x = zeros([256]);
      first = x.data.byteOffset;
      x.data.fill(1);
      let inner = -1;
      wb.withArena(() => {
        inner = zeros([64]).data.byteOffset;
      });
      const y = zeros([64]);
      assert.equal(y.data.byteOffset, inner, 'the inner arena\'s space is reused by the outer one');
      assert.equal(x.data[255], 1, 'the outer arena\'s data survives the inner one');
    });
    wb.withArena(() => assert.equal(zeros([4]).data.byteOffset, first, 'the next step starts over'));
    assert.ok(outside.data.byteOffset !== first);
  });

  test('TRAP: a tensor that escapes the arena is overwritten (poisoned with NaN under AEKIT_ARENA_POISON)', () => {
    let escaped: Tensor | null = null;
    wb.withArena(() => {
      escaped = ops.add(tensor([1, 2, 3]), 1);
    });
    wb.withArena(() => zeros([64]).data.fill(7)); // the next step reuses the memory
    assert.deepEqual(Array.from(escaped!.data), [7, 7, 7], 'the escaped tensor now shows another step\'s data');

    process.env.AEKIT_ARENA_POISON = '1';
    const poisoned = createWasmBackend();
    delete process.env.AEKIT_ARENA_POISON;
    let leaked: Tensor | null = null;
    poisoned.withArena(() => {
      leaked = ops.mul(tensor([1, 2], undefined, { backend: poisoned }), 2);
      assert.deepEqual(Array.from(leaked.data), [2, 4]);
    });
    assert.ok(Array.from(leaked!.data).every(Number.isNaN), 'poisoned on release');
  });

  test('a step larger than the arena chains chunks once, then fits in one merged chunk', () => {
    const b = createWasmBackend();
    const bigStep = (): void => {
      for (let i = 0; i < 5; i++) zeros([300_000], { backend: b }).data.fill(i); // 6 MB, arena starts at 1 MiB
    };
    b.withArena(bigStep);
    const s1 = b.stats();
    assert.ok(s1.arenaBytes >= s1.arenaHighWater && s1.arenaHighWater >= 6e6, JSON.stringify(s1));
    b.withArena(bigStep);
    const s2 = b.stats();
    for (let i = 0; i < 20; i++) b.withArena(bigStep);
    assert.deepEqual(b.stats(), s2, 'no growth, no new blocks after the merge');
  });
});

describe('training on the wasm backend keeps memory flat', { skip }, () => {
  test('5000 hand-written steps in withArena: memory, heap top and live blocks do not move', () => {
    const model = smallAutoencoder(1);
    const params = model.parameters();
    const opt = new Adam(model, { lr: 1e-2 });
    const x = data(32, 2);
    const step = (): number => {
      const { value, grads } = valueAndGrad(() => mse(model.forward(x), x), params);
      opt.step(grads);
      return value.item();
    };
    const first = step(); // outside the arena: Adam creates its moment buffers here, and they must live on
    for (let i = 0; i < 100; i++) wb.withArena(step);
    const warm = wb.stats();
    let last = 0;
    for (let i = 0; i < 5000; i++) last = wb.withArena(step);
    const end = wb.stats();
    assert.equal(end.memoryBytes, warm.memoryBytes, 'memory.buffer.byteLength is flat');
    assert.equal(end.top, warm.top, 'no new memory taken from the top of the heap');
    assert.equal(end.liveBlocks, warm.liveBlocks, 'no general allocations during arena steps');
    assert.ok(last < first * 0.5, `the model learns (loss ${first} -> ${last})`);
  });

  test('fit(): 3200 steps with the default step, wasm memory flat after warm-up', async () => {
    const model = smallAutoencoder(3);
    const x = data(64, 4);
    const sizes: number[] = [], tops: number[] = [];
    const history = await fit(model, x, {
      epochs: 800,
      batchSize: 16,
      optimizer: 'adam',
      lr: 1e-2,
      seed: 5,
      callbacks: [{
        onEpochEnd: () => {
          sizes.push(wb.memory.buffer.byteLength);
          tops.push(wb.stats().top);
        },
      }],
    });
    assert.equal(history.epoch.length, 800);
    assert.ok(history.loss[799] < history.loss[0], 'loss decreases');
    const flat = (xs: number[]): boolean => xs.slice(20).every((s) => s === xs[20]);
    assert.ok(flat(sizes), `memory moved after warm-up: ${[...new Set(sizes)].join(', ')}`);
    // Stricter than byteLength (which has headroom): not one new byte is taken from the heap's top either.
    assert.ok(flat(tops), `heap top moved after warm-up: ${[...new Set(tops)].join(', ')}`);
  });
});

describe('wasm memory outside training steps', { skip }, () => {
  // Regression: validation and batched inference used to allocate outside any arena, so their memory waited
  // for the JS garbage collector (which cannot see wasm memory pressure); 20 MNIST epochs ran out of 4 GiB.
  test('evaluateLoss and Autoencoder inference release every batch (no general allocations per batch)', async () => {
    const { Autoencoder } = await import('../../src/models/autoencoder.js');
    const { evaluateLoss, toDataset } = await import('../../src/train/fit.js');
    const model = new Autoencoder({ inputDim: 16, hidden: [8], latentDim: 4, seed: 1 });
    const ds = toDataset(data(4096, 6));
    const rows = Array.from({ length: 5000 }, (_, i) => Array.from({ length: 16 }, (_, j) => ((i * 7 + j) % 10) / 10));
    evaluateLoss(model, ds, (p, t) => mse(p, t)); // warm-up
    const before = wb.stats();
    for (let r = 0; r < 3; r++) evaluateLoss(model, ds, (p, t) => mse(p, t)); // 48 batches
    const mid = wb.stats();
    assert.ok(mid.liveBlocks - before.liveBlocks <= 2, `evaluateLoss left ${mid.liveBlocks - before.liveBlocks} live blocks`);
    model.reconstruct(rows); // 5 batches of 1024; only the result lives on
    const end = wb.stats();
    assert.ok(end.liveBlocks - mid.liveBlocks <= 3, `reconstruct left ${end.liveBlocks - mid.liveBlocks} live blocks`);
  });
});

describe('wasm memory with a custom training step', { skip }, () => {
  // Regression: fit built each batch outside the arena when the model brought its own step (VAE, sparse,
  // contractive), so wasm memory grew by one batch per step until the garbage collector happened to run.
  test('fit with `step` reuses one batch buffer: no general allocation per step', async () => {
    const model = smallAutoencoder(9);
    const x = data(512, 10);
    const params = model.parameters();
    const opt = new Adam(model, { lr: 1e-2 });
    const lives: number[] = [];
    await fit(model, x, {
      epochs: 6,
      batchSize: 16,
      seed: 2,
      optimizer: opt,
      // Like the variants' own steps: the step runs its work in the arena after the optimizer's first update.
      step: (batch) => {
        const run = (): number => {
          const { value, grads } = valueAndGrad(() => mse(model.forward(batch), batch), params);
          opt.step(grads);
          return value.item();
        };
        return opt.iterations === 0 ? run() : wb.withArena(run);
      },
      callbacks: [{ onEpochEnd: () => void lives.push(wb.stats().liveBlocks) }],
    });
    assert.ok(lives.slice(1).every((l) => l === lives[1]), `live blocks moved across epochs: ${lives.join(', ')}`);
  });
});
