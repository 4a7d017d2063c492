/**
 * What the ONNX export tests share: running an exported model in ONNX Runtime Web (its wasm backend, in Node,
 * one thread so no worker is left behind), the error measure, and the ONNX checker of Python's `onnx` where
 * /usr/bin/python3 has it.
 *
 * The measure: max over elements |onnx - aekit| / max(1e-6, max over elements |aekit|), in float64: the
 * largest difference relative to the output's own scale (an elementwise relative error would blow up on outputs
 * near 0, a sigmoid's 1e-6, where float32 rounding alone gives a large ratio). The tests hold it under 1e-5.
 */
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

export interface Feed {
  data: Float32Array;
  dims: number[];
}

export interface Fetched {
  data: Float32Array | Float64Array | Uint8Array;
  dims: readonly number[];
  type: string;
}

/** Runs the ONNX model `bytes` on `feeds` and returns every output. */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Record<string, Fetched>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', f.data, f.dims);
    const out = await session.run(inputs);
    const res: Record<string, Fetched> = {};
    for (const [name, t] of Object.entries(out)) res[name] = { data: t.data as Fetched['data'], dims: t.dims, type: t.type };
    return res;
  } finally {
    await session.release();
  }
}

/** The error measure of the module comment. */
export function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`lengths differ: ${actual.length} vs ${expected.length}`);
  let diff = 0, top = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= diff)) diff = d; // a NaN difference wins
    top = Math.max(top, Math.abs(expected[i]));
  }
  return diff / Math.max(1e-6, top);
}

export const PYTHON = '/usr/bin/python3';

/** Why Python's ONNX checker cannot run here, or null when it can. */
export function checkerMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import onnx, sys; sys.stdout.write(onnx.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} has no 'onnx' package (apt install python3-onnx), so onnx.checker was not run`;
}

/** onnx.checker.check_model(full_check=True) on each file: the failures, as "file: message" lines. */
export function checkModels(files: string[]): string[] {
  const script = [
    'import onnx, sys',
    'bad = []',
    'for f in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(f), full_check=True)',
    '    except Exception as e:',
    "        bad.append(f + ': ' + str(e).replace('\\n', ' '))",
    "sys.stdout.write('\\n'.join(bad))",
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`onnx checker failed to run: ${r.stderr}`);
  return r.stdout ? r.stdout.split('\n') : [];
}
