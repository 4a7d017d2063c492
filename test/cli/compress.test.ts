/**
 * `aekit compress` and `aekit decompress` through the CLI (the built one; AEKIT_CLI_SOURCE=1 runs the
 * sources): MNIST as before (the numbers the library reports), a conv model, an RGB image folder and a CSV
 * with an id column, each checked against the codes decoded here by hand; version 1 files; the error paths.
 * Models are made in-process (seeded, untrained: the tests check the plumbing and the numbers, not quality).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Autoencoder, ConvAutoencoder, decodePng, loadMnist, openData, parseNpy, Preprocessing, saveModel, tensor,
} from '../../src/index.js';
import { compressImages, compressionReport } from '../../src/analysis/compression.js';
import { type AekcFile, readAekc, writeAekc } from '../../src/io/aekc.js';
import { aekit, assertOneLineError, jsonLine, type Run } from './helpers.js';

const RGB32 = 'test/fixtures/data/images/rgb32';

/** v' = min + q (max - min) / 255 per code value (q = 255 gives max exactly). */
function dequantizeByHand(f: AekcFile): Float32Array {
  const dim = f.min.length;
  return Float32Array.from(f.codes, (q, p) => (q === 255 ? f.max[p % dim] : f.min[p % dim] + (q * (f.max[p % dim] - f.min[p % dim])) / 255));
}

function near(a: number, b: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-12), `${what}: ${a} vs ${b}`);
}

function ok(r: Run): Record<string, unknown> {
  assert.equal(r.status, 0, r.stderr);
  return jsonLine(r.stdout);
}

/** A version 1 file of the same codes (what 'aekit compress' wrote before version 2), assembled by hand. */
function asVersion1(f: AekcFile): Uint8Array {
  const h = f.header;
  const json = Buffer.from(JSON.stringify({
    model: h.model, n: h.n, dim: h.dim, imageShape: [28, 28], quantization: h.quantization, imagesSha256: h.samplesSha256,
    source: { data: 'mnist', split: 'test', count: h.n },
  }));
  const out = Buffer.alloc(12 + json.length + 8 * h.dim + h.n * h.dim);
  out.write('AEKC', 0, 'latin1');
  out.writeUInt32LE(1, 4);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  let p = 12 + json.length;
  for (const a of [f.min, f.max]) for (const v of a) { out.writeFloatLE(v, p); p += 4; }
  out.set(f.codes, p);
  return out;
}

