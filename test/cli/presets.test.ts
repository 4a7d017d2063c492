/**
 * `aekit train --model NAME`: every preset, run by the BUILT cli (`npm run build` first) on a tiny slice of
 * MNIST (256 training images, 100 test images, one epoch), then its files checked: the summary names the
 * model and holds its metric, every PNG decodes to a sane size, and the model file loads back as the right
 * class. Also the usage errors of --model and the variant flags, and eval/encode/reconstruct on the
 * models that are not Autoencoder subclasses (VAE, StackedAutoencoder).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Autoencoder, ContractiveAutoencoder, ConvAutoencoder, decodePng, DenoisingAutoencoder, loadMnist, loadModel, MLP, saveModel, SparseAutoencoder,
  noisySines, SequenceAutoencoder, StackedAutoencoder, tensor, TiedDense, VAE,
} from '../../src/index.js';
import { meanBaselineMse } from '../../cli/train-sequence.js';
import { noiseArg } from '../../cli/noise-arg.js';
import { MODEL_NAMES, PRESETS } from '../../cli/presets.js';
import { aekit, assertOneLineError, cli, jsonLine, type Run } from './helpers.js';

const TINY = ['--limit', '256', '--test-limit', '100', '--epochs', '1'];
const TEST_LIMIT = 100;

/** Reconstruction-style figures: cells of 28 * scale px with 2 px gaps. */
const gridSize = (cells: number, scale: number): number => cells * 28 * scale + (cells - 1) * 2;

type Summary = Record<string, unknown> & {
  model: string;
  config: { model: Record<string, unknown>; training: Record<string, unknown> };
  metrics: Record<string, unknown>;
  trainLoss: number[];
  valLoss: number[];
  testMse: number;
  files: string[];
};

