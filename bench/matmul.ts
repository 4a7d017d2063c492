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

const combos = [[false, false], [true, false], [false, true], [true, true]] as const;
const kernel: Gemm = matmul;
const cases: { name: string; run: () => void }[] = [
  { name: 'naive i-k-j', run: () => naive(a, b, out, m, n, k) },
  // Same buffers for every combo: the transposed layouts have the same element counts, only the meaning differs.
  ...combos.map(([transA, transB]) => ({
    name: `blocked ${transA ? 'A^T' : 'A'}${transB ? 'B^T' : 'B'}`,
    run: () => kernel(a, b, out, m, n, k, transA, transB),
  })),
];

// Warm up every case first (so the JIT has optimised each, with the kernel seeing all four variants as
// it would in training), then time in interleaved rounds so a burst of load from other processes
// shifts all rows alike instead of penalising whichever row it happened to hit.
for (const c of cases) {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) c.run();
}
const ROUNDS = 5;
const samples: number[][] = cases.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  cases.forEach((c, ci) => {
    const end = performance.now() + (seconds * 1000) / ROUNDS;
    do {
      const t0 = performance.now();
      c.run();
      samples[ci].push(performance.now() - t0);
    } while (performance.now() < end);
  });
}
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const rows = cases.map((c, ci) => ({ name: c.name, gflops: flops / (median(samples[ci]) * 1e6) }));
const naiveGflops = rows[0].gflops;

if (json) {
  for (const r of rows) {
    console.log(JSON.stringify({ kernel: r.name, m, k, n, dtype: 'float32', gflops: +r.gflops.toFixed(3), vsNaive: +(r.gflops / naiveGflops).toFixed(2) }));
  }
} else {
  console.log(`matmul ${m}x${k}x${n} float32, 1 thread, median of ~${seconds}s per row`);
  console.log('kernel           GFLOP/s   vs naive');
  for (const r of rows) console.log(`${r.name.padEnd(16)} ${r.gflops.toFixed(2).padStart(7)}   ${(r.gflops / naiveGflops).toFixed(2).padStart(6)}x`);
}
