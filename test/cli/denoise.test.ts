/**
 * `aekit denoise` and `aekit report` on data other than MNIST, through the CLI's sources (cli/main.ts run by
 * tsx in a child process, so no build is needed): a conv and a dense model over an RGB image folder written
 * here, a model over a small CSV, images from a folder into a folder. Models are built (and barely trained)
 * in-process and saved with their data description and preprocessing, as `aekit train` saves them. Oracles:
 * PSNR and MSE computed here in float64 from the model's outputs; output PNG bytes computed here from the model.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  addNoise, Autoencoder, ConvAutoencoder, type DataInfo, decodePng, encodePng, noGrad, openData, Preprocessing, saveModel, tensor,
} from '../../src/index.js';
import { aekitAsync, assertOneLineError, jsonLine, root } from './helpers.js';

/** `aekit ARGS` from the sources, asynchronously (the tests of a describe run side by side). */
const aekit = aekitAsync;

const SIDE = 32;
const PER_CLASS = 6;
let dir: string;
let images: string;
let info: DataInfo;
let conv: ConvAutoencoder;
let dense: Autoencoder;
let convPath: string;
let densePath: string;
let csv: string;
let tabPath: string;
let tab: Autoencoder;
const tabPrep = new Preprocessing({ method: 'standardize', shift: Float64Array.of(1, -2, 10), scale: Float64Array.of(2, 0.5, 4), fill: null });
let tabRows: number[][];
let overflowPath: string;

/** A 32x32 RGB picture: a disc or a square of one colour on a background of another, different for every i. */
function picture(shape: 'disc' | 'box', i: number): Uint8Array {
  const px = new Uint8Array(SIDE * SIDE * 3);
  const fg = [40 + 30 * i, 200 - 25 * i, 90 + 15 * i], bg = [10 + 5 * i, 20, 60 - 7 * i];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const inside = shape === 'disc' ? (x - 16) ** 2 + (y - 16) ** 2 < (6 + i) ** 2 : Math.abs(x - 16) < 5 + i && Math.abs(y - 15) < 7;
      px.set(inside ? fg : bg, (y * SIDE + x) * 3);
    }
  }
  return px;
}

/** The model's output bytes for one image of bytes (data units 0..255, scale preprocessing), computed here. */
function expectedBytes(model: ConvAutoencoder | Autoencoder, px: Uint8Array): number[] {
  const out = noGrad(() => model.reconstruct(tensor(Float32Array.from(px, (v) => v / 255), [1, ...model.inputShape])).toTypedArray());
  return Array.from(out, (v) => { const b = v * 255; return b > 0 ? (b >= 255 ? 255 : Math.round(b)) : 0; });
}

function assertBytesClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** The RGB bytes of a decoded PNG (decodePng gives RGBA). */
const rgbOf = (png: { data: Uint8Array; width: number; height: number }): number[] =>
  Array.from({ length: png.width * png.height * 3 }, (_, i) => png.data[4 * Math.floor(i / 3) + (i % 3)]);

/**
 * Mean over images of 10 log10(255^2 / MSE) in 0..255 units, and the pooled MSE in [0, 1] units, in float64:
 * the oracle for what `aekit denoise` reports.
 */