let dir: string;
const p = (f: string): string => join(dir, f);
before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-compress-cli-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('MNIST (model files without data info are MNIST models)', () => {
  const model = new Autoencoder({ inputDim: 784, hidden: [16], latentDim: 6, activation: 'sigmoid', seed: 1 });
  const other = new Autoencoder({ inputDim: 784, hidden: [16], latentDim: 6, activation: 'sigmoid', seed: 2 });
  const images = loadMnist('test', { limit: 30 });
  before(() => {
    saveModel(p('model.safetensors'), model);
    saveModel(p('other.safetensors'), other);
    writeAekc(p('lib.aekc'), compressImages(model, images, { imageShape: [28, 28], source: { data: 'mnist', split: 'test', count: 30 } }));
    writeFileSync(p('v1.aekc'), asVersion1(readAekc(p('lib.aekc'))));
    writeFileSync(p('corrupt.aekc'), readFileSync(p('lib.aekc')).subarray(0, 100));
  });

  test('compress --json: writes the file and reports what the library reports', () => {
    const r = ok(aekit(['compress', p('model.safetensors'), '--out', p('c.aekc'), '--test-limit', '30', '--json']));
    const lib = compressionReport({
      model, samples: images, name: 'mnist test', imageShape: [28, 28], source: { data: 'mnist', split: 'test', count: 30, args: ['--test-limit', '30'] },
    });
    assert.equal(r.fileBytes, readFileSync(p('c.aekc')).length);
    for (const k of ['n', 'dim', 'fileBytes', 'bytesPerSample', 'ratioVsRaw', 'ratioVsPng', 'pngBytesPerImage', 'dataKind'] as const) assert.deepEqual(r[k], lib[k], k);
    // The child picks its own backend (and thread count), which may round differently from this process's.
    for (const k of ['psnr', 'psnrUnquantized', 'ssim', 'mse'] as const) near(r[k] as number, lib[k]!, 1e-6, k);
    assert.deepEqual([r.kind, r.data, r.split], ['Autoencoder', 'mnist', 'test']);
  });

  test('compress --data fashion: a text report', () => {
    const r = aekit(['compress', p('model.safetensors'), '--out', p('f.aekc'), '--data', 'fashion', '--test-limit', '20']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /data\s+20 test samples of fashion \(28x28 grey images\)/);
    assert.match(r.stdout, /bytes\/image \d+\.\d\d \(6 code bytes/);
    assert.match(r.stdout, /PSNR\s+\d+\.\d\d dB/);
    assert.match(r.stdout, /SSIM\s+-?\d\.\d{4}/);
    assert.ok(existsSync(p('f.aekc')));
  });

  test('decompress --originals --json: a grid PNG (originals over decompressed) and the report; a version 1 file reads the same', () => {
    const r = ok(aekit(['decompress', p('model.safetensors'), p('lib.aekc'), '--out', p('grid.png'), '--count', '12', '--cols', '5', '--originals', '--json']));
    assert.equal(r.n, 30);
    assert.equal(r.shown, 12);
    const lib = compressionReport({ model, samples: images, name: 'x' });
    near(r.psnr as number, lib.psnr!, 1e-6, 'psnr');
    const png = decodePng(readFileSync(p('grid.png')));
    // 5 columns of 28*2 px with 2 px gaps; 3 image rows, each as originals + decompressed: 6 grid rows.
    assert.equal(png.width, 5 * 56 + 4 * 2);
    assert.equal(png.height, 6 * 56 + 5 * 2);
    const v1 = ok(aekit(['decompress', p('model.safetensors'), p('v1.aekc'), '--out', p('grid1.png'), '--json']));
    assert.equal(v1.version, 1);
    assert.equal(v1.psnr, r.psnr);
    assert.equal(v1.pngBytesPerImage, r.pngBytesPerImage);
  });

  test('the wrong model and a corrupt file are one-line errors (exit 1) naming the file, and write nothing', () => {
    assertOneLineError(aekit(['decompress', p('other.safetensors'), p('lib.aekc'), '--out', p('never.png')]), 1, 'lib.aekc: compressed by another model');
    assert.ok(!existsSync(p('never.png')));
    const line = assertOneLineError(aekit(['decompress', p('model.safetensors'), p('corrupt.aekc'), '--out', p('never.png')]), 1);
    assert.match(line, /corrupt\.aekc: header length \d+ runs past the end of the file \(100 bytes\): truncated/);
  });

  test('usage errors exit 2; data that cannot be read exits 1', () => {
    assertOneLineError(aekit(['compress', p('model.safetensors')]), 2, 'needs --out FILE.aekc');
    assertOneLineError(aekit(['compress', p('model.safetensors'), '--out', p('x.aekc'), '--epochs', '3']), 2, '--epochs only applies with --cross');
    // --limit keeps training samples: on MNIST's fixed test split it would silently compress all 10000.
    assertOneLineError(aekit(['compress', p('model.safetensors'), '--out', p('x.aekc'), '--limit', '30']), 2, 'use --test-limit N');
    assertOneLineError(aekit(['compress', p('model.safetensors'), '--out', p('x.aekc'), '--data', 'cifar']), 1, 'data not found: cifar');
    assertOneLineError(aekit(['decompress', p('model.safetensors'), p('lib.aekc'), '--out', p('x.gif')]), 2, "not '.gif'");
    assertOneLineError(aekit(['decompress', p('model.safetensors'), p('lib.aekc'), '--out', p('x.csv')]), 2, 'write a .png grid or .npy');
    assert.ok(!existsSync(p('x.aekc')));
  });

  test('compress --cross: loads the given model, trains the other, 4 rows', () => {
    const r = ok(aekit(['compress', '--cross', '--mnist-model', p('model.safetensors'), '--train-limit', '200', '--epochs', '1', '--hidden', '8',
      '--latent', '4', '--limit', '20', '--save-dir', p('cross'), '--json']));
    const rows = r.rows as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((x) => `${String(x.trainedOn)}/${String(x.data)}`), ['mnist/mnist', 'mnist/fashion', 'fashion/mnist', 'fashion/fashion']);
    assert.deepEqual(rows.map((x) => x.dim), [6, 6, 4, 4]);
    assert.ok(rows.every((x) => x.n === 20 && typeof x.psnr === 'number'));
    const models = r.models as Record<string, Record<string, unknown>>;
    assert.equal(models.mnist.file, p('model.safetensors'));
    assert.equal(models.fashion.layers, '784-8-4-8-784');
    assert.ok(existsSync(p('cross/fashion.safetensors')));
    assert.ok(!existsSync(p('cross/mnist.safetensors')), 'a given model is not re-saved');
  });
});

