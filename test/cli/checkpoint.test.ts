/**
 * `aekit train`'s checkpoints (issue #12 items 1 and 3): a run continued with --resume ends in the weights of
 * a run never stopped, bit for bit; Ctrl-C and SIGTERM stop after the current step with a checkpoint, the model
 * and the command that resumes (exit 130), also before the first epoch ends; a second signal quits at once; a
 * resume with another --batch-size is refused naming the field and changes nothing. Signals are sent when
 * stderr shows training has started: the assertions hold wherever in the run they land.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aekit, assertOneLineError, baseEnv, cli, cliArgs, type Run, root } from './helpers.js';
import { loadModelFile, readCheckpoint } from '../../src/index.js';

let tmp: string;
before(() => {
  assert.ok(process.env.AEKIT_CLI_SOURCE || existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  tmp = mkdtempSync(join(tmpdir(), 'aekit-checkpoint-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The tensor bytes of a safetensors file (after its JSON header, which also records times). */
function weightBytes(path: string): Buffer {
  const b = readFileSync(path);
  return b.subarray(8 + Number(b.readBigUInt64LE(0)));
}

const summaryOf = (out: string): Record<string, unknown> => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;

/** Every file under a folder with its bytes and mtime. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(p, `${readFileSync(p).toString('base64')} ${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

/**
 * Runs the CLI and sends `signals` once stderr shows `when` (each after the line `then[i]` if given, else at
 * once). Resolves with the exit status, the signal that killed it (if any) and the output.
 */
function runWithSignals(args: string[], when: RegExp, signals: NodeJS.Signals[]): Promise<Run & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs, ...args], { cwd: root, env: baseEnv });
    let stdout = '', stderr = '', sent = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!sent && when.test(stderr)) {
        sent = true;
        for (const s of signals) child.kill(s);
      }
    });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

// 8 steps of 64 per epoch; a tiny net, so every run takes well under a second of training.
const DATA = ['--limit', '512', '--test-limit', '64', '--hidden', '32', '--latent', '8', '--batch-size', '64', '--seed', '5'];
const EPOCHS = 12;

