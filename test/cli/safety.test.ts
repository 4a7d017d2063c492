/**
 * Issue #12's hostile commands, each reproduced with tiny data: a diverging run must leave the files of an
 * earlier good run byte for byte (and mtime for mtime), a NaN metric must fail with one line saying why, and
 * hostile paths, thread counts and sizes must fail before any work with a message naming the flag or path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aekit, assertOneLineError, cli, type Run } from './helpers.js';
import { maxThreads } from '../../cli/safety.js';

let tmp: string;
before(() => {
  assert.ok(process.env.AEKIT_CLI_SOURCE || existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  tmp = mkdtempSync(join(tmpdir(), 'aekit-safety-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file of a folder: its bytes and mtime, to compare before and after a run. */
function snapshot(dir: string): Map<string, { bytes: Buffer; mtimeMs: number }> {
  return new Map(readdirSync(dir).sort().map((f) => [f, { bytes: readFileSync(join(dir, f)), mtimeMs: statSync(join(dir, f)).mtimeMs }]));
}

function assertUnchanged(dir: string, before: ReturnType<typeof snapshot>): void {
  const now = snapshot(dir);
  assert.deepEqual([...now.keys()], [...before.keys()], 'the same files (no temp or staging file left)');
  for (const [f, b] of before) {
    assert.ok(now.get(f)!.bytes.equals(b.bytes), `${f}: same bytes`);
    assert.equal(now.get(f)!.mtimeMs, b.mtimeMs, `${f}: not rewritten`);
  }
}

/** The last stderr line (progress lines come before it). */
const lastLine = (r: Run): string => r.stderr.trimEnd().split('\n').at(-1) ?? '';

const GOOD = ['train', '--epochs', '1', '--limit', '256', '--test-limit', '64'];
const DIVERGING = ['--limit', '512', '--test-limit', '64', '--lr', '1e6', '--optimizer', 'sgd', '--activation', 'relu', '--output-activation', 'linear'];

