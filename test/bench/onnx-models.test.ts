// The benchmark's ONNX models (bench/onnx: the workloads' networks through aekit's exporter) run in ONNX Runtime
// Web and compute what aekit's own forward pass computes on the same batch (within 1e-5 of the output's
// scale): ONNX Runtime's speed in the benchmark is measured on the same work as aekit's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import { noGrad } from '../../src/autograd/mode.js';
import { tensor } from '../../src/tensor/tensor.js';
import { workloadOnnx } from '../../bench/onnx/workload-models.js';
import { workloadModel } from '../../bench/peers/aekit.js';
import { WORKLOADS } from '../../bench/workloads.js';
import { relErr } from '../io/onnx-helpers.js';

ort.env.wasm.numThreads = 1; // no worker threads left behind in the test process

for (const w of Object.values(WORKLOADS)) {
  test(`${w.id} as ONNX runs in ONNX Runtime Web and gives aekit's forward pass`, async () => {
    const { bytes, inputShape } = workloadOnnx(w);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const n = inputShape.reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: n }, (_, i) => (i % 255) / 255);
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, inputShape) });
    const y = out[session.outputNames[0]];
    assert.deepEqual(y.dims, inputShape);
    const model = workloadModel(w).eval();
    const want = noGrad(() => model.forward(tensor(x, inputShape)).toTypedArray());
    const err = relErr(y.data as Float32Array, want);
    assert.ok(err <= 1e-5, `${w.id}: ONNX Runtime vs aekit ${err}`);
    await session.release();
  });
}
