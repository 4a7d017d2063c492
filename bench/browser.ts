/**
 * `npm run bench:browser`: the aekit workloads in headless Chromium (a Web Worker on a cross-origin isolated
 * page served on 127.0.0.1, the pool's threads being Web Workers), and in the same run the same workloads in
 * this Node process, so the browser figures come with their Node counterparts measured minutes apart on the
 * same machine. Writes bench/RESULTS-browser.md. Needs Debian's Chromium (apt-get install chromium).
 *
 *   npm run bench:browser                                   W1 and W2, 5 s per measurement
 *   npm run bench:browser -- --workloads W1,W2,W3 --seconds 10 --skip-ref
 *   npm run bench:browser -- --workloads W1 --skip-ref --playground   also the playground page's own figure
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadMnist } from '../src/data/mnist.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { listBackends } from '../src/kernels/registry.js';
import { bundle, CHROMIUM, launchChromium, serve } from '../test/browser/harness.js';
import { initFastBackends } from './backends.js';
import type { BrowserRow } from './browser-entry.js';
import { aekitPeer } from './peers/aekit.js';
import { measurePlayground } from './playground-page.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'W1,W2' },
    seconds: { type: 'string', default: '5' },
    'skip-ref': { type: 'boolean', default: false },
    playground: { type: 'boolean', default: false },
  },
  strict: true,
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
const ids = values.workloads!.split(',').map((s) => s.trim()) as WorkloadId[];
for (const id of ids) if (!(id in WORKLOADS)) throw new Error(`unknown workload '${id}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set AEKIT_CHROMIUM)`);
const skipRef = values['skip-ref']!;
const log = (s: string): void => void process.stderr.write(s + '\n');

const train = loadMnist('train', { limit: 8192 });
const images = train.toFloat32();
const rows: BrowserRow[] = [];
let playground: { samplesPerSec: number; backend: string } | null = null;

// Chromium first, while this process is idle (its own pool threads sleep until the Node half starts).
const site = await serve({
  'index.html': { type: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>aekit bench</title>' },
  'bench.js': { type: 'text/javascript', body: await bundle(fileURLToPath(new URL('./browser-entry.ts', import.meta.url))) },
  'worker.js': {
    type: 'text/javascript',
    body: "import { runBench } from './bench.js';\nonmessage = (e) => runBench(...e.data).then((r) => postMessage(r), (err) => postMessage({ error: String(err && err.stack || err) }));",
  },
  'images.bin': { type: 'application/octet-stream', body: new Uint8Array(images.buffer, images.byteOffset, images.byteLength) },
});
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  page.on('console', (m) => log(`chromium: ${m.text()}`));
  await page.goto(`${site.base}/isolated/index.html`);
  // Runs in the page (the project compiles without lib.dom, hence the local type of Worker).
  type PageWorker = { onmessage: (e: { data: unknown }) => void; onerror: (e: { message: string }) => void; postMessage(m: unknown): void };
  const out = await page.evaluate(([args]) => new Promise<unknown>((resolve) => {
    const W = (globalThis as unknown as { Worker: new (url: string, o: { type: 'module' }) => PageWorker }).Worker;
    const w = new W('./worker.js', { type: 'module' });
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => resolve({ error: `worker failed: ${e.message}` });
    w.postMessage(args);
  }), [[ids, seconds, `${site.base}/isolated/images.bin`, skipRef]] as const) as BrowserRow[] | { error: string };
  if ('error' in out) throw new Error(`the benchmark failed in Chromium: ${out.error}`);
  for (const r of out) log(`${r.workload} ${r.library}: train ${r.trainSamplesPerSec.toFixed(0)}, infer ${r.inferSamplesPerSec.toFixed(0)} samples/s`);
  rows.push(...out);
  if (values.playground) {
    page.close();
    playground = await measurePlayground(browser, seconds);
    log(`the playground page (seed tutorial = W1, ${playground.backend}): train ${playground.samplesPerSec.toFixed(0)} samples/s`);
  }
} finally {
  await browser.close();
  site.close();
}
const chromiumVersion = execSync(`${CHROMIUM} --version`).toString().trim();

// The same peer in Node, same data.
await initFastBackends();
for (const id of ids) {
  for (const name of listBackends().filter((b) => !(skipRef && b === 'ref'))) {
    const peer = aekitPeer(name);
    await peer.setup(WORKLOADS[id], images, train.length);
    const tr = await peer.train(seconds);
    const inf = await peer.infer(Math.max(1, seconds / 2));
    rows.push({ library: `${peer.name} in Node`, workload: id, trainSamplesPerSec: tr, inferSamplesPerSec: inf });
    log(`${id} ${peer.name} in Node: train ${tr.toFixed(0)}, infer ${inf.toFixed(0)} samples/s`);
  }
}

const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');
const base = (r: BrowserRow): string => r.library.replace(/ in (Chromium|Node)$/, '');
const lines = ['# aekit in the browser', ''];
const command = `npm run bench:browser -- --workloads ${ids.join(',')} --seconds ${seconds}${skipRef ? ' --skip-ref' : ''}${values.playground ? ' --playground' : ''}`;
lines.push(`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; ${chromiumVersion} (headless, a module Worker on a cross-origin isolated page; the pool's threads are Web Workers); Node ${process.version}.`);
lines.push(`Command: \`${command}\` (one measurement of about ${seconds} s each after a warm-up batch; Chromium first, then Node, in one run).`, '');
for (const id of ids) {
  lines.push(`## ${id}: ${WORKLOADS[id].title}`, '');
  lines.push('| backend | Chromium train/s | Node train/s | Chromium / Node | Chromium infer/s | Node infer/s | Chromium / Node |', '|---|---|---|---|---|---|---|');
  for (const c of rows.filter((r) => r.workload === id && r.library.endsWith('in Chromium'))) {
    const n = rows.find((r) => r.workload === id && r.library.endsWith('in Node') && base(r) === base(c));
    const ratio = (a: number, b?: number): string => (b ? `${(a / b).toFixed(2)}x` : '—');
    lines.push(`| ${base(c)} | ${fmt(c.trainSamplesPerSec)} | ${n ? fmt(n.trainSamplesPerSec) : '—'} | ${ratio(c.trainSamplesPerSec, n?.trainSamplesPerSec)} | ${fmt(c.inferSamplesPerSec)} | ${n ? fmt(n.inferSamplesPerSec) : '—'} | ${ratio(c.inferSamplesPerSec, n?.inferSamplesPerSec)} |`);
  }
  lines.push('');
}
if (playground) {
  const worker = rows.find((r) => r.workload === 'W1' && r.library.endsWith('in Chromium') && /threads/.test(r.library));
  lines.push('## The playground page', '');
  lines.push(`The page itself (\`npm run playground\`'s site, default preset = W1 on its 8000-image subset, Play for ${seconds} s with the training panel in view; ${playground.backend}): ` +
    `${fmt(playground.samplesPerSec)} samples/s${worker ? `, ${(playground.samplesPerSec / worker.trainSamplesPerSec).toFixed(2)}x the Web Worker figure above (${worker.library}, ${fmt(worker.trainSamplesPerSec)})` : ''}.`, '');
}
const md = lines.join('\n');
console.log(md);
writeFileAtomic(fileURLToPath(new URL('./RESULTS-browser.md', import.meta.url)), md + '\n');
log('wrote bench/RESULTS-browser.md');
process.exit(0); // the Node backends' pool workers are unref'd; exit now rather than after the GC
