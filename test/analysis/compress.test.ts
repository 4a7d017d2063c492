import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  Autoencoder, decodeModel, encodeModel, encodePng, loadMnist, psnr, tensor, VAE,
} from '../../src/index.js';
import {
  compressImages, compressionReport, compressWithReport, crossCompressionTable, crossDatasetCompression,
  decompressImages, decompressionReport, dequantizeCodes, modelFingerprint, pngSizes, quantizeCodes,
} from '../../src/analysis/compression.js';
import { loadFashionMnist } from '../../src/data/fashion.js';
import { decodeAekc, encodeAekc } from '../../src/io/aekc.js';
import { Rng } from '../../src/tensor/rng.js';

/** |v - v'| <= (max - min) / 510, plus the float32 rounding of v' (half an ulp, taken generously). */
function assertWithinBound(codes: ArrayLike<number>, back: Float32Array, min: Float32Array, max: Float32Array, n: number, dim: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = codes[i * dim + j];
      const err = Math.abs(v - back[i * dim + j]);
      const bound = (max[j] - min[j]) / 510 + Math.abs(v) * 2 ** -23 + 1e-45;
      assert.ok(err <= bound, `code ${i} dim ${j}: |${v} - ${back[i * dim + j]}| = ${err} > ${bound}`);
    }
  }
}

describe('quantizeCodes / dequantizeCodes', () => {
  test('error <= (max - min) / 255 / 2 per dimension, min/max are the exact extremes, both ends reached', () => {
    const rng = new Rng(7);
    const n = 400;
    const scales = [1e-3, 1, 37, 1e5, 1e-6];
    const offsets = [0, -0.5, 1000, -2e5, 3];
    const dim = scales.length;
    const codes = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) codes[i * dim + j] = offsets[j] + scales[j] * rng.normal();
    const q = quantizeCodes(codes, n, dim);
    assert.equal(q.bytes.length, n * dim);
    for (let j = 0; j < dim; j++) {
      let lo = Infinity, hi = -Infinity;
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, codes[i * dim + j]);
        hi = Math.max(hi, codes[i * dim + j]);
        seen.add(q.bytes[i * dim + j]);
      }
      assert.equal(q.min[j], lo);
      assert.equal(q.max[j], hi);
      assert.ok(seen.has(0) && seen.has(255), `dimension ${j} uses both ends`);
    }
    const back = dequantizeCodes(q, n, dim);
    assert.ok(back instanceof Float32Array);
    assertWithinBound(codes, back, q.min, q.max, n, dim);
    // The extremes come back exactly (q = 0 -> min, q = 255 -> max).
    for (let p = 0; p < n * dim; p++) {
      if (q.bytes[p] === 0) assert.equal(back[p], q.min[p % dim]);
      if (q.bytes[p] === 255) assert.equal(back[p], q.max[p % dim]);
    }
    // Values already on the grid quantize to the same bytes again.
    assert.deepEqual(quantizeCodes(back, n, dim).bytes, q.bytes);
  });

  test('rounding is Math.round: halves go up', () => {
    // min 0 and max 255 make the step exactly 1, so q = round(v).
    const codes = new Float32Array([0, 255, 2.5, 2.4999, 100.5, 254.5, 0.5, 0.49]);
    const q = quantizeCodes(codes, 8, 1);
    assert.deepEqual(Array.from(q.bytes), [0, 255, 3, 2, 101, 255, 1, 0]);
  });

  test('a constant dimension is stored exactly (q = 0, value = min = max)', () => {
    const n = 50;
    const values = [0, Math.fround(0.1), -3.25, Math.fround(1e-30), 7];
    const dim = values.length;
    const codes = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      values.forEach((v, j) => { codes[i * dim + j] = v; });
      codes[i * dim + 4] = i; // one varying dimension among constant ones
    }
    const q = quantizeCodes(codes, n, dim);
    const back = dequantizeCodes(q, n, dim);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) {
        assert.equal(q.bytes[i * dim + j], 0);
        assert.equal(back[i * dim + j], values[j]);
      }
    }
    // A single code: every dimension is constant, so it comes back exactly.
    const one = new Float32Array([0.3, -2, 5e10]);
    assert.deepEqual(dequantizeCodes(quantizeCodes(one, 1, 3), 1, 3), one);
  });

  test('float64 codes: min/max rounded outwards to float32, so the bound still holds', () => {
    const rng = new Rng(3);
    const n = 200, dim = 3;
    const codes = new Float64Array(n * dim);
    for (let p = 0; p < codes.length; p++) codes[p] = 0.1 + rng.normal() * (1 + (p % dim));
    const q = quantizeCodes(codes, n, dim);
    for (let j = 0; j < dim; j++) {
      assert.equal(Math.fround(q.min[j]), q.min[j]);
      for (let i = 0; i < n; i++) assert.ok(q.min[j] <= codes[i * dim + j] && codes[i * dim + j] <= q.max[j]);
    }
    assertWithinBound(codes, dequantizeCodes(q, n, dim), q.min, q.max, n, dim);
    // A float64 constant that is not a float32 is bracketed by the two neighbouring float32s.
    const c = quantizeCodes(new Float64Array([0.1, 0.1]), 2, 1);
    assert.equal(c.max[0], Math.fround(0.1)); // 0.100000001490116..., the float32 just above 0.1
    assert.ok(c.min[0] < 0.1 && Math.fround(c.min[0]) === c.min[0]);
    assert.equal(new Uint32Array(new Float32Array([c.max[0]]).buffer)[0] - new Uint32Array(new Float32Array([c.min[0]]).buffer)[0], 1, 'adjacent float32s');
  });

  test('bad input is a clear error', () => {
    assert.throws(() => quantizeCodes(new Float32Array([1, NaN]), 1, 2), /code 0, dimension 1 is NaN/);
    assert.throws(() => quantizeCodes(new Float64Array([1, Infinity]), 2, 1), /code 1, dimension 0 is Infinity/);
    assert.throws(() => quantizeCodes(new Float64Array([1e39]), 1, 1), /code 0, dimension 0 is 1e\+39/);
    assert.throws(() => quantizeCodes(new Float32Array(5), 2, 3), /codes has 5 values but n x dim = 2 x 3 = 6/);
    assert.throws(() => quantizeCodes(new Float32Array(0), 0, 3), /n must be a positive integer, got 0/);
    assert.throws(() => quantizeCodes([1, 2] as unknown as Float32Array, 1, 2), /must be a Float32Array or Float64Array/);
    assert.throws(() => dequantizeCodes({ bytes: new Uint8Array(3), min: new Float32Array(2), max: new Float32Array(2) }, 2, 2), /bytes must be a Uint8Array of n x dim = 4/);
  });
});