describe('a run never makes things worse', () => {
  let out: string;
  let good: ReturnType<typeof snapshot>;
  before(() => {
    out = join(tmp, 'D');
    const r = aekit([...GOOD, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    good = snapshot(out);
    assert.ok(good.has('model.safetensors') && good.has('summary.json'));
  });

  test('a run whose loss becomes Infinity names the epoch, the batch and the first non-finite parameter, and writes nothing', () => {
    const r = aekit(['train', '--epochs', '2', ...DIVERGING, '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(lastLine(r), /^aekit: training diverged: loss became (Infinity|NaN) at epoch 2, batch 1 .*first non-finite parameter encoder\.layers\.0\.weight .*nothing written$/);
    assert.equal(r.stdout, '', 'no "wrote" lines');
    assertUnchanged(out, good);
  });

  test('a run that finishes with an infinite test MSE writes nothing', () => {
    const r = aekit(['train', '--epochs', '1', ...DIVERGING, '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(lastLine(r), /^aekit: the test MSE is Infinity: the model diverged \(try a lower --lr\).*nothing written$/);
    assertUnchanged(out, good);
  });

  test('a run in a fresh folder that diverges leaves it empty', () => {
    const fresh = join(tmp, 'fresh');
    const r = aekit(['train', '--epochs', '2', ...DIVERGING, '--out', fresh]);
    assert.equal(r.status, 1);
    assert.deepEqual(readdirSync(fresh), []);
  });
});

describe('NaN metrics exit non-zero and say why', () => {
  test('rnn --lr 1e30', () => {
    assertOneLineError(aekit(['rnn', '--lr', '1e30', '--epochs', '3']), 1, 'the test MSE is NaN: the net diverged: try a lower --lr');
  });

  test('classify --lr 1e30 names the class whose model diverged, before writing anything', () => {
    const out = join(tmp, 'classify');
    const r = aekit(['classify', '--lr', '1e30', '--limit', '200', '--test-limit', '20', '--epochs', '1', '--hidden', '16', '--code', '4', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(lastLine(r), /^aekit: the reconstruction error of class \d+'s autoencoder on test sample 1 is NaN: the model diverged \(try a lower --lr\)/);
    assert.deepEqual(readdirSync(out), []);
  });

  test('compare-pca --lr 1e30 stops at the first code size', () => {
    const out = join(tmp, 'compare');
    const r = aekit(['compare-pca', '--lr', '1e30', '--limit', '200', '--test-limit', '20', '--epochs', '1', '--codes', '2,4', '--hidden', '16', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(lastLine(r), /^aekit: the autoencoder test MSE at code 2 is NaN: the model diverged/);
    assert.doesNotMatch(r.stderr, /code 4/, 'the next code size never trains');
    assert.deepEqual(readdirSync(out), []);
  });

  test('detect fit --lr 1e30 writes no detector', () => {
    const file = join(tmp, 'detector.safetensors');
    const r = aekit(['detect', 'fit', '--lr', '1e30', '--limit', '200', '--epochs', '1', '--hidden', '16', '--latent', '4', '--out', file]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(lastLine(r), /^aekit: (the validation loss of epoch 1|the calibration scores|training diverged).* (is NaN|not finite|loss became).*/);
    assert.ok(!existsSync(file));
  });

  test('eval of a model with huge weights', () => {
    // The weights of the diverged epoch: finite, near 1e29; a model file written before this fix.
    const out = join(tmp, 'huge');
    const r = aekit([...GOOD, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const file = join(out, 'model.safetensors');
    const bytes = readFileSync(file);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, { dtype?: string; data_offsets?: [number, number] }>;
    const [name, entry] = Object.entries(header).find(([k, v]) => k !== '__metadata__' && v.dtype === 'F32')!;
    const start = 8 + headerLen + entry.data_offsets![0];
    const f32 = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + 8 + headerLen + entry.data_offsets![1]));
    f32.fill(1e29);
    Buffer.from(f32.buffer).copy(bytes, start);
    writeFileSync(file, bytes);
    const e = aekit(['eval', file, '--test-limit', '16']);
    // A tensor checksum in the model file (another part of issue #12) may refuse the edited file first: either way, not exit 0.
    assert.notEqual(e.status, 0, `${name}: ${e.stdout}`);
    assert.match(lastLine(e), /not finite|Infinity|NaN|checksum|CRC/i);
  });
});

describe('limits on hostile values', () => {
  test('--out /proc/x fails at once, naming the file system', () => {
    const t0 = Date.now();
    const r = aekit([...GOOD, '--out', '/proc/x']);
    assertOneLineError(r, 1, '/proc/x is on the proc file system');
    assert.ok(Date.now() - t0 < 20_000, 'no spinning');
  });

  test('--out under a file: a file where a folder should be', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    assertOneLineError(aekit([...GOOD, '--out', join(file, 'sub')]), 1, `${file} is a file, not a folder`);
  });

  test('--out over a device file is refused for file outputs (as root, a rename would replace /dev/null)', () => {
    const link = join(tmp, 'null.safetensors');
    symlinkSync('/dev/null', link);
    assertOneLineError(aekit(['detect', 'fit', '--limit', '64', '--out', link]), 1, 'not a regular file');
    assert.ok(statSync('/dev/null').isCharacterDevice());
  });

  for (const n of ['100000', '512', String(maxThreads() + 1)]) {
    test(`--threads ${n} is a usage error naming the cap`, () => {
      assertOneLineError(aekit([...GOOD, '--threads', n, '--out', join(tmp, 'threads')]), 2, `--threads ${n} is more than ${maxThreads()}`);
      assert.ok(!existsSync(join(tmp, 'threads')), 'checked before the output folder is made');
    });
  }

  test('AEKIT_THREADS over the cap', () => {
    assertOneLineError(aekit(['eval', 'x.safetensors'], { AEKIT_THREADS: '100000' }), 2, `AEKIT_THREADS 100000 is more than ${maxThreads()}`);
  });

  const sizes: [string[], string][] = [
    [['--batch-size', '1000000'], '--batch-size must be at most 65536'],
    [['--hidden', '64,100000'], '--hidden must be at most 65536'],
    [['--latent', '70000'], '--latent must be at most 65536'],
    [['--epochs', '2000000'], '--epochs must be at most 1000000'],
    [['--limit', '99999999999'], '--limit must be at most 1000000000'],
    [['--shuffle-buffer', '999999999'], '--shuffle-buffer must be at most 16777216'],
    [['--model', 'sequence', '--timesteps', '1000000'], '--timesteps must be at most 100000'],
    [['--image-size', '100000x2'], '--image-size must be WIDTHxHEIGHT'],
  ];
  for (const [flags, message] of sizes) {
    test(`${flags.join(' ')}: ${message}`, () => {
      assertOneLineError(aekit(['train', ...flags, '--out', join(tmp, 'sizes')]), 2, message);
    });
  }

  test('the same bounds in other commands', () => {
    assertOneLineError(aekit(['classify', '--batch-size', '1000000']), 2, '--batch-size must be at most 65536');
    assertOneLineError(aekit(['rnn', '--units', '1000000']), 2, '--units must be at most 65536');
    assertOneLineError(aekit(['som', '--rows', '100000']), 2, '--rows must be at most 4096');
  });
});

describe('outputs as one set', () => {
  const DEAD = 2147483646; // above Linux's pid_max: never a live process

  test('the next run cleans what killed runs left, rolls a committed set forward and drops figures of another model', () => {
    const out = join(tmp, 'set');
    mkdirSync(out);
    writeFileSync(join(out, `.model.safetensors.${DEAD}.0.tmp`), 'torn');
    const live = `.summary.json.${process.pid}.0.tmp`;
    writeFileSync(join(out, live), 'a write in progress');
    mkdirSync(join(out, `.aekit-staging-${DEAD}`));
    writeFileSync(join(out, `.aekit-staging-${DEAD}`, 'model.safetensors'), 'half a set');
    // The previous run drew a figure this one does not: it describes another model.
    writeFileSync(join(out, 'vae-samples.png'), 'old figure');
    writeFileSync(join(out, 'notes.txt'), 'the user\'s own file');
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ files: [join(out, 'vae-samples.png'), join(out, 'notes.txt')] }));

    const r = aekit([...GOOD, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /removed \.aekit-staging-2147483646, the unfinished outputs of an interrupted run/);
    assert.match(r.stderr, /removed 1 temp file\(s\)/);
    const files = readdirSync(out).sort();
    assert.deepEqual(files, [live, 'loss.png', 'loss.svg', 'model.safetensors', 'notes.txt', 'reconstructions.png', 'summary.json'].sort());
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { files: string[] };
    assert.deepEqual(summary.files.map((f) => f.slice(out.length + 1)).sort(), files.filter((f) => !f.startsWith('.') && f !== 'notes.txt'));

    // A run killed between committing its set and moving it: the next run finishes the move first.
    const staging = join(out, `.aekit-staging-${DEAD}`);
    mkdirSync(staging);
    writeFileSync(join(staging, 'loss.svg'), 'committed');
    writeFileSync(join(staging, '.complete'), JSON.stringify(['loss.svg']));
    const again = aekit(['train', '--out', out, '--threads', '100000']); // fails on its flags: cleaning waits for a valid run
    assert.equal(again.status, 2);
    assert.ok(existsSync(staging));
    const r2 = aekit([...GOOD, '--out', out]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stderr, /finished moving the outputs of an interrupted run/);
    assert.ok(!existsSync(staging));
    assert.notEqual(readFileSync(join(out, 'loss.svg'), 'utf8'), 'committed', 'then replaced by this run\'s set');
  });
});
