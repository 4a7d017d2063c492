/**
 * The page of test/browser/onnx.test.ts: fetches an aekit model file, exports it to ONNX with aekit's browser
 * entry, and runs the graph in ONNX Runtime Web (its wasm backend, one thread), all inside Chromium.
 */
import * as ort from 'onnxruntime-web/wasm'; // the wasm-only build (the default one also loads WebGPU's)
import { decodeModel, exportOnnx, type OnnxPart } from '../../src/browser.js';

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = './'; // the served copies of onnxruntime-web's dist files, beside this page

interface Feed { data: number[]; dims: number[] }

async function runExport(modelUrl: string, part: OnnxPart, feed: Record<string, Feed>): Promise<{ onnx: number[]; outputs: Record<string, number[]> }> {
  const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  const loaded = decodeModel(bytes, modelUrl);
  const onnx = exportOnnx(loaded.model as never, { part, extras: { preprocessing: loaded.preprocessing, data: loaded.data } });
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  try {
    const inputs = Object.fromEntries(Object.entries(feed).map(([k, f]) => [k, new ort.Tensor('float32', Float32Array.from(f.data), f.dims)]));
    const out = await session.run(inputs);
    return { onnx: Array.from(onnx), outputs: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number>, Number)])) };
  } finally {
    await session.release();
  }
}

Object.assign(globalThis, {
  runExport: (url: string, part: OnnxPart, feed: Record<string, Feed>) => runExport(url, part, feed).catch((e: unknown) => ({ error: String((e as Error)?.stack ?? e) })),
  loaded: true,
});
