/**
 * The native backend's elementwise, where, copy, reduce and optimizer kernels (native/isa/elementwise.c,
 * reduce.c, optim.c): the shared kernel checks against the reference (fast-kernels.ts, where the tolerances and
 * their reasons are), and what the native design adds: the same bits for any thread count and on every
 * instruction set (native/elementwise.h, native/vec.h), and the same algorithms for exp/log/tanh (float64 lanes)
 * and sigmoid (float32 lanes) as the wasm kernels, so the two backends agree on them bit for bit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refBackend } from '../../src/kernels/ref/index.js';
import { nativeUnavailableReason } from '../../src/kernels/native/addon.js';
import { createNativeBackend, nativeAvailable, type NativeBackend } from '../../src/kernels/native/backend.js';
import type { Kernels } from '../../src/kernels/types.js';
import { createWasmBackend, wasmAvailable } from '../../src/kernels/wasm/backend.js';
import { assertBitsEqual, assertUlps, bitPatternSweep, fastKernelSuite, TRANSCENDENTAL_ULPS } from './fast-kernels.js';
import { largeCalls } from './large-calls.js';
import { runWithIsa } from './native-isa.js';

// CI builds the addon (npm ci); a run with AEKIT_SKIP_NATIVE=1 checks the suite without it, where this file skips.
const skip = nativeAvailable() ? false : `native backend unavailable: ${nativeUnavailableReason()}`;
const backends = new Map<number, NativeBackend>();
const native = (threads: number): NativeBackend => {
  let b = backends.get(threads);
  if (!b) backends.set(threads, (b = createNativeBackend({ threads, name: `native-kernels-test-${threads}` })));
  return b;
};
const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
/** The large calls' names for the transcendentals, with their tolerance against the reference. */
const TRANSCENDENTAL = new Map(Object.entries(TRANSCENDENTAL_ULPS).map(([op, ulps]) => [`unary ${op}`, ulps]));

fastKernelSuite('native', skip, () => {
  const b = native(2);
  return { kernels: b.kernels, alloc: (dtype, n) => b.alloc(dtype, n), liveBlocks: () => b.wasm.stats().liveBlocks };
});

describe('native elementwise kernels on large calls', { skip }, () => {
  test('the same bits on 1, 2 and 3 threads', () => {
    const one = largeCalls(native(1)).out, two = largeCalls(native(2)).out, three = largeCalls(native(3)).out;
    for (const name of Object.keys(one)) {
      assert.ok(bytes(two[name]).equals(bytes(one[name])), `${name}: 2 threads differ from 1`);
      assert.ok(bytes(three[name]).equals(bytes(one[name])), `${name}: 3 threads differ from 1`);
    }
  });

  test('match the reference: bit for bit, 1 ulp for exp/log/tanh (sigmoid 2), the row-sum bound for sums along a row', () => {
    const got = largeCalls(native(2)).out, { out: exp, rowSums } = largeCalls(refBackend);
    for (const name of Object.keys(exp)) {
      const rows = rowSums[name];
      const ulps = TRANSCENDENTAL.get(name);
      if (ulps !== undefined) assertUlps(got[name], exp[name], ulps, name);
      else if (!rows) assertBitsEqual(got[name], exp[name], name);
      else {
        for (let i = 0; i < exp[name].length; i++) {
          const tol = 2 ** -23 * Math.abs(exp[name][i]) + rows.n * 2 ** -52 * rows.absSums[i];
          assert.ok(Math.abs(got[name][i] - exp[name][i]) <= tol, `${name}[${i}]: ${got[name][i]} vs ${exp[name][i]}`);
        }
      }
    }
  });
});

/** SHA-256 of each large call's output, from a child process with AEKIT_NATIVE_ISA capping the instruction set. */
function digestsWithIsa(isa: string | undefined): { isa: string; digests: Record<string, string> } {
  const script = `
    import { createHash } from 'node:crypto';
    import { createNativeBackend } from ${JSON.stringify(fileURLToPath(new URL('../../src/kernels/native/backend.ts', import.meta.url)))};
    import { largeCalls } from ${JSON.stringify(fileURLToPath(new URL('./large-calls.ts', import.meta.url)))};
    const b = createNativeBackend({ threads: 2 });
    const digests = {};
    for (const [name, x] of Object.entries(largeCalls(b).out)) {
      digests[name] = createHash('sha256').update(Buffer.from(x.buffer, x.byteOffset, x.byteLength)).digest('base64');
    }
    console.log(JSON.stringify({ isa: b.isa, digests }));
    process.exit(0);`;
  return runWithIsa<{ isa: string; digests: Record<string, string> }>(isa, script);
}

describe('native elementwise instruction sets', { skip }, () => {
  test('AVX-512, AVX2 and the portable build give the same bits for every kernel', (t) => {
    const best = digestsWithIsa(undefined);
    if (best.isa === 'generic') return t.skip('this CPU has neither AVX-512 nor AVX2');
    for (const isa of best.isa === 'avx512' ? ['avx2', 'generic'] : ['generic']) {
      const other = digestsWithIsa(isa);
      assert.equal(other.isa, isa);
      for (const name of Object.keys(best.digests)) assert.equal(other.digests[name], best.digests[name], `${name}: ${isa} vs ${best.isa}`);
    }
  });
});

describe('native and wasm exp/log/tanh/sigmoid', { skip: skip || (wasmAvailable() ? false : 'wasm backend unavailable') }, () => {
  test('the same bits as the wasm kernels over every 997th float32 bit pattern (the same algorithms)', () => {
    const nb = native(2), wb = createWasmBackend();
    const xn = bitPatternSweep((n) => nb.alloc('float32', n) as Float32Array), xw = bitPatternSweep((n) => wb.alloc('float32', n) as Float32Array);
    for (const op of ['exp', 'log', 'tanh', 'sigmoid'] as const) {
      const on = nb.alloc('float32', xn.length) as Float32Array, ow = wb.alloc('float32', xw.length) as Float32Array;
      (nb.kernels as Kernels).unary(op, xn, on);
      (wb.kernels as Kernels).unary(op, xw, ow);
      assertBitsEqual(on, ow, `${op}: native vs wasm`);
    }
  });
});
