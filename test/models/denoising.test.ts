/**
 * DenoisingAutoencoder: fit corrupts every batch with the model's noise (exactly what fit's `corrupt` hook with
 * that corruption does), a caller's `corrupt` overrides it, PSNR(denoised, clean) beats PSNR(noisy, clean) on
 * held-out MNIST digits after a short run, the noisy / denoised / clean figure, and the save/load round trip.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { psnr } from '../../src/analysis/metrics.js';
import { loadMnist } from '../../src/data/mnist.js';
import { addNoise, makeCorruption, type NoiseSpec } from '../../src/data/noise.js';
import { decodeModel, encodeModel } from '../../src/io/model-file.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { DenoisingAutoencoder } from '../../src/models/denoising.js';
import type { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { denoisingFigure } from '../../src/viz/variants.js';
import { rand } from '../helpers.js';

const weights = (m: { namedTensors(): [string, Tensor][] }) => m.namedTensors().map(([n, t]) => [n, [...t.toTypedArray()]]);

describe('DenoisingAutoencoder training', () => {
  const config = { inputDim: 8, hidden: [6], latentDim: 3, seed: 5 };
  const x = rand([40, 8], 2, 0, 1, 'float32');

  test('fit = Autoencoder fit with corrupt: makeCorruption(noise) (same seeds, same weights)', async () => {
    const noise: NoiseSpec = { type: 'saltAndPepper', fraction: 0.25 };
    const dae = new DenoisingAutoencoder({ ...config, noise });
    const ae = new Autoencoder(config);
    const h1 = await dae.fit(x, { epochs: 3, batchSize: 8, loss: 'bce', seed: 9 });
    const h2 = await ae.fit(x, { epochs: 3, batchSize: 8, loss: 'bce', seed: 9, corrupt: makeCorruption(noise) });
    assert.deepEqual(h1.loss, h2.loss);
    assert.deepEqual(weights(dae), weights(ae));
    // ...and the corruption did something: training on clean inputs ends elsewhere.
    const clean = new Autoencoder(config);
    await clean.fit(x, { epochs: 3, batchSize: 8, loss: 'bce', seed: 9 });
    assert.notDeepEqual(weights(clean), weights(dae));
  });

  test("a caller's corrupt replaces the model's noise; it sees each batch and fit's seeded stream", async () => {
    const seen: number[] = [];
    const dae = new DenoisingAutoencoder({ ...config, noise: { type: 'masking', fraction: 0.5 } });
    const ae = new Autoencoder(config);
    const spy = (b: Tensor, rng: Rng) => { seen.push(b.shape[0]); return addNoise(b, { type: 'gaussian', factor: 0.1 }, rng.nextU32()); };
    const h1 = await dae.fit(x, { epochs: 1, batchSize: 16, seed: 3, corrupt: spy });
    const h2 = await ae.fit(x, { epochs: 1, batchSize: 16, seed: 3, corrupt: spy });
    assert.deepEqual(seen, [16, 16, 8, 16, 16, 8]);
    assert.deepEqual(h1.loss, h2.loss);
  });

  test('the default noise is the seed\'s Gaussian 0.5 clipped to [0, 1]; corrupt(x, seed) is reproducible', () => {
    const dae = new DenoisingAutoencoder(config);
    assert.deepEqual(dae.noise, { type: 'gaussian', factor: 0.5, clip: true });
    const a = dae.corrupt(x, 4).toTypedArray();
    assert.deepEqual(dae.corrupt(x, 4).toTypedArray(), a);
    assert.deepEqual(a, addNoise(x, dae.noise, 4).toTypedArray());
    assert.ok(a.every((v) => v >= 0 && v <= 1));
    assert.throws(() => new DenoisingAutoencoder({ ...config, noise: { type: 'masking', fraction: 3 } }), /fraction must be a number in \[0, 1\]/);
  });
});

describe('denoising MNIST (500 training images, 5 epochs, Gaussian 0.5)', () => {
  test('on 200 held-out digits PSNR(denoised, clean) clearly beats PSNR(noisy, clean); figure rows', async () => {
    const train = loadMnist('train', { limit: 500 });
    const test_ = loadMnist('test', { limit: 200 });
    const dae = new DenoisingAutoencoder({ inputDim: 784, hidden: [128], latentDim: 64, seed: 1 });
    await dae.fit(train, { epochs: 5, batchSize: 32, loss: 'bce', seed: 2 });
    const r = dae.evaluateDenoising(test_, { seed: 42 });
    assert.ok(r.denoisedPsnr > r.noisyPsnr + 1.5, `noisy ${r.noisyPsnr.toFixed(2)} dB -> denoised ${r.denoisedPsnr.toFixed(2)} dB`);
    assert.equal(r.noisyPsnr, psnr(r.noisy, r.clean));
    assert.deepEqual(r.noisy.toTypedArray(), dae.corrupt(test_, 42).toTypedArray());

    const img = denoisingFigure(r.noisy, r.denoised, r.clean, { count: 8, scale: 2, gap: 2 });
    assert.equal(img.width, 8 * 56 + 7 * 2);
    assert.equal(img.height, 3 * 56 + 2 * 2);
    // Row 3, first cell, top-left pixel is the clean digit's pixel 0 (black background).
    const px = (x: number, y: number) => img.data[(y * img.width + x) * 3];
    assert.equal(px(0, 2 * 58), Math.round(r.clean.toTypedArray()[0] * 255));
    assert.throws(() => denoisingFigure(r.noisy, r.denoised, [], {}), /rows must pair up, got 200 \/ 200 \/ 0 images/);
  });
});

describe('DenoisingAutoencoder files', () => {
  test('save/load round trip keeps the kind, the noise spec and the weights', () => {
    for (const noise of [{ type: 'gaussian', factor: 0.3, clip: false }, { type: 'masking', fraction: 0.4 }, { type: 'saltAndPepper', fraction: 0.1 }] as NoiseSpec[]) {
      const m = new DenoisingAutoencoder({ inputDim: 6, hidden: [4], latentDim: 2, activation: 'tanh', noise, seed: 8 });
      const { model, header } = decodeModel(encodeModel(m));
      assert.equal(header.kind, 'DenoisingAutoencoder');
      assert.ok(model instanceof DenoisingAutoencoder);
      assert.deepEqual(model.noise, noise);
      assert.deepEqual(model.modelConfig(), m.modelConfig());
      const x = rand([3, 6], 1, 0, 1, 'float32');
      assert.deepEqual(model.denoise(x).toTypedArray(), m.denoise(x).toTypedArray());
    }
  });
});
