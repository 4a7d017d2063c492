/**
 * ONNX Runtime Web (devDependency `onnxruntime-web`) as an inference peer: its wasm backend (128-bit SIMD,
 * threads through worker_threads in Node, all from node_modules) on the workloads' models as ONNX
 * (bench/onnx/workload-models.ts: aekit's own networks written by aekit's exporter). It cannot train. Configured at its best: each thread count (1 and one per
 * core) is measured in its own process (bench/peers/onnxruntime-run.ts; ORT fixes its thread count when its
 * wasm module starts) and the best one is reported, named in the row's note.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Peer, type SettingTried, type Workload } from '../workloads.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./onnxruntime-run.ts', import.meta.url));

export function ortPeer(): Peer {
  let w: Workload;
  let version = '';
  const tried = new Map<string, SettingTried[]>();
  const threadCounts = [...new Set([1, availableParallelism()])];
  const describe = (threads: number): string => `ort.env.wasm.numThreads ${threads}, SIMD`;
  return {
    // A getter: the version is known once unavailable() has imported the package (it exports no package.json).
    get name() {
      return `ONNX Runtime Web${version ? ` ${version}` : ''} (wasm)`;
    },
    async unavailable() {
      try {
        const ort = await import('onnxruntime-web');
        version = ort.env.versions.web ?? '';
        return null;
      } catch (e) {
        return `onnxruntime-web not loadable: ${(e as Error).message.split('\n')[0]}`;
      }
    },
    async setup(workload) {
      w = workload;
    },
    async train() {
      throw new Error('inference only');
    },
    async infer(seconds) {
      const results: SettingTried[] = [];
      for (const threads of threadCounts) {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', child, '--workload', w.id, '--threads', String(threads), '--seconds', String(seconds)], { maxBuffer: 1 << 20 });
        const r = JSON.parse(stdout.trim().split('\n').pop()!) as { samplesPerSec: number };
        results.push({ setting: describe(threads), trainSamplesPerSec: null, inferSamplesPerSec: r.samplesPerSec });
      }
      tried.set(w.id, results);
      return Math.max(...results.map((r) => r.inferSamplesPerSec!));
    },
    measurementNote(wl) {
      const r = tried.get(wl.id);
      if (!r?.length) return null;
      const best = r.reduce((a, b) => (b.inferSamplesPerSec! > a.inferSamplesPerSec! ? b : a));
      return `infer: ${best.setting}${r.length > 1 ? ` (best of numThreads ${threadCounts.join(' and ')})` : ''}`;
    },
    settingsTried(wl) {
      return tried.get(wl.id) ?? [];
    },
  };
}
