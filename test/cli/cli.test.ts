/**
 * The command-line tool, run as users run it: the BUILT dist/cli/main.js in a child process (`npm test` builds
 * first; while developing run `npm run build`). Sizes are small so the whole file takes seconds.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Autoencoder, decodePng, loadAutoencoder, loadMnist, saveModel } from '../../src/index.js';
import { aekit, assertOneLineError, baseEnv, cli, jsonLine, root, type Run } from './helpers.js';

let tmp: string;
before(() => {
  assert.ok(process.env.AEKIT_CLI_SOURCE || existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  tmp = mkdtempSync(join(tmpdir(), 'aekit-cli-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('aekit train, then eval / encode / reconstruct on its model', () => {
  const TEST_LIMIT = 200;
  let out: string;
  let run: Run;
  let summary: Record<string, unknown>;

  before(() => {
    out = join(tmp, 'train');
    run = aekit(['train', '--limit', '512', '--test-limit', String(TEST_LIMIT), '--epochs', '2', '--batch-size', '64',
      '--hidden', '32', '--latent', '8', '--out', out, '--json']);
  });

  test('exits 0 and prints exactly one JSON line with the summary', () => {
    assert.equal(run.status, 0, run.stderr);
    summary = jsonLine(run.stdout);
    for (const key of ['config', 'trainLoss', 'valLoss', 'testMse', 'samplesPerSec', 'seconds', 'backend', 'threads', 'files']) {
      assert.ok(key in summary, `summary has '${key}'`);
    }
    const config = summary.config as { model: Record<string, unknown>; training: Record<string, unknown> };
    assert.deepEqual(config.model.hidden, [32]);
    assert.equal(config.model.latentDim, 8);
    assert.equal(config.model.activation, 'sigmoid');
    assert.equal(config.model.outputActivation, 'sigmoid');
    assert.equal(config.training.batchSize, 64);
    assert.equal((config.training.optimizer as { name: string; lr: number }).name, 'rmsprop');
    assert.equal((config.training.optimizer as { name: string; lr: number }).lr, 0.01);
    for (const key of ['trainLoss', 'valLoss']) {
      const losses = summary[key] as number[];
      assert.equal(losses.length, 2, key);
      assert.ok(losses.every((v) => Number.isFinite(v) && v > 0), `${key} finite: ${losses}`);
    }
    assert.ok(Number.isFinite(summary.testMse) && (summary.testMse as number) > 0);
    assert.ok((summary.samplesPerSec as number) > 0 && (summary.seconds as number) > 0);
    assert.equal(typeof summary.backend, 'string');
    assert.ok(Number.isInteger(summary.threads) && (summary.threads as number) >= 1);
    // progress goes to stderr, one plain line per epoch when stderr is not a terminal
    assert.match(run.stderr, /epoch 1\/2 .*loss/);
    assert.match(run.stderr, /epoch 2\/2 .*loss/);
  });

  test('writes every file, and summary.json holds the same summary', () => {
    const files = summary.files as string[];
    for (const name of ['model.safetensors', 'reconstructions.png', 'loss.png', 'loss.svg', 'summary.json']) {
      assert.ok(files.includes(join(out, name)), `files lists ${name}`);
    }
    for (const f of files) assert.ok(existsSync(f), `${f} exists`);
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), summary);
  });

  test('reconstructions.png is 2 rows of 10 digits at scale 4, loss.png and loss.svg are charts', () => {
    const grid = decodePng(readFileSync(join(out, 'reconstructions.png')));
    // cells of 28*4 = 112 px with 2 px gaps: 10 * 112 + 9 * 2 wide, 2 * 112 + 2 high
    assert.equal(grid.width, 1138);
    assert.equal(grid.height, 226);
    const chart = decodePng(readFileSync(join(out, 'loss.png')));
    assert.ok(chart.width > 100 && chart.height > 100);
    assert.match(readFileSync(join(out, 'loss.svg'), 'utf8'), /<svg/);
  });

  test('model.safetensors loads and its test MSE matches summary.testMse', () => {
    const model = loadAutoencoder(join(out, 'model.safetensors'));
    assert.deepEqual(model.config.hidden, [32]);
    const mse = model.reconstructionError(loadMnist('test', { limit: TEST_LIMIT }));
    assert.ok(Math.abs(mse - (summary.testMse as number)) < 1e-6, `${mse} vs ${summary.testMse}`);
  });

  test('eval --json reports the same MSE on the same test images, and the BCE of the reconstructions', () => {
    const r = aekit(['eval', join(out, 'model.safetensors'), '--test-limit', String(TEST_LIMIT), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = jsonLine(r.stdout);
    assert.deepEqual([result.data, result.split, result.samples, result.kind, result.layers], ['mnist', 'test', TEST_LIMIT, 'Autoencoder', '784-32-8-32-784']);
    assert.ok(Math.abs((result.mse as number) - (summary.testMse as number)) < 1e-9, `${result.mse} vs ${summary.testMse}`);
    // BCE computed here in float64, probabilities clamped to [1e-7, 1 - 1e-7] as Keras does
    const test = loadMnist('test', { limit: TEST_LIMIT });
    const x = test.toFloat32();
    const p = loadAutoencoder(join(out, 'model.safetensors')).reconstruct(test).toTypedArray();
    let bce = 0;
    for (let i = 0; i < x.length; i++) {
      const q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
      bce -= x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q);
    }
    assert.ok(Math.abs((result.bce as number) - bce / x.length) < 1e-6, `${result.bce} vs ${bce / x.length}`);
  });

  test('eval without --json is human-readable', () => {
    const r = aekit(['eval', join(out, 'model.safetensors'), '--test-limit', '50']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /MSE\s+\d/);
    assert.match(r.stdout, /BCE\s+\d/);
  });

  test('encode writes label,z0..z7 rows, one per test image', () => {
    const csv = join(out, 'codes.csv');
    const r = aekit(['encode', join(out, 'model.safetensors'), '--out', csv, '--test-limit', String(TEST_LIMIT)]);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, TEST_LIMIT + 1);
    assert.equal(lines[0], 'label,z0,z1,z2,z3,z4,z5,z6,z7');
    const test = loadMnist('test', { limit: TEST_LIMIT });
    const codes = loadAutoencoder(join(out, 'model.safetensors')).encode(test).toTypedArray();
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      assert.equal(cells.length, 9, `row ${i}`);
      assert.equal(Number(cells[0]), test.labels![i], `label of row ${i}`);
      cells.slice(1).forEach((c, k) => assert.ok(c !== '' && Math.abs(Number(c) - codes[i * 8 + k]) < 1e-6, `code ${k} of row ${i}: ${c} vs ${codes[i * 8 + k]}`));
    });
  });

  test('reconstruct writes the figure for --count digits from --offset', () => {
    const png = join(out, 'grid.png');
    const r = aekit(['reconstruct', join(out, 'model.safetensors'), '--out', png, '--count', '3', '--offset', '5']);
    assert.equal(r.status, 0, r.stderr);
    const img = decodePng(readFileSync(png));
    assert.equal(img.width, 3 * 112 + 2 * 2);
    assert.equal(img.height, 226);
  });
});

describe('aekit errors', () => {
  test('an unknown flag is a usage error naming the flag', () => {
    const r = aekit(['train', '--bogus', '3']);
    assertOneLineError(r, 2, '--bogus');
    assert.equal(r.stdout, '');
  });

  const badValues: [string[], string][] = [
    [['--epochs', '0'], '--epochs'],
    [['--epochs', '-1'], '--epochs'],
    [['--lr', 'abc'], '--lr'],
    [['--hidden', '12,x'], '--hidden'],
    [['--batch-size', '2.5'], '--batch-size'],
    [['--activation', 'swish'], '--activation'],
    [['--loss', 'hinge'], '--loss'],
    [['--optimizer', 'lbfgs'], '--optimizer'],
    [['--epochs'], '--epochs'],
  ];
  for (const [args, flag] of badValues) {
    test(`train ${args.join(' ')} is a usage error (exit 2)`, () => { assertOneLineError(aekit(['train', ...args]), 2, flag); });
  }

  test('unknown command and missing arguments are usage errors', () => {
    assertOneLineError(aekit(['fly']), 2, 'fly');
    assertOneLineError(aekit(['eval']), 2, 'MODEL');
    assertOneLineError(aekit(['encode', 'm.safetensors']), 2, '--out');
    assertOneLineError(aekit(['encode', 'm.safetensors', '--out', 'x.csv', '--split', 'val']), 2, '--split');
  });

  test('eval on a missing file is a runtime error (exit 1)', () => {
    assertOneLineError(aekit(['eval', join(tmp, 'no-such-model.safetensors')]), 1, 'no-such-model.safetensors');
  });

  test('eval on a corrupt file is a runtime error (exit 1)', () => {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24; // arbitrary non-model bytes
    const path = join(tmp, 'corrupt.safetensors');
    writeFileSync(path, bytes);
    assertOneLineError(aekit(['eval', path]), 1, 'corrupt.safetensors');
  });

  test('a model that does not take 784 inputs is refused', () => {
    const path = join(tmp, 'small.safetensors');
    saveModel(path, new Autoencoder({ inputDim: 10, latentDim: 2 }));
    assertOneLineError(aekit(['eval', path]), 1, '784');
  });

  test('AEKIT_DEBUG shows the stack trace', () => {
    const r = aekit(['eval', join(tmp, 'no-such-model.safetensors')], { AEKIT_DEBUG: '1' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe('aekit help and version', () => {
  test('--version prints the package version', () => {
    const r = aekit(['--version']);
    assert.equal(r.status, 0);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(r.stdout, `${pkg.version}\n`);
  });

  test('--help lists the commands; COMMAND --help describes its options', () => {
    const r = aekit(['--help']);
    assert.equal(r.status, 0);
    for (const c of ['train', 'eval', 'reconstruct', 'encode']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
    const t = aekit(['train', '--help']);
    assert.equal(t.status, 0);
    assert.match(t.stdout, /--test-limit/);
    assert.match(t.stdout, /MNIST test set/); // says where the validation data comes from
    for (const c of ['eval', 'reconstruct', 'encode']) {
      const h = aekit([c, '--help']);
      assert.equal(h.status, 0);
      assert.match(h.stdout, new RegExp(`^Usage: aekit ${c} MODEL`));
    }
  });
});

describe('aekit train interrupted with Ctrl-C', () => {
  test('stops cleanly and still writes the files for the completed epochs', async () => {
    const out = join(tmp, 'interrupted');
    const child = spawn(process.execPath, [cli, 'train', '--limit', '2048', '--test-limit', '100', '--epochs', '200',
      '--batch-size', '64', '--hidden', '16', '--latent', '4', '--out', out, '--json'], { cwd: root, env: baseEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (d: Buffer) => {
        const first = !stderr.includes('epoch 1/');
        stderr += d.toString();
        if (first && stderr.includes('epoch 1/')) child.kill('SIGINT'); // after the first completed epoch
      });
      child.on('close', done);
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted/);
    const summary = jsonLine(stdout);
    assert.equal(summary.stopReason, 'aborted');
    const epochs = (summary.trainLoss as number[]).length;
    assert.ok(epochs >= 1 && epochs < 200, `${epochs} epochs`);
    for (const f of summary.files as string[]) assert.ok(existsSync(f), `${f} exists`);
    // the saved weights are those of the last completed epoch: their test MSE is that epoch's validation loss
    const valLoss = summary.valLoss as number[];
    assert.ok(Math.abs((summary.testMse as number) - valLoss[epochs - 1]) < 1e-6);
  });
});