describe('aekit train --resume', () => {
  test('a run stopped after 3 epochs and resumed to 12 ends in the weights and losses of a run of 12', () => {
    const straight = join(tmp, 'straight');
    const parted = join(tmp, 'parted');
    const ck = join(tmp, 'parted-ck');
    const a = aekit(['train', ...DATA, '--epochs', String(EPOCHS), '--out', straight]);
    assert.equal(a.status, 0, a.stderr);
    assert.ok(!existsSync(join(straight, 'checkpoints')), 'no checkpoints unless asked (or interrupted)');
    const b = aekit(['train', ...DATA, '--epochs', '3', '--out', parted, '--checkpoint-dir', ck, '--checkpoint-every', '5']);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(readCheckpoint(ck).position.steps, 24, 'the final checkpoint of the run, after step 24');
    assert.ok(existsSync(join(ck, 'checkpoint-best.safetensors')), 'best is kept beside last');
    const c = aekit(['train', ...DATA, '--epochs', String(EPOCHS), '--out', parted, '--resume', ck]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stderr, /resuming .*checkpoint-last\.safetensors: continuing at epoch 4, batch 1 \(3 epoch\(s\) and 24 step\(s\) done\)/);
    assert.ok(weightBytes(join(parted, 'model.safetensors')).equals(weightBytes(join(straight, 'model.safetensors'))), 'bit-identical weights');
    assert.deepEqual(summaryOf(parted).trainLoss, summaryOf(straight).trainLoss);
    assert.deepEqual(summaryOf(parted).valLoss, summaryOf(straight).valLoss);
    assert.equal(readCheckpoint(ck).position.epoch, EPOCHS, 'the resumed run checkpoints into the same folder');
  });

  test('the stacked autoencoder resumes in its stage: the same weights as a run never stopped', () => {
    const flags = ['--model', 'stacked', '--limit', '256', '--test-limit', '32', '--hidden', '32', '--latent', '8', '--batch-size', '64', '--pretrain-epochs', '2'];
    const straight = join(tmp, 'stacked-straight');
    const parted = join(tmp, 'stacked-parted');
    assert.equal(aekit(['train', ...flags, '--epochs', '3', '--out', straight]).status, 0);
    assert.equal(aekit(['train', ...flags, '--epochs', '1', '--out', parted, '--checkpoint-every', '3']).status, 0);
    const r = aekit(['train', ...flags, '--epochs', '3', '--out', parted, '--resume', join(parted, 'checkpoints')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /continuing at stage 3, epoch 2/);
    assert.ok(weightBytes(join(parted, 'model.safetensors')).equals(weightBytes(join(straight, 'model.safetensors'))));
  });

  test('a resume with another --batch-size is refused naming the field, and changes nothing', () => {
    const out = join(tmp, 'refused');
    assert.equal(aekit(['train', ...DATA, '--epochs', '2', '--out', out, '--checkpoint-every', 'epoch']).status, 0);
    const before = snapshot(out);
    const r = aekit(['train', ...DATA, '--batch-size', '32', '--epochs', '4', '--out', out, '--resume', join(out, 'checkpoints')]);
    assert.equal(r.status, 1, r.stderr);
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    assert.match(last, /^aekit: .*cannot resume: the checkpoint was written with batchSize 64, this run has 32$/);
    assert.deepEqual(snapshot(out), before, 'every file (checkpoints included) byte- and mtime-identical');
  });

  test('flag errors: --checkpoint-every 0, a --resume folder without a checkpoint', () => {
    assertOneLineError(aekit(['train', '--checkpoint-every', '0']), 2, "--checkpoint-every must be 'epoch' or a positive number of steps");
    assertOneLineError(aekit(['train', '--resume', tmp]), 1, 'holds no checkpoint-last.safetensors');
  });
});

describe('aekit train interrupted', () => {
  const expectedCommand = (args: string[], dir: string): string => `aekit ${['train', ...args, '--resume', dir].join(' ')}`;

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal}: exit 130, a checkpoint, the model and the command that resumes; resuming it ends in the bits of a run never stopped`, async () => {
      const out = join(tmp, `sig-${signal}`);
      // Far more epochs than the signal leaves time for; the resume below trains to EPOCHS.
      const args = [...DATA, '--epochs', '100000', '--out', out];
      const r = await runWithSignals(['train', ...args], /epoch 1\//, [signal]);
      assert.equal(r.status, 130, r.stderr);
      assert.match(r.stderr, new RegExp(`interrupted \\(${signal}\\)`));
      const ckDir = join(out, 'checkpoints');
      const line = r.stderr.trimEnd().split('\n').at(-1)!;
      assert.equal(line.replace(/^.*; to continue: /, ''), expectedCommand(args, ckDir));
      const ck = readCheckpoint(ckDir);
      assert.equal(ck.history.stopReason, 'aborted');
      const summary = summaryOf(out);
      assert.equal(summary.stopReason, 'aborted');
      assert.equal((summary.trainLoss as number[]).length, ck.history.epoch.length, 'the model holds the epochs the checkpoint completed');
      assert.ok(loadModelFile(join(out, 'model.safetensors')));
      if (signal === 'SIGTERM') return;
      // An epoch here takes milliseconds: on a busy machine the signal can land after EPOCHS of them, so both
      // runs go a few epochs past whatever the checkpoint holds.
      const total = Math.max(EPOCHS, ck.history.epoch.length + 2);
      const straight = join(tmp, 'sig-straight');
      assert.equal(aekit(['train', ...DATA, '--epochs', String(total), '--out', straight]).status, 0);
      // The printed command, with the epochs of the straight run.
      const resumed = aekit(['train', ...args, '--resume', ckDir, '--epochs', String(total)]);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.ok(weightBytes(join(out, 'model.safetensors')).equals(weightBytes(join(straight, 'model.safetensors'))), 'bit-identical weights');
      assert.deepEqual(summaryOf(out).trainLoss, summaryOf(straight).trainLoss);
    });
  }

  test('Ctrl-C before the first epoch ends writes a checkpoint within the epoch and the weights so far', async () => {
    const out = join(tmp, 'first-epoch');
    // One long epoch: 4096 steps of one sample each.
    const args = ['--limit', '4096', '--test-limit', '64', '--hidden', '256', '--batch-size', '1', '--epochs', '1', '--out', out];
    const r = await runWithSignals(['train', ...args], /aekit: training /, ['SIGINT']);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /interrupted after 0 complete epoch\(s\); to continue: aekit train .* --resume /);
    const ck = readCheckpoint(join(out, 'checkpoints'));
    assert.equal(ck.position.epoch, 0);
    assert.ok(ck.position.batch < 4096, `stopped within the epoch (batch ${ck.position.batch})`);
    assert.deepEqual(summaryOf(out).trainLoss, []);
    const model = loadModelFile(join(out, 'model.safetensors'));
    assert.ok(model);
    // The model file holds the weights the checkpoint holds: the weights so far.
    const header = JSON.parse(readFileSync(join(out, 'model.safetensors')).subarray(8, 8 + Number(readFileSync(join(out, 'model.safetensors')).readBigUInt64LE(0))).toString()) as Record<string, { data_offsets: [number, number] }>;
    const bytes = weightBytes(join(out, 'model.safetensors'));
    for (const [name, w] of Object.entries(ck.weights)) {
      const [s, e] = header[name].data_offsets;
      assert.ok(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(bytes.subarray(s, e)), `${name} as in the checkpoint`);
    }
  });

  test('a second signal quits at once: exit 130, no outputs committed, nothing torn', async () => {
    const out = join(tmp, 'twice');
    const args = ['train', ...DATA, '--epochs', '100000', '--out', out];
    // Two signals together: the second arrives before the run reaches its files.
    const r = await runWithSignals(args, /epoch 1\//, ['SIGINT', 'SIGTERM']);
    assert.equal(r.status, 130, r.stderr);
    assert.doesNotMatch(r.stderr, /to continue/);
    assert.ok(!existsSync(join(out, 'summary.json')) && !existsSync(join(out, 'model.safetensors')), 'no outputs of the run');
    // A checkpoint, if the first signal got as far as writing it, is complete; temp files of a cut write are
    // the only other thing allowed, and the next run removes them.
    const ckDir = join(out, 'checkpoints');
    for (const f of existsSync(ckDir) ? readdirSync(ckDir) : []) {
      if (/^\..*\.\d+\.\d+\.tmp$/.test(f)) continue;
      assert.ok(readCheckpoint(join(ckDir, f)), `${f} decodes`);
    }
  });
});
