/**
 * Compression beyond MNIST dense models: every autoencoder kind (conv feature maps, VAE, stacked, sequence),
 * RGB images at their own size, and tables in their own units (standardized for the model, measured back in
 * the data's units, with ids). Every number is checked against a computation done here, not by the library.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import {
  Autoencoder, ConvAutoencoder, Dataset, encodePng, loadMnist, openData, Preprocessing, SequenceAutoencoder, StackedAutoencoder,
  tensor, VAE,
} from '../../src/index.js';
import { compressWithReport, decompressionReport, decompressSamples, shortestFloat32 } from '../../src/analysis/compression.js';
import { decodeAekc } from '../../src/io/aekc.js';
import { Rng } from '../../src/tensor/rng.js';

const RGB32 = 'test/fixtures/data/images/rgb32';

/** v' = min + q (max - min) / 255 per code value, written out here (q = 255 gives max exactly, as the format says). */
function dequantizeByHand(bytes: Uint8Array, min: Float32Array, max: Float32Array): Float32Array {
  const dim = min.length;
  return Float32Array.from(bytes, (q, p) => {
    const j = p % dim;
    return q === 255 ? max[j] : min[j] + (q * (max[j] - min[j])) / 255;
  });
}

/** Mean over samples of 10 log10(1 / MSE), values already in [0, 1]. */
function psnrByHand(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  const d = a.length / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += (a[j] - b[j]) ** 2;
    total += 10 * Math.log10(1 / (s / d));
  }
  return total / n;
}

function near(a: number, b: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);
}

describe('a convolutional model: the code is its feature map, taken flat', () => {
  const images = loadMnist('test', { limit: 20 });
  const conv = new ConvAutoencoder({ seed: 3 }); // the Keras blog model, 4x4x8 codes; untrained, seeded

  test('the file holds 128 code bytes per image, and decompressing it is decode(dequantize(codes)) done by hand', () => {
    const { report, file, bytes } = compressWithReport({ model: conv, samples: images, name: 'conv' });
    assert.equal(file.header.dim, 128);
    assert.deepEqual(file.header.model.latentDim, 128);
    assert.equal(file.header.model.layers, conv.architecture());
    assert.deepEqual(file.header.data, { kind: 'image', sampleShape: [28, 28, 1], valueRange: [0, 255] });
    // By hand: the codes of the images, their min/max per value, the bytes, decoded back.
    const codes = conv.encode(tensor(images.toFloat32(), [20, 28, 28, 1])).toTypedArray();
    assert.equal(codes.length, 20 * 128);
    const lo = new Float32Array(128).fill(Infinity), hi = new Float32Array(128).fill(-Infinity);
    codes.forEach((v, p) => { lo[p % 128] = Math.min(lo[p % 128], v); hi[p % 128] = Math.max(hi[p % 128], v); });
    assert.deepEqual(file.min, lo);
    assert.deepEqual(file.max, hi);
    const q = Uint8Array.from(codes, (v, p) => (hi[p % 128] === lo[p % 128] ? 0 : Math.round(((v - lo[p % 128]) / (hi[p % 128] - lo[p % 128])) * 255)));
    assert.deepEqual(file.codes, q);
    const decoded = conv.decode(tensor(dequantizeByHand(q, lo, hi), [20, 4, 4, 8])).toTypedArray();
    const viaFile = decompressSamples(conv, decodeAekc(bytes, 'conv.aekc'));
    assert.deepEqual(viaFile.shape, [20, 28, 28, 1]);
    assert.deepEqual(viaFile.toTypedArray(), decoded);
    near(report.psnr!, psnrByHand(decoded, images.toFloat32(), 20), 1e-12, 'PSNR');
    // MSE in the data's units (0..255): the [0, 1] error times 255^2.
    let s = 0;
    const x = images.toFloat32();
    for (let i = 0; i < x.length; i++) s += ((decoded[i] - x[i]) * 255) ** 2;
    near(report.mse, s / x.length, 1e-12, 'MSE');
    assert.ok(report.ssim !== null && report.ssim > -1 && report.ssim <= 1, 'grey images get an SSIM');
    assert.equal(report.rawBytesPerSample, 784);
  });
});

