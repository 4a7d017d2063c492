/**
 * fit(): convergence on a small synthetic problem, determinism, validation, callbacks, early stopping, abort,
 * NaN handling, equality with a hand-written level-3 loop, and denoising corruption.
 *
 * Data: n samples of 8-dim data on a 2-D manifold: z ~ U(-1, 1)^2 (Rng(2024)), x_j = sigmoid(a_j z1 + b_j z2)
 * with a_j = 2 cos(0.7 j), b_j = 2 sin(1.3 j + 0.4): every value in (0, 1).
 * Model: Autoencoder({ inputDim: 8, hidden: [6], latentDim: 2, activation: 'tanh', seed: 1 }) (sigmoid output).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { noGrad } from '../../src/autograd/mode.js';
import { Dataset } from '../../src/data/dataset.js';
import { mse } from '../../src/losses/losses.js';
import { Autoencoder, type AutoencoderConfig } from '../../src/models/autoencoder.js';
import { Adam, SGD } from '../../src/optim/index.js';
import * as ops from '../../src/tensor/ops.js';
import { Rng } from '../../src/tensor/rng.js';
import { type Tensor, tensor } from '../../src/tensor/tensor.js';
import { type BatchEnd, EarlyStopping, type EpochEnd } from '../../src/train/callbacks.js';
import { evaluateLoss, fit } from '../../src/train/fit.js';

function makeData(n = 256, seed = 2024): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    const z1 = rng.uniform(-1, 1), z2 = rng.uniform(-1, 1);
    for (let j = 0; j < 8; j++) {
      const a = 2 * Math.cos(0.7 * j), b = 2 * Math.sin(1.3 * j + 0.4);
      out[i * 8 + j] = 1 / (1 + Math.exp(-(a * z1 + b * z2)));
    }
  }
  return out;
}
const DATA = makeData();
const X = tensor(DATA, [256, 8]);

function model(extra: Partial<AutoencoderConfig> = {}): Autoencoder {
  return new Autoencoder({ inputDim: 8, hidden: [6], latentDim: 2, activation: 'tanh', seed: 1, ...extra });
}
const weights = (m: Autoencoder) => m.parameters().map((p) => p.toTypedArray());
const rows = (data: Float32Array, start: number, end: number) => tensor(data.slice(start * 8, end * 8), [end - start, 8]);

describe('fit: convergence and determinism', () => {
  test('training lowers the loss below a fixed bound (seeded)', async () => {
    // Determined once with these seeds: initial MSE 0.0546, epoch-30 training loss 0.00088, final
    // reconstructionError 0.00082. The bound 0.002 leaves room for harmless float differences across platforms.
    const m = model();
    const before = m.reconstructionError(X);
    const h = await fit(m, X, { epochs: 30, batchSize: 32, lr: 0.01, seed: 3 });
    assert.deepEqual(h.epoch, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(h.loss.length, 30);
    assert.deepEqual(h.valLoss, []);
    assert.equal(h.stopReason, null);
    assert.equal(h.optimizer.name, 'adam');
    assert.equal(h.optimizer.lr, 0.01);
    assert.ok(before > 0.04, `initial error ${before}`);
    assert.ok(h.loss[29] < 0.002, `final training loss ${h.loss[29]}`);
    const after = m.reconstructionError(X);
    assert.ok(after < 0.002 && after < before / 20, `reconstruction error ${before} -> ${after}`);
    assert.ok(h.seconds >= 0 && h.samplesPerSec > 0);
    assert.equal(m.training, false, 'fit leaves the model in eval mode');
  });

  test('the same seed gives bit-identical loss histories and weights; another seed does not', async () => {
    const run = async (seed: number) => {
      const m = model();
      const h = await fit(m, X, { epochs: 4, batchSize: 32, lr: 0.01, seed });
      return { loss: h.loss, w: weights(m) };
    };
    const a = await run(3), b = await run(3), c = await run(4);
    assert.deepEqual(a.loss, b.loss);
    assert.deepEqual(a.w, b.w);
    assert.notDeepEqual(a.loss, c.loss);
    assert.notDeepEqual(a.w, c.w);
  });

  test('accepts number[][] and Dataset inputs with the same result as a Tensor', async () => {
    const arr: number[][] = [];
    for (let i = 0; i < 64; i++) arr.push(Array.from(DATA.subarray(i * 8, i * 8 + 8)));
    const opts = { epochs: 2, batchSize: 16, lr: 0.01, seed: 5 };
    const mt = model(), ma = model(), md = model();
    const ht = await fit(mt, rows(DATA, 0, 64), opts);
    const ha = await fit(ma, arr, opts);
    const hd = await fit(md, Dataset.fromTyped(DATA.slice(0, 64 * 8), 64, [8]), opts);
    assert.deepEqual(ha.loss, ht.loss);
    assert.deepEqual(hd.loss, ht.loss);
    assert.deepEqual(weights(ma), weights(mt));
  });

  test('a float64 model trains (batches are built in the model dtype)', async () => {
    const m = model({ dtype: 'float64' });
    const h = await fit(m, rows(DATA, 0, 64), { epochs: 1, batchSize: 32, seed: 1 });
    assert.equal(h.loss.length, 1);
    assert.ok(Number.isFinite(h.loss[0]));
    assert.equal(m.parameters()[0].dtype, 'float64');
  });

  test('bad options are rejected', async () => {
    await assert.rejects(fit(model(), X, { epochs: 0 }), /epochs must be a positive integer, got 0/);
    await assert.rejects(fit(model(), X, { batchSize: 1.5 }), /batchSize must be a positive integer, got 1\.5/);
    await assert.rejects(fit(model(), X, { validationSplit: 0.2, validationData: X }), /either validationData or validationSplit, not both/);
    await assert.rejects(fit(model(), X, { validationSplit: 1 }), /validation fraction must be strictly between 0 and 1/);
    await assert.rejects(fit(model(), X, { loss: 'hinge' as 'mse' }), /unknown loss 'hinge'/);
    await assert.rejects(fit(model(), tensor([1, 2, 3]), {}), /training data must be a tensor \[samples, \.\.\.features\], got rank 1/);
  });
});

describe('fit: validation', () => {
  test('validationSplit holds out the last fraction and reports valLoss every epoch', async () => {
    const m = model();
    const batches: BatchEnd[] = [];
    const h = await fit(m, X, {
      epochs: 3, batchSize: 32, lr: 0.01, seed: 3, validationSplit: 0.25,
      callbacks: [{ onBatchEnd: (b) => void batches.push(b) }],
    });
    assert.equal(h.valLoss.length, 3);
    assert.ok(h.valLoss.every((v) => Number.isFinite(v) && v > 0));
    // training saw the first 192 samples only: 6 batches of 32 per epoch
    assert.equal(batches.length, 18);
    assert.equal(batches[5].samples, 192);
    assert.equal(batches[0].batchesPerEpoch, 6);
    // the last valLoss is the MSE over samples 192..255 with the final weights
    const xv = rows(DATA, 192, 256);
    const direct = noGrad(() => mse(m.forward(xv), xv).item());
    assert.ok(Math.abs(h.valLoss[2] - direct) <= 1e-7 * direct, `${h.valLoss[2]} vs ${direct}`);
  });

  test('validationData gives valLoss equal to the reconstruction error on that data', async () => {
    const m = model();
    const xv = tensor(makeData(40, 99), [40, 8]);
    const h = await fit(m, X, { epochs: 2, batchSize: 64, lr: 0.01, seed: 3, validationData: xv });
    assert.equal(h.valLoss.length, 2);
    const err = m.reconstructionError(xv);
    assert.ok(Math.abs(h.valLoss[1] - err) <= 1e-6 * err, `${h.valLoss[1]} vs ${err}`);
    // evaluateLoss is the same number
    const ev = evaluateLoss(m, Dataset.fromTyped(xv.toTypedArray() as Float32Array, 40, [8]), mse, 16);
    assert.ok(Math.abs(ev - err) <= 1e-6 * err);
  });
});

describe('fit: callbacks', () => {
  test('onBatchEnd / onEpochEnd / onTrainEnd receive sane values', async () => {
    const batches: BatchEnd[] = [];
    const epochs: EpochEnd[] = [];
    let trainEnds = 0;
    const h = await fit(model(), rows(DATA, 0, 100), {
      epochs: 2, batchSize: 32, lr: 0.01, seed: 1, validationSplit: 0.2,
      callbacks: [{
        onBatchEnd: (b, control) => {
          batches.push({ ...b });
          assert.equal(typeof control.stop, 'function');
        },
        onEpochEnd: (e) => void epochs.push({ ...e }),
        onTrainEnd: () => void trainEnds++,
      }],
    });
    // 80 training samples, batchSize 32: batches of 32, 32, 16
    assert.equal(batches.length, 6);
    assert.deepEqual(batches.map((b) => [b.epoch, b.batch, b.batchesPerEpoch, b.samples]), [
      [0, 0, 3, 32], [0, 1, 3, 64], [0, 2, 3, 80],
      [1, 0, 3, 32], [1, 1, 3, 64], [1, 2, 3, 80],
    ]);
    for (const b of batches) {
      assert.ok(Number.isFinite(b.loss) && b.loss > 0 && b.loss < 1);
      assert.ok(b.samplesPerSec > 0);
    }
    assert.equal(epochs.length, 2);
    assert.equal(trainEnds, 1);
    epochs.forEach((e, i) => {
      assert.equal(e.epoch, i);
      // the epoch loss is the sample-weighted mean of the batch losses
      const bs = batches.filter((b) => b.epoch === i);
      const sizes = [32, 32, 16];
      let sum = 0;
      bs.forEach((b, k) => (sum += b.loss * sizes[k]));
      assert.equal(e.loss, sum / 80);
      assert.equal(e.loss, h.loss[i]);
      assert.equal(e.valLoss, h.valLoss[i]);
      assert.ok(e.seconds >= 0 && e.samplesPerSec > 0);
    });
  });

  test('a callback can stop training; the reason ends up in the history', async () => {
    const h = await fit(model(), X, {
      epochs: 10, batchSize: 64, seed: 1,
      callbacks: [{ onEpochEnd: (e, c) => { if (e.epoch === 1) c.stop('enough'); } }],
    });
    assert.deepEqual(h.epoch, [1, 2]);
    assert.equal(h.stopReason, 'enough');
  });

  test('an onBatchEnd that returns a promise holds the run until it settles, and the numbers do not change', async () => {
    const straight = model();
    const h1 = await fit(straight, X, { epochs: 2, batchSize: 32, seed: 3 });
    const held = model();
    const order: string[] = [];
    let release: (() => void) | null = null;
    const hold = {
      onBatchEnd: (info: BatchEnd): Promise<void> | void => {
        if (info.batch % 3 !== 0) return;
        order.push(`held ${info.epoch}.${info.batch}`);
        return new Promise<void>((r) => { release = r; });
      },
    };
    const other = { onBatchEnd: (info: BatchEnd): void => void order.push(`batch ${info.epoch}.${info.batch}`) };
    const run = fit(held, X, { epochs: 2, batchSize: 32, seed: 3, callbacks: [hold, other] });
    let released = 0;
    for (let i = 0; i < 200 && released < 6; i++) {
      await new Promise((r) => setTimeout(r, 1));
      if (release) {
        // while held, no later batch has run: the last entry is this batch's own onBatchEnd
        assert.match(order.at(-1)!, /^batch /);
        assert.equal(order.at(-2), `held ${order.at(-1)!.slice(6)}`);
        const r: () => void = release;
        release = null;
        released++;
        r();
      }
    }
    assert.equal(released, 6, 'the run waited at every third batch');
    const h2 = await run;
    assert.deepEqual(h2.loss, h1.loss);
    assert.deepEqual(held.parameters().map((p) => [...p.toTypedArray()]), straight.parameters().map((p) => [...p.toTypedArray()]));
  });

  test('EarlyStopping stops when val loss gets worse and restores the best epoch\'s weights', async () => {
    // Adam lr 0.01 improves valLoss for 5 epochs (0.0410, 0.0367, 0.0313, 0.0259, 0.0222); then a callback sets
    // lr = 5 and the next epochs are far worse (~0.29). patience 1 => stop after 2 epochs without improvement.
    const m = model();
    const opt = new Adam(m, { lr: 0.01 });
    const es = new EarlyStopping({ patience: 1 });
    const snaps: Float32Array[][] = [];
    const h = await fit(m, X, {
      epochs: 20, batchSize: 32, seed: 3, validationSplit: 0.25, optimizer: opt,
      callbacks: [
        { onEpochEnd: (e) => { snaps.push(weights(m) as Float32Array[]); if (e.epoch === 4) opt.lr = 5; } },
        es,
      ],
    });
    assert.equal(es.bestEpoch, 4);
    assert.equal(es.stoppedEpoch, 6);
    assert.deepEqual(h.epoch, [1, 2, 3, 4, 5, 6, 7]);
    assert.match(h.stopReason ?? '', /^early stopping: valLoss has not improved for 2 epochs \(best 0\.0\d+ at epoch 5\)$/);
    for (let i = 1; i < 5; i++) assert.ok(h.valLoss[i] < h.valLoss[i - 1]);
    assert.ok(h.valLoss[5] > h.valLoss[4] && h.valLoss[6] > h.valLoss[4]);
    assert.equal(es.best, h.valLoss[4]);
    assert.deepEqual(weights(m), snaps[4], 'weights are the best epoch\'s');
    assert.notDeepEqual(weights(m), snaps[6]);
  });

  test('EarlyStopping with restoreBest false keeps the last weights; monitor valLoss needs validation data', async () => {
    const m = model();
    const opt = new Adam(m, { lr: 0.01 });
    const snaps: Float32Array[][] = [];
    await fit(m, X, {
      epochs: 20, batchSize: 32, seed: 3, validationSplit: 0.25, optimizer: opt,
      callbacks: [
        { onEpochEnd: (e) => { snaps.push(weights(m) as Float32Array[]); if (e.epoch === 4) opt.lr = 5; } },
        new EarlyStopping({ patience: 1, restoreBest: false }),
      ],
    });
    assert.deepEqual(weights(m), snaps[snaps.length - 1]);
    await assert.rejects(
      fit(model(), X, { epochs: 1, callbacks: [new EarlyStopping({ monitor: 'valLoss' })] }),
      /EarlyStopping monitors 'valLoss' but there is no validation data/,
    );
    assert.throws(() => new EarlyStopping({ patience: -1 }), /patience must be a non-negative integer/);
    assert.throws(() => new EarlyStopping({ minDelta: -0.1 }), /minDelta must be >= 0/);
  });

  test('EarlyStopping monitors the training loss when there is no validation data', async () => {
    const es = new EarlyStopping({ patience: 0, minDelta: 1 }); // nothing improves by 1: stops after epoch 2
    const h = await fit(model(), X, { epochs: 5, batchSize: 64, seed: 1, callbacks: [es] });
    assert.deepEqual(h.epoch, [1, 2]);
    assert.equal(es.best, h.loss[0]);
    assert.match(h.stopReason ?? '', /early stopping: loss has not improved/);
  });
});

describe('fit: stopping', () => {
  test('an AbortSignal aborted from onBatchEnd stops cleanly after that batch', async () => {
    const ctrl = new AbortController();
    let batchCount = 0;
    const epochEnds: number[] = [];
    const m = model();
    const h = await fit(m, X, {
      epochs: 5, batchSize: 32, seed: 1, signal: ctrl.signal,
      callbacks: [{
        onBatchEnd: (b) => { batchCount++; if (b.epoch === 1 && b.batch === 2) ctrl.abort(); },
        onEpochEnd: (e) => void epochEnds.push(e.epoch),
      }],
    });
    assert.equal(h.stopReason, 'aborted');
    assert.deepEqual(h.epoch, [1], 'the partial second epoch is not recorded');
    assert.equal(h.loss.length, 1);
    assert.deepEqual(epochEnds, [0]);
    assert.equal(batchCount, 8 + 3);
    assert.equal(m.training, false);
    assert.ok(m.parameters().every((p) => Array.from(p.toTypedArray()).every(Number.isFinite)));
  });

  test('an already-aborted signal trains nothing', async () => {
    const m = model();
    const before = weights(m);
    const h = await fit(m, X, { epochs: 3, signal: AbortSignal.abort() });
    assert.equal(h.stopReason, 'aborted');
    assert.deepEqual(h.epoch, []);
    assert.deepEqual(weights(m), before);
  });

  test('a diverging loss (huge lr) stops with a reason naming NaN/Infinity', async () => {
    const m = model({ outputActivation: 'linear' });
    const h = await fit(m, X, { epochs: 5, batchSize: 32, optimizer: 'sgd', lr: 1e6, seed: 1 });
    assert.match(h.stopReason ?? '', /loss became (NaN|Infinity|-Infinity) at epoch 1, batch \d+ \(try a lower learning rate\)/);
    assert.ok(h.loss.every(Number.isFinite));
    assert.equal(h.epoch.length, 0);
  });
});

describe('fit: equivalences', () => {
  test('a hand-written level-3 loop (valueAndGrad + optimizer.step) gives exactly fit\'s numbers with shuffle: false', async () => {
    const n = 256, bs = 50, epochs = 2; // batches of 50 x 5 and one of 6
    const a = model();
    const h = await fit(a, X, { epochs, batchSize: bs, shuffle: false, optimizer: new Adam(a, { lr: 0.01 }), seed: 9 });

    const b = model();
    const opt = new Adam(b, { lr: 0.01 });
    const params = b.parameters();
    const losses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      let sum = 0;
      for (let s = 0; s < n; s += bs) {
        const xb = rows(DATA, s, Math.min(n, s + bs));
        const { value, grads } = valueAndGrad(() => mse(b.forward(xb), xb), params);
        opt.step(grads);
        sum += value.item() * xb.shape[0];
      }
      losses.push(sum / n);
    }
    assert.deepEqual(h.loss, losses);
    assert.deepEqual(weights(a), weights(b));
  });

  test('a custom step replaces the default one', async () => {
    const m = model();
    const seen: number[] = [];
    const h = await fit(m, X, {
      epochs: 1, batchSize: 128, optimizer: new SGD(m, { lr: 0.1 }),
      step: (batch, ctx) => {
        seen.push(batch.shape[0]);
        assert.equal(ctx.model, m);
        assert.ok(ctx.optimizer instanceof SGD);
        assert.ok(ctx.rng instanceof Rng);
        return 0.5;
      },
    });
    assert.deepEqual(seen, [128, 128]);
    assert.deepEqual(h.loss, [0.5]);
  });

  test('corrupt is applied to the model input only; the loss target is the clean batch', async () => {
    const m = model();
    const forwardInputs: Float32Array[] = [];
    const targets: Float32Array[] = [];
    const cleanBatches: Float32Array[] = [];
    const corrupted: Float32Array[] = [];
    const origForward = m.forward.bind(m);
    m.forward = (x: Tensor) => {
      forwardInputs.push(x.toTypedArray() as Float32Array);
      return origForward(x);
    };
    const corrupt = (batch: Tensor, rng: Rng): Tensor => {
      cleanBatches.push(batch.toTypedArray() as Float32Array);
      const noise = new Float32Array(batch.size).map(() => rng.normal(0, 0.3));
      const out = ops.add(batch, tensor(noise, [...batch.shape]));
      corrupted.push(out.toTypedArray() as Float32Array);
      return out;
    };
    const loss = (pred: Tensor, target: Tensor) => {
      targets.push(target.toTypedArray() as Float32Array);
      return mse(pred, target);
    };
    await fit(m, rows(DATA, 0, 128), { epochs: 1, batchSize: 64, shuffle: false, seed: 2, corrupt, loss, validationData: rows(DATA, 128, 160) });
    // two training batches, then one validation pass (not corrupted)
    assert.equal(cleanBatches.length, 2);
    assert.deepEqual(cleanBatches[0], DATA.slice(0, 64 * 8));
    assert.deepEqual(cleanBatches[1], DATA.slice(64 * 8, 128 * 8));
    assert.deepEqual(forwardInputs.slice(0, 2), corrupted, 'the model sees the corrupted batch');
    assert.deepEqual(targets.slice(0, 2), cleanBatches, 'the loss target is the clean batch');
    assert.notDeepEqual(corrupted[0], cleanBatches[0]);
    assert.deepEqual(forwardInputs[2], DATA.slice(128 * 8, 160 * 8), 'validation input is clean');
    assert.deepEqual(targets[2], DATA.slice(128 * 8, 160 * 8));
  });

  test('corruption noise is seeded by fit\'s seed', async () => {
    const run = async (seed: number) => {
      const noises: number[] = [];
      await fit(model(), rows(DATA, 0, 32), {
        epochs: 1, batchSize: 32, seed,
        corrupt: (b, rng) => {
          noises.push(rng.next());
          return b;
        },
      });
      return noises;
    };
    assert.deepEqual(await run(1), await run(1));
    assert.notDeepEqual(await run(1), await run(2));
  });
});
