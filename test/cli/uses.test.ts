/**
 * The "uses" commands (MISSION §4): `plot-latent`, `denoise` (test set and one image) and `report`, each run
 * in a child process through tsx straight from cli/*.ts (so no build is needed), on small models trained
 * here with the library: a denoising autoencoder (400 images, 1 epoch: enough to beat the noisy input's
 * PSNR) and an untrained 2-D-code autoencoder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  addNoise, Autoencoder, decodePng, DenoisingAutoencoder, encodePng, loadMnist, noGrad, type RasterImage, saveModel, tensor,
} from '../../src/index.js';
import { aekitAsync, assertOneLineError, jsonLine, type Run } from './helpers.js';

/** Runs `cli/<command>.ts`'s run(args) in a child process, errors reported the CLI way (one line, exit code). */
/** `aekit NAME ARGS...` in a child process. */
const command = (name: string, args: string[]): Promise<Run> => aekitAsync([name, ...args]);

const TEST = 200;
let dir: string;
let daePath: string;
let ae2Path: string;
let dae: DenoisingAutoencoder;

/** 8-bit bytes of a model output, as a PNG writer stores them. */
const bytes = (v: ArrayLike<number>): number[] => Array.from(v, (x) => (x > 0 ? (x >= 1 ? 255 : Math.round(x * 255)) : 0));

function assertBytesClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** The model's output for one 28x28 grey image, as bytes. */
function expectedOutput(model: DenoisingAutoencoder, gray: Float32Array): number[] {
  return noGrad(() => bytes(model.reconstruct(tensor(gray, [1, 784])).toTypedArray()));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aekit-uses-'));
  dae = new DenoisingAutoencoder({ inputDim: 784, hidden: [64], latentDim: 16, noise: { type: 'gaussian', factor: 0.5 }, seed: 1 });
  const h = await dae.fit(loadMnist('train', { limit: 400 }), { epochs: 1, batchSize: 32, optimizer: 'adam', lr: 0.003, loss: 'bce', seed: 1 });
  daePath = join(dir, 'dae.safetensors');
  // A training summary as `aekit train` writes one, with a string that must come out escaped in HTML.
  saveModel(daePath, dae, { loss: 'bce', epochs: 1, trainLoss: h.loss, valLoss: h.loss, note: '<b>bold</b> & "quoted"', metrics: { denoisedPsnr: 12.5 } });
  ae2Path = join(dir, 'ae2.safetensors');
  saveModel(ae2Path, new Autoencoder({ inputDim: 784, hidden: [32], latentDim: 2, seed: 2 }));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('aekit denoise', { concurrency: true }, () => {
  test('test set: JSON with PSNR/SSIM, denoised beats noisy, figure written (rows noisy/denoised/clean)', async () => {
    const out = join(dir, 'dn');
    const r = await command('denoise', [daePath, '--noise', 'gaussian:0.5', '--test-limit', String(TEST), '--seed', '3', '--json', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout) as Record<string, number & string & string[]>;
    assert.equal(j.kind, 'DenoisingAutoencoder');
    assert.equal(j.noise, 'gaussian:0.5');
    assert.equal(j.testSamples, TEST);
    assert.equal(j.seed, 3);
    assert.ok(j.psnrNoisy < j.psnrDenoised, `PSNR noisy ${j.psnrNoisy} -> denoised ${j.psnrDenoised}`);
    for (const k of ['ssimNoisy', 'ssimDenoised']) assert.ok(j[k] > -1 && j[k] <= 1, `${k} ${j[k]}`);
    assert.ok(j.mseDenoised < j.mseNoisy);
    // The same numbers computed here in float64 (same data, noise seed and weights): mean per-image PSNR over [0, 1].
    const clean = tensor(loadMnist('test', { limit: TEST }).toFloat32(), [TEST, 784]);
    const noisy = addNoise(clean, { type: 'gaussian', factor: 0.5, clip: true }, 3);
    const denoised = noGrad(() => dae.reconstruct(noisy));
    const psnr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
      let total = 0;
      for (let i = 0; i < TEST; i++) {
        let s = 0;
        for (let k = i * 784; k < (i + 1) * 784; k++) s += (a[k] - b[k]) ** 2;
        total += 10 * Math.log10(1 / (s / 784));
      }
      return total / TEST;
    };
    const c = clean.toTypedArray();
    assert.ok(Math.abs(psnr(noisy.toTypedArray(), c) - j.psnrNoisy) < 1e-9, `noisy PSNR ${j.psnrNoisy}`);
    assert.ok(Math.abs(psnr(denoised.toTypedArray(), c) - j.psnrDenoised) < 1e-3, `denoised PSNR ${j.psnrDenoised}`);
    assert.deepEqual(j.files, [join(out, 'denoise.png')]);
    const fig = decodePng(readFileSync(join(out, 'denoise.png')));
    assert.deepEqual([fig.width, fig.height], [10 * 112 + 9 * 2, 3 * 112 + 2 * 2]);
  });

  test('test set, text output: the model\'s own noise by default', async () => {
    const r = await command('denoise', [daePath, '--test-limit', '50', '--out', join(dir, 'dn-text')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^noise gaussian:0\.5 \(seed 0\) on 50 samples of mnist \(the test split of mnist\)/);
    assert.match(r.stdout, /\nnoisy +\d+\.\d\d +-?\d\.\d{4} +\S+\ndenoised +\d+\.\d\d +-?\d\.\d{4} +\S+\n/);
  });

  test('one grey image: a 56x56 PNG (a digit at 2x) is averaged back to 28x28 and denoised; output 28x28', async () => {
    const digit = loadMnist('test', { limit: 1 }).toFloat32();
    const big = new Uint8Array(56 * 56);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big[y * 56 + x] = Math.round(digit[(y >> 1) * 28 + (x >> 1)] * 255);
    const input = join(dir, 'grey56.png');
    const output = join(dir, 'grey-out.png');
    writeFileSync(input, encodePng({ width: 56, height: 56, channels: 1, data: big }));
    const r = await command('denoise', [daePath, input, '--out', output, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout);
    assert.deepEqual([j.inputSize, j.modelSize, j.outputSize, j.colour], [[56, 56], [28, 28], [28, 28], false]);
    const png = decodePng(readFileSync(output));
    assert.deepEqual([png.width, png.height], [28, 28]);
    const grey = Array.from({ length: 784 }, (_, i) => png.data[4 * i]);
    assert.ok(grey.every((v, i) => v === png.data[4 * i + 1] && v === png.data[4 * i + 2]), 'a grey PNG');
    // 2x2 blocks average back to the exact digit, so the output is the model's output for that digit.
    assertBytesClose(grey, expectedOutput(dae, digit), 'output');
  });

  test('one colour image: RGB is converted to grey (Rec. 601 luma, rounded as the image reader does); --scale 3 enlarges the output', async () => {
    const digit = loadMnist('test', { limit: 2 }).slice(1, 2).toFloat32();
    const rgb = new Uint8Array(784 * 3);
    for (let i = 0; i < 784; i++) rgb.set([Math.round(digit[i] * 255), Math.round(digit[i] * 160), 40], 3 * i);
    const img: RasterImage = { width: 28, height: 28, channels: 3, data: rgb };
    const input = join(dir, 'rgb.png');
    const output = join(dir, 'rgb-out.png');
    writeFileSync(input, encodePng(img));
    const r = await command('denoise', [daePath, input, '--out', output, '--scale', '3']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\(28x28, colour, converted to grey\), resized to 28x28\nwrote .*rgb-out\.png \(84x84, 28x28 enlarged 3x\)\n$/);
    const png = decodePng(readFileSync(output));
    assert.deepEqual([png.width, png.height], [84, 84]);
    const small = Array.from({ length: 784 }, (_, i) => png.data[4 * ((Math.floor(i / 28) * 3 + 1) * 84 + (i % 28) * 3 + 2)]);
    const luma = Float32Array.from({ length: 784 }, (_, i) => Math.round(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) / 255);
    assertBytesClose(small, expectedOutput(dae, luma), 'output');
  });

  test('one non-square image is padded to a square, then resized', async () => {
    const input = join(dir, 'wide.png');
    writeFileSync(input, encodePng({ width: 60, height: 40, channels: 1, data: new Uint8Array(2400).fill(30) }));
    const r = await command('denoise', [daePath, input, '--out', join(dir, 'wide-out.png'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout);
    assert.deepEqual([j.inputSize, j.outputSize], [[60, 40], [28, 28]]);
  });

  test('wrong input files fail with exit 1 and one clear line; a missing --out is a usage error', async () => {
    const text = join(dir, 'notes.png');
    writeFileSync(text, 'this is not an image\n');
    const truncated = join(dir, 'truncated.png');
    writeFileSync(truncated, encodePng({ width: 28, height: 28, channels: 1, data: new Uint8Array(784).fill(7) }).subarray(0, 40));
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    const odd = join(dir, 'odd.safetensors');
    saveModel(odd, new Autoencoder({ inputDim: 300, hidden: [], latentDim: 4 }));
    const [a, b, c, d, e, f] = await Promise.all([
      command('denoise', [daePath, text, '--out', join(dir, 'x.png')]),
      command('denoise', [daePath, truncated, '--out', join(dir, 'x.png')]),
      command('denoise', [daePath, empty, '--out', join(dir, 'x.png')]),
      command('denoise', [odd, join(dir, 'grey56.png'), '--out', join(dir, 'x.png')]),
      command('denoise', [daePath, join(dir, 'no-such.png'), '--out', join(dir, 'x.png')]),
      command('denoise', [daePath, text]),
    ]);
    assertOneLineError(a, 1, 'not a PNG or JPEG file');
    assertOneLineError(b, 1, 'cannot decode PNG');
    assertOneLineError(c, 1, 'is empty (0 bytes)');
    assertOneLineError(d, 1, 'was trained on tabular data');
    assertOneLineError(e, 1, 'input image not found');
    assertOneLineError(f, 2, 'needs --out OUT.png');
    assert.ok(!existsSync(join(dir, 'x.png')), 'nothing written');
  });
});

describe('aekit plot-latent', { concurrency: true }, () => {
  test('16-D codes by PCA: scatter PNG/SVG with a legend, projector TSVs that pair up with the labels', async () => {
    const out = join(dir, 'pl');
    const r = await command('plot-latent', [daePath, '--test-limit', '300', '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = jsonLine(r.stdout) as Record<string, unknown>;
    assert.deepEqual([j.kind, j.data, j.split, j.samples, j.codeDim, j.method, j.color], ['DenoisingAutoencoder', 'mnist', 'test', 300, 16, 'pca', 'label']);
    const ratio = j.explainedVarianceRatio as number[];
    assert.ok(ratio[0] >= ratio[1] && ratio[1] > 0);
    const files = ['latent.png', 'latent.svg', 'vectors.tsv', 'metadata.tsv'].map((f) => join(out, f));
    assert.deepEqual(j.files, files);
    assert.ok(decodePng(readFileSync(files[0])).width >= 800);
    const svg = readFileSync(files[1], 'utf8');
    for (let digit = 0; digit < 10; digit++) assert.match(svg, new RegExp(`>${digit}</text>`), `legend entry ${digit}`);
    assert.match(svg, />PC1 \(\d+\.\d %\)</);
    const vectors = readFileSync(files[2], 'utf8');
    assert.ok(vectors.endsWith('\n'));
    const rows = vectors.slice(0, -1).split('\n');
    assert.equal(rows.length, 300);
    assert.ok(rows.every((l) => l.split('\t').length === 16 && l.split('\t').every((v) => Number.isFinite(Number(v)) && v !== '')));
    const codes = noGrad(() => dae.encode(loadMnist('test', { limit: 300 })).toTypedArray());
    rows[299].split('\t').forEach((v, k) => assert.ok(Math.abs(Number(v) - codes[299 * 16 + k]) < 1e-6, `code 299, value ${k}: ${v} vs ${codes[299 * 16 + k]}`));
    const labels = loadMnist('test', { limit: 300 }).labels!;
    assert.equal(readFileSync(files[3], 'utf8'), `label\tindex\n${Array.from(labels, (l, i) => `${l}\t${i}\n`).join('')}`);
  });

  test('UMAP with a seed is reproducible', async () => {
    const args = (out: string): string[] => [daePath, '--method', 'umap', '--test-limit', '80', '--seed', '4', '--out', out, '--json'];
    const [a, b] = await Promise.all([command('plot-latent', args(join(dir, 'u1'))), command('plot-latent', args(join(dir, 'u2')))]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(jsonLine(a.stdout).method, 'umap');
    assert.equal(readFileSync(join(dir, 'u1', 'latent.svg'), 'utf8'), readFileSync(join(dir, 'u2', 'latent.svg'), 'utf8'));
    assert.match(readFileSync(join(dir, 'u1', 'latent.svg'), 'utf8'), />UMAP 1</);
  });

  test('2-D codes are plotted directly; bad flags are usage errors', async () => {
    const [a, b] = await Promise.all([
      command('plot-latent', [ae2Path, '--test-limit', '100', '--method', 'umap', '--out', join(dir, 'p2'), '--json']),
      command('plot-latent', [ae2Path, '--method', 'tsne']),
    ]);
    assert.equal(a.status, 0, a.stderr);
    const j = jsonLine(a.stdout);
    assert.deepEqual([j.method, j.codeDim, j.samples], ['direct', 2, 100]);
    assert.match(readFileSync(join(dir, 'p2', 'latent.svg'), 'utf8'), />z1</);
    assertOneLineError(b, 2, '--method must be one of pca, umap');
  });
});

describe('aekit report', { concurrency: true }, () => {
  test('a denoising model: one self-contained HTML page with its kind, numbers and inlined figures', async () => {
    const out = join(dir, 'rep', 'report.html');
    mkdirSync(join(dir, 'rep'));
    const r = await command('report', [daePath, '--test-limit', '150', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(html.includes('DenoisingAutoencoder'));
    assert.ok(html.includes('784-64-16-64-784'));
    // the test MSE and BCE (6 significant digits on the page), against float64 sums made here
    const x = loadMnist('test', { limit: 150 }).toFloat32();
    const rec = noGrad(() => dae.reconstruct(tensor(x, [150, 784])).toTypedArray());
    let mse = 0, bce = 0;
    for (let i = 0; i < x.length; i++) {
      const p = Math.min(Math.max(rec[i], 1e-7), 1 - 1e-7);
      mse += (rec[i] - x[i]) ** 2;
      bce -= x[i] * Math.log(p) + (1 - x[i]) * Math.log(1 - p);
    }
    mse /= x.length;
    bce /= x.length;
    const cell = (row: string): number => Number(new RegExp(`<th scope="row">${row}</th><td class="num">([^<]+)</td>`).exec(html)?.[1]);
    assert.ok(Math.abs(cell('MSE') - mse) < 1e-5 * mse, `MSE ${cell('MSE')} vs ${mse}`);
    assert.ok(Math.abs(cell('BCE') - bce) < 1e-5 * bce, `BCE ${cell('BCE')} vs ${bce}`);
    assert.match(html, /mean PSNR \(dB\)/);
    // training summary from the model file, escaped
    assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;'));
    assert.ok(!html.includes('<b>bold</b>'));
    assert.ok(html.includes('denoisedPsnr'));
    // images inlined: loss chart, reconstructions, latent scatter, denoising figure, PSNR curve
    const images = html.match(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]+"/g) ?? [];
    assert.equal(images.length, 5);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /src="(?!data:)/);
  });

  test('a model without a training summary says so; the report goes next to the model by default', async () => {
    const r = await command('report', [ae2Path, '--test-limit', '60']);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.ok(html.includes('holds no training summary'));
    assert.ok(html.includes('<td>Autoencoder</td>'));
    assert.equal((html.match(/data:image\/png;base64,/g) ?? []).length, 2);
    assert.ok(!html.includes('Denoising</h2>'));
  });
});