describe('RGB images at their own size', () => {
  test('32x32x3: PNG baseline per RGB image, PSNR over all channels, no SSIM, file names as ids', async () => {
    const { train: raw, info } = await openData(RGB32, { channels: 'auto' });
    assert.deepEqual(info.sampleShape, [32, 32, 3]);
    const prep = Preprocessing.scaleBy(255);
    const samples = prep.apply(raw);
    const model = new Autoencoder({ inputDim: 3072, latentDim: 8, seed: 5 });
    const { report, file, bytes } = compressWithReport({
      model, samples, name: 'rgb', preprocessing: prep, ids: raw.ids,
      data: { kind: 'image', sampleShape: info.sampleShape, valueRange: info.valueRange },
    });
    const n = raw.length;
    assert.equal(n, 6);
    assert.deepEqual(file.ids, raw.ids);
    assert.ok(file.ids!.every((id) => /^(circle|square)\/\d\.png$/.test(id)), file.ids!.join());
    // The ids cost their JSON text plus a 4-byte length, counted in bytes per image.
    assert.equal(report.idBytes, 4 + Buffer.byteLength(JSON.stringify(raw.ids)));
    assert.equal(report.overheadBytes + report.idBytes + n * 8, bytes.length);
    // PNG baseline by hand: the original bytes of each image as an RGB PNG.
    const px = raw.values as Uint8Array;
    let total = 0;
    for (let i = 0; i < n; i++) total += encodePng({ width: 32, height: 32, channels: 3, data: px.subarray(i * 3072, (i + 1) * 3072) }).length;
    assert.equal(report.pngBytesPerImage, total / n);
    assert.equal(report.rawBytesPerSample, 3072);
    assert.equal(report.ssim, null, 'SSIM is for grey images only');
    const decoded = model.decode(tensor(dequantizeByHand(file.codes, file.min, file.max), [n, 8])).toTypedArray();
    near(report.psnr!, psnrByHand(decoded, Float32Array.from(px, (v) => v / 255), n), 1e-6, 'PSNR');
    // decompressionReport on the same originals repeats every number.
    assert.deepEqual(decompressionReport({ model, file: decodeAekc(bytes, 'rgb'), fileBytes: bytes.length, originals: samples, preprocessing: prep, name: 'rgb' }), report);
  });
});

