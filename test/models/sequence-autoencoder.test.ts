/**
 * SequenceAutoencoder: trained on noisy sines, its held-out reconstruction MSE is far below that of predicting
 * the per-timestep mean; the model file round trip gives identical outputs; gradcheck of the whole model
 * (float64); the code with and without a bottleneck; seeded determinism; batched inference; edge cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/mode.js';
import { noisySines } from '../../src/data/sequences.js';
import { decodeModel, encodeModel, loadModel, saveModel } from '../../src/io/model-file.js';
import { getBackend, setBackend } from '../../src/kernels/registry.js';
import { initWasmBackend, wasmAvailable, type WasmBackend } from '../../src/kernels/wasm/backend.js';
import { SequenceAutoencoder } from '../../src/models/sequence-autoencoder.js';
import { BatchNorm } from '../../src/nn/batchnorm.js';
import { Dense } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import { LSTM } from '../../src/nn/lstm.js';
import { Module } from '../../src/nn/module.js';
import { TimeDistributed } from '../../src/nn/sequence.js';
import { Rng } from '../../src/tensor/rng.js';
import { fit, type History } from '../../src/train/fit.js';
import { type Tensor, tensor, zeros } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

const bits = (t: Tensor) => Array.from(t.toTypedArray());
const T = 20;

// Trained once, shared by the tests that need a trained model (node:test runs them in order).
let trainedOnce: Promise<{ ae: SequenceAutoencoder; history: History; train: Tensor; test: Tensor }> | null = null;
function trained() {
  trainedOnce ??= (async () => {
    const train = noisySines({ n: 512, timesteps: T, seed: 1, noise: 0.1 });
    const test = noisySines({ n: 256, timesteps: T, seed: 2, noise: 0.1 });
    const ae = new SequenceAutoencoder({ inputDim: 1, timesteps: T, units: 16, latentDim: 4, seed: 0 });
    const history = await ae.fit(train, { epochs: 15, batchSize: 32, seed: 0 });
    return { ae, history, train, test };
  })();
  return trainedOnce;
}

describe('SequenceAutoencoder', () => {
  test('noisy sines: held-out reconstruction MSE < 20% of predicting the per-timestep mean', async (t) => {
    const { ae, history, train, test } = await trained();
    assert.ok(history.loss[history.loss.length - 1] < 0.5 * history.loss[0], `training loss ${history.loss}`);
    // Baseline: the per-timestep mean of the training sequences, predicted for every test sequence.
    const tr = train.toTypedArray(), te = test.toTypedArray();
    const nTr = train.shape[0], nTe = test.shape[0];
    const mean = new Array<number>(T).fill(0);
    for (let s = 0; s < nTr; s++) for (let i = 0; i < T; i++) mean[i] += tr[s * T + i] / nTr;
    let baseline = 0;
    for (let s = 0; s < nTe; s++) for (let i = 0; i < T; i++) baseline += (te[s * T + i] - mean[i]) ** 2 / (nTe * T);
    const mse = ae.reconstructionError(test);
    t.diagnostic(`test MSE ${mse.toFixed(5)}, per-timestep-mean MSE ${baseline.toFixed(5)}, ratio ${(mse / baseline).toFixed(4)}, ${history.seconds.toFixed(1)} s`);
    assert.ok(mse < 0.2 * baseline, `test MSE ${mse} vs baseline ${baseline}`);
    assert.deepEqual([...ae.encode(test).shape], [nTe, 4]);
    assert.deepEqual([...ae.reconstruct(test).shape], [nTe, T, 1]);
  });

  test('save/load: the loaded model gives identical codes and reconstructions', async () => {
    const { ae, test } = await trained();
    const dir = mkdtempSync(join(tmpdir(), 'aekit-seqae-'));
    try {
      const path = join(dir, 'seq.safetensors');
      saveModel(path, ae);
      const back = loadModel(path);
      assert.ok(back instanceof SequenceAutoencoder);
      assert.deepEqual(back.modelConfig(), ae.modelConfig());
      assert.deepEqual(bits(back.reconstruct(test)), bits(ae.reconstruct(test)));
      assert.deepEqual(bits(back.encode(test)), bits(ae.encode(test)));
      const fromBytes = decodeModel(encodeModel(ae)).model as SequenceAutoencoder;
      assert.deepEqual(bits(fromBytes.reconstruct(test)), bits(ae.reconstruct(test)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('gradcheck (float64) of the whole model: input and every parameter', () => {
    const ae = new SequenceAutoencoder({ inputDim: 2, timesteps: 3, units: 2, latentDim: 2, seed: 4, dtype: 'float64' });
    const params = ae.parameters();
    const r = gradcheck((x) => ae.forward(x), [rand([2, 3, 2], 7), ...params], { eps: 1e-6, atol: 1e-6, rtol: 1e-4 });
    assert.ok(r.ok, JSON.stringify(r.worst));
  });

  test('the code: the encoder\'s last hidden state without a bottleneck, a linear Dense of it with one', () => {
    const plain = new SequenceAutoencoder({ inputDim: 1, timesteps: 5, units: 3, seed: 1 });
    const x = noisySines({ n: 4, timesteps: 5, seed: 9 });
    assert.equal(plain.codeDim, 3);
    assert.equal(plain.bottleneck, null);
    assert.deepEqual(bits(plain.encode(x)), bits(noGrad(() => plain.encoder.forward(x))));
    assert.deepEqual(plain.namedParameters().map(([n]) => n), [
      'encoder.inputWeight', 'encoder.recurrentWeight', 'encoder.bias',
      'decoder.inputWeight', 'decoder.recurrentWeight', 'decoder.bias', 'output.layer.weight', 'output.layer.bias',
    ]);
    const narrow = new SequenceAutoencoder({ inputDim: 1, timesteps: 5, units: 3, latentDim: 2, seed: 1 });
    assert.deepEqual([...narrow.encode(x).shape], [4, 2]);
    assert.deepEqual([...narrow.decoder.inputWeight.shape], [12, 2]);
    assert.deepEqual(bits(narrow.decode(narrow.encode(x))), bits(narrow.reconstruct(x)));
  });

  test('the same seed trains the same; arrays of scalars are sequences of one feature', async () => {
    const seqs = Array.from({ length: 16 }, (_, s) => Array.from({ length: 6 }, (_, i) => Math.sin(0.5 * i + s)));
    const run = async () => {
      const ae = new SequenceAutoencoder({ inputDim: 1, timesteps: 6, units: 4, seed: 3 });
      const h = await ae.fit(seqs, { epochs: 2, batchSize: 8, seed: 5, validationData: seqs.slice(0, 4) });
      return { ae, h };
    };
    const a = await run(), b = await run();
    assert.deepEqual(a.h.loss, b.h.loss);
    assert.equal(a.h.valLoss.length, 2);
    assert.deepEqual(bits(a.ae.reconstruct(seqs)), bits(b.ae.reconstruct(seqs)));
    assert.deepEqual([...a.ae.reconstruct(seqs).shape], [16, 6, 1]);
  });

  test('more than one inference batch (1024) gives the same values as one forward pass', () => {
    const ae = new SequenceAutoencoder({ inputDim: 1, timesteps: 4, units: 3, seed: 2 });
    const x = noisySines({ n: 1100, timesteps: 4, seed: 6 });
    const whole = noGrad(() => ae.forward(x));
    assertClose(bits(ae.reconstruct(x)), bits(whole), 1e-6, 0, 'reconstruct');
    assert.ok(Number.isFinite(ae.reconstructionError(x)));
  });

  test('edge cases: config checks, wrong shapes, dtype conversion, empty input', () => {
    assert.throws(() => new SequenceAutoencoder({ inputDim: 1, timesteps: 0, units: 4 }), /timesteps must be a positive integer/);
    assert.throws(() => new SequenceAutoencoder({ inputDim: 1, timesteps: 4, units: 4, latentDim: 0 }), /latentDim must be a positive integer/);
    assert.throws(() => new SequenceAutoencoder({ inputDim: 1, timesteps: 4, units: 4, dtype: 'int8' as 'float32' }), /unknown dtype/);
    const ae = new SequenceAutoencoder({ inputDim: 2, timesteps: 4, units: 3 });
    assert.throws(() => ae.reconstruct(zeros([2, 5, 2])), /expects sequences of shape \[batch, 4, 2\], got \[2, 5, 2\]/);
    assert.throws(() => ae.forward(zeros([2, 8])), /got \[2, 8\]/);
    assert.throws(() => ae.reconstruct([[1, 2, 3, 4]]), /arrays of scalars need inputDim 1/);
    assert.throws(() => ae.decode(zeros([2, 2])), /decodes codes of shape \[batch, 3\], got \[2, 2\]/);
    const x64 = tensor(new Float64Array(16), [2, 4, 2], { dtype: 'float64' });
    assert.equal(ae.reconstruct(x64).dtype, 'float32');
    assert.deepEqual([...ae.reconstruct(zeros([0, 4, 2])).shape], [0, 4, 2]);
    assert.ok(Number.isNaN(ae.reconstructionError(zeros([0, 4, 2]))));
  });
});

const skip = wasmAvailable() ? false : 'WebAssembly SIMD128 or shared memory unavailable';

describe('the new layers on the wasm backend, whatever the test backend', { skip }, () => {
  let wb: WasmBackend;
  let previous = 'ref';
  before(() => {
    previous = getBackend().name;
    wb = initWasmBackend()!;
    setBackend('wasm');
  });
  after(() => { setBackend(previous); });

  // Dropout draws a mask per step and BatchNorm writes its buffers per step: both must live with the step arena.
  test('fit of LSTM -> Dropout -> BatchNorm (channels-last) -> TimeDistributed(Dense): memory flat after warm-up', async () => {
    class Net extends Module {
      lstm = new LSTM({ inputDim: 1, units: 8, returnSequences: true }, { rng: new Rng(1) });
      drop = new Dropout(0.2, { rng: new Rng(2) });
      bn = new BatchNorm({ features: 8, momentum: 0.9 });
      out = new TimeDistributed(new Dense({ inputDim: 8, units: 1 }, { rng: new Rng(3) }));
      forward(x: Tensor): Tensor { return this.out.forward(this.bn.forward(this.drop.forward(this.lstm.forward(x)))); }
    }
    const net = new Net();
    assert.equal(net.lstm.inputWeight.backend, wb);
    const tops: number[] = [], sizes: number[] = [];
    const h = await fit(net, noisySines({ n: 64, timesteps: 8, seed: 3 }), {
      epochs: 40, batchSize: 16, lr: 0.01, seed: 1,
      callbacks: [{ onEpochEnd: () => { tops.push(wb.stats().top); sizes.push(wb.memory.buffer.byteLength); } }],
    });
    assert.ok(h.loss[39] < h.loss[0], `loss ${h.loss[0]} -> ${h.loss[39]}`);
    assert.ok(tops.slice(5).every((t) => t === tops[5]), `heap top moved after warm-up: ${[...new Set(tops)].join(', ')}`);
    assert.ok(sizes.slice(5).every((t) => t === sizes[5]), 'memory.buffer.byteLength is flat');
    assert.ok(Array.from(net.bn.runningVar.toTypedArray()).every((v) => Number.isFinite(v) && v > 0));
  });
});