describe('compress / decompress with a model', () => {
  const images = loadMnist('test', { limit: 40 });
  const model = new Autoencoder({ inputDim: 784, hidden: [16], latentDim: 6, activation: 'sigmoid', seed: 1 });
  const other = new Autoencoder({ inputDim: 784, hidden: [16], latentDim: 6, activation: 'sigmoid', seed: 2 });

  test('the fingerprint survives saving and loading (training notes do not count), and changes with any weight', () => {
    const fp = modelFingerprint(model);
    assert.match(fp, /^[0-9a-f]{64}$/);
    const loaded = decodeModel(encodeModel(model, { epochs: 3, note: 'anything' })).model as Autoencoder;
    assert.equal(modelFingerprint(loaded), fp);
    assert.notEqual(modelFingerprint(other), fp);
    const nudged = decodeModel(encodeModel(model)).model as Autoencoder;
    const w = nudged.decoder.layers[1] as unknown as { bias: { data: Float32Array } };
    w.bias.data[3] += 1e-6;
    assert.notEqual(modelFingerprint(nudged), fp);
  });

  test('decompress(file bytes) equals decode(dequantize(quantize(encode(x)))) computed directly, so the PSNRs are equal', () => {
    const { report, file, bytes } = compressWithReport({ model, samples: images, name: 'mnist test' });
    // Directly, without the file format.
    const codes = model.encode(images).toTypedArray() as Float32Array;
    const q = quantizeCodes(codes, images.length, 6);
    const direct = model.decode(tensor(dequantizeCodes(q, images.length, 6), [images.length, 6]));
    const viaFile = decompressImages(model, decodeAekc(bytes, 'x.aekc'));
    assert.deepEqual(viaFile.toTypedArray(), direct.toTypedArray());
    assert.deepEqual(file.codes, q.bytes);
    assert.equal(report.psnr, psnr(direct, images));
    assert.equal(report.psnrUnquantized, psnr(model.reconstruct(images), images));
    assert.ok(Number.isFinite(report.psnr) && report.psnr! > 0);
    assert.equal(compressionReport({ model, samples: images, name: 'again' }).psnr, report.psnr);
  });

  test('report: bytes per image = file bytes / n, ratios against 784 raw bytes and per-image PNG files', () => {
    const { report, bytes, file } = compressWithReport({ model, samples: images, name: 'mnist test', source: { data: 'mnist', split: 'test', count: 40 } });
    assert.equal(report.n, 40);
    assert.equal(report.dim, 6);
    assert.equal(report.fileBytes, bytes.length);
    assert.equal(report.bytesPerSample, bytes.length / 40);
    assert.equal(report.overheadBytes, bytes.length - 40 * 6);
    assert.equal(report.idBytes, 0);
    assert.equal(report.rawBytesPerSample, 784);
    assert.equal(report.ratioVsRaw, 784 / report.bytesPerSample);
    // 784 flat values of a square are a grey image, 8-bit in the data's units (the library's default: [0, 1] inputs).
    assert.deepEqual(file.header.data, { kind: 'image', sampleShape: [28, 28, 1], valueRange: [0, 255] });
    assert.equal(report.dataKind, 'image');
    assert.equal(report.csvBytesPerSample, null);
    assert.deepEqual(file.header.source, { data: 'mnist', split: 'test', count: 40 });
    // PNG sizes measured here independently: each image as its own grey PNG.
    const x = images.toFloat32();
    let total = 0;
    for (let i = 0; i < 40; i++) {
      const data = Uint8Array.from(x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
      total += encodePng({ width: 28, height: 28, channels: 1, data }).length;
    }
    assert.equal(report.pngBytesPerImage, total / 40);
    assert.equal(report.ratioVsPng, total / 40 / report.bytesPerSample);
    assert.ok(report.pngStackBytesPerImage! < report.pngBytesPerImage!, 'one stacked PNG shares its overhead');
    assert.deepEqual(pngSizes(images), { perImage: report.pngBytesPerImage, stack: report.pngStackBytesPerImage });
    assert.equal(pngSizes(images, [784]), null, '1-D images have no PNG baseline');
  });

  test('decompressing with another model is refused, naming the file', () => {
    const file = decodeAekc(encodeAekc(compressImages(model, images)), 'digits.aekc');
    assert.throws(() => decompressImages(other, file), (e: Error) => {
      assert.match(e.message, /^digits\.aekc: compressed by another model \(Autoencoder 784-16-6-16-784, fingerprint [0-9a-f]{12}\), not by this one/);
      return true;
    });
    const vae = new VAE({ inputDim: 784, hidden: [16], latentDim: 6, seed: 1 });
    assert.throws(() => decompressImages(vae, file), /compressed by another model .* not by this one \(VAE 784-16-6-16-784/);
  });

  test('decompressionReport checks the originals and repeats the numbers of compressWithReport', () => {
    const { report, bytes } = compressWithReport({ model, samples: images, name: 'f.aekc' });
    const file = decodeAekc(bytes, 'f.aekc');
    const again = decompressionReport({ model, file, fileBytes: bytes.length, originals: images });
    assert.deepEqual(again, report);
    assert.throws(() => decompressionReport({ model, file, fileBytes: bytes.length, originals: loadMnist('test', { limit: 41 }).slice(1, 41) }),
      /f\.aekc: the originals given are not the samples this file was made from/);
    assert.throws(() => decompressionReport({ model, file, fileBytes: bytes.length, originals: images.slice(0, 5) }), /holds 40 samples of 784 values, but the originals given are 5/);
  });

  test('a VAE (posterior means as codes) and float64 models compress too', () => {
    const vae = new VAE({ inputDim: 784, hidden: [16], latentDim: 3, seed: 4 });
    const r = compressionReport({ model: vae, samples: images, name: 'vae' });
    assert.equal(r.dim, 3);
    assert.ok(Number.isFinite(r.psnr));
    const m64 = new Autoencoder({ inputDim: 784, latentDim: 5, activation: 'tanh', dtype: 'float64', seed: 3 });
    const { bytes } = compressWithReport({ model: m64, samples: images, name: 'f64' });
    assert.equal(decompressImages(m64, decodeAekc(bytes)).shape.join(), '40,784');
  });

  test('bad samples are clear errors', () => {
    assert.throws(() => compressImages(model, images.slice(0, 0)), /no samples to compress/);
    assert.throws(() => compressImages(model, tensor(new Float32Array(20), [2, 10])), /samples have 10 values, the model takes 784/);
    const nan = images.toFloat32().slice(0, 784 * 2);
    nan[800] = NaN;
    assert.throws(() => compressImages(model, tensor(nan, [2, 784])), /sample 1, value 16 is NaN/);
    assert.throws(() => compressImages(model, images, { imageShape: [27, 28] }), /imageShape \[27, 28\] holds 756 values but the model takes 784/);
  });

  test('crossDatasetCompression: every model on every data set, own pairs marked, table with the PSNR matrix', () => {
    const fashion = loadFashionMnist({ split: 'test', limit: 30 });
    const rows = crossDatasetCompression({ models: { mnist: model, fashion: other }, datasets: { mnist: images.slice(0, 30), fashion } });
    assert.deepEqual(rows.map((r) => `${r.trainedOn}/${r.data}/${r.own}`), ['mnist/mnist/true', 'mnist/fashion/false', 'fashion/mnist/false', 'fashion/fashion/true']);
    assert.equal(rows[0].pngBytesPerImage, rows[2].pngBytesPerImage, 'PNG sizes depend on the data only');
    assert.equal(rows[1].psnr, compressionReport({ model, samples: fashion, name: 'x' }).psnr);
    const text = crossCompressionTable(rows);
    assert.match(text, /^model trained on\s+data\s+images\s+bytes\/image/);
    assert.match(text, /mnist \(own\)\s+mnist\s+30\s/);
    assert.match(text, /rows = model trained on, columns = data compressed\n\s+mnist\s+fashion\nmnist\s+\S+\s+\S+\nfashion/);
  });
});
