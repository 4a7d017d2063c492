/**
 * The benchmark's workloads (bench/workloads.ts) as ONNX inference models, for ONNX Runtime Web. Built in
 * memory at each run from the workload's own description, so no binary model files are committed and none can
 * drift from the workloads. Weights are seeded random: inference speed does not depend on their values.
 * The batch size is fixed in the graph (the workload's), as a deployed model with a known batch would be.
 *
 *   node --import tsx bench/onnx/workload-models.ts [--out DIR]    writes W1.onnx, W2.onnx, W3.onnx (e.g. for Netron)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKLOADS, type Workload } from '../workloads.js';
import { initializer, model, node } from './proto.js';

/** Uniform in ±1/sqrt(fanIn) from a seeded LCG: weights of a plausible scale, the same at every run. */
function weights(len: number, fanIn: number, seed: number): Float32Array {
  const out = new Float32Array(len), scale = 1 / Math.sqrt(fanIn);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale;
  }
  return out;
}

/** The ONNX model of `w`, input 'x' and output 'y': [batch, 784] for dense workloads, NCHW [batch, 1, 28, 28] for W3. */
export function workloadOnnx(w: Workload): { bytes: Uint8Array; inputShape: number[] } {
  const nodes: Uint8Array[] = [], inits: Uint8Array[] = [];
  let cur = 'x', k = 0;
  const act = (op: 'Relu' | 'Sigmoid'): void => void nodes.push(node(op, [cur], [(cur = `a${k}`)]));
  const bs = w.batchSize;
  if (w.kind === 'dense') {
    let inDim = 784;
    for (const l of w.layers) {
      k++;
      // Gemm: y = x W + b, W stored [in, out] as aekit's Dense keeps it.
      inits.push(initializer(`W${k}`, [inDim, l.units], weights(inDim * l.units, inDim, k)), initializer(`b${k}`, [l.units], weights(l.units, inDim, 100 + k)));
      nodes.push(node('Gemm', [cur, `W${k}`, `b${k}`], [(cur = `z${k}`)]));
      act(l.activation === 'relu' ? 'Relu' : 'Sigmoid');
      inDim = l.units;
    }
    nodes.push(node('Identity', [cur], ['y']));
    return { bytes: model({ nodes, initializers: inits, input: ['x', [bs, 784]], output: ['y', [bs, 784]], name: w.id }), inputShape: [bs, 784] };
  }
  let cin = 1;
  const conv = (cout: number, padding: 'same' | 'valid', activation: 'Relu' | 'Sigmoid'): void => {
    k++;
    inits.push(initializer(`K${k}`, [cout, cin, 3, 3], weights(cout * cin * 9, cin * 9, k)), initializer(`c${k}`, [cout], weights(cout, cin * 9, 100 + k)));
    const pads = padding === 'same' ? [1, 1, 1, 1] : [0, 0, 0, 0];
    nodes.push(node('Conv', [cur, `K${k}`, `c${k}`], [(cur = `z${k}`)], { kernel_shape: [3, 3], pads }));
    act(activation);
    cin = cout;
  };
  // Keras's 'same' 2x2 pooling takes the partial window at the bottom/right (7 -> 4): ceil_mode.
  for (const s of w.encoder) {
    conv(s.filters, s.padding, 'Relu');
    nodes.push(node('MaxPool', [cur], [(cur = `p${k}`)], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }));
  }
  inits.push(initializer('up', [4], Float32Array.of(1, 1, 2, 2)));
  for (const s of w.decoder) {
    conv(s.filters, s.padding, 'Relu');
    // Nearest-neighbour x2 upsampling (what torch.onnx exports for nn.Upsample(scale_factor=2)).
    nodes.push(node('Resize', [cur, '', 'up'], [(cur = `u${k}`)], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }));
  }
  conv(1, 'same', 'Sigmoid');
  nodes.push(node('Identity', [cur], ['y']));
  const shape = [bs, 1, 28, 28];
  return { bytes: model({ nodes, initializers: inits, input: ['x', shape], output: ['y', shape], name: w.id }), inputShape: shape };
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
