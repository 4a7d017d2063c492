import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Autoencoder, decodeModel, decodePng, encodeModel, encodePng, loadMnist, psnr, saveModel, tensor, VAE,
} from '../../src/index.js';
import {
  compressImages, compressionReport, compressWithReport, crossCompressionTable, crossDatasetCompression,
  decompressImages, decompressionReport, dequantizeCodes, modelFingerprint, pngSizes, quantizeCodes,
} from '../../src/analysis/compress.js';
import { loadFashionMnist } from '../../src/data/fashion.js';
import { decodeAekc, encodeAekc, writeAekc } from '../../src/io/aekc.js';
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
    const { report, file, bytes } = compressWithReport({ model, images, name: 'mnist test' });
    // Directly, without the file format.
    const codes = model.encode(images).toTypedArray() as Float32Array;
    const q = quantizeCodes(codes, images.length, 6);
    const direct = model.decode(tensor(dequantizeCodes(q, images.length, 6), [images.length, 6]));
    const viaFile = decompressImages(model, decodeAekc(bytes, 'x.aekc'));
    assert.deepEqual(viaFile.toTypedArray(), direct.toTypedArray());
    assert.deepEqual(file.codes, q.bytes);
    assert.equal(report.psnr, psnr(direct, images));
    assert.equal(report.psnrUnquantized, psnr(model.reconstruct(images), images));
    assert.ok(Number.isFinite(report.psnr) && report.psnr > 0);
    assert.equal(compressionReport({ model, images, name: 'again' }).psnr, report.psnr);
  });

  test('report: bytes per image = file bytes / n, ratios against 784 raw bytes and per-image PNG files', () => {
    const { report, bytes, file } = compressWithReport({ model, images, name: 'mnist test', source: { data: 'mnist', split: 'test', count: 40 } });
    assert.equal(report.n, 40);
    assert.equal(report.dim, 6);
    assert.equal(report.fileBytes, bytes.length);
    assert.equal(report.bytesPerImage, bytes.length / 40);
    assert.equal(report.overheadBytes, bytes.length - 40 * 6);
    assert.equal(report.rawBytesPerImage, 784);
    assert.equal(report.ratioVsRaw, 784 / report.bytesPerImage);
    assert.deepEqual(file.header.imageShape, [28, 28]);
    assert.deepEqual(file.header.source, { data: 'mnist', split: 'test', count: 40 });
    // PNG sizes measured here independently: each image as its own grey PNG.
    const x = images.toFloat32();
    let total = 0;
    for (let i = 0; i < 40; i++) {
      const data = Uint8Array.from(x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
      total += encodePng({ width: 28, height: 28, channels: 1, data }).length;
    }
    assert.equal(report.pngBytesPerImage, total / 40);
    assert.equal(report.ratioVsPng, total / 40 / report.bytesPerImage);
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
    const { report, bytes } = compressWithReport({ model, images, name: 'f.aekc' });
    const file = decodeAekc(bytes, 'f.aekc');
    const again = decompressionReport({ model, file, fileBytes: bytes.length, originals: images });
    assert.deepEqual(again, report);
    assert.throws(() => decompressionReport({ model, file, fileBytes: bytes.length, originals: loadMnist('test', { limit: 41 }).slice(1, 41) }),
      /f\.aekc: the originals given are not the images this file was made from/);
    assert.throws(() => decompressionReport({ model, file, fileBytes: bytes.length, originals: images.slice(0, 5) }), /holds 40 images of 784 values, but the originals given are 5/);
  });

  test('a VAE (posterior means as codes) and float64 models compress too', () => {
    const vae = new VAE({ inputDim: 784, hidden: [16], latentDim: 3, seed: 4 });
    const r = compressionReport({ model: vae, images, name: 'vae' });
    assert.equal(r.dim, 3);
    assert.ok(Number.isFinite(r.psnr));
    const m64 = new Autoencoder({ inputDim: 784, latentDim: 5, activation: 'tanh', dtype: 'float64', seed: 3 });
    const { bytes } = compressWithReport({ model: m64, images, name: 'f64' });
    assert.equal(decompressImages(m64, decodeAekc(bytes)).shape.join(), '40,784');
  });

  test('bad images are clear errors', () => {
    assert.throws(() => compressImages(model, images.slice(0, 0)), /no images to compress/);
    assert.throws(() => compressImages(model, tensor(new Float32Array(20), [2, 10])), /images have 10 values, the model takes 784/);
    const nan = images.toFloat32().slice(0, 784 * 2);
    nan[800] = NaN;
    assert.throws(() => compressImages(model, tensor(nan, [2, 784])), /image 1, value 16 is NaN/);
    assert.throws(() => compressImages(model, images, { imageShape: [27, 28] }), /imageShape \[27, 28\] holds 756 values but the model takes 784/);
  });

  test('crossDatasetCompression: every model on every data set, own pairs marked, table with the PSNR matrix', () => {
    const fashion = loadFashionMnist({ split: 'test', limit: 30 });
    const rows = crossDatasetCompression({ models: { mnist: model, fashion: other }, datasets: { mnist: images.slice(0, 30), fashion } });
    assert.deepEqual(rows.map((r) => `${r.trainedOn}/${r.data}/${r.own}`), ['mnist/mnist/true', 'mnist/fashion/false', 'fashion/mnist/false', 'fashion/fashion/true']);
    assert.equal(rows[0].pngBytesPerImage, rows[2].pngBytesPerImage, 'PNG sizes depend on the data only');
    assert.equal(rows[1].psnr, compressionReport({ model, images: fashion, name: 'x' }).psnr);
    const text = crossCompressionTable(rows);
    assert.match(text, /^model trained on\s+data\s+images\s+bytes\/image/);
    assert.match(text, /mnist \(own\)\s+mnist\s+30\s/);
    assert.match(text, /rows = model trained on, columns = data compressed\n\s+mnist\s+fashion\nmnist\s+\S+\s+\S+\nfashion/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The command modules, run in child processes through tsx (cli/main.ts wiring is not this file's concern).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { AEKIT_DEBUG: _debug, ...baseEnv } = process.env;

interface Run { status: number | null; stdout: string; stderr: string }

function command(mod: 'compress' | 'decompress', args: string[]): Promise<Run> {
  const code = `Promise.all([import('./cli/${mod}.ts'), import('./cli/errors.ts')]).then(([m, e]) => ` +
    `m.run(JSON.parse(process.env.AEKIT_TEST_ARGS)).then((c) => { process.exitCode = c; }, (err) => { process.exitCode = e.reportError(err); }))`;
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...baseEnv, AEKIT_TEST_ARGS: JSON.stringify(args) } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function oneLineError(r: Run, code: number, pattern: RegExp): void {
  assert.equal(r.status, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line, got: ${r.stderr}`);
  assert.match(lines[0], /^aekit: /);
  assert.match(lines[0], pattern);
}

function assertNear(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(b), `${what}: ${a} vs ${b}`);
}

function json(r: Run): Record<string, unknown> {
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one stdout line: ${r.stdout}`);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

describe('aekit compress / decompress (command modules)', () => {
  let dir: string;
  let runs: Record<string, Run>;
  const model = new Autoencoder({ inputDim: 784, hidden: [16], latentDim: 6, activation: 'sigmoid', seed: 1 });
  const other = new Autoencoder({ inputDim: 784, hidden: [16], latentDim: 6, activation: 'sigmoid', seed: 2 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aekit-compress-cli-'));
    const p = (f: string): string => join(dir, f);
    saveModel(p('model.safetensors'), model);
    saveModel(p('other.safetensors'), other);
    const images = loadMnist('test', { limit: 30 });
    writeAekc(p('lib.aekc'), compressImages(model, images, { imageShape: [28, 28], source: { data: 'mnist', split: 'test', count: 30 } }));
    writeFileSync(p('corrupt.aekc'), readFileSync(p('lib.aekc')).subarray(0, 100));
    // Independent runs, all at once (each child pays tsx's start-up).
    const jobs: Record<string, Promise<Run>> = {
      compress: command('compress', [p('model.safetensors'), '--out', p('c.aekc'), '--limit', '30', '--json']),
      compressFashion: command('compress', [p('model.safetensors'), '--out', p('f.aekc'), '--data', 'fashion', '--limit', '20']),
      decompress: command('decompress', [p('model.safetensors'), p('lib.aekc'), '--out', p('grid.png'), '--count', '12', '--cols', '5', '--originals', '--json']),
      wrongModel: command('decompress', [p('other.safetensors'), p('lib.aekc'), '--out', p('never.png')]),
      corrupt: command('decompress', [p('model.safetensors'), p('corrupt.aekc'), '--out', p('never.png')]),
      noOut: command('compress', [p('model.safetensors')]),
      badData: command('compress', [p('model.safetensors'), '--out', p('x.aekc'), '--data', 'cifar']),
      crossFlag: command('compress', [p('model.safetensors'), '--out', p('x.aekc'), '--epochs', '3']),
      cross: command('compress', ['--cross', '--mnist-model', p('model.safetensors'), '--train-limit', '200', '--epochs', '1', '--hidden', '8',
        '--latent', '4', '--limit', '20', '--save-dir', p('cross'), '--json']),
    };
    runs = Object.fromEntries(await Promise.all(Object.entries(jobs).map(async ([k, v]) => [k, await v] as const)));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('compress --json: writes the file and reports what the library reports', () => {
    const r = json(runs.compress);
    const lib = compressionReport({
      model, images: loadMnist('test', { limit: 30 }), name: 'mnist test', imageShape: [28, 28], source: { data: 'mnist', split: 'test', count: 30 },
    });
    assert.equal(r.fileBytes, readFileSync(join(dir, 'c.aekc')).length);
    for (const k of ['n', 'dim', 'fileBytes', 'bytesPerImage', 'ratioVsRaw', 'ratioVsPng', 'pngBytesPerImage'] as const) assert.equal(r[k], lib[k], k);
    // The child picks its own backend (and thread count), which may round differently from this process's.
    for (const k of ['psnr', 'psnrUnquantized'] as const) assertNear(r[k] as number, lib[k], k);
    assert.equal(r.data, 'mnist');
    assert.equal(r.split, 'test');
  });

  test('compress --data fashion: a text report', () => {
    const r = runs.compressFashion;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /images\s+20 Fashion-MNIST test images \(28x28\)/);
    assert.match(r.stdout, /bytes\/image \d+\.\d\d \(6 code bytes/);
    assert.match(r.stdout, /PSNR\s+\d+\.\d\d dB/);
    assert.ok(existsSync(join(dir, 'f.aekc')));
  });

  test('decompress --originals --json: a grid PNG (originals over decompressed) and the report', () => {
    const r = json(runs.decompress);
    assert.equal(r.n, 30);
    assert.equal(r.shown, 12);
    const lib = compressionReport({ model, images: loadMnist('test', { limit: 30 }), name: 'x' });
    assertNear(r.psnr as number, lib.psnr, 'psnr');
    const png = decodePng(readFileSync(join(dir, 'grid.png')));
    // 5 columns of 28*2 px with 2 px gaps; 3 image rows, each as originals + decompressed: 6 grid rows.
    assert.equal(png.width, 5 * 56 + 4 * 2);
    assert.equal(png.height, 6 * 56 + 5 * 2);
  });

  test('the wrong model and a corrupt file are one-line errors (exit 1) naming the file', () => {
    oneLineError(runs.wrongModel, 1, /lib\.aekc: compressed by another model/);
    assert.ok(!existsSync(join(dir, 'never.png')));
    oneLineError(runs.corrupt, 1, /corrupt\.aekc: header length \d+ runs past the end of the file \(100 bytes\): truncated/);
  });

  test('usage errors exit 2', () => {
    oneLineError(runs.noOut, 2, /needs --out FILE\.aekc/);
    oneLineError(runs.badData, 2, /--data must be one of mnist, fashion; got 'cifar'/);
    oneLineError(runs.crossFlag, 2, /--epochs only applies with --cross/);
  });

  test('compress --cross: loads the given model, trains the other, 4 rows', () => {
    const r = json(runs.cross);
    const rows = r.rows as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((x) => `${String(x.trainedOn)}/${String(x.data)}`), ['mnist/mnist', 'mnist/fashion', 'fashion/mnist', 'fashion/fashion']);
    assert.deepEqual(rows.map((x) => x.dim), [6, 6, 4, 4]);
    assert.ok(rows.every((x) => x.n === 20 && typeof x.psnr === 'number'));
    const models = r.models as Record<string, Record<string, unknown>>;
    assert.equal(models.mnist.file, join(dir, 'model.safetensors'));
    assert.equal(models.fashion.layers, '784-8-4-8-784');
    assert.ok(existsSync(join(dir, 'cross', 'fashion.safetensors')));
    assert.ok(!existsSync(join(dir, 'cross', 'mnist.safetensors')), 'a given model is not re-saved');
    assert.match(runs.cross.stderr, /training a 784-8-4-8-784 autoencoder on 200 Fashion-MNIST training images/);
  });
});