interface Case {
  model: (typeof MODEL_NAMES)[number];
  args: string[];
  cls: abstract new (...args: never[]) => unknown;
  /** Its own figures and their exact [width, height], or null for charts (checked to be large enough). */
  figures: Record<string, [number, number] | null>;
  check(s: Summary, loaded: unknown): void;
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

const cases: Case[] = [
  {
    model: 'autoencoder', args: [], cls: Autoencoder, figures: {},
    check(s) {
      // the seed tutorial, unchanged
      assert.deepEqual(s.config.model.hidden, [256]);
      assert.equal(s.config.model.latentDim, 128);
      assert.equal(s.config.model.activation, 'sigmoid');
      assert.equal(s.config.training.loss, 'mse');
      assert.equal((s.config.training.optimizer as { name: string }).name, 'rmsprop');
      assert.equal(s.config.training.batchSize, 256);
      assert.deepEqual(s.metrics, {});
    },
  },
  {
    model: 'deep', args: [], cls: Autoencoder, figures: {},
    check(s) {
      assert.deepEqual(s.config.model.hidden, [1000, 500, 250]);
      assert.equal(s.config.model.latentDim, 30);
      assert.equal(s.config.model.activation, 'relu');
      assert.equal(s.config.model.latentActivation, 'linear');
      assert.equal(s.config.training.loss, 'bce');
      assert.equal((s.config.training.optimizer as { name: string }).name, 'adam');
    },
  },
  {
    model: 'stacked', args: ['--pretrain-epochs', '1', '--tied', '--hidden', '64', '--latent', '16'], cls: StackedAutoencoder,
    figures: { 'stages.png': null },
    check(s, m) {
      assert.equal(s.config.model.tiedWeights, true);
      assert.equal(s.config.training.pretrainEpochs, 1);
      const stages = s.metrics.stages as { name: string; kind: string; epochs: number; trainLoss: number[] }[];
      assert.deepEqual(stages.map((st) => st.kind), ['pretrain', 'pretrain', 'finetune']);
      assert.deepEqual(stages.map((st) => st.name), ['pretrain layer 1 (784 -> 64)', 'pretrain layer 2 (64 -> 16)', 'fine-tune']);
      for (const st of stages) assert.ok(st.epochs === 1 && st.trainLoss.length === 1 && finite(st.trainLoss[0]), st.name);
      // trainLoss/valLoss are the fine-tuning stage's
      assert.deepEqual(s.trainLoss, stages[2].trainLoss);
      const decoder = (m as StackedAutoencoder).decoder.layers;
      assert.ok(decoder.every((l) => l instanceof TiedDense), 'tied decoder layers survive the round trip');
    },
  },
  {
    model: 'sparse', args: ['--batch-size', '64'], cls: SparseAutoencoder, figures: { 'code-histogram.png': null },
    check(s, m) {
      assert.deepEqual(s.config.model.hidden, []);
      assert.equal(s.config.model.latentDim, 32);
      assert.equal(s.config.model.latentActivation, 'relu');
      assert.deepEqual(s.config.model.sparsity, { l1: 1e-4 });
      assert.equal(s.config.training.batchSize, 64, 'an explicit flag overrides the preset');
      assert.ok(finite(s.metrics.meanActivation) && (s.metrics.meanActivation as number) >= 0);
      const base = s.metrics.baseline as { meanActivation: number; testMse: number };
      assert.ok(finite(base.meanActivation) && finite(base.testMse), 'the no-penalty net is trained by default');
      assert.equal((m as SparseAutoencoder).sparsity.l1, 1e-4);
    },
  },
  {
    model: 'sparse-kl', args: ['--no-baseline', '--beta', '0.05', '--latent', '24'], cls: SparseAutoencoder,
    figures: { 'code-histogram.png': null },
    check(s, m) {
      assert.deepEqual(s.config.model.sparsity, { kl: { rho: 0.05, beta: 0.05 } });
      assert.equal(s.config.model.latentActivation, 'sigmoid');
      const mean = s.metrics.meanActivation as number;
      assert.ok(mean > 0 && mean < 1, `sigmoid codes: ${mean}`);
      assert.equal(s.metrics.baseline, undefined);
      assert.deepEqual((m as SparseAutoencoder).sparsity.kl, { rho: 0.05, beta: 0.05 });
    },
  },
  {
    model: 'denoising', args: ['--hidden', '64', '--latent', '16'], cls: DenoisingAutoencoder,
    figures: { 'denoising.png': [gridSize(10, 4), gridSize(3, 4)] },
    check(s, m) {
      assert.deepEqual(s.config.model.noise, { type: 'gaussian', factor: 0.5, clip: true });
      for (const k of ['noisyPsnr', 'denoisedPsnr', 'noisySsim', 'denoisedSsim', 'cleanInputMse']) assert.ok(finite(s.metrics[k]), k);
      // testMse is the denoised-vs-clean MSE, and PSNR is computed from the same images
      assert.equal(s.testMse, s.metrics.denoisedMse);
      assert.ok((s.metrics.noisyPsnr as number) > 5 && (s.metrics.noisyPsnr as number) < 15, `noise 0.5: ${s.metrics.noisyPsnr} dB`);
      assert.deepEqual((m as DenoisingAutoencoder).noise, { type: 'gaussian', factor: 0.5, clip: true });
    },
  },
  {
    model: 'contractive', args: ['--lambda', '0.1', '--latent', '16'], cls: ContractiveAutoencoder, figures: {},
    check(s, m) {
      assert.equal(s.config.model.lambda, 0.1);
      assert.ok(finite(s.metrics.meanJacobianNorm) && (s.metrics.meanJacobianNorm as number) > 0);
      assert.equal((m as ContractiveAutoencoder).lambda, 0.1);
    },
  },
  {
    model: 'vae', args: ['--beta', '2', '--hidden', '64'], cls: VAE,
    figures: { 'vae-samples.png': [gridSize(10, 2), gridSize(10, 2)], 'vae-manifold.png': [gridSize(20, 2), gridSize(20, 2)] },
    check(s, m) {
      assert.equal(s.config.model.latentDim, 2);
      assert.equal(s.config.model.beta, 2);
      const { lossPerImage, reconstructionPerImage, klPerImage } = s.metrics as Record<string, number>;
      assert.ok(finite(lossPerImage) && finite(reconstructionPerImage) && finite(klPerImage) && klPerImage >= 0);
      assert.ok(Math.abs(lossPerImage - (reconstructionPerImage + 2 * klPerImage)) < 1e-3 * lossPerImage, 'loss = recon + beta KL');
      // per image, summed over pixels: hundreds of nats, not a per-pixel mean
      assert.ok(reconstructionPerImage > 50, `${reconstructionPerImage}`);
      assert.ok(Math.abs(lossPerImage - s.valLoss[0]) < 1e-6 * lossPerImage, 'the last validation loss, same noise');
      assert.equal((m as VAE).config.beta, 2);
    },
  },
  {
    model: 'conv', args: [], cls: ConvAutoencoder, figures: {},
    check(s, m) {
      // the Keras blog model: 16-8-8 down to 4x4x8, 8-8-16(valid) back up
      const enc = s.config.model.encoder as { filters: number; padding: string }[];
      const dec = s.config.model.decoder as { filters: number; padding: string }[];
      assert.deepEqual(enc.map((st) => st.filters), [16, 8, 8]);
      assert.deepEqual(dec.map((st) => `${st.filters}${st.padding}`), ['8same', '8same', '16valid']);
      assert.equal(s.config.model.noise, null);
      assert.equal(s.config.training.batchSize, 128);
      assert.deepEqual((m as ConvAutoencoder).latentShape, [4, 4, 8]);
      assert.deepEqual(s.metrics, {});
    },
  },
  {
    model: 'denoising-conv', args: ['--noise', 'masking:0.4'], cls: ConvAutoencoder,
    figures: { 'denoising.png': [gridSize(10, 4), gridSize(3, 4)] },
    check(s, m) {
      assert.deepEqual(s.config.model.noise, { type: 'masking', fraction: 0.4 });
      for (const k of ['noisyPsnr', 'denoisedPsnr', 'noisySsim', 'denoisedSsim', 'cleanInputMse']) assert.ok(finite(s.metrics[k]), k);
      assert.equal(s.testMse, s.metrics.denoisedMse);
      assert.deepEqual((m as ConvAutoencoder).config.noise, { type: 'masking', fraction: 0.4 });
      assert.deepEqual((m as ConvAutoencoder).latentShape, [7, 7, 32]);
    },
  },
];

let tmp: string;
before(() => {
  assert.ok(existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  tmp = mkdtempSync(join(tmpdir(), 'aekit-presets-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the cases cover every MNIST preset (sequence has its own block below)', () => {
  assert.deepEqual(cases.map((c) => c.model).sort(), MODEL_NAMES.filter((m) => m !== 'sequence').sort());
});

describe('aekit train --model sequence (noisy sines, not MNIST)', () => {
  let out: string;
  let run: Run;
  before(() => {
    out = join(tmp, 'sequence');
    run = aekit(['train', '--model', 'sequence', '--limit', '512', '--test-limit', '64', '--epochs', '3', '--timesteps', '12', '--seed', '3', '--out', out, '--json']);
  });

  test('exits 0 with one JSON line; the baseline is the per-step mean of the training sequences (recomputed here)', () => {
    assert.equal(run.status, 0, run.stderr);
    const s = jsonLine(run.stdout) as Summary;
    assert.equal(s.model, 'sequence');
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), s);
    assert.equal(s.trainLoss.length, 3);
    assert.equal(s.config.training.trainSamples, 512);
    assert.equal(s.config.training.testSamples, 64);
    // --seed 3: training waves from seed 7, test waves from seed 8 (cli/train-sequence.ts)
    const train = noisySines({ n: 512, timesteps: 12, seed: 7, noise: 0.1 });
    const test = noisySines({ n: 64, timesteps: 12, seed: 8, noise: 0.1 });
    const baseline = meanBaselineMse(train, test);
    assert.ok(Math.abs((s.metrics.meanBaselineMse as number) - baseline) < 1e-12, `${s.metrics.meanBaselineMse} vs ${baseline}`);
    // the oracle of meanBaselineMse itself: by hand on a 2 x 2 example
    // per-step means [1, 3]; ((2 - 1)^2 + (2 - 3)^2) / 2 = 1
    assert.equal(meanBaselineMse(noisySinesLike([[0, 2], [2, 4]]), noisySinesLike([[2, 2]])), 1);
    // three epochs on 512 sequences already take the error well below that baseline
    assert.ok(s.testMse < 0.8 * baseline, `test MSE ${s.testMse} vs baseline ${baseline}`);
    // the loaded model reproduces testMse (another backend may round differently: relative 1e-4)
    const model = loadModel(join(out, 'model.safetensors'));
    assert.ok(model instanceof SequenceAutoencoder);
    assert.deepEqual([model.config.timesteps, model.config.units, model.config.latentDim], [12, 32, 8]);
    const again = model.reconstructionError(test);
    assert.ok(Math.abs(again - s.testMse) < 1e-4 * s.testMse, `${again} vs ${s.testMse}`);
    for (const f of s.files) assert.ok(existsSync(f), `${f} exists`);
    const png = decodePng(readFileSync(join(out, 'sequences.png')));
    assert.ok(png.width >= 500 && png.height >= 300, `${png.width} x ${png.height}`);
  });

  test('MNIST-only flags and shapes are refused', () => {
    assertOneLineError(aekit(['train', '--model', 'sequence', '--hidden', '8,8']), 2, 'one --hidden width');
    assertOneLineError(aekit(['train', '--model', 'sequence', '--output-activation', 'sigmoid']), 2, '--output-activation');
    assertOneLineError(aekit(['train', '--model', 'sequence', '--loss', 'bce']), 2, '--loss');
    assertOneLineError(aekit(['train', '--model', 'vae', '--timesteps', '5']), 2, '--timesteps');
  });
});

/** Rows of numbers as sequences [n, T, 1]. */
function noisySinesLike(rows: number[][]) {
  return tensor(rows.flat(), [rows.length, rows[0].length, 1]);
}

for (const c of cases) {
  describe(`aekit train --model ${c.model}`, () => {
    let out: string;
    let run: Run;
    let summary: Summary;

    before(() => {
      out = join(tmp, c.model);
      run = aekit(['train', '--model', c.model, ...TINY, ...c.args, '--out', out, '--json']);
    });

    test('exits 0 with one JSON line naming the model, the same as summary.json', () => {
      assert.equal(run.status, 0, run.stderr);
      summary = jsonLine(run.stdout) as Summary;
      assert.equal(summary.model, c.model);
      for (const key of ['config', 'trainLoss', 'valLoss', 'testMse', 'metrics', 'samplesPerSec', 'seconds', 'backend', 'threads', 'stopReason', 'files']) {
        assert.ok(key in summary, `summary has '${key}'`);
      }
      assert.equal(summary.stopReason, null);
      assert.equal(summary.trainLoss.length, 1);
      assert.equal(summary.valLoss.length, 1);
      assert.ok(finite(summary.trainLoss[0]) && finite(summary.valLoss[0]));
      assert.ok(finite(summary.testMse) && summary.testMse > 0 && summary.testMse < 1);
      assert.equal(summary.config.training.epochs, 1);
      assert.equal(summary.config.training.testSamples, TEST_LIMIT);
      assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), summary);
    });

    test('writes every file it lists, its own figures included', () => {
      const expected = ['model.safetensors', 'reconstructions.png', 'loss.png', 'loss.svg', 'summary.json', ...Object.keys(c.figures)];
      for (const name of expected) assert.ok(summary.files.includes(join(out, name)), `files lists ${name}`);
      for (const f of summary.files) assert.ok(existsSync(f), `${f} exists`);
    });

    test('its PNGs decode to sane sizes', () => {
      const recon = decodePng(readFileSync(join(out, 'reconstructions.png')));
      assert.deepEqual([recon.width, recon.height], [gridSize(10, 4), gridSize(2, 4)]);
      for (const [name, size] of Object.entries({ 'loss.png': null, ...c.figures })) {
        const img = decodePng(readFileSync(join(out, name)));
        if (size) assert.deepEqual([img.width, img.height], size, name);
        else assert.ok(img.width >= 500 && img.height >= 200, `${name}: ${img.width} x ${img.height}`);
      }
    });

    test('model.safetensors loads back as the right class, with the summary in its header', () => {
      const path = join(out, 'model.safetensors');
      const model = loadModel(path);
      assert.ok(model instanceof c.cls, `${model.constructor.name} is a ${c.cls.name}`);
      c.check(summary, model);
    });
  });
}

describe('eval, encode and reconstruct read the models that are not Autoencoder subclasses', () => {
  for (const name of ['vae', 'stacked', 'conv'] as const) {
    test(`${name}`, () => {
      const path = join(tmp, name, 'model.safetensors');
      const summary = JSON.parse(readFileSync(join(tmp, name, 'summary.json'), 'utf8')) as Summary;
      const e = aekit(['eval', path, '--test-limit', String(TEST_LIMIT), '--json']);
      assert.equal(e.status, 0, e.stderr);
      const result = jsonLine(e.stdout);
      assert.equal(result.kind, { vae: 'VAE', stacked: 'StackedAutoencoder', conv: 'ConvAutoencoder' }[name]);
      assert.deepEqual([result.data, result.split, result.samples], ['mnist', 'test', TEST_LIMIT]);
      assert.ok(Math.abs((result.mse as number) - summary.testMse) < 1e-9, `${result.mse} vs ${summary.testMse}`);
      const csv = join(tmp, name, 'codes.csv');
      // a convolutional code is its 4x4x8 feature map, written flat
      const latent = name === 'conv' ? 128 : (summary.config.model.latentDim as number);
      const enc = aekit(['encode', path, '--out', csv, '--test-limit', '5']);
      assert.equal(enc.status, 0, enc.stderr);
      const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 6);
      assert.equal(lines[1].split(',').length, latent + 1);
      const png = join(tmp, name, 'grid.png');
      const r = aekit(['reconstruct', path, '--out', png, '--count', '3']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(decodePng(readFileSync(png)).width, gridSize(3, 4));
    });
  }

  test('a model file that is not an autoencoder is refused with a clear one-line error', () => {
    const path = join(tmp, 'mlp.safetensors');
    saveModel(path, new MLP({ sizes: [784, 10] }));
    assertOneLineError(aekit(['eval', path]), 1, "kind 'MLP', not an autoencoder");
  });

  test('compress and decompress take a convolutional model: its 4x4x8 feature map is the code', () => {
    const path = join(tmp, 'conv', 'model.safetensors');
    const aekc = join(tmp, 'conv', 'x.aekc');
    const c = aekit(['compress', path, '--out', aekc, '--test-limit', '50', '--json']);
    assert.equal(c.status, 0, c.stderr);
    const r = jsonLine(c.stdout);
    assert.deepEqual([r.kind, r.n, r.dim, r.dataKind], ['ConvAutoencoder', 50, 128, 'image']);
    assert.ok(finite(r.psnr) && finite(r.ssim), `${r.psnr} ${r.ssim}`);
    const d = aekit(['decompress', path, aekc, '--out', join(tmp, 'conv', 'x.png'), '--count', '10', '--json']);
    assert.equal(d.status, 0, d.stderr);
    assert.equal(jsonLine(d.stdout).psnr, r.psnr, 'decompress reopens the originals and repeats the PSNR');
    assert.equal(decodePng(readFileSync(join(tmp, 'conv', 'x.png'))).width, gridSize(10, 2));
  });

  test('the VAE MSE of eval is the per-pixel MSE of the decoded posterior means', () => {
    const vae = loadModel(join(tmp, 'vae', 'model.safetensors')) as VAE;
    const test = loadMnist('test', { limit: TEST_LIMIT });
    const r = vae.reconstruct(test).toTypedArray();
    const x = test.toFloat32();
    let s = 0;
    for (let i = 0; i < x.length; i++) s += (r[i] - x[i]) ** 2;
    const summary = JSON.parse(readFileSync(join(tmp, 'vae', 'summary.json'), 'utf8')) as Summary;
    assert.ok(Math.abs(s / x.length - summary.testMse) < 1e-9);
  });
});

describe('--model usage errors', () => {
  test('an unknown --model is exit 2 with one line listing every valid name', () => {
    const line = assertOneLineError(aekit(['train', '--model', 'resnet']), 2, "'resnet'");
    for (const name of MODEL_NAMES) assert.ok(line.includes(name), `${line} lists ${name}`);
    assertOneLineError(aekit(['train', '--model', 'resnet', '--help']), 2, 'resnet');
  });

  const bad: [string[], string][] = [
    [['--model', 'sparse', '--noise', 'gaussian:0.5'], '--noise'],
    [['--model', 'autoencoder', '--tied'], '--tied'],
    [['--model', 'vae', '--lambda', '0.1'], '--lambda'],
    [['--model', 'denoising', '--noise', 'speckle:0.1'], '--noise'],
    [['--model', 'denoising', '--noise', 'masking:1.5'], '--noise'],
    [['--model', 'contractive', '--hidden', '64'], '--hidden'],
    [['--model', 'vae', '--loss', 'huber'], '--loss'],
    [['--model', 'vae', '--latent', '1'], '--latent'],
    [['--model', 'vae', '--output-activation', 'linear'], '--output-activation'],
    [['--model', 'sparse-kl', '--latent-activation', 'relu'], 'sigmoid'],
    [['--model', 'sparse-kl', '--rho', '1.5'], '--rho'],
    [['--model', 'sparse', '--l1', '-1'], '--l1'],
    [['--model', 'stacked', '--pretrain-epochs', '0'], '--pretrain-epochs'],
    [['--model', 'conv', '--hidden', '64'], '--hidden'],
    [['--model', 'conv', '--latent', '64'], '--latent'],
    [['--model', 'conv', '--noise', 'gaussian'], '--noise'],
    [['--model', 'denoising-conv', '--latent-activation', 'relu'], '--latent-activation'],
  ];
  for (const [args, mention] of bad) {
    test(`train ${args.join(' ')} is a usage error (exit 2)`, () => { assertOneLineError(aekit(['train', ...args]), 2, mention); });
  }
});

describe('--model help', () => {
  test('train --help lists every model with its defaults', () => {
    const r = aekit(['train', '--help']);
    assert.equal(r.status, 0);
    for (const name of MODEL_NAMES) assert.match(r.stdout, new RegExp(`^  ${name} +(784-|conv\\d|lstm\\d)`, 'm'), `${name} in the table`);
    assert.match(r.stdout, /--noise SPEC/);
  });

  test('train --model NAME --help adds that model\'s notes and defaults', () => {
    for (const name of MODEL_NAMES) {
      const r = aekit(['train', '--model', name, '--help']);
      assert.equal(r.status, 0, r.stderr);
      const p = PRESETS[name];
      assert.ok(r.stdout.includes(`--model ${name}: ${p.blurb}`), name);
      assert.ok(r.stdout.includes(`${p.loss}, ${p.optimizer} lr ${p.lr}, batch ${p.batchSize}, ${p.epochs} epochs`), `${name} defaults`);
    }
  });
});

test('noiseArg reads every corruption, with or without its number', () => {
  assert.deepEqual(noiseArg('gaussian:0.5'), { type: 'gaussian', factor: 0.5, clip: true });
  assert.deepEqual(noiseArg('gaussian'), { type: 'gaussian', factor: 0.5, clip: true });
  assert.deepEqual(noiseArg('masking:0.3'), { type: 'masking', fraction: 0.3 });
  assert.deepEqual(noiseArg('salt-and-pepper:0.2'), { type: 'saltAndPepper', fraction: 0.2 });
  assert.deepEqual(noiseArg('salt-and-pepper'), { type: 'saltAndPepper', fraction: 0.2 });
  for (const bad of ['', 'gaussian:', 'gaussian:-1', 'gaussian:x', 'masking:2', 'saltAndPepper:0.1', 'masking:0.1:2']) {
    assert.throws(() => noiseArg(bad), /--noise/, bad);
  }
});