describe('a convolutional model on MNIST', () => {
  const conv = new ConvAutoencoder({ seed: 3 });
  before(() => saveModel(p('conv.safetensors'), conv));

  test('compress and decompress: 4x4x8 codes, numbers from decoding the file\'s codes here', () => {
    const r = ok(aekit(['compress', p('conv.safetensors'), '--out', p('conv.aekc'), '--test-limit', '25', '--json']));
    assert.equal(r.dim, 128);
    assert.equal(r.layers, conv.architecture());
    const file = readAekc(p('conv.aekc'));
    const x = loadMnist('test', { limit: 25 }).toFloat32();
    const dec = conv.decode(tensor(dequantizeByHand(file), [25, 4, 4, 8])).toTypedArray();
    let psnr = 0;
    for (let i = 0; i < 25; i++) {
      let s = 0;
      for (let j = i * 784; j < (i + 1) * 784; j++) s += (dec[j] - x[j]) ** 2;
      psnr += 10 * Math.log10(784 / s) / 25;
    }
    near(r.psnr as number, psnr, 1e-5, 'PSNR');
    const d = ok(aekit(['decompress', p('conv.safetensors'), p('conv.aekc'), '--out', p('conv.npy'), '--json']));
    assert.equal(d.psnr, r.psnr);
    const npy = parseNpy(readFileSync(p('conv.npy')));
    assert.deepEqual(npy.shape, [25, 28, 28, 1]);
    // In the data's units: 0..255.
    const got = npy.data as Float32Array;
    for (let i = 0; i < got.length; i += 97) near(got[i], dec[i] * 255, 1e-5, `value ${i}`);
  });
});

describe('an RGB image folder (32x32, two classes)', () => {
  const model = new ConvAutoencoder({ inputShape: [32, 32, 3], encoder: [4, 4], decoder: [4, 4], seed: 7 });
  before(async () => {
    const { info } = await openData(RGB32);
    saveModel(p('rgb.safetensors'), model, { dataRequest: { spec: RGB32 } }, { data: info, preprocessing: Preprocessing.scaleBy(255) });
  });

  test('compress (the model\'s own data), decompress to a grid at 32x32 RGB and to .npy', async () => {
    const r = ok(aekit(['compress', p('rgb.safetensors'), '--out', p('rgb.aekc'), '--json']));
    assert.deepEqual([r.n, r.dim, r.dataKind, r.rawBytesPerSample, r.ssim], [6, 8 * 8 * 4, 'image', 3072, null]);
    const file = readAekc(p('rgb.aekc'));
    const { train } = await openData(RGB32);
    assert.deepEqual(file.ids, train.ids);
    const dec = model.decode(tensor(dequantizeByHand(file), [6, 8, 8, 4])).toTypedArray();
    const px = train.toFloat32();
    let psnr = 0;
    for (let i = 0; i < 6; i++) {
      let s = 0;
      for (let j = i * 3072; j < (i + 1) * 3072; j++) s += (dec[j] - px[j] / 255) ** 2;
      psnr += 10 * Math.log10(3072 / s) / 6;
    }
    near(r.psnr as number, psnr, 1e-5, 'PSNR');
    ok(aekit(['decompress', p('rgb.safetensors'), p('rgb.aekc'), '--out', p('rgb.png'), '--originals', '--json']));
    const png = decodePng(readFileSync(p('rgb.png')));
    assert.deepEqual([png.width, png.height], [6 * 64 + 5 * 2, 2 * 64 + 2]);
    // The first original, drawn at scale 2, is the fixture's own pixels (RGB, not grey).
    const at = (x: number, y: number): number[] => [...png.data.subarray((y * png.width + x) * png.channels, (y * png.width + x) * png.channels + 3)];
    assert.deepEqual(at(2 * 16, 2 * 16), [...(train.values as Uint8Array).subarray((16 * 32 + 16) * 3, (16 * 32 + 16) * 3 + 3)]);
  });
});

