/**
 * Checkpoints and bit-exact resume (issue #12). The oracle is an uninterrupted run: for every model kind, a
 * run stopped at an epoch end (a callback's control.stop) or mid-epoch (an AbortSignal), then resumed to the
 * same number of epochs by a FRESH model built from the checkpoint file (as a new process would), must end in
 * the same bits: weights, optimizer slots and step counts, random streams, position, history and callback
 * states (the final checkpoints of both runs are compared whole, floats by their bytes). Runs on whatever
 * backend the suite runs on (AEKIT_TEST_BACKEND=wasm, wasm:2, native:2 in CI).
 *
 * Data: tiny seeded uniform samples (Rng(7)); a few batches per epoch so mid-epoch stops exist.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { DataInfo } from '../../src/data/info.js';
import { gaussianNoise } from '../../src/data/noise.js';
import { StreamedData } from '../../src/data/stream.js';
import { modelFromCheckpoint } from '../../src/io/checkpoint.js';
import { checkpointDir, readCheckpoint } from '../../src/io/checkpoint-file.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { ContractiveAutoencoder } from '../../src/models/contractive.js';
import { ConvAutoencoder } from '../../src/models/conv-autoencoder.js';
import { DenoisingAutoencoder } from '../../src/models/denoising.js';
import { SequenceAutoencoder } from '../../src/models/sequence-autoencoder.js';
import { SparseAutoencoder } from '../../src/models/sparse.js';
import { StackedAutoencoder } from '../../src/models/stacked.js';
import { VAE } from '../../src/models/vae.js';
import type { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { type Callback, EarlyStopping } from '../../src/train/callbacks.js';
import type { Checkpoint } from '../../src/train/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'aekit-ckpt-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `run${dirs++}`);

function uniform(shape: number[], seed = 7): Tensor {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => r.next()), shape);
}

/** Floats by their bytes, timings dropped: what "bit-identical" compares. */
function bits(v: unknown): unknown {
  if (v instanceof Float32Array || v instanceof Float64Array) return `${v.constructor.name}:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v;
  if (Array.isArray(v)) return v.map(bits);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'seconds' && k !== 'samplesPerSec').map(([k, x]) => [k, bits(x)]));
  }
  return v;
}

const weightBits = (m: Module): unknown => bits(Object.fromEntries(m.namedTensors().map(([n, t]) => [n, t.toTypedArray()])));

type Fittable = Module & { fit(data: unknown, opts: object): Promise<unknown> };

interface Case {
  name: string;
  make: () => Fittable;
  data: unknown;
  opts: Record<string, unknown>;
  /** Batches per epoch (per stage for the stacked model): where to stop. */
  batches: number;
  stacked?: boolean;
}

const X8 = uniform([40, 8]);
const V8 = uniform([12, 8], 8);
const dense = { inputDim: 8, hidden: [6], latentDim: 2, activation: 'tanh' as const, seed: 1 };
const base = { epochs: 3, batchSize: 16, seed: 5 };

const CASES: Case[] = [
  { name: 'Autoencoder (validation, EarlyStopping state)', make: () => new Autoencoder(dense), data: X8, batches: 3, opts: { ...base, validationData: V8 } },
  { name: 'Autoencoder (momentum, bce)', make: () => new Autoencoder(dense), data: X8, batches: 3, opts: { ...base, optimizer: 'momentum', lr: 0.1, loss: 'bce' } },
  { name: 'SparseAutoencoder (with corruption: its step draws fit\'s noise)', make: () => new SparseAutoencoder({ ...dense, sparsity: { l1: 1e-3 } }), data: X8, batches: 3, opts: { ...base, corrupt: gaussianNoise(0.3) } },
  { name: 'DenoisingAutoencoder', make: () => new DenoisingAutoencoder({ ...dense, noise: { type: 'gaussian', factor: 0.4 } }), data: X8, batches: 3, opts: { ...base, loss: 'bce' } },
  { name: 'ContractiveAutoencoder (rmsprop)', make: () => new ContractiveAutoencoder({ inputDim: 8, latentDim: 3, lambda: 0.1, seed: 2 }), data: X8, batches: 3, opts: { ...base, optimizer: 'rmsprop' } },
  { name: 'VAE (sampling noise, validation terms)', make: () => new VAE({ inputDim: 8, hidden: [6], latentDim: 2, seed: 3 }), data: X8, batches: 3, opts: { ...base, validationData: V8 } },
  { name: 'ConvAutoencoder (denoising)', make: () => new ConvAutoencoder({ inputShape: [4, 4, 1], encoder: [2], decoder: [2], noise: { type: 'gaussian', factor: 0.2 }, seed: 4 }), data: uniform([24, 4, 4, 1]), batches: 3, opts: { ...base, batchSize: 8 } },
  { name: 'SequenceAutoencoder', make: () => new SequenceAutoencoder({ inputDim: 1, timesteps: 5, units: 3, seed: 6 }), data: uniform([20, 5, 1]), batches: 3, opts: { ...base, batchSize: 8 } },
  {
    name: 'StackedAutoencoder (stages)', stacked: true, data: X8, batches: 3,
    make: () => new StackedAutoencoder({ inputDim: 8, hidden: [6], latentDim: 3, seed: 9 }),
    opts: { batchSize: 16, seed: 5, pretrainEpochs: 2, finetuneEpochs: 2, validationData: V8 },
  },
  { name: 'Autoencoder on StreamedData (several windows)', make: () => new Autoencoder(dense), data: streamed(X8, 16), batches: 3, opts: { ...base } },
];

/** An in-memory SampleStream over `x`, windows of `buffer` samples: exercises the streamed batch order. */
function streamed(x: Tensor, buffer: number): StreamedData {
  const d = x.toTypedArray() as Float32Array, size = x.shape[1];
  const info = { kind: 'tabular', sampleShape: [size] } as unknown as DataInfo;
  return new StreamedData({
    length: x.shape[0], sampleShape: [size], info, seekable: true,
    read: async (s, e) => d.slice(s * size, e * size),
    close: async () => undefined,
  }, null, { buffer });
}

/** Stops the run: at global step `step` by an AbortSignal (mid-epoch), or by control.stop after epoch `epochEnd`. */
function stopper(at: { step?: number; epochEnd?: number }): { callbacks: Callback[]; signal: AbortSignal } {
  const ac = new AbortController();
  let steps = 0, epochs = 0;
  const cb: Callback = {
    onBatchEnd: () => { if (++steps === at.step) ac.abort(); },
    onEpochEnd: (_i, control) => { if (++epochs === at.epochEnd) control.stop('stopped by the test'); },
  };
  return { callbacks: [cb], signal: ac.signal };
}

/** fit options with checkpoints to `dir`, extra callbacks (per stage for the stacked model) and a signal. */
function withRun(c: Case, dir: string, extra: Partial<{ callbacks: Callback[]; signal: AbortSignal; resume: string }> = {}): Record<string, unknown> {
  const es = (): Callback[] => (c.opts.validationData && !c.stacked ? [new EarlyStopping({ patience: 100 })] : []);
  const cbs = (): Callback[] => [...es(), ...(extra.callbacks ?? [])];
  return {
    ...c.opts,
    checkpoint: { store: checkpointDir(dir) },
    callbacks: c.stacked ? () => cbs() : cbs(),
    ...(extra.signal ? { signal: extra.signal } : {}),
    ...(extra.resume ? { resume: checkpointDir(extra.resume) } : {}),
  };
}

async function straight(c: Case): Promise<{ model: Fittable; history: unknown; ck: Checkpoint }> {
  const dir = freshDir();
  const model = c.make();
  const history = await model.fit(c.data, withRun(c, dir));
  return { model, history, ck: readCheckpoint(dir) };
}

async function interruptedThenResumed(c: Case, at: { step?: number; epochEnd?: number }): Promise<{ model: Fittable; history: unknown; ck: Checkpoint; stopped: Checkpoint }> {
  const dir = freshDir();
  const first = c.make();
  await first.fit(c.data, withRun(c, dir, stopper(at)));
  const stopped = readCheckpoint(dir);
  // A new process: the model comes from the checkpoint file, nothing from the first run's objects.
  const model = modelFromCheckpoint(readCheckpoint(dir), dir) as Fittable;
  const history = await model.fit(c.data, withRun(c, dir, { resume: dir }));
  return { model, history, ck: readCheckpoint(dir), stopped };
}

describe('checkpoint: stop and resume give the bits of an uninterrupted run', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const ref = await straight(c);
      // Mid-epoch in the second epoch (of the second stage for the stacked model), and at the first epoch's end
      // (a stacked model's stage ends on a stop, so there the stop is an abort at the first stage's last step).
      const stops = [
        { step: c.batches + 2 + (c.stacked ? 2 * c.batches : 0) },
        c.stacked ? { step: 2 * c.batches } : { epochEnd: 1 },
      ];
      for (const at of stops) {
        const got = await interruptedThenResumed(c, at);
        const p = got.stopped.position;
        const midEpoch = at.step !== undefined && at.step % c.batches !== 0;
        if (midEpoch) assert.ok(p.batch > 0 && p.batch < c.batches, `stopped mid-epoch (batch ${p.batch} of ${c.batches})`);
        else assert.equal(p.batch, 0);
        if (c.stacked) assert.equal(got.stopped.extra.stage, 1, 'stopped in the second stage');
        assert.deepEqual(weightBits(got.model), weightBits(ref.model), `weights after a stop at ${JSON.stringify(at)}`);
        assert.deepEqual(bits(got.ck), bits(ref.ck), 'final checkpoints (optimizer, rng, position, history, callbacks)');
        assert.deepEqual(bits(got.history), bits(ref.history), 'history');
      }
    });
  }
});