describe('tables in their own units', () => {
  // 60 rows of 4 features with two decimals: the text a CSV file of them holds is known exactly.
  const rng = new Rng(11);
  const n = 60, d = 4;
  const text: string[] = [];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t = rng.normal();
    const row = [t, 2 * t + 0.1 * rng.normal(), 100 + 15 * rng.normal(), -0.5 * t].map((v) => Math.round(v * 100) / 100);
    rows.push(row);
    text.push(`${row.map(String).join(',')}\n`);
  }
  const raw = Dataset.fromArrays(rows).withMeta({ ids: rows.map((_, i) => `row-${i}`) });
  const prep = Preprocessing.fit(raw, 'standardize', d);
  const model = new Autoencoder({ inputDim: d, latentDim: 2, activation: 'tanh', outputActivation: 'linear', seed: 2 });
  const data = { kind: 'tabular' as const, sampleShape: [d], featureNames: ['a', 'b', 'c', 'd'], idColumn: 'name' };

  test('without the raw values the CSV baseline is measured on the inputs mapped back (float32 noise digits included)', () => {
    const r = compressWithReport({ model, samples: prep.apply(raw), name: 'table', preprocessing: prep, data }).report;
    assert.ok(r.csvBytesPerSample! >= text.join('').length / n);
  });

  test('MSE in the data units, CSV and deflated-CSV baselines, float32 raw, ids kept', () => {
    const { report, file } = compressWithReport({ model, samples: prep.apply(raw), raw, name: 'table', preprocessing: prep, data });
    assert.deepEqual(file.header.data, data);
    assert.deepEqual(file.ids, raw.ids);
    assert.equal(report.dataKind, 'tabular');
    assert.equal(report.rawBytesPerSample, 16);
    assert.equal(report.psnr, null);
    assert.equal(report.pngBytesPerImage, null);
    const csv = text.join('');
    assert.equal(report.csvBytesPerSample, csv.length / n);
    assert.equal(report.csvDeflateBytesPerSample, deflateSync(Buffer.from(csv), { level: 9 }).length / n);
    assert.equal(report.ratioVsCsv, report.csvBytesPerSample! / report.bytesPerSample);
    // By hand: decode the dequantized codes, undo the standardization, compare with the numbers as written.
    const dec = model.decode(tensor(dequantizeByHand(file.codes, file.min, file.max), [n, 2])).toTypedArray();
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) s += (dec[i * d + j] * prep.scale[j] + prep.shift[j] - rows[i][j]) ** 2;
    near(report.mse, s / (n * d), 1e-5, 'MSE in data units');
    assert.ok(report.mseUnquantized > 0);
  });

  test('shortestFloat32: the fewest digits that read back as the same float32', () => {
    assert.equal(shortestFloat32(Math.fround(5.1)), '5.1');
    assert.equal(shortestFloat32(0.1), '0.1');
    assert.equal(shortestFloat32(1 / 3), '0.33333334');
    assert.equal(shortestFloat32(16777217), '16777216');
    assert.equal(shortestFloat32(-0), '0');
    assert.equal(shortestFloat32(1e-45), '1e-45');
    assert.equal(shortestFloat32(NaN), '', 'a missing value is an empty cell');
    const r = new Rng(4);
    for (let k = 0; k < 2000; k++) {
      const v = Math.fround(r.normal() * 10 ** Math.round(r.normal() * 8));
      const s = shortestFloat32(v);
      assert.equal(Math.fround(Number(s)), v, `${v} -> ${s}`);
      const digits = s.replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
      assert.ok(digits.length <= 9, s);
      // and no shorter text would do: one digit fewer reads back as another float32
      if (digits.length > 1) assert.notEqual(Math.fround(Number(v.toPrecision(digits.length - 1))), v, s);
    }
  });

  test('bad data descriptions and ids are clear errors', () => {
    const samples = prep.apply(raw);
    assert.throws(() => compressWithReport({ model, samples, name: 't', data: { kind: 'tabular', sampleShape: [5] } }), /data samples of shape \[5\] hold 5 values but the model takes 4/);
    assert.throws(() => compressWithReport({ model, samples, name: 't', ids: ['a'] }), /1 ids for 60 samples/);
  });
});

describe('every kind compresses through the one interface', () => {
  test('VAE, stacked and sequence models: codes of latentDim values, decompressed to their input shape', () => {
    const images = loadMnist('test', { limit: 12 });
    for (const model of [new VAE({ inputDim: 784, hidden: [8], latentDim: 3, seed: 1 }), new StackedAutoencoder({ inputDim: 784, hidden: [8], latentDim: 4, seed: 1 })]) {
      const { report, file } = compressWithReport({ model, samples: images, name: 'x' });
      assert.equal(report.dim, model.config.latentDim);
      assert.equal(decompressSamples(model, file).shape.join(), `12,784`);
      assert.ok(Number.isFinite(report.psnr));
    }
    const seq = new SequenceAutoencoder({ inputDim: 2, timesteps: 5, units: 4, latentDim: 3, seed: 1 });
    const x = tensor(Float32Array.from({ length: 8 * 5 * 2 }, (_, i) => Math.sin(i / 3)), [8, 5, 2]);
    const { report, file } = compressWithReport({ model: seq, samples: x, name: 'seq' });
    assert.deepEqual(file.header.data, { kind: 'sequence', sampleShape: [5, 2] });
    assert.equal(report.dim, 3);
    assert.equal(report.psnr, null);
    assert.equal(report.rawBytesPerSample, 40);
    const dec = seq.decode(tensor(dequantizeByHand(file.codes, file.min, file.max), [8, 3])).toTypedArray();
    const xv = x.toTypedArray();
    let s = 0;
    for (let i = 0; i < xv.length; i++) s += (dec[i] - xv[i]) ** 2;
    near(report.mse, s / xv.length, 1e-6, 'sequence MSE');
  });

  test('a NaN metric is an error, not a result', () => {
    const model = new Autoencoder({ inputDim: 784, latentDim: 4, seed: 1 });
    const bias = (model.decoder.layers[0] as unknown as { bias: { data: Float32Array } }).bias;
    bias.data[5] = NaN;
    assert.throws(() => compressWithReport({ model, samples: loadMnist('test', { limit: 3 }), name: 'broken' }), /^Error: broken: the MSE of the decompressed samples is NaN/);
  });
});
