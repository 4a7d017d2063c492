/**
 * One ONNX Runtime Web measurement in its own process: ORT reads `ort.env.wasm.numThreads` once, when its
 * wasm module starts, so each thread count needs a fresh process (bench/peers/onnxruntime.ts runs this per
 * setting). Inference on the same MNIST batches as the other peers; prints one JSON line.
 *
 *   node --import tsx bench/peers/onnxruntime-run.ts --workload W1 --threads 2 --seconds 5
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { loadMnist } from '../../src/data/mnist.js';
import { workloadOnnx } from '../onnx/workload-models.js';
import { timeLoop, WORKLOADS, type WorkloadId } from '../workloads.js';

const { values } = parseArgs({ options: { workload: { type: 'string' }, threads: { type: 'string', default: '1' }, seconds: { type: 'string', default: '5' } } });
const w = WORKLOADS[values.workload as WorkloadId];
if (!w) throw new Error(`unknown workload '${values.workload}'`);

ort.env.wasm.numThreads = Number(values.threads);
// The package ships 128-bit SIMD builds only; true (the default) is said so the setting is explicit.
ort.env.wasm.simd = true;
const { bytes, inputShape } = workloadOnnx(w);
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

const train = loadMnist('train', { limit: 8192 });
const images = train.toFloat32();
const xs: ort.Tensor[] = [];
for (let s = 0; s + w.batchSize <= train.length && xs.length < 32; s += w.batchSize) {
  // Rows for the dense models, NHWC for the conv one: both the images' own memory order.
  xs.push(new ort.Tensor('float32', images.slice(s * 784, (s + w.batchSize) * 784), inputShape));
}
const samplesPerSec = await timeLoop(Number(values.seconds), w.batchSize, (i) => session.run({ [session.inputNames[0]]: xs[i % xs.length] }));
await session.release();
console.log(JSON.stringify({ version: ort.env.versions.web, threads: ort.env.wasm.numThreads, simd: ort.env.wasm.simd, samplesPerSec }));
