/**
 * Where a training step's time goes: wraps each kernel of one backend with a timer and trains a workload for
 * ~3 s (as bench/peers/aekit.ts does), then prints time and calls per step for each kernel (matmul by shape).
 *
 *   node --import tsx bench/profile.ts [backend=native] [threads=2] [workload=W1] [train|infer]
 *
 * The timers add a little per call; compare kernels within one run.
 */
import { useBackend } from '../src/kernels/select.js';
import { aekitPeer } from './peers/aekit.js';
import { WORKLOADS } from './workloads.js';
import { loadMnist } from '../src/data/mnist.js';
const [backend, threads, wl] = [process.argv[2] ?? 'native', Number(process.argv[3] ?? 2), process.argv[4] ?? 'W1'];
const mode = process.argv[5] === 'infer' ? 'infer' : 'train';
const b = useBackend({ backend: backend as 'native', threads });
await (b as any).whenReady?.();
const times = new Map<string, [number, number]>();
const k = b.kernels as Record<string, (...a: unknown[]) => unknown>;
for (const name of Object.keys(k)) {
  const f = k[name];
  k[name] = (...args: unknown[]) => {
    const key = name === 'unary' || name === 'binary' || name === 'reduce' ? `${name}:${args[0]}`
      : name === 'matmul' ? `matmul m=${args[3]} n=${args[4]} k=${args[5]} ${args[6] ? 'T' : 'N'}${args[7] ? 'T' : 'N'}`
        : name === 'linear' ? `linear m=${args[4]} n=${args[5]} k=${args[6]} ${args[7]}` : name;
    const t0 = performance.now();
    const r = f(...args);
    const e = times.get(key) ?? [0, 0];
    e[0] += performance.now() - t0; e[1]++;
    times.set(key, e);
    return r;
  };
}
const train = loadMnist('train', { limit: 8192 });
const peer = aekitPeer(b.name);
await peer.setup(WORKLOADS[wl as 'W1'], train.toFloat32(), train.length);
await peer[mode](1);
times.clear();
const t0 = performance.now();
const sps = await peer[mode](3);
const wall = performance.now() - t0;
const steps = (sps * wall / 1000) / WORKLOADS[wl as 'W1'].batchSize;
let total = 0, gemm = 0;
const rows = [...times].sort((a, b) => b[1][0] - a[1][0]);
for (const [key, [t]] of rows) {
  total += t;
  if (key.startsWith('matmul') || key.startsWith('linear')) gemm += t;
}
console.log(`${b.name} ${wl} ${mode}: ${Math.round(sps)} samples/s, ${(wall / steps).toFixed(2)} ms/step, kernels ${(total / steps).toFixed(2)} ms/step, of which GEMMs (matmul, linear) ${(gemm / steps).toFixed(2)} (${((100 * gemm) / wall).toFixed(0)}% of the step)`);
for (const [key, [t, n]] of rows.slice(0, 25)) console.log(`${(t / steps * 1000).toFixed(0).padStart(6)} us/step  ${(n / steps).toFixed(1).padStart(5)} calls/step  ${key}`);
process.exit(0);
