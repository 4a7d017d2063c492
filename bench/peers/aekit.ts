/** aekit itself, on a given backend. */
import { valueAndGrad } from '../../src/autograd/backward.js';
import { noGrad } from '../../src/autograd/mode.js';
import { getBackend, listBackends } from '../../src/kernels/registry.js';
import type { Backend } from '../../src/kernels/types.js';
import { outputLoss } from '../../src/losses/fused.js';
import { ConvAutoencoder } from '../../src/models/conv-autoencoder.js';
import type { Module } from '../../src/nn/module.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { makeOptimizer, type Optimizer } from '../../src/optim/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { type Peer, timeLoop, type Workload } from '../workloads.js';

export function aekitPeer(backendName: string): Peer {
  let model: Module & { sigmoidLogits(x: Tensor): Tensor | null }, opt: Optimizer, w: Workload, backend: Backend;
  let batches: Tensor[] = [];
  let holdsBefore = { holds: 0, serialRuns: 0 };
  // Fast backends reset a step arena after each step; the reference backend leaves memory to the GC.
  // The first step runs outside the arena: optimizers allocate their state on their first update.
  let warm = false;
  const run = <T>(fn: () => T): T => {
    if (!warm) {
      warm = true;
      return fn();
    }
    return backend.withArena ? backend.withArena(fn) : fn();
  };
  return {
    name: `aekit ${backendName}${backendName === 'ref' ? '' : ` (${getBackendSafe(backendName)?.threads ?? 1} thr)`}`,
    async unavailable() {
      return listBackends().includes(backendName) ? null : `backend '${backendName}' is not available here`;
    },
    async setup(workload, images, n) {
      w = workload;
      backend = getBackend(backendName);
      holdsBefore = backend.contention?.() ?? { holds: 0, serialRuns: 0 };
      model = workloadModel(w, backend);
      warm = false;
      opt = makeOptimizer(w.optimizer.name, model, { lr: w.optimizer.lr });
      batches = [];
      const shape = w.kind === 'conv' ? [w.batchSize, 28, 28, 1] : [w.batchSize, 784];
      for (let s = 0; s + w.batchSize <= n && batches.length < 32; s += w.batchSize) {
        const t = new Tensor(backend.alloc('float32', w.batchSize * 784), shape, { backend });
        t.data.set(images.subarray(s * 784, (s + w.batchSize) * 784));
        batches.push(t);
      }
    },
    async train(seconds) {
      const params = model.parameters();
      return timeLoop(seconds, w.batchSize, (i) => run(() => {
        const x = batches[i % batches.length];
        // The same loss path as fit (sigmoid + bce fused into BCE from logits).
        const { value, grads } = valueAndGrad(() => outputLoss(model, x, x, w.loss), params);
        opt.step(grads);
        return value.item();
      }));
    },
    async infer(seconds) {
      return timeLoop(seconds, w.batchSize, (i) => run(() => noGrad(() => model.forward(batches[i % batches.length]).data[0])));
    },
    // Whether the pool stopped using its workers during this workload's measurements (other processes took the
    // cores, or looked to): a reader of a low two-thread number should know.
    measurementNote() {
      const now = backend?.contention?.();
      if (!now || now.holds === holdsBefore.holds) return null;
      return `the pool ran kernels on one thread in ${now.holds - holdsBefore.holds} spell(s), ${now.serialRuns - holdsBefore.serialRuns} calls: the workers did not pay`;
    },
  };
}

/** The workload's network as aekit builds it (seeded: the same weights at every run, on any backend). */
export function workloadModel(w: Workload, backend: Backend = getBackend()): Module & { sigmoidLogits(x: Tensor): Tensor | null } {
  if (w.kind === 'conv') {
    // The workload's stages are the Keras blog preset's; built from them so the two cannot drift apart.
    return new ConvAutoencoder({ encoder: w.encoder, decoder: w.decoder, inputShape: [28, 28, 1], seed: 0 }, { backend });
  }
  const rng = new Rng(0);
  let inDim = 784;
  const layers = w.layers.map((l) => {
    const d = new Dense({ inputDim: inDim, units: l.units, activation: l.activation }, { rng, backend });
    inDim = l.units;
    return d;
  });
  return new Sequential(layers);
}

function getBackendSafe(name: string): Backend | null {
  try {
    return getBackend(name);
  } catch {
    return null;
  }
}