function quality(a: ArrayLike<number>, b: ArrayLike<number>, n: number): { psnr: number; mse: number } {
  const d = a.length / n;
  let psnr = 0, mse = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += (255 * a[j] - 255 * b[j]) ** 2;
    psnr += 10 * Math.log10((255 * 255) / (s / d));
    mse += s / d / (255 * 255);
  }
  return { psnr: psnr / n, mse: mse / n };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-denoise-'));
  images = join(dir, 'shapes');
  for (const [cls, shape] of [['boxes', 'box'], ['discs', 'disc']] as const) {
    mkdirSync(join(images, cls), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) writeFileSync(join(images, cls, `${i}.png`), encodePng({ width: SIDE, height: SIDE, channels: 3, data: picture(shape, i) }));
  }
  const opened = await openData(images);
  info = opened.info;
  const prep = Preprocessing.scaleBy(255);
  const x = prep.apply(opened.train);
  conv = new ConvAutoencoder({ inputShape: [SIDE, SIDE, 3], encoder: [8, 4], decoder: [4, 8], noise: { type: 'gaussian', factor: 0.3 }, seed: 3 });
  await conv.fit(x, { epochs: 1, batchSize: 4, optimizer: 'adam', lr: 0.01, seed: 3 });
  convPath = join(dir, 'conv.safetensors');
  saveModel(convPath, conv, { loss: 'bce', epochs: 1 }, { data: info, preprocessing: prep });
  dense = new Autoencoder({ inputDim: SIDE * SIDE * 3, hidden: [24], latentDim: 6, seed: 4 });
  await dense.fit(x.reshape([SIDE * SIDE * 3]), { epochs: 2, batchSize: 4, optimizer: 'adam', lr: 0.003, seed: 4 });
  densePath = join(dir, 'dense.safetensors');
  saveModel(densePath, dense, undefined, { data: info, preprocessing: prep });

  // A table: an id column, three features, a label; the model's preprocessing is given, not fitted.
  tabRows = Array.from({ length: 40 }, (_, i) => [Math.sin(i) * 3 + 1, (i % 7) / 3 - 2, 10 + ((i * 13) % 11)]);
  csv = join(dir, 'readings.csv');
  writeFileSync(csv, `id,temp,flow,load,kind\n${tabRows.map((r, i) => `m${i},${r.join(',')},${i % 2 ? 'pump' : 'valve'}\n`).join('')}`);
  const tabInfo: DataInfo = {
    kind: 'tabular', sampleShape: [3], source: csv, featureNames: ['temp', 'flow', 'load'], classNames: ['pump', 'valve'],
    valueRange: null, columns: { label: 'kind', id: 'id', features: ['temp', 'flow', 'load'] }, window: null,
  };
  tab = new Autoencoder({ inputDim: 3, hidden: [], latentDim: 2, outputActivation: 'linear', seed: 5 });
  tabPath = join(dir, 'tab.safetensors');
  saveModel(tabPath, tab, undefined, { data: tabInfo, preprocessing: tabPrep });
  // Weights that overflow float32 into infinite codes, which the decoder adds up to NaN, or to an infinity where
  // the GEMM fuses its multiply-adds (native): either way not a finite metric.
  const overflow = new Autoencoder({ inputDim: 3, hidden: [], latentDim: 2, activation: 'linear', latentActivation: 'linear', outputActivation: 'linear', seed: 6 });
  overflow.parameters()[0].data.set([3e38, 3e38, 3e38, -3e38, -3e38, -3e38]);
  overflowPath = join(dir, 'overflow.safetensors');
  saveModel(overflowPath, overflow, undefined, { data: tabInfo, preprocessing: tabPrep });
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** What the model sees of the folder: every image / 255, in sample order (boxes then discs). */
function folderInputs(): Float32Array {
  const all: number[] = [];
  for (const [, shape] of [['boxes', 'box'], ['discs', 'disc']] as const) for (let i = 0; i < PER_CLASS; i++) all.push(...Array.from(picture(shape, i), (v) => v / 255));
  return Float32Array.from(all);
}

