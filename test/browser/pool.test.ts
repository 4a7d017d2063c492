/**
 * The wasm backend and its thread pool in a real browser (Debian's Chromium, driven by playwright-core):
 * the package's browser entry bundles without Node built-ins (esbuild, platform 'browser'), and on a
 * cross-origin isolated page the pool runs on Web Workers, in a Worker and on the page's main thread, with
 * results bit-identical to one thread and close to the reference kernels. On a page without isolation there
 * is no shared memory: the library falls back to the reference kernels and says why.
 *
 * Needs /usr/bin/chromium (or AEKIT_CHROMIUM). Without it the test skips, unless AEKIT_REQUIRE_BROWSER=1
 * (set by .ci/run, which installs Chromium), where it fails. The checks run inside the browser whatever the
 * suite's backend, so the test runs once, in the suite's default pass, not again under AEKIT_TEST_BACKEND.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHECK_CSV, type CheckReport, roundTrip } from './checks.js';
import { bundle, CHROMIUM as chromiumPath, launchChromium, serve, type Site } from './harness.js';

const required = process.env.AEKIT_REQUIRE_BROWSER === '1';
const otherPass = process.env.AEKIT_TEST_BACKEND ? 'runs in the default pass only (the checks run inside the browser)' : false;
if (required && !otherPass && !existsSync(chromiumPath)) throw new Error(`AEKIT_REQUIRE_BROWSER=1 but there is no Chromium at ${chromiumPath}`);
const skip = otherPass || (existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const here = fileURLToPath(new URL('.', import.meta.url));
const PAGE = `<!doctype html><meta charset="utf-8"><title>aekit pool</title>
<script type="module">
import { runChecks } from './checks.js';
window.runMain = () => runChecks('main', './kernels-worker.js').catch((e) => ({ error: String(e && e.stack || e) }));
window.runWorker = () => new Promise((resolve) => {
  const w = new Worker('./worker.js', { type: 'module' });
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.onerror = (e) => resolve({ error: 'worker failed: ' + e.message });
});
window.loaded = true;
</script>`;
const WORKER = `import { runChecks } from './checks.js';
runChecks('worker', './kernels-worker.js').then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));`;

let site: Site, browser: import('playwright-core').Browser;

before(async () => {
  if (skip) return;
  site = await serve({
    'index.html': { type: 'text/html', body: PAGE },
    'checks.js': { type: 'text/javascript', body: await bundle(join(here, 'checks.ts')) },
    'worker.js': { type: 'text/javascript', body: WORKER },
    // The built worker file, for the pool's workerUrl option (the same transpiled source the Blob holds).
    'kernels-worker.js': { type: 'text/javascript', body: readFileSync(join(here, '../../src/kernels/wasm/generated/gemm-worker.mjs'), 'utf8') },
    // Data files for the data-layer checks (written by NumPy and arrow-rs; see their fixture READMEs).
    'float32.npy': { type: 'application/octet-stream', body: readFileSync(join(here, '../fixtures/data/npy/float32.npy')) },
    'xy_compressed.npz': { type: 'application/octet-stream', body: readFileSync(join(here, '../fixtures/data/npy/xy_compressed.npz')) },
    'types-zstd.parquet': { type: 'application/octet-stream', body: readFileSync(join(here, '../fixtures/data/parquet/types-zstd.parquet')) },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  site?.close();
});

async function open(mode: 'isolated' | 'plain', console: string[]): Promise<import('playwright-core').Page> {
  const page = await browser.newPage();
  page.on('console', (m) => console.push(m.text()));
  page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
  await page.goto(`${site.base}/${mode}/index.html`);
  await page.waitForFunction(() => (globalThis as unknown as { loaded?: boolean }).loaded === true, null, { timeout: 30_000 });
  return page;
}

/** The browser's data-layer numbers equal what the same parsers give in Node on the same bytes. */
async function checkData(r: CheckReport | { error: string }): Promise<void> {
  assert.ok(!('error' in r), `the checks threw in the browser: ${'error' in r ? r.error : ''}`);
  const d = r.data!;
  const node = await import('../../src/index.js');
  const csv = node.tableSamples(node.parseCsvTable(CHECK_CSV, {}, 'check.csv'), { id: 'id', label: 'kind', missing: 'mean' });
  // the empty b cell gets the mean of 2 and 8
  assert.deepEqual(d.csv, { values: [1.5, 2, 3, 5, 4.25, 8], labels: Array.from(csv.samples.labels!), ids: ['x1', 'x2', 'x3'], classNames: ['cat', 'dog'] });
  const npy = node.readNpyFile(join(here, '../fixtures/data/npy/float32.npy'));
  assert.deepEqual(d.npy, { shape: npy.shape, values: Array.from(npy.data) });
  const npz = node.readNpzFile(join(here, '../fixtures/data/npy/xy_compressed.npz'));
  assert.deepEqual(d.npz, { names: Object.keys(npz).sort(), yValues: Array.from(npz.y.data) });
  const pq = await node.readParquetFile(join(here, '../fixtures/data/parquet/types-zstd.parquet'));
  assert.deepEqual(d.parquet, { rows: pq.rowCount, names: [...pq.names], f64: Array.from(pq.cells(pq.names.indexOf('f64'))).slice(0, 5) });
  // grey by BT.601 luma, transparent pixel composited over black, then / 255 in float32
  assert.deepEqual(d.image, [76, 150, 29, 0].map((v) => Math.fround(v * (1 / 255))));
  // the model file written and read in the page: columns and preprocessing kept, the same errors; as in Node
  const mf = roundTrip(csv);
  assert.deepEqual(d.modelFile.columns, { label: 'kind', id: 'id', features: ['a', 'b'] });
  assert.deepEqual(d.modelFile.again, d.modelFile.errors);
  assert.deepEqual(d.modelFile.shift, mf.shift);
  // the page may run other kernels than this process (reference vs wasm): float32 agreement, not bits
  d.modelFile.errors.forEach((e, i) => assert.ok(Math.abs(e - mf.errors[i]) <= 1e-6 * Math.max(1, Math.abs(e)), `error ${i}: ${e} vs ${mf.errors[i]}`));
}

