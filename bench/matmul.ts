/**
 * GEMM throughput: the naive i-k-j loop (the peer we replaced) against the blocked reference kernel,
 * for all four transpose combinations at the MNIST-autoencoder shape 256x784x256, float32, one core.
 *
 *   node --import tsx bench/matmul.ts [--json] [--m 256 --k 784 --n 256] [--seconds 1.5]
 */
import { matmul } from '../src/kernels/ref/matmul.js';
import type { FloatArray } from '../src/kernels/types.js';

type Gemm = (a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean) => void;

/** The peer: the straightforward i-k-j loop (no transposes, which is its best case). */
function naive(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number): void {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const bo = p * n;
      for (let j = 0; j < n; j++) out[o + j] += av * b[bo + j];
    }
  }
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const json = process.argv.includes('--json');
const m = arg('m', 256), k = arg('k', 784), n = arg('n', 256);
const seconds = arg('seconds', 1.5);
const flops = 2 * m * n * k;

function random(len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.random() * 2 - 1;
  return x;
}
const a = random(m * k), b = random(k * n), out = new Float32Array(m * n);

/** Warms up (so the JIT has optimised the kernel), then times single calls for ~`seconds`; returns median GFLOP/s. */
function measure(run: () => void): number {
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
  const ms = samples[samples.length >> 1];
  return flops / (ms * 1e6);
}

const rows: { name: string; gflops: number }[] = [];
const naiveGflops = measure(() => naive(a, b, out, m, n, k));
rows.push({ name: 'naive i-k-j', gflops: naiveGflops });
const kernel: Gemm = matmul;
for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  // Same buffers for every combo: the transposed layouts have the same element counts, only the meaning differs.
  rows.push({ name: `blocked ${transA ? 'A^T' : 'A'}${transB ? 'B^T' : 'B'}`, gflops: measure(() => kernel(a, b, out, m, n, k, transA, transB)) });
}

if (json) {
  for (const r of rows) {
    console.log(JSON.stringify({ kernel: r.name, m, k, n, dtype: 'float32', gflops: +r.gflops.toFixed(3), vsNaive: +(r.gflops / naiveGflops).toFixed(2) }));
  }
} else {
  console.log(`matmul ${m}x${k}x${n} float32, 1 thread, median of ~${seconds}s per row`);
  console.log('kernel           GFLOP/s   vs naive');
  for (const r of rows) console.log(`${r.name.padEnd(16)} ${r.gflops.toFixed(2).padStart(7)}   ${(r.gflops / naiveGflops).toFixed(2).padStart(6)}x`);
}