describe('a CSV with an id and a label column', () => {
  const csv = (): string => p('rows.csv');
  const lines = ['name,a,b,c,kind'];
  for (let i = 0; i < 40; i++) lines.push(`id-${i},${(i % 7) / 4},${(i * 3) % 11 - 5},${i / 8},${i % 2 ? 'odd' : 'even'}`);
  const model = new Autoencoder({ inputDim: 3, latentDim: 2, activation: 'tanh', outputActivation: 'linear', seed: 4 });
  let prep: Preprocessing;
  before(async () => {
    writeFileSync(csv(), `${lines.join('\n')}\n`);
    const { info, train } = await openData(csv(), { id: 'name', label: 'kind' });
    prep = Preprocessing.fit(train, 'standardize', 3);
    saveModel(p('tab.safetensors'), model, { dataRequest: { spec: csv() } }, { data: info, preprocessing: prep });
  });

  test('compress, then decompress to a CSV in the data\'s units with the ids first, and the codes', () => {
    const r = ok(aekit(['compress', p('tab.safetensors'), '--out', p('tab.aekc'), '--json']));
    assert.deepEqual([r.n, r.dim, r.dataKind, r.rawBytesPerSample, r.psnr], [40, 2, 'tabular', 12, null]);
    // The CSV baseline: each row's feature values as the file writes them.
    const text = lines.slice(1).map((l) => `${l.split(',').slice(1, 4).join(',')}\n`).join('');
    near(r.csvBytesPerSample as number, text.length / 40, 1e-12, 'CSV bytes per row');
    const d = aekit(['decompress', p('tab.safetensors'), p('tab.aekc'), '--out', p('back.csv'), '--codes', p('codes.csv')]);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /MSE\s+\S+ per value, in the data's units/);
    const back = readFileSync(p('back.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    assert.deepEqual(back[0], ['name', 'a', 'b', 'c']);
    assert.deepEqual(back.slice(1).map((c) => c[0]), Array.from({ length: 40 }, (_, i) => `id-${i}`));
    // By hand: decode the file's codes, undo the standardization.
    const file = readAekc(p('tab.aekc'));
    const dec = model.decode(tensor(dequantizeByHand(file), [40, 2])).toTypedArray();
    let s = 0;
    for (let i = 0; i < 40; i++) {
      const orig = lines[i + 1].split(',').slice(1, 4).map(Number);
      for (let j = 0; j < 3; j++) {
        const v = dec[i * 3 + j] * prep.scale[j] + prep.shift[j];
        near(Number(back[i + 1][j + 1]), v, 1e-6, `row ${i} feature ${j}`);
        s += (v - orig[j]) ** 2;
      }
    }
    near(r.mse as number, s / 120, 1e-5, 'MSE in data units');
    const codes = readFileSync(p('codes.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(codes[0], 'name,z0,z1');
    assert.equal(codes.length, 41);
  });

  test('--no-ids leaves them out (and the decompressed CSV has no id column)', () => {
    ok(aekit(['compress', p('tab.safetensors'), '--out', p('noids.aekc'), '--no-ids', '--json']));
    assert.equal(readAekc(p('noids.aekc')).ids, null);
    assert.equal(aekit(['decompress', p('tab.safetensors'), p('noids.aekc'), '--out', p('noids.csv'), '--no-reference']).status, 0);
    assert.equal(readFileSync(p('noids.csv'), 'utf8').split('\n')[0], 'a,b,c');
  });

  test('errors: data the model does not fit, a table to .png, another model\'s file; a good output is never overwritten', () => {
    assertOneLineError(aekit(['compress', p('tab.safetensors'), '--out', p('x.aekc'), '--data', RGB32]), 1, 'takes [3]');
    assertOneLineError(aekit(['decompress', p('tab.safetensors'), p('tab.aekc'), '--out', p('x.png')]), 2, 'holds table rows, which have no picture');
    const good = readFileSync(p('back.csv'));
    assertOneLineError(aekit(['decompress', p('model.safetensors'), p('tab.aekc'), '--out', p('back.csv')]), 1, 'tab.aekc: compressed by another model');
    assert.deepEqual(readFileSync(p('back.csv')), good);
    assert.ok(!existsSync(p('x.aekc')));
  });
});
