/**
 * Serving bundled code to Debian's Chromium and driving it with playwright-core: shared by the browser test
 * (test/browser/pool.test.ts) and the browser benchmark (bench/browser.ts). The server listens on 127.0.0.1
 * only; pages under /isolated/ get the COOP/COEP headers that cross-origin isolation (shared memory) needs,
 * pages under /plain/ do not.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CHROMIUM = process.env.AEKIT_CHROMIUM ?? '/usr/bin/chromium';
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** One file the server hands out, under both /isolated/NAME and /plain/NAME. */
export interface Served {
  type: string;
  body: string | Uint8Array;
}

export interface Site {
  base: string;
  close(): void;
}

export async function serve(files: Record<string, Served>): Promise<Site> {
  const server: Server = createServer((req, res) => {
    const [, mode, name] = (req.url ?? '').split('/');
    const file = files[name ?? ''];
    if (!file || (mode !== 'isolated' && mode !== 'plain')) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': file.type, ...(mode === 'isolated' ? ISOLATION : {}) }).end(file.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** Bundles `entry` for browsers (a Node built-in anywhere in its imports fails the build). */
export async function bundle(entry: string): Promise<string> {
  const esbuild = await import('esbuild');
  const built = await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  return built.outputFiles[0].text;
}

/** Headless Chromium with the flags this closed network needs (background networking off). */
export async function launchChromium(): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
