/** The benchmark workloads (issues #3 and #4): the same data and hyper-parameters for every library. */
export interface DenseWorkload {
  id: 'W1' | 'W2';
  kind: 'dense';
  title: string;
  /** Layer sizes after the input, with their activations. */
  layers: { units: number; activation: 'sigmoid' | 'relu' }[];
  loss: 'mse' | 'bce';
  optimizer: { name: 'rmsprop' | 'adam'; lr: number };
  batchSize: number;
}

/**
 * The Keras blog's convolutional autoencoder on 28x28x1 MNIST (NHWC): Conv16-Pool-Conv8-Pool-Conv8-Pool to
 * 4x4x8, then Conv8-Up-Conv8-Up-Conv16(valid)-Up-Conv1(sigmoid); 3x3 kernels, relu, 'same' unless noted, 2x2
 * pooling with 'same' padding. aekit builds it as ConvAutoencoder.preset('keras-blog').
 */
export interface ConvWorkload {
  id: 'W3';
  kind: 'conv';
  title: string;
  encoder: { filters: number; padding: 'same' | 'valid' }[];
  decoder: { filters: number; padding: 'same' | 'valid' }[];
  loss: 'bce';
  optimizer: { name: 'adam'; lr: number };
  batchSize: number;
}

export type Workload = DenseWorkload | ConvWorkload;
export type WorkloadId = Workload['id'];

export const WORKLOADS: Record<WorkloadId, Workload> = {
  W1: {
    id: 'W1',
    kind: 'dense',
    title: '784-256-128-256-784 sigmoid, MSE, RMSProp 0.01, batch 256',
    layers: [
      { units: 256, activation: 'sigmoid' },
      { units: 128, activation: 'sigmoid' },
      { units: 256, activation: 'sigmoid' },
      { units: 784, activation: 'sigmoid' },
    ],
    loss: 'mse',
    optimizer: { name: 'rmsprop', lr: 0.01 },
    batchSize: 256,
  },
  W2: {
    id: 'W2',
    kind: 'dense',
    title: '784-32(relu)-784(sigmoid), BCE, Adam 1e-3, batch 256',
    layers: [
      { units: 32, activation: 'relu' },
      { units: 784, activation: 'sigmoid' },
    ],
    loss: 'bce',
    optimizer: { name: 'adam', lr: 1e-3 },
    batchSize: 256,
  },
  W3: {
    id: 'W3',
    kind: 'conv',
    title: 'Keras blog conv AE 28x28x1 -> 4x4x8 -> 28x28x1 (3x3 convs, 2x2 pool/upsampling), BCE, Adam 1e-3, batch 128',
    encoder: [{ filters: 16, padding: 'same' }, { filters: 8, padding: 'same' }, { filters: 8, padding: 'same' }],
    decoder: [{ filters: 8, padding: 'same' }, { filters: 8, padding: 'same' }, { filters: 16, padding: 'valid' }],
    loss: 'bce',
    optimizer: { name: 'adam', lr: 1e-3 },
    batchSize: 128,
  },
};

/** One setting a peer was measured in, and what it measured (null: not measured in it). */
export interface SettingTried {
  setting: string;
  trainSamplesPerSec: number | null;
  inferSamplesPerSec: number | null;
}

/** A library under test: builds the workload's model, then trains or infers for about `seconds`. */
export interface Peer {
  name: string;
  /** Why it cannot run here (missing package, unsupported op), or null. */
  unavailable(): Promise<string | null>;
  setup(w: Workload, images: Float32Array, n: number): Promise<void>;
  /** Trains batch after batch for about `seconds`; returns samples per second (after one warm-up batch). */
  train(seconds: number): Promise<number>;
  /** Forward passes on batches for about `seconds`; returns samples per second. */
  infer(seconds: number): Promise<number>;
  teardown?(): Promise<void>;
  /** How this peer's measurement of `w` departs from the usual one (e.g. a single batch), for the table. */
  measurementNote?(w: Workload): string | null;
  /**
   * Every setting (threads, ...) the peer measured `w` in, where it tries several and reports its best; the
   * benchmark keeps them in its JSON and RESULTS so a reader sees what was tried.
   */
  settingsTried?(w: Workload): SettingTried[];
  /** GFLOP/s of a 256x784 @ 784x256 float32 matmul, where the library exposes one (peers only). */
  gemm?(seconds: number): Promise<number>;
}

/**
 * Runs `step` (which processes `batch` samples) repeatedly for about `seconds`, and at least `minSteps` times;
 * returns samples/s. A peer that needs many seconds per step (TF.js cpu on W3) asks for one step without a
 * warm-up, so its measurement stays short; at that speed a first call's setup cost is lost in the noise.
 */
export async function timeLoop(seconds: number, batch: number, step: (i: number) => unknown, opts: { warmUp?: boolean; minSteps?: number } = {}): Promise<number> {
  if (opts.warmUp ?? true) await step(0); // warm-up: JIT, allocation of persistent buffers
  const minSteps = opts.minSteps ?? 2;
  const t0 = performance.now();
  let i = 1, n = 0;
  while (performance.now() - t0 < seconds * 1000 || n < minSteps) {
    await step(i++);
    n++;
  }
  return (n * batch) / ((performance.now() - t0) / 1000);
}
