/**
 * The playground page's own training speed, for `npm run bench:browser -- --playground`: the built site served
 * as `npm run playground` serves it, the default preset (the seed tutorial, which is workload W1 on the page's
 * 8000-image subset), trained with Play for `seconds` with the training panel in view, as a person watching it
 * learn would have it. The figure is the one the page shows (samples per second of running time, everything the
 * page does while training included: the previews, the validation loss, the panels in view).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildWeb } from '../scripts/build-web.js';
import { servePlayground } from '../scripts/playground.js';

export async function measurePlayground(browser: Browser, seconds: number): Promise<{ samplesPerSec: number; backend: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-bench-page-'));
  await buildWeb(dir, { quiet: true });
  const site = await servePlayground(dir, 0);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${site.url}?preset=tutorial&epochs=1000&seed=1`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
    await page.locator('#train-stats', { hasText: 'parameters' }).waitFor({ timeout: 30_000 });
    await page.locator('#play').dispatchEvent('click'); // a click event without scrolling the page
    await page.waitForTimeout(seconds * 1000);
    const samplesPerSec = Number(await page.getAttribute('#train-stats', 'data-samples-per-sec'));
    const backend = (await page.textContent('#status')) ?? '';
    await page.close();
    if (!(samplesPerSec > 0)) throw new Error(`the playground page reported ${samplesPerSec} samples/s`);
    return { samplesPerSec, backend };
  } finally {
    site.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
