/**
 * ONNX export in the browser (issue #14 item 2): in Chromium, aekit's browser entry reads a model file, exports
 * it (exportOnnx) and ONNX Runtime Web runs the graph. The page's ONNX bytes equal Node's byte for byte, and
 * its outputs match aekit's own (computed in Node, as test/io/onnx.test.ts computes them) within 1e-5, relative
 * to the output's scale: a dense autoencoder on a table (full), the Keras blog's conv autoencoder on MNIST
 * digits (full) and an anomaly detector (score).
 *
 * Needs /usr/bin/chromium, as test/browser/pool.test.ts does (skips without it unless AEKIT_REQUIRE_BROWSER=1),
 * and runs once, in the suite's default pass.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeModel, type SavableModel } from '../../src/io/model-codec.js';
import { exportOnnx, type OnnxPart } from '../../src/io/onnx/export.js';
import { type ExportCase, exportCases } from '../io/onnx-cases.js';
import { relErr } from '../io/onnx-helpers.js';
import { bundle, CHROMIUM as chromiumPath, launchChromium, serve, type Served, type Site } from './harness.js';

const required = process.env.AEKIT_REQUIRE_BROWSER === '1';
const otherPass = process.env.AEKIT_TEST_BACKEND ? 'runs in the default pass only (the export and ONNX Runtime run inside the browser)' : false;
if (required && !otherPass && !existsSync(chromiumPath)) throw new Error(`AEKIT_REQUIRE_BROWSER=1 but there is no Chromium at ${chromiumPath}`);
const skip = otherPass || (existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)`);

const here = fileURLToPath(new URL('.', import.meta.url));
const ortDist = join(here, '../../node_modules/onnxruntime-web/dist');
const PAGE = '<!doctype html><meta charset="utf-8"><title>aekit onnx</title><script type="module" src="./onnx-page.js"></script>';
const CHOSEN: [string, OnnxPart][] = [
  ['Autoencoder (table, elu, linear out)', 'full'],
  ['ConvAutoencoder (MNIST, keras-blog)', 'full'],
];

let site: Site, browser: import('playwright-core').Browser;
const runs: { c: ExportCase; part: OnnxPart; file: string }[] = [];

before(async () => {
  if (skip) return;
  const cases = await exportCases();
  const files: Record<string, Served> = {
    'index.html': { type: 'text/html', body: PAGE },
    'onnx-page.js': { type: 'text/javascript', body: await bundle(join(here, 'onnx-page.ts')) },
  };
  for (const f of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) {
    files[f] = { type: f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', body: readFileSync(join(ortDist, f)) };
  }
  const chosen = [...CHOSEN, [cases.find((c) => c.detector)!.name, 'score'] as [string, OnnxPart]];
  for (const [name, part] of chosen) {
    const c = cases.find((x) => x.name === name);
    assert.ok(c, `the export case '${name}'`);
    const file = `model${runs.length}.safetensors`;
    files[file] = { type: 'application/octet-stream', body: encodeModel(c.model as unknown as SavableModel, undefined, { preprocessing: c.prep }) };
    runs.push({ c, part, file });
  }
  site = await serve(files);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  site?.close();
});

test('in Chromium, aekit exports a model file to ONNX and ONNX Runtime Web reproduces aekit\'s outputs', { skip }, async () => {
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(m.text()));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  await page.goto(`${site.base}/isolated/index.html`);
  await page.waitForFunction(() => (globalThis as unknown as { loaded?: boolean }).loaded === true, null, { timeout: 30_000 });
  for (const { c, part, file } of runs) {
    const { feed, expected } = c.parts[part]();
    const plainFeed = Object.fromEntries(Object.entries(feed).map(([k, f]) => [k, { data: Array.from(f.data), dims: f.dims }]));
    const r = await page.evaluate(([url, p, f]) => (globalThis as unknown as { runExport: (...a: unknown[]) => Promise<unknown> }).runExport(url, p, f), [`./${file}`, part, plainFeed] as const) as { onnx: number[]; outputs: Record<string, number[]> } | { error: string };
    assert.ok(!('error' in r), `${c.name} ${part}: the page threw: ${'error' in r ? r.error : ''}\n${log.join('\n')}`);
    const node = exportOnnx(c.model, { part, extras: { preprocessing: c.prep } });
    assert.ok(Buffer.from(Uint8Array.from(r.onnx)).equals(Buffer.from(node)), `${c.name} ${part}: the page's ONNX bytes are Node's`);
    for (const [name, want] of Object.entries(expected)) {
      if (name === 'is_anomaly' || name === 'anomaly_probability') {
        const scores: Float64Array = Float64Array.from(r.outputs.reconstruction_error);
        const rule: ArrayLike<number> = name === 'is_anomaly' ? c.detector!.decide(scores) : c.detector!.probability(scores);
        assert.deepEqual(r.outputs[name], Array.from(rule, Number), `${c.name}: ${name} is the detector's rule applied to the score`);
        continue;
      }
      const err = relErr(r.outputs[name], want);
      assert.ok(err <= 1e-5, `${c.name} ${part} ${name}: ONNX Runtime Web in Chromium vs aekit: ${err}`);
    }
  }
  assert.deepEqual(log.filter((l) => /error/i.test(l)), [], 'no errors in the console');
  await page.close();
});
