/**
 * Image metrics: MSE and PSNR closed forms (MSE 0.01 -> 20 dB), Infinity for identical images, per-image
 * values and their mean, Tensor and Dataset inputs alike, and SSIM against its formula on a one-window image.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { imageQuality, meanSquaredError, perImageMse, perImagePsnr, perImageSsim, psnr, psnrFromMse, ssim } from '../../src/analysis/metrics.js';
import { Dataset } from '../../src/data/dataset.js';
import { full, tensor, zeros } from '../../src/tensor/tensor.js';
import { assertClose, rand } from '../helpers.js';

describe('MSE and PSNR', () => {
  test('closed forms: MSE 0.01 -> 20 dB, 0.001 -> 30 dB, range 255 with MSE 65.025 -> 30 dB', () => {
    assert.equal(psnrFromMse(0.01), 20);
    assertClose([psnrFromMse(0.001)], [30], 1e-12);
    assertClose([psnrFromMse(65.025, 255)], [30], 1e-12);
    const a = zeros([2, 100], { dtype: 'float64' });
    const b = full([2, 100], 0.1, { dtype: 'float64' });
    assertClose(perImageMse(a, b), [0.01, 0.01], 1e-15);
    assertClose([psnr(a, b)], [20], 1e-12);
    assertClose([psnr(zeros([1, 4]), full([1, 4], 10), { dataRange: 100 })], [20], 1e-5);
  });

  test('identical images give MSE 0 and PSNR Infinity', () => {
    const x = rand([3, 16], 1, 0, 1);
    assert.deepEqual([...perImageMse(x, x)], [0, 0, 0]);
    assert.deepEqual([...perImagePsnr(x, x)], [Infinity, Infinity, Infinity]);
    assert.equal(psnr(x, x), Infinity);
    assert.equal(psnrFromMse(0), Infinity);
  });

  test('per-image values; psnr is the mean of the per-image PSNRs, mse the pooled mean', () => {
    const a = tensor([[0, 0, 0, 0], [0, 0, 0, 0]], undefined, { dtype: 'float64' });
    const b = tensor([[0.1, 0.1, 0.1, 0.1], [0.01, 0.01, 0.01, 0.01]], undefined, { dtype: 'float64' });
    assertClose(perImageMse(a, b), [0.01, 0.0001], 1e-15);
    assertClose(perImagePsnr(a, b), [20, 40], 1e-10);
    assertClose([psnr(a, b)], [30], 1e-10);
    assertClose([meanSquaredError(a, b)], [0.00505], 1e-15);
    const q = imageQuality(a, b);
    assertClose([q.mse, q.psnr], [0.00505, 30], 1e-10);
    assert.equal(q.ssim, undefined);
  });

  test('a Dataset of uint8 pixels gives the same numbers as the tensor of its values', () => {
    const pixels = Uint8Array.from({ length: 2 * 9 }, (_, i) => (i * 37) % 256);
    const ds = Dataset.fromTyped(pixels, 2, [9], { scale: 1 / 255 });
    const t = tensor(ds.toFloat32(), [2, 9]);
    const other = rand([2, 9], 3, 0, 1, 'float32');
    assert.deepEqual(perImagePsnr(ds, other), perImagePsnr(t, other));
  });

  test('mismatched batches and bad ranges are rejected', () => {
    assert.throws(() => psnr(zeros([2, 4]), zeros([2, 5])), /image batches differ: 2 images of 4 values vs 2 images of 5 values/);
    assert.throws(() => psnr(zeros([2, 4]), zeros([2, 4]), { dataRange: 0 }), /dataRange must be a positive number/);
  });
});

describe('SSIM', () => {
  test('one 3x3 window: equals the SSIM formula with sample (co)variances', () => {
    const x = [0.1, 0.5, 0.9, 0.2, 0.4, 0.6, 0.3, 0.7, 0.8];
    const y = [0.2, 0.5, 0.7, 0.1, 0.5, 0.6, 0.4, 0.6, 0.9];
    const m = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
    const ux = m(x), uy = m(y);
    const cov = (u: number[], v: number[], mu: number, mv: number) => u.reduce((s, e, i) => s + (e - mu) * (v[i] - mv), 0) / (u.length - 1);
    const c1 = 0.01 ** 2, c2 = 0.03 ** 2;
    const expected = ((2 * ux * uy + c1) * (2 * cov(x, y, ux, uy) + c2)) / ((ux * ux + uy * uy + c1) * (cov(x, x, ux, ux) + cov(y, y, uy, uy) + c2));
    const a = tensor([x], undefined, { dtype: 'float64' });
    const b = tensor([y], undefined, { dtype: 'float64' });
    assertClose(perImageSsim(a, b, { height: 3, width: 3, windowSize: 3 }), [expected], 1e-14);
  });

  test('identical images score 1; noise lowers the score; sizes are checked', () => {
    const x = rand([2, 100], 4, 0, 1);
    assertClose([ssim(x, x, { height: 10, width: 10 })], [1], 1e-6);
    const noisy = rand([2, 100], 5, 0, 1);
    assert.ok(ssim(x, noisy, { height: 10, width: 10 }) < 0.5);
    assert.ok(imageQuality(x, x, { height: 10, width: 10 }).ssim! > 0.999999);
    assert.throws(() => ssim(x, x, { height: 10, width: 9 }), /height 10 x width 9 does not match images of 100 values/);
    assert.throws(() => ssim(x, x, { height: 10, width: 10, windowSize: 4 }), /windowSize must be an odd integer/);
  });
});
