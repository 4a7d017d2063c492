/**
 * `npm run playground`: builds the playground (scripts/build-web.ts) and serves it on 127.0.0.1 with the
 * cross-origin isolation headers the wasm thread pool needs (its shared memory), then prints the address.
 *   npm run playground                  port 5173 (the next free one if taken)
 *   npm run playground -- --port 8080   --no-build serves an existing dist-web/ as it is
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import sirv from 'sirv';
import { buildWeb, WEB_OUT } from './build-web.js';

export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Serves `dir` on 127.0.0.1:`port` (0: any free port) with the isolation headers. */
export async function servePlayground(dir = WEB_OUT, port = 0): Promise<{ server: Server; url: string }> {
  const files = sirv(dir, {
    dev: true, // no caching: a rebuilt page is served at once
    setHeaders: (res) => { for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v); },
  });
  const server = createServer((req, res) => files(req, res, () => {
    res.writeHead(404, { 'Content-Type': 'text/plain', ...ISOLATION_HEADERS }).end('not found');
  }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

if (process.argv[1]?.endsWith('playground.ts')) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '5173' }, 'no-build': { type: 'boolean', default: false } }, strict: true });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`playground: --port must be an integer 0-65535, got ${values.port}`);
    process.exit(2);
  }
  if (!values['no-build']) await buildWeb();
  let served: { server: Server; url: string };
  try {
    served = await servePlayground(WEB_OUT, port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    served = await servePlayground(WEB_OUT, 0);
  }
  console.log(`aekit playground: ${served.url}  (Ctrl-C stops it)`);
}
