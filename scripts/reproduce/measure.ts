/**
 * The numbers the published sources report, computed the way they compute them, over aekit's reconstructions:
 * Keras's binary_crossentropy (outputs clipped to [1e-7, 1 - 1e-7], mean over pixels and images), MSE per
 * pixel, and Hinton & Salakhutdinov's squared error summed over an image's pixels. Also the PyTorch peer runner.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeNpyFile } from '../../src/index.js';
import type { Dataset } from '../../src/index.js';
import type { RunContext } from './types.js';

const EPS = 1e-7;

/** A reconstruction: a Tensor, or anything else that gives its values in the targets' order. */
type Recon = { toTypedArray(): ArrayLike<number> };

/** Mean over images and pixels of Keras's clipped binary cross-entropy between `recon` and `target`. */
export function kerasBce(recon: Recon, target: Dataset): number {
  const r = recon.toTypedArray(), x = target.toFloat32();
  if (r.length !== x.length) throw new Error(`kerasBce: ${r.length} reconstructed values for ${x.length} targets`);
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, r[i]));
    s -= x[i] * Math.log(p) + (1 - x[i]) * Math.log(1 - p);
  }
  return s / r.length;
}

/** Squared error: mean per value ('mse') or summed over each sample's values then averaged ('sse'). */
export function squaredError(recon: Recon, target: Dataset, per: 'mse' | 'sse'): number {
  const r = recon.toTypedArray(), x = target.toFloat32();
  if (r.length !== x.length) throw new Error(`squaredError: ${r.length} reconstructed values for ${x.length} targets`);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i] - x[i]) ** 2;
  return per === 'mse' ? s / r.length : s / target.length;
}

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../../bench/pytorch/reproduce.py', import.meta.url));

/**
 * The PyTorch peer: /usr/bin/python3 (Debian's python3-torch; AEKIT_PYTHON overrides) with OMP_WAIT_POLICY=PASSIVE
 * and torch.set_num_threads(1), the fastest dense setting here (/work/shared/notes/pytorch-peer.md).
 * `--no-pytorch` or a python without torch gives { skipped } and the row says so.
 */
export function pytorchRunner(enabled: boolean, log: (s: string) => void): RunContext['pytorch'] {
  const py = process.env.AEKIT_PYTHON ?? '/usr/bin/python3';
  return async (recipe, args) => {
    if (!enabled) return { skipped: 'not run (--no-pytorch)' };
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
    delete env.OMP_NUM_THREADS;
    const argv = [script, '--recipe', recipe, '--threads', '1', ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])];
    try {
      const { stdout } = await run(py, argv, { cwd: root, env, maxBuffer: 1 << 22 });
      const line = stdout.split('\n').filter((l) => l.startsWith('{')).pop();
      if (!line) return { skipped: 'the PyTorch script printed no result' };
      const got = JSON.parse(line) as { skipped?: string; value: number; seconds: number; epochs: number; extra?: Record<string, number> };
      if (got.skipped) return { skipped: got.skipped };
      log(`  PyTorch ${recipe}: ${got.value.toPrecision(5)} after ${got.epochs} epochs in ${got.seconds.toFixed(1)} s`);
      return got;
    } catch (e) {
      return { skipped: `PyTorch run failed: ${(e as Error).message.split('\n')[0]}` };
    }
  };
}

/**
 * Writes arrays as .npy files into a fresh temporary folder for the PyTorch peer's --npy-dir (so both sides
 * train and score the same values), runs `use` with the folder, and removes it whatever happens.
 */
export async function withNpyDir<T>(arrays: Record<string, { data: Uint8Array | Int32Array | Float32Array; shape: number[] }>, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-reproduce-npy-'));
  try {
    for (const [name, a] of Object.entries(arrays)) writeNpyFile(join(dir, `${name}.npy`), a.data, a.shape);
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A dataset's values in [0, 1] as bytes 0..255 (MNIST's own resolution), [n, d]. */
export function asBytes(ds: Dataset): { data: Uint8Array; shape: number[] } {
  return { data: Uint8Array.from(ds.toFloat32(), (v) => Math.round(v * 255)), shape: [ds.length, ds.sampleSize] };
}
