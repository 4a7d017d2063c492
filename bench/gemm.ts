/**
 * GEMM throughput, reference kernel vs the wasm backend (128-bit SIMD) and the native one (AVX-512/AVX2), all four transpose combinations, in
 * one run on the same data: float32, default shape 256x784x256 (the MNIST autoencoder's first layer).
 * Operands live in wasm memory (the no-copy path, as for tensors made on the wasm backend).
 *
 *   node --import tsx bench/gemm.ts [--m 256 --k 784 --n 256] [--seconds 1] [--threads 2] [--json]
 *
 * --threads n adds rows for the wasm and native backends with n threads (n = 0: os.availableParallelism()).
 * Each row is the median of repeated single calls after a warm-up (so V8 has tiered the code up); the
 * machine may be shared, so compare rows of one run rather than runs.
 */
import { refBackend } from '../src/kernels/ref/index.js';
import type { FloatArray, Kernels } from '../src/kernels/types.js';
import { createWasmBackend, wasmAvailable, type WasmBackend } from '../src/kernels/wasm/backend.js';
import { createNativeBackend, nativeAvailable } from '../src/kernels/native/backend.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = process.argv[i + 1];
  return i >= 0 && v !== undefined && !v.startsWith('--') ? Number(v) : dflt;
}
const json = process.argv.includes('--json');
const m = arg('m', 256), k = arg('k', 784), n = arg('n', 256);
const seconds = arg('seconds', 1);
const threadArg = process.argv.includes('--threads') ? arg('threads', 0) : null;
const flops = 2 * m * n * k;

if (!wasmAvailable()) {
  console.error('bench/gemm: the wasm backend is unavailable here (no SIMD128 or shared memory)');
  process.exit(1);
}

function fill(x: FloatArray, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
}

/** Warm-up, then time single calls for ~`seconds`; [median, best] GFLOP/s. */
function measure(run: () => void): [number, number] {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) run();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || samples.length < 5) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  samples.sort((x, y) => x - y);
  return [flops / (samples[samples.length >> 1] * 1e6), flops / (samples[0] * 1e6)];
}

interface Row { kernel: string; threads: number; transA: boolean; transB: boolean; gflops: number; best: number }
const rows: Row[] = [];
const combos = [[false, false], [true, false], [false, true], [true, true]] as const;

function benchBackend(label: string, kernels: Partial<Kernels>, alloc: (n: number) => FloatArray, threads: number): void {
  const a = alloc(m * k), b = alloc(k * n), out = alloc(m * n);
  fill(a, 1);
  fill(b, 2);
  const mm = kernels.matmul!;
  for (const [transA, transB] of combos) {
    // Same buffers for every combination: the transposed layouts have the same element counts.
    const [gflops, best] = measure(() => mm(a, b, out, m, n, k, transA, transB));
    rows.push({ kernel: label, threads, transA, transB, gflops, best });
  }
}

benchBackend('ref', refBackend.kernels, (len) => new Float32Array(len), 1);
const backends: WasmBackend[] = [createWasmBackend()];
benchBackend('wasm', backends[0].kernels, (len) => backends[0].alloc('float32', len), 1);
if (threadArg !== null) {
  // The kernels' own speed on every thread: the contention watch (which may run a call alone) stays off here.
  const b = createWasmBackend({ threads: threadArg, watchContention: false });
  backends.push(b);
  if (!(await b.whenReady())) console.error('bench/gemm: worker threads did not start in time');
  benchBackend('wasm', b.kernels, (len) => b.alloc('float32', len), b.threads);
}
// The native backend (where the addon was built): 1 thread, and the --threads count.
if (nativeAvailable()) {
  for (const threads of threadArg !== null ? [1, threadArg] : [1]) {
    const b = createNativeBackend({ threads, name: `native-${threads}`, watchContention: false });
    benchBackend(`native`, b.kernels, (len) => b.alloc('float32', len), b.threads);
  }
}
for (const b of backends) b.close();

const refOf = (r: Row): number => rows.find((x) => x.kernel === 'ref' && x.transA === r.transA && x.transB === r.transB)!.gflops;
if (json) {
  for (const r of rows) {
    console.log(JSON.stringify({
      ...r, m, k, n, dtype: 'float32', gflops: +r.gflops.toFixed(3), best: +r.best.toFixed(3), vsRef: +(r.gflops / refOf(r)).toFixed(2),
    }));
  }
} else {
  console.log(`gemm ${m}x${k}x${n} float32, GFLOP/s: median (and best) of ~${seconds}s of calls per row`);
  console.log('kernel  threads  op        median     best   vs ref');
  for (const r of rows) {
    const op = `${r.transA ? 'A^T' : 'A'}${r.transB ? 'B^T' : 'B'}`;
    const cols = [r.gflops.toFixed(2).padStart(8), r.best.toFixed(2).padStart(8), `${(r.gflops / refOf(r)).toFixed(2).padStart(6)}x`];
    console.log(`${r.kernel.padEnd(8)} ${String(r.threads).padStart(7)}  ${op.padEnd(7)} ${cols.join(' ')}`);
  }
}
