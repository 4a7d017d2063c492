/**
 * The browser half of `npm run bench:browser` (bench/browser.ts bundles this file for Chromium): the same
 * aekit peer and workloads as `npm run bench`, run in a Web Worker of a cross-origin isolated page, on every
 * backend the browser offers (reference kernels, wasm on 1 thread, wasm with one Web Worker per core).
 */
import { listBackends } from '../src/kernels/registry.js';
import { initFastBackends } from './backends.js';
import { aekitPeer } from './peers/aekit.js';
import { WORKLOADS, type WorkloadId } from './workloads.js';

export interface BrowserRow {
  library: string;
  workload: string;
  trainSamplesPerSec: number;
  inferSamplesPerSec: number;
}

/** Runs `ids` for `seconds` each on MNIST images fetched from `imagesUrl` (float32 in [0, 1], 784 per image). */
export async function runBench(ids: WorkloadId[], seconds: number, imagesUrl: string, skipRef: boolean): Promise<BrowserRow[]> {
  const images = new Float32Array(await (await fetch(imagesUrl)).arrayBuffer());
  const n = images.length / 784;
  await initFastBackends();
  const rows: BrowserRow[] = [];
  for (const id of ids) {
    for (const name of listBackends().filter((b) => !(skipRef && b === 'ref'))) {
      const peer = aekitPeer(name);
      await peer.setup(WORKLOADS[id], images, n);
      const train = await peer.train(seconds);
      const infer = await peer.infer(Math.max(1, seconds / 2));
      rows.push({ library: `${peer.name} in Chromium`, workload: id, trainSamplesPerSec: train, inferSamplesPerSec: infer });
    }
  }
  return rows;
}
