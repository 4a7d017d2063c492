/**
 * The native pool's watch on shared cores (native/pool.c): with more busy processes than cores, the caller
 * is off its core much of the time and parallel runs stop paying, so the pool must run serial for a while
 * (a hold), and the results must keep their bits. What a quiet machine gets is the benchmark's business
 * (bench/RESULTS.md); this checks that the watch acts when the load is beyond doubt.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { refBackend } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { createNativeBackend, nativeAvailable } from '../../src/kernels/native/backend.js';
import { nativeUnavailableReason } from '../../src/kernels/native/addon.js';
import { Rng } from '../../src/tensor/rng.js';

const cores = availableParallelism();
// Two busy processes per core leave our two threads about a third of a core each. On a machine with many cores
// that takes many processes; past 8 cores the test skips rather than load a big machine that much.
const skip = !nativeAvailable() ? `native backend unavailable: ${nativeUnavailableReason()}` : cores > 8 ? `${cores} cores: too many to load fully` : false;

function busy(n: number): ChildProcess[] {
  // Each ends by itself after a minute, should this process die without killing it.
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'const end = Date.now() + 60000; while (Date.now() < end);'], { stdio: 'ignore' }));
}

describe('native pool under load', { skip }, () => {
  test('with every core busy twice over, parallel runs go serial for a while (unless the watch is off), and the bits stay the same', async () => {
    const [m, n, k] = [256, 256, 784];
    const one = createNativeBackend({ threads: 1, name: 'native-contention-1' });
    const two = createNativeBackend({ threads: 2, name: 'native-contention-2' });
    const off = createNativeBackend({ threads: 2, name: 'native-contention-off', watchContention: false });
    const operands = (b: typeof one): Float32Array[] => {
      const r = new Rng(3);
      const a = b.alloc('float32', m * k) as Float32Array, w = b.alloc('float32', n * k) as Float32Array;
      for (let i = 0; i < a.length; i++) a[i] = r.uniform(-1, 1);
      for (let i = 0; i < w.length; i++) w[i] = r.uniform(-1, 1);
      return [a, w, b.alloc('float32', m * n) as Float32Array];
    };
    const [a1, w1, c1] = operands(one);
    (one.kernels as Kernels).matmul(a1, w1, c1, m, n, k, false, true);
    // The reference agrees with the one-thread result to within the GEMM tolerance (native-gemm.test.ts checks
    // that in full); here one element is enough to know the operands are what we think.
    const exp = new Float32Array(m * n);
    (refBackend.kernels as Kernels).matmul(a1, w1, exp, m, n, k, false, true);
    assert.ok(Math.abs(c1[0] - exp[0]) < 1e-3, 'one-thread result near the reference');

    const [a2, w2, c2] = operands(two);
    const [a3, w3, c3] = operands(off);
    const procs = busy(2 * cores);
    try {
      await new Promise((r) => setTimeout(r, 200)); // let them start spinning
      const end = performance.now() + 10_000;
      let runs = 0;
      while (two.contention().serialRuns === 0 && performance.now() < end) {
        c2.fill(NaN);
        (two.kernels as Kernels).matmul(a2, w2, c2, m, n, k, false, true);
        (off.kernels as Kernels).matmul(a3, w3, c3, m, n, k, false, true);
        runs++;
        for (let i = 0; i < c2.length; i++) if (!Object.is(c2[i], c1[i])) assert.fail(`run ${runs}: [${i}] ${c2[i]} vs ${c1[i]} on one thread`);
      }
      const { holds, serialRuns } = two.contention();
      assert.ok(holds >= 1 && serialRuns >= 1, `a hold began within 10 s under ${2 * cores} busy processes (${runs} GEMMs, ${holds} holds)`);
      assert.deepEqual(off.contention(), { holds: 0, serialRuns: 0 }, 'watchContention: false never holds');
      for (let i = 0; i < c3.length; i++) if (!Object.is(c3[i], c1[i])) assert.fail(`watch off: [${i}] ${c3[i]} vs ${c1[i]}`);
      // And a run in the hold still gives the same bits.
      c2.fill(NaN);
      (two.kernels as Kernels).matmul(a2, w2, c2, m, n, k, false, true);
      for (let i = 0; i < c2.length; i++) if (!Object.is(c2[i], c1[i])) assert.fail(`in the hold: [${i}] ${c2[i]} vs ${c1[i]}`);
    } finally {
      for (const p of procs) p.kill('SIGKILL');
      one.close();
      two.close();
      off.close();
    }
  });
});
