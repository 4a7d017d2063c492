/**
 * TensorFlow.js peers (devDependencies): tfjs-layers on the 'wasm' (XNNPACK) or 'cpu' (plain JS) backend,
 * the same layers, loss, optimizer and batch size as aekit. Loaded lazily so a missing package only skips it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Peer, timeLoop, type Workload } from '../workloads.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export function tfjsPeer(backendName: 'wasm' | 'cpu'): Peer {
  let tf: Any, tfl: Any, model: Any, w: Workload;
  let xs: Any[] = [];
  return {
    name: `TF.js ${backendName}`,
    async unavailable() {
      try {
        tf = await import('@tensorflow/tfjs-core' as string);
        tfl = await import('@tensorflow/tfjs-layers' as string);
        if (backendName === 'wasm') {
          const wasm: Any = await import('@tensorflow/tfjs-backend-wasm' as string);
          // In Node the .wasm binaries are read from the package's own dist folder.
          const req = createRequire(import.meta.url);
          wasm.setWasmPaths?.(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
        } else {
          await import('@tensorflow/tfjs-backend-cpu' as string);
        }
        const ok = await tf.setBackend(backendName);
        await tf.ready();
        return ok ? null : `tf.setBackend('${backendName}') failed`;
      } catch (e) {
        return `TF.js ${backendName} not loadable: ${(e as Error).message.split('\n')[0]}`;
      }
    },
    async setup(workload, images, n) {
      w = workload;
      await tf.setBackend(backendName);
      model = tfl.sequential();
      if (w.kind === 'conv') {
        const conv = (filters: number, activation: string, padding: string, first = false): void =>
          model.add(tfl.layers.conv2d({ filters, kernelSize: 3, activation, padding, ...(first ? { inputShape: [28, 28, 1] } : {}) }));
        w.encoder.forEach((s, i) => {
          conv(s.filters, 'relu', s.padding, i === 0);
          model.add(tfl.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
        });
        for (const s of w.decoder) {
          conv(s.filters, 'relu', s.padding);
          model.add(tfl.layers.upSampling2d({ size: [2, 2] }));
        }
        conv(1, 'sigmoid', 'same');
      } else {
        w.layers.forEach((l, i) => model.add(tfl.layers.dense({ units: l.units, activation: l.activation, ...(i === 0 ? { inputShape: [784] } : {}) })));
      }
      const optimizer = w.optimizer.name === 'rmsprop' ? tf.train.rmsprop(w.optimizer.lr) : tf.train.adam(w.optimizer.lr);
      model.compile({ optimizer, loss: w.loss === 'mse' ? 'meanSquaredError' : 'binaryCrossentropy' });
      xs.forEach((x) => x.dispose());
      xs = [];
      const shape = w.kind === 'conv' ? [w.batchSize, 28, 28, 1] : [w.batchSize, 784];
      for (let s = 0; s + w.batchSize <= n && xs.length < 8; s += w.batchSize) {
        xs.push(tf.tensor(images.subarray(s * 784, (s + w.batchSize) * 784), shape));
      }
    },
    measurementNote(wl) {
      return wl.kind === 'conv' && backendName === 'cpu' ? 'trained one batch, no warm-up: ~15 s per batch' : null;
    },
    async train(seconds) {
      await tf.setBackend(backendName); // TF.js's backend is process-wide: the other TF.js peer may have set its own
      // TF.js cpu needs ~15 s per W3 batch: one step, no warm-up, keeps the run short (see timeLoop).
      const slow = w.kind === 'conv' && backendName === 'cpu';
      return timeLoop(slow ? 0 : seconds, w.batchSize, async (i) => {
        const x = xs[i % xs.length];
        await model.trainOnBatch(x, x);
      }, slow ? { warmUp: false, minSteps: 1 } : {});
    },
    async infer(seconds) {
      await tf.setBackend(backendName);
      return timeLoop(seconds, w.batchSize, (i) => {
        const y = tf.tidy(() => model.predict(xs[i % xs.length]));
        y.dataSync();
        y.dispose();
      });
    },
    async gemm(seconds) {
      await tf.setBackend(backendName);
      const a = tf.randomUniform([256, 784]), b = tf.randomUniform([784, 256]);
      const perSec = await timeLoop(seconds, 1, () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      });
      a.dispose();
      b.dispose();
      return (perSec * 2 * 256 * 784 * 256) / 1e9;
    },
    async teardown() {
      model?.dispose();
      xs.forEach((x) => x.dispose());
      xs = [];
    },
  };
}