function checkPool(r: CheckReport | { error: string }): void {
  assert.ok(!('error' in r), `the checks threw in the browser: ${'error' in r ? r.error : ''}`);
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.wasmAvailable, true);
  assert.equal(r.threadsUnsupported, null);
  assert.equal(r.auto.name, r.hardwareConcurrency > 1 ? `wasm+${r.hardwareConcurrency}threads` : 'wasm', 'the entry picks wasm, one thread per core');
  assert.equal(r.auto.threads, r.hardwareConcurrency);
  const p = r.pool!;
  assert.ok(p.ready, 'the Web Workers started and took jobs');
  assert.equal(p.threads, 2);
  assert.ok(p.parallelCalls > 0, 'jobs were split across the Web Workers');
  assert.equal(p.gemmBitDiffs, 0, 'GEMM: 2 threads bit-identical to 1');
  assert.ok(p.gemmErrOverTol <= 1, `GEMM within the stated float32 bound of the reference kernels (error/bound ${p.gemmErrOverTol})`);
  assert.equal(p.convBitDiffs, 0, 'conv autoencoder: 2 threads bit-identical to 1');
  assert.ok(Number.isFinite(p.convLoss) && p.convLoss > 0 && p.convLoss < 1, `conv loss ${p.convLoss}`);
  assert.deepEqual(p.fitLoss2, p.fitLoss1, 'fit(): 2 threads give the same losses as 1');
  assert.equal(p.fitLossRef.length, 2);
  p.fitLossRef.forEach((l, i) => assert.ok(Math.abs(p.fitLoss1[i] - l) <= 1e-4 * l, `fit() epoch ${i + 1}: wasm ${p.fitLoss1[i]} vs ref ${l}`));
  assert.ok(p.fitLoss1[1] < p.fitLoss1[0], 'fit() learns');
  assert.ok(p.fromUrl.ready && p.fromUrl.parallelCalls > 0, 'a pool started from workerUrl takes jobs');
  assert.equal(p.fromUrl.gemmBitDiffs, 0, 'GEMM on the workerUrl pool: bit-identical to 1 thread');
}

describe('wasm backend and thread pool in Chromium', { skip, timeout: 240_000 }, () => {
  test('cross-origin isolated page: the pool runs on Web Workers inside a Worker', async () => {
    const log: string[] = [];
    const page = await open('isolated', log);
    const r = await page.evaluate(() => (globalThis as unknown as { runWorker(): Promise<CheckReport> }).runWorker());
    checkPool(r);
    await checkData(r);
    await page.close();
  });

  test('cross-origin isolated page: the pool also runs from the main thread (spinning, not Atomics.wait)', async () => {
    const log: string[] = [];
    const page = await open('isolated', log);
    checkPool(await page.evaluate(() => (globalThis as unknown as { runMain(): Promise<CheckReport> }).runMain()));
    assert.ok(!log.some((l) => l.includes('aekit:')), `no notices on an isolated page: ${log.join(' | ')}`);
    await page.close();
  });

  test('page without isolation: reference kernels, and a notice that says why', async () => {
    const log: string[] = [];
    const page = await open('plain', log);
    for (const run of ['runMain', 'runWorker'] as const) {
      const r = await page.evaluate((fn) => (globalThis as unknown as Record<string, () => Promise<CheckReport>>)[fn](), run);
      assert.ok(!('error' in r), `${run}: ${'error' in r ? String(r.error) : ''}`);
      assert.equal(r.crossOriginIsolated, false);
      assert.equal(r.wasmAvailable, false);
      assert.equal(r.auto.name, 'ref');
      assert.equal(r.pool, undefined);
      await checkData(r);
    }
    assert.ok(log.some((l) => /aekit: .*cross-origin isolation.*reference kernels/.test(l)), `the notice names the cause: ${log.join(' | ')}`);
    await page.close();
  });
});
