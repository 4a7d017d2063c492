/**
 * `npm run build:web`: the playground as a static site in dist-web/ (any static host can serve it).
 *   - web/src/main.ts and web/src/worker.ts bundled by esbuild (the page and its training worker; the wasm
 *     thread pool starts its own workers from a Blob, so it needs no file of its own);
 *   - web/index.html; the stylesheets the modules import (web/src/styles/, uPlot's) bundled into main.css;
 *   - coi-serviceworker.js (npm coi-serviceworker): on a host that cannot send the COOP/COEP headers the thread
 *     pool needs, it reloads the page once through a service worker that adds them;
 *   - the built-in data subsets, written by data-subset.ts from the npm packages' files.
 * Used by `npm run playground` too, which builds and then serves dist-web/ (scripts/playground.ts).
 */
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { writeSubsets } from './data-subset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export const WEB_OUT = join(root, 'dist-web');

export async function buildWeb(out = WEB_OUT, opts: { quiet?: boolean } = {}): Promise<void> {
  const t0 = performance.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { main: join(root, 'web/src/main.ts'), worker: join(root, 'web/src/worker.ts') },
    outdir: out, bundle: true, format: 'esm', platform: 'browser', target: 'chrome110', minify: true, sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
  copyFileSync(require.resolve('coi-serviceworker/coi-serviceworker.min.js'), join(out, 'coi-serviceworker.js'));
  const subsets = writeSubsets(join(out, 'data'));
  if (!opts.quiet) {
    const kb = (f: string): string => `${Math.round(statSync(join(out, f)).size / 1024)} KB`;
    const sets = subsets.map((s) => `${s.name} ${s.train}+${s.test} images, ${Math.round(s.bytes / 1024)} KB`).join('; ');
    console.log(`built the playground in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${out}: main.js ${kb('main.js')}, worker.js ${kb('worker.js')}; data: ${sets}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb(process.argv[2] ?? WEB_OUT);
}
