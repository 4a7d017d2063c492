/**
 * brain.js peer (devDependency, 1.6.1: the 2.x betas need a native GPU build). Its NeuralNetwork is a plain-JS
 * dense net trained one sample at a time, so it runs only the workloads it can build exactly; the rest get
 * the reason as their note. Loaded lazily so a missing package only skips it.
 */
import { createRequire } from 'node:module';
import { type Peer, timeLoop, type Workload } from '../workloads.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

/** Why brain.js cannot build `w` as specified, or null. */
function unsupported(w: Workload): string | null {
  if (w.kind === 'conv') return 'brain.js has no convolution layers';
  const why: string[] = [];
  // One `activation` drives every layer, the output one included (_runInput*, setActivation).
  if (new Set(w.layers.map((l) => l.activation)).size > 1) why.push(`one activation for all layers (no ${w.layers.map((l) => l.activation).join(' then ')})`);
  // The output delta is (target - output) * f'(output): the squared-error gradient only.
  if (w.loss !== 'mse') why.push(`MSE loss only (no ${w.loss.toUpperCase()})`);
  return why.length ? `brain.js has ${why.join(' and ')}` : null;
}

export function brainPeer(): Peer {
  let version = '';
  try {
    version = ` ${(createRequire(import.meta.url)('brain.js/package.json') as { version: string }).version}`;
  } catch {
    /* not installed: unavailable() says so */
  }
  let brain: Any, net: Any, w: Workload, why: string | null = null, opts: Record<string, unknown> = {};
  // Plain number arrays: train() takes a Float32Array datum for a sparse hash (Array.isArray is false) and
  // then makes run() go through key lookups and return an object.
  let chunks: { input: number[]; output: number[] }[][] = [];
  return {
    name: `brain.js${version} (CPU)`,
    async unavailable() {
      try {
        const mod: Any = await import('brain.js' as string);
        brain = mod.default ?? mod; // CommonJS: module.exports arrives as the default export
        return typeof brain.NeuralNetwork === 'function' ? null : 'brain.js has no NeuralNetwork export';
      } catch (e) {
        return `brain.js not loadable: ${(e as Error).message.split('\n')[0]}`;
      }
    },
    async setup(workload, images, n) {
      w = workload;
      why = unsupported(w);
      if (why || w.kind !== 'dense') return; // train() throws `why` (infer() too): the runner makes it the row's note; setup must not throw
      // Its only optimizers are per-sample SGD+momentum and per-sample Adam (praxis); no batches, no RMSProp.
      // train() resets every option it is not given to brain.js's defaults (learningRate 0.3), so these go
      // with each call. iterations 1 = one pass over the chunk, one update per sample.
      opts = { iterations: 1, learningRate: w.optimizer.lr, ...(w.optimizer.name === 'adam' ? { praxis: 'adam' } : { momentum: 0.1 }) };
      net = new brain.NeuralNetwork({ hiddenLayers: w.layers.slice(0, -1).map((l) => l.units), activation: w.layers[0].activation });
      chunks = [];
      for (let s = 0; s + w.batchSize <= n && chunks.length < 8; s += w.batchSize) {
        chunks.push(Array.from({ length: w.batchSize }, (_, j) => {
          const x = Array.from(images.subarray((s + j) * 784, (s + j + 1) * 784));
          return { input: x, output: x };
        }));
      }
      // The first train() builds the weights (later calls keep them): done here so the warm-up step is like the
      // other peers' and infer() never meets an unbuilt net (run() would return null).
      net.train(chunks[0].slice(0, 1), opts);
    },
    measurementNote(wl) {
      if (unsupported(wl) || wl.kind !== 'dense') return null;
      return wl.optimizer.name === 'adam' ? 'per-sample Adam: brain.js has no batches' : `per-sample SGD+momentum 0.1, lr ${wl.optimizer.lr}: brain.js has no ${wl.optimizer.name === 'rmsprop' ? 'RMSProp or ' : ''}batches`;
    },
    async train(seconds) {
      if (why) throw new Error(why);
      // A step is one train() call over a chunk of batchSize samples, so samples/s counts single-sample updates.
      return timeLoop(seconds, w.batchSize, (i) => net.train(chunks[i % chunks.length], opts));
    },
    async infer(seconds) {
      if (why) throw new Error('no such model to run');
      return timeLoop(seconds, w.batchSize, (i) => {
        for (const d of chunks[i % chunks.length]) net.run(d.input);
      });
    },
    async teardown() {
      net = null;
      chunks = [];
    },
  };
}
