// The benchmark's hand-written ONNX models (bench/onnx) load in ONNX Runtime Web and have the workloads' shapes:
// a wrong protobuf field or attribute fails the session; a wrong pooling or padding changes W3's output size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import { workloadOnnx } from '../../bench/onnx/workload-models.js';
import { WORKLOADS } from '../../bench/workloads.js';

ort.env.wasm.numThreads = 1; // no worker threads left behind in the test process

for (const w of Object.values(WORKLOADS)) {
  test(`${w.id} as ONNX runs in ONNX Runtime Web, output shaped like its input, in (0, 1)`, async () => {
    const { bytes, inputShape } = workloadOnnx(w);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const n = inputShape.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => (i % 255) / 255), inputShape);
    const { y } = await session.run({ x });
    assert.deepEqual(y.dims, inputShape);
    const data = y.data as Float32Array;
    assert.ok(data.every((v) => v > 0 && v < 1), 'sigmoid outputs');
    await session.release();
  });
}
