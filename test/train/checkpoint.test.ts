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
import { AekitError } from '../../src/errors.js';
import { decodeCheckpoint, encodeCheckpoint, memoryCheckpointStore, modelFromCheckpoint } from '../../src/io/checkpoint.js';
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
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import { fit } from '../../src/train/fit.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { type Callback, EarlyStopping } from '../../src/train/callbacks.js';
import type { Checkpoint, CheckpointStore } from '../../src/train/checkpoint.js';

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

describe('checkpoint: what is saved and when', () => {
  const ae = (): Autoencoder => new Autoencoder(dense);

  test('every: N steps writes mid-epoch checkpoints; resuming from one (a run killed after it) gives the same bits', async () => {
    const ref = ae();
    await ref.fit(X8, { ...base });
    // Every checkpoint the run writes, as bytes: the one of step 4 is what a kill -9 at step 5 would leave.
    const saved: { steps: number; bytes: Uint8Array }[] = [];
    const mem = memoryCheckpointStore();
    const store: CheckpointStore = {
      where: 'recording', load: mem.load,
      save: (name, ck) => { mem.save(name, ck); if (name === 'last') saved.push({ steps: ck.position.steps, bytes: mem.bytes.get('last')! }); },
    };
    await ae().fit(X8, { ...base, checkpoint: { store, every: 2 } });
    assert.deepEqual(saved.map((s) => s.steps), [2, 4, 6, 8, 9], 'every 2 steps, and the end (9 = 3 epochs x 3 batches)');
    const ck = decodeCheckpoint(saved[1].bytes);
    assert.deepEqual([ck.position.epoch, ck.position.batch], [1, 1], 'step 4 is the second batch of epoch 2');
    const model = modelFromCheckpoint(ck) as Autoencoder;
    await model.fit(X8, { ...base, resume: ck });
    assert.deepEqual(weightBits(model), weightBits(ref));
  });

  test('a Dropout layer\'s masks: its stream is saved, so a run resumed mid-epoch draws the masks of a run never stopped', async () => {
    const net = (): Sequential => new Sequential([
      new Dense({ inputDim: 8, units: 6, activation: 'tanh' }, { rng: new Rng(1) }),
      new Dropout(0.5, { rng: new Rng(11) }),
      new Dense({ inputDim: 6, units: 8, activation: 'sigmoid' }, { rng: new Rng(2) }),
    ]);
    const ref = net();
    await fit(ref, X8, { ...base });
    const mem = memoryCheckpointStore();
    const stopped = net();
    const stopAt4 = stopper({ step: 4 });
    await fit(stopped, X8, { ...base, checkpoint: { store: mem }, callbacks: stopAt4.callbacks, signal: stopAt4.signal });
    const ck = decodeCheckpoint(mem.bytes.get('last')!);
    assert.equal(ck.position.modules?.length, 1, 'one stream: the Dropout layer\'s');
    const resumed = net(); // a fresh layer: its Rng(11) starts over unless the checkpoint sets it
    await fit(resumed, X8, { ...base, resume: ck });
    assert.deepEqual(weightBits(resumed), weightBits(ref));
    // A checkpoint without the layer's stream (written before it was saved) is refused, naming why.
    const old = { ...ck, position: { ...ck.position, modules: undefined } };
    await assert.rejects(fit(net(), X8, { ...base, resume: old }), /random stream\(s\) of the model's layers \(Dropout\)/);
  });

  test('best holds the epoch of lowest validation loss; last the latest', async () => {
    const dir = freshDir();
    const h = await ae().fit(X8, { ...base, epochs: 4, validationData: V8, checkpoint: { store: checkpointDir(dir) } });
    const best = readCheckpoint(dir, 'best'), last = readCheckpoint(dir);
    const i = h.valLoss.indexOf(Math.min(...h.valLoss));
    assert.equal(best.history.epoch.length, i + 1);
    assert.equal(best.bestValLoss, h.valLoss[i]);
    assert.deepEqual(last.history.epoch, [1, 2, 3, 4]);
  });

  test('EarlyStopping: its best, patience count and best weights survive a resume, and a run it ended stays ended', async () => {
    // minDelta 10: only the first epoch improves, so it stops after epoch 1 + patience 2 + 1 = epoch 4 of 8.
    const es = (): EarlyStopping => new EarlyStopping({ patience: 2, minDelta: 10 });
    const run = { ...base, epochs: 8, validationData: V8 };
    const refEs = es();
    const ref = ae();
    const refH = await ref.fit(X8, { ...run, callbacks: [refEs] });
    assert.deepEqual(refH.epoch, [1, 2, 3, 4]);
    assert.match(refH.stopReason ?? '', /^early stopping/);
    const dir = freshDir();
    const stop = stopper({ step: 7 }); // mid-epoch 3, with wait = 1
    await ae().fit(X8, { ...run, callbacks: [es(), ...stop.callbacks], signal: stop.signal, checkpoint: { store: checkpointDir(dir) } });
    const saved = readCheckpoint(dir).callbacks;
    assert.equal(saved[0].name, 'EarlyStopping');
    assert.equal((saved[0].state as { wait: number }).wait, 1);
    const resumedEs = es();
    const model = modelFromCheckpoint(readCheckpoint(dir)) as Autoencoder;
    const h = await model.fit(X8, { ...run, callbacks: [resumedEs], resume: checkpointDir(dir), checkpoint: { store: checkpointDir(dir) } });
    assert.deepEqual(bits(h), bits(refH));
    assert.deepEqual([resumedEs.best, resumedEs.bestEpoch, resumedEs.stoppedEpoch], [refEs.best, refEs.bestEpoch, refEs.stoppedEpoch]);
    assert.deepEqual(weightBits(model), weightBits(ref), 'best weights restored at the end, as in the uninterrupted run');
    // Resuming the finished run trains nothing more.
    const again = modelFromCheckpoint(readCheckpoint(dir)) as Autoencoder;
    const h2 = await again.fit(X8, { ...run, callbacks: [es()], resume: checkpointDir(dir) });
    assert.deepEqual(h2.epoch, [1, 2, 3, 4]);
    assert.equal(h2.stopReason, refH.stopReason);
  });

  test('a run whose loss turns non-finite leaves the last good checkpoint as it was', async () => {
    const dir = freshDir();
    const m = new Autoencoder({ ...dense, activation: 'relu', outputActivation: 'linear' });
    await m.fit(X8, { ...base, epochs: 1, checkpoint: { store: checkpointDir(dir) } });
    const before = readCheckpoint(dir);
    const h = await m.fit(X8, { ...base, epochs: 2, optimizer: 'sgd', lr: 1e30, loss: 'mse', checkpoint: { store: checkpointDir(dir) } });
    assert.match(h.stopReason ?? '', /loss became/);
    assert.deepEqual(bits(readCheckpoint(dir)), bits(before));
  });

  test('the file keeps every float bit for bit, Infinity and -0 included', () => {
    const ck: Checkpoint = {
      format: 1, model: null, spec: { a: 1 },
      weights: { w: { shape: [2, 1], data: Float32Array.of(-0, 1.5) } },
      optimizer: { config: { name: 'sgd' }, lr: 0.1, iterations: 3, steps: { w: 3 }, slots: { w: [Float64Array.of(NaN, 1e-300)] } },
      position: { epoch: 1, batch: 2, lossSum: 0.1 + 0.2, samples: 4, steps: 3, shuffle: new Rng(1).getState(), noise: new Rng(2).getState() },
      history: { epoch: [1], loss: [Math.PI], valLoss: [], stopReason: null },
      bestValLoss: null, callbacks: [{ name: 'X', state: { best: Infinity, neg: -Infinity, z: -0, arr: [Float32Array.of(3)] } }], extra: {},
    };
    assert.deepEqual(bits(decodeCheckpoint(encodeCheckpoint(ck))), bits(ck));
  });

  test('a damaged checkpoint is an AekitError naming it (a flipped bit anywhere, a cut file); a flipped bit in the tensors is E_CHECKSUM', async () => {
    const store = memoryCheckpointStore();
    await ae().fit(X8, { ...base, epochs: 1, checkpoint: { store } });
    const good = store.bytes.get('last')!;
    const r = new Rng(12);
    for (let i = 0; i < 20; i++) {
      const bad = good.slice();
      const at = r.int(bad.length);
      bad[at] ^= 1 << r.int(8);
      assert.throws(() => decodeCheckpoint(bad, 'ck'), (e: Error) => e instanceof AekitError && /\bck\b/.test(e.message), `bit flip at byte ${at}`);
    }
    const flipData = good.slice();
    flipData[good.length - 3] ^= 4; // inside the last tensor
    assert.throws(() => decodeCheckpoint(flipData, 'ck'), (e: Error) => e instanceof AekitError && e.code === 'E_CHECKSUM');
    assert.throws(() => decodeCheckpoint(good.subarray(0, good.length - 10), 'ck'), (e: Error) => e instanceof AekitError);
  });

  test('a weight that turns non-finite while the loss still reads finite never replaces the last good checkpoint', async () => {
    const store = memoryCheckpointStore();
    const model = ae();
    // After epoch 2, a weight becomes NaN (as an overflow at the epoch's last update would leave it).
    const poison: Callback = { onEpochEnd: (e) => { if (e.epoch === 1) { const p = model.parameters()[0]; p.data[p.offset] = NaN; } } };
    await model.fit(X8, { ...base, epochs: 2, checkpoint: { store }, callbacks: [poison] });
    const last = decodeCheckpoint(store.bytes.get('last')!);
    assert.equal(last.position.epoch, 1, 'the last checkpoint is the end of epoch 1');
    assert.ok(Object.values(last.weights).every((w) => w.data.every(Number.isFinite)));
  });

  test('Rng state: a generator set to another one\'s state draws the same numbers, Box-Muller spare included', () => {
    const a = new Rng(11);
    a.normal(); // leaves a cached second value
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
    assert.deepEqual(Array.from({ length: 5 }, () => b.normal()), Array.from({ length: 5 }, () => a.normal()));
    assert.deepEqual(Array.from({ length: 5 }, () => b.nextU32()), Array.from({ length: 5 }, () => a.nextU32()));
  });
});

describe('checkpoint: resume refuses another run\'s checkpoint and names what differs', () => {
  let dir = '';
  const ae = (extra = {}): Autoencoder => new Autoencoder({ ...dense, ...extra });
  test('setup: a checkpoint of a 1-epoch run', async () => {
    dir = freshDir();
    await ae().fit(X8, { ...base, epochs: 1, checkpoint: { store: checkpointDir(dir) } });
  });
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['batch size', () => ae().fit(X8, { ...base, batchSize: 8, resume: checkpointDir(dir) }), /written with batchSize 16, this run has 8/],
    ['learning rate', () => ae().fit(X8, { ...base, lr: 0.01, resume: checkpointDir(dir) }), /optimizer\.lr 0\.001, this run has 0\.01/],
    ['optimizer', () => ae().fit(X8, { ...base, optimizer: 'sgd', resume: checkpointDir(dir) }), /optimizer\.name adam, this run has sgd/],
    ['loss', () => ae().fit(X8, { ...base, loss: 'bce', resume: checkpointDir(dir) }), /loss mse, this run has bce/],
    ['seed', () => ae().fit(X8, { ...base, seed: 6, resume: checkpointDir(dir) }), /seed 5, this run has 6/],
    ['model config', () => ae({ latentDim: 3 }).fit(X8, { ...base, resume: checkpointDir(dir) }), /model\.config\.latentDim 2, this run has 3/],
    ['data values', () => ae().fit(uniform([40, 8], 99), { ...base, resume: checkpointDir(dir) }), /data\.hash [0-9a-f]{14}, this run has [0-9a-f]{14}/],
    ['data size', () => ae().fit(uniform([48, 8]), { ...base, resume: checkpointDir(dir) }), /data\.samples 40, this run has 48/],
    ['no checkpoint', () => ae().fit(X8, { ...base, resume: checkpointDir(freshDir()) }), /no checkpoint to resume from/],
  ];
  for (const [what, run, message] of cases) {
    test(what, async () => {
      await assert.rejects(run(), (e: Error) => {
        assert.match(e.message, message);
        assert.ok(e.message.startsWith(dir) || what === 'no checkpoint', `names the checkpoint: ${e.message}`);
        return true;
      });
    });
  }
  test('nothing was changed by a refused resume', async () => {
    const m = ae();
    const w = weightBits(m);
    await assert.rejects(m.fit(X8, { ...base, batchSize: 8, resume: checkpointDir(dir) }));
    assert.deepEqual(weightBits(m), w);
  });
});