describe('aekit denoise on the evaluation samples of other data', { concurrency: true }, () => {
  for (const which of ['conv', 'dense'] as const) {
    test(`${which} model over an RGB folder: PSNR and MSE as computed here, a colour figure at 32x32`, async () => {
      const out = join(dir, `dn-${which}`);
      const path = which === 'conv' ? convPath : densePath;
      const r = await aekit(['denoise', path, '--data', images, '--noise', 'gaussian:0.4', '--seed', '7', '--out', out, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const j = jsonLine(r.stdout) as Record<string, number & string & number[] & null>;
      const n = 2 * PER_CLASS;
      assert.deepEqual([j.samples, j.dataKind, j.noise, j.clip, j.psnrRange], [n, 'image', 'gaussian:0.4', true, [0, 255]]);
      // Colour images: PSNR over all channels, no SSIM (the grey-image index).
      assert.equal(j.ssimNoisy, null);
      const clean = folderInputs();
      const noisy = addNoise(tensor(clean, [n, clean.length / n]), { type: 'gaussian', factor: 0.4, clip: true }, 7).toTypedArray() as Float32Array;
      const model = which === 'conv' ? conv : dense;
      const denoised = noGrad(() => model.reconstruct(tensor(noisy, [n, ...model.inputShape])).toTypedArray());
      const before = quality(noisy, clean, n), afterQ = quality(denoised, clean, n);
      assert.ok(Math.abs(j.psnrNoisy - before.psnr) < 1e-9, `noisy PSNR ${j.psnrNoisy} vs ${before.psnr}`);
      assert.ok(Math.abs(j.mseNoisy - before.mse) < 1e-9, `noisy MSE ${j.mseNoisy} vs ${before.mse}`);
      assert.ok(Math.abs(j.psnrDenoised - afterQ.psnr) < 1e-3, `denoised PSNR ${j.psnrDenoised} vs ${afterQ.psnr}`);
      assert.ok(Math.abs(j.mseDenoised - afterQ.mse) < 1e-6, `denoised MSE ${j.mseDenoised} vs ${afterQ.mse}`);
      const fig = decodePng(readFileSync(join(out, 'denoise.png')));
      // 10 images of 32 px at scale 4 (figureScale: about 112 px tall), 3 rows, 2 px gaps; colour kept.
      assert.deepEqual([fig.width, fig.height], [10 * 128 + 9 * 2, 3 * 128 + 2 * 2]);
      const firstClean = Array.from({ length: 3 }, (_, k) => fig.data[4 * ((2 * 130) * fig.width) + k]);
      assert.deepEqual(firstClean, Array.from(picture('box', 0).subarray(0, 3)));
    });
  }

  test("the model's own training noise by default; text output names the data and the split", async () => {
    const r = await aekit(['denoise', convPath, '--data', images, '--limit', '5', '--out', join(dir, 'dn-text')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^noise gaussian:0\\.3 \\(seed 0\\) on 5 samples of ${images.replace(/[/\\.]/g, '\\$&')} `));
    assert.match(r.stdout, /\n +PSNR dB +SSIM +MSE\nnoisy +\d+\.\d\d +- +\S+\ndenoised +\d+\.\d\d +- +\S+\nwrote /);
  });

  test('a table: MSE only (noise not clipped on standardized values), no figure', async () => {
    const out = join(dir, 'dn-tab');
    const r = await aekit(['denoise', tabPath, '--noise', 'gaussian:0.5', '--seed', '2', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout) as Record<string, number & string & unknown[] & null>;
    assert.deepEqual([j.samples, j.dataKind, j.clip, j.psnrNoisy, j.ssimNoisy, j.files], [40, 'tabular', false, null, null, []]);
    const clean = tabPrep.transform(tabRows.flat());
    const noisy = addNoise(tensor(clean, [40, 3]), { type: 'gaussian', factor: 0.5, clip: false }, 2).toTypedArray() as Float32Array;
    const denoised = noGrad(() => tab.reconstruct(tensor(noisy, [40, 3])).toTypedArray());
    const mse = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v, i) => s + (v - clean[i]) ** 2, 0) / a.length;
    assert.ok(Math.abs(j.mseNoisy - mse(noisy)) < 1e-9 && Math.abs(j.mseDenoised - mse(denoised)) < 1e-5, `${j.mseNoisy} ${j.mseDenoised}`);
    assert.ok(!existsSync(join(out, 'denoise.png')));
  });
});

test('a non-finite metric is an error: denoise and report fail in one line, and a report already there is kept', async () => {
  const out = join(dir, 'nan-report.html');
  writeFileSync(out, 'an earlier, good report');
  const [d, r] = await Promise.all([
    aekit(['denoise', overflowPath, '--out', join(dir, 'dn-nan'), '--json']),
    aekit(['report', overflowPath, '--out', out]),
  ]);
  assert.match(assertOneLineError(d, 1, 'denoising gave a'), /denoising gave (a NaN|an infinite) MSE/);
  assert.equal(d.stdout, '');
  assert.match(assertOneLineError(r, 1, 'the MSE of the reconstructions is'), /the MSE of the reconstructions is (NaN|-?Infinity)/);
  assert.equal(readFileSync(out, 'utf8'), 'an earlier, good report');
});

describe('aekit denoise IN --out OUT with image files', { concurrency: true }, () => {
  test('a folder: every image (PNG, JPEG, other sizes, grey) denoised under OUT with the same relative path, at the model size', async () => {
    const src = join(dir, 'in-ok');
    mkdirSync(join(src, 'a'), { recursive: true });
    mkdirSync(join(src, 'b'));
    writeFileSync(join(src, 'a', 'disc.png'), encodePng({ width: SIDE, height: SIDE, channels: 3, data: picture('disc', 2) }));
    writeFileSync(join(src, 'a', 'grey64.png'), encodePng({ width: 64, height: 64, channels: 1, data: new Uint8Array(64 * 64).map((_, i) => (i * 7) % 256) }));
    copyFileSync(join(root, 'test/fixtures/data/images/rgb.jpg'), join(src, 'b', 'photo.jpg'));
    writeFileSync(join(src, 'b', 'notes.txt'), 'not an image');
    const out = join(dir, 'out-ok');
    const r = await aekit(['denoise', densePath, src, '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout) as Record<string, unknown>;
    const files = ['a/disc.png', 'a/grey64.png', 'b/photo.png'].map((f) => join(out, f));
    assert.deepEqual(j.files, files);
    assert.deepEqual([j.images, j.resized, j.modelSize, j.inputSizes, j.skipped], [3, 2, [32, 32], [[32, 32], [64, 64], [16, 12]], ['b/notes.txt']]);
    for (const f of files) {
      const png = decodePng(readFileSync(f));
      assert.deepEqual([png.width, png.height], [SIDE, SIDE], f);
    }
    assertBytesClose(rgbOf(decodePng(readFileSync(files[0]))), expectedBytes(dense, picture('disc', 2)), 'a/disc.png');
    // A grey image goes to an RGB model replicated in 3 channels, each 2x2 block averaged (exact: integer sums / 4).
    const grey = new Uint8Array(64 * 64).map((_, i) => (i * 7) % 256);
    const small = new Uint8Array(SIDE * SIDE * 3);
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const s = grey[2 * y * 64 + 2 * x] + grey[2 * y * 64 + 2 * x + 1] + grey[(2 * y + 1) * 64 + 2 * x] + grey[(2 * y + 1) * 64 + 2 * x + 1];
        small.fill(Math.floor(s / 4 + 0.5), (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
      }
    }
    assertBytesClose(rgbOf(decodePng(readFileSync(files[1]))), expectedBytes(dense, small), 'a/grey64.png');
  });

  test('an unreadable image stops the run naming it; outputs before it are written, a good output for it is kept', async () => {
    const src = join(dir, 'in-bad');
    mkdirSync(join(src, 'x'), { recursive: true });
    writeFileSync(join(src, 'x', '1.png'), encodePng({ width: SIDE, height: SIDE, channels: 3, data: picture('box', 1) }));
    const good = encodePng({ width: SIDE, height: SIDE, channels: 3, data: picture('box', 3) });
    writeFileSync(join(src, 'x', '2.png'), good.subarray(0, 60)); // truncated
    writeFileSync(join(src, 'x', '3.png'), good);
    const out = join(dir, 'out-bad');
    mkdirSync(join(out, 'x'), { recursive: true });
    const previous = encodePng({ width: 4, height: 4, channels: 1, data: new Uint8Array(16).fill(9) });
    writeFileSync(join(out, 'x', '2.png'), previous);
    const r = await aekit(['denoise', convPath, src, '--out', out]);
    const line = assertOneLineError(r, 1, join(src, 'x', '2.png'));
    assert.match(line, /cannot decode PNG.*image 2 of 3; stopped; the 1 image before it was written/);
    assert.ok(existsSync(join(out, 'x', '1.png')));
    assert.deepEqual(readFileSync(join(out, 'x', '2.png')), Buffer.from(previous));
    assert.ok(!existsSync(join(out, 'x', '3.png')));
  });

  test('OUT may not be IN nor inside it (nor a folder for one file); folder-only and file-only flags are refused; a table model takes no images', async () => {
    const [same, inside, scale, data, table, clash, outDir] = await Promise.all([
      aekit(['denoise', densePath, images, '--out', images]),
      aekit(['denoise', densePath, images, '--out', join(images, 'denoised')]),
      aekit(['denoise', densePath, images, '--out', join(dir, 'o1'), '--scale', '2']),
      aekit(['denoise', densePath, images, '--out', join(dir, 'o2'), '--data', images]),
      aekit(['denoise', tabPath, images, '--out', join(dir, 'o3')]),
      (() => {
        const src = join(dir, 'in-clash');
        mkdirSync(src, { recursive: true });
        writeFileSync(join(src, 'a.png'), encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }));
        copyFileSync(join(root, 'test/fixtures/data/images/rgb.jpg'), join(src, 'a.jpg'));
        return aekit(['denoise', densePath, src, '--out', join(dir, 'o4')]);
      })(),
      aekit(['denoise', densePath, join(images, 'boxes', '0.png'), '--out', dir]),
    ]);
    assertOneLineError(same, 2, 'is the input folder itself');
    assertOneLineError(inside, 2, 'is inside the input folder');
    assertOneLineError(scale, 2, '--scale is for one image file');
    assertOneLineError(data, 2, '--data is for the evaluation samples');
    assertOneLineError(table, 1, 'was trained on tabular data');
    assertOneLineError(clash, 1, 'would both be written as');
    assertOneLineError(outDir, 2, 'is a folder: give the PNG file to write');
    assert.ok(!existsSync(join(images, 'denoised')) && !existsSync(join(dir, 'o4')));
  });

  test('one colour file into an RGB model stays colour; --scale enlarges it', async () => {
    const input = join(dir, 'one.png');
    writeFileSync(input, encodePng({ width: SIDE, height: SIDE, channels: 3, data: picture('disc', 4) }));
    const output = join(dir, 'one-out.png');
    const r = await aekit(['denoise', convPath, input, '--out', output, '--scale', '2', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout);
    assert.deepEqual([j.channels, j.modelSize, j.outputSize], [3, [32, 32], [64, 64]]);
    const png = decodePng(readFileSync(output));
    const small = Array.from({ length: SIDE * SIDE * 3 }, (_, i) => {
      const p = Math.floor(i / 3);
      return png.data[4 * ((Math.floor(p / SIDE) * 2) * 64 + (p % SIDE) * 2) + (i % 3)];
    });
    assertBytesClose(small, expectedBytes(conv, picture('disc', 4)), 'output');
  });
});

describe('aekit report on other data', { concurrency: true }, () => {
  test('a table: feature names, preprocessing, MSE as computed here, per-feature errors; no denoising', async () => {
    const out = join(dir, 'rep-tab.html');
    const r = await aekit(['report', tabPath, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    for (const name of ['temp', 'flow', 'load', 'pump, valve', 'standardize', 'rows of 3 features']) assert.ok(html.includes(name), name);
    const x = tabPrep.transform(tabRows.flat());
    const rec = noGrad(() => tab.reconstruct(tensor(x, [40, 3])).toTypedArray());
    let mse = 0;
    const perFeature = [0, 0, 0];
    for (let i = 0; i < x.length; i++) { mse += (rec[i] - x[i]) ** 2; perFeature[i % 3] += (rec[i] - x[i]) ** 2; }
    mse /= x.length;
    const cell = (row: string): number => Number(new RegExp(`<th scope="row">${row}</th><td class="num">([^<]+)</td>`).exec(html)?.[1]);
    assert.ok(Math.abs(cell('MSE') - mse) < 1e-5 * mse, `MSE ${cell('MSE')} vs ${mse}`);
    // RMSE in the data's units: the standardized error times the feature's scale.
    const loadRow = /<tr><td>load<\/td><td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td><\/tr>/.exec(html);
    assert.ok(loadRow, 'a per-feature row for load');
    assert.ok(Math.abs(Number(loadRow[1]) - perFeature[2] / 40) < 1e-5 && Math.abs(Number(loadRow[2]) - 4 * Math.sqrt(perFeature[2] / 40)) < 1e-4);
    assert.ok(!html.includes('<th scope="row">BCE</th>') && !html.includes('Denoising</h2>'));
    assert.equal((html.match(/data:image\/png;base64,/g) ?? []).length, 2); // per-feature errors, codes
  });

  test('an RGB conv denoiser: class names, PSNR, reconstructions, and the denoising section with its curve', async () => {
    const out = join(dir, 'rep-conv.html');
    const r = await aekit(['report', convPath, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    for (const s of ['ConvAutoencoder', '32x32 RGB images', 'boxes, discs', 'gaussian:0.3', 'Denoising</h2>', 'mean PSNR (dB)']) assert.ok(html.includes(s), s);
    // reconstructions, codes scatter, denoising figure, PSNR curve (no loss chart: the summary has no losses)
    assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 4);
    const clean = folderInputs();
    const rec = noGrad(() => conv.reconstruct(tensor(clean, [12, SIDE, SIDE, 3])).toTypedArray());
    const psnr = Number(/<th scope="row">mean PSNR \(dB\)<\/th><td class="num">([^<]+)</.exec(html)?.[1]);
    assert.ok(Math.abs(psnr - quality(rec, clean, 12).psnr) < 1e-3, `PSNR ${psnr}`);
  });
});
