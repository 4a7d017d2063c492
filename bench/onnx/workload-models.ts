/**
 * The benchmark's workloads (bench/workloads.ts) as ONNX inference models, for ONNX Runtime Web: the networks
 * aekit's own peer builds (bench/peers/aekit.ts workloadModel, seeded weights), written by aekit's exporter
 * (src/io/onnx, `aekit export`), so ONNX Runtime runs exactly what a user who exports would deploy: a dynamic
 * batch axis, images NHWC at the graph's edge (the exporter's transposes inside), no preprocessing (the
 * workloads feed model units). Built in memory at each run, so no binary model files are committed.
 *
 *   node --import tsx bench/onnx/workload-models.ts [--out DIR]    writes W1.onnx, W2.onnx, W3.onnx (e.g. for Netron)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { workloadModel } from '../peers/aekit.js';
import { WORKLOADS, type Workload } from '../workloads.js';

/** The ONNX model of `w` and the shape of one batch of its input ([batch, 784], or NHWC [batch, 28, 28, 1] for W3). */
export function workloadOnnx(w: Workload): { bytes: Uint8Array; inputShape: number[] } {
  const model = workloadModel(w);
  model.eval();
  const bytes = exportOnnx(model as never, { part: 'full' });
  return { bytes, inputShape: w.kind === 'conv' ? [w.batchSize, 28, 28, 1] : [w.batchSize, 784] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--out');
  const dir = i >= 0 ? process.argv[i + 1] : '.';
  mkdirSync(dir, { recursive: true });
  for (const w of Object.values(WORKLOADS)) {
    writeFileSync(join(dir, `${w.id}.onnx`), workloadOnnx(w).bytes);
    console.log(`wrote ${join(dir, `${w.id}.onnx`)}`);
  }
}
