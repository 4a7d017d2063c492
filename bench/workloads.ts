/** The benchmark workloads (issue #3): the same data and hyper-parameters for every library. */
export interface DenseWorkload {
  id: 'W1' | 'W2';
  title: string;
  /** Layer sizes after the input, with their activations. */
  layers: { units: number; activation: 'sigmoid' | 'relu' }[];
  loss: 'mse' | 'bce';
  optimizer: { name: 'rmsprop' | 'adam'; lr: number };
  batchSize: number;
}

export const WORKLOADS: Record<'W1' | 'W2', DenseWorkload> = {
  W1: {
    id: 'W1',
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
    title: '784-32(relu)-784(sigmoid), BCE, Adam 1e-3, batch 256',
    layers: [
      { units: 32, activation: 'relu' },
      { units: 784, activation: 'sigmoid' },
    ],
    loss: 'bce',
    optimizer: { name: 'adam', lr: 1e-3 },
    batchSize: 256,
  },
};

/** A library under test: builds the workload's model, then trains or infers for about `seconds`. */
export interface Peer {
  name: string;
  /** Why it cannot run here (missing package, unsupported op), or null. */
  unavailable(): Promise<string | null>;
  setup(w: DenseWorkload, images: Float32Array, n: number): Promise<void>;
  /** Trains batch after batch for about `seconds`; returns samples per second (after one warm-up batch). */
  train(seconds: number): Promise<number>;
  /** Forward passes on batches for about `seconds`; returns samples per second. */
  infer(seconds: number): Promise<number>;
  teardown?(): Promise<void>;
  /** GFLOP/s of a 256x784 @ 784x256 float32 matmul, where the library exposes one (peers only). */
  gemm?(seconds: number): Promise<number>;
}

/** Runs `step` (which processes `batch` samples) repeatedly for about `seconds`; returns samples/s. */
export async function timeLoop(seconds: number, batch: number, step: (i: number) => unknown): Promise<number> {
  await step(0); // warm-up: JIT, allocation of persistent buffers
  const t0 = performance.now();
  let i = 1, n = 0;
  while (performance.now() - t0 < seconds * 1000 || n < 2) {
    await step(i++);
    n++;
  }
  return (n * batch) / ((performance.now() - t0) / 1000);
}
