/**
 * The crash test (issue #12 item 8): `aekit train` with checkpoints every 2 steps is killed with SIGKILL at
 * seeded random moments, 20 times, each run continuing the last (--resume, or afresh once a run has finished).
 * After every kill each file in --out and in its checkpoint folder must be absent (only if it was absent
 * before), or complete: the model loads, every checkpoint decodes, summary.json parses and describes the model
 * beside it, every PNG decodes, every SVG ends; a checkpoint of a resumed run never goes back. Temp files of a
 * cut write and staging folders are the only leftovers allowed, and the next run removes them. At the end a
 * resumed run ends in the weights of a run never killed, bit for bit.
 *
 * The kill moments follow the killed run's own progress, not a clock read in another run: half are aimed at
 * the writing of the outputs (a seeded delay after the line of the last epoch), a quarter into training (a
 * seeded epoch's line, then a seeded part of an epoch) and a quarter around the start of training (a seeded
 * delay from the spawn). The delays scale with the epoch times this run prints, so a machine that is faster
 * or slower than when the uninterrupted run was timed (other test files run beside this one) still lands the
 * kills where they are aimed. Timings only choose when to kill; no assertion depends on them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, cli, cliArgs, root } from './helpers.js';
import { decodePng } from '../../src/viz/png.js';
import { loadModelFile, readCheckpoint } from '../../src/index.js';

let tmp: string;
before(() => {
  assert.ok(process.env.AEKIT_CLI_SOURCE || existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  tmp = mkdtempSync(join(tmpdir(), 'aekit-crash-test-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const KILLS = 20;
const EPOCHS = 24;
// 8 steps per epoch, a checkpoint every 2: 96 checkpoint writes in a run.
const FLAGS = ['--limit', '512', '--test-limit', '64', '--hidden', '32', '--latent', '8', '--batch-size', '64', '--seed', '7', '--epochs', String(EPOCHS), '--checkpoint-every', '2'];

/** mulberry32: the kill moments' own seeded stream. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome { status: number | null; signal: NodeJS.Signals | null; stderr: string; started: number; trained: number; ended: number }

/**
 * When to kill a run: after `ms` from the spawn; or once the line of epoch `epoch` (or a later one) is printed,
 * after `epochs` times the epoch time this run last printed (`fallback` ms before it has printed two).
 */
type Kill = { ms: number } | { epoch: number; epochs: number; fallback: number };

/** Runs `aekit train`, killing it with SIGKILL as `kill` says (if given); times the start and end of training. */
function train(args: string[], kill?: Kill): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...cliArgs, 'train', ...args], { cwd: root, env: baseEnv });
    let stderr = '', started = NaN, trained = NaN, lastEpochAt = NaN, epochTime = NaN;
    let timer: NodeJS.Timeout | null = null;
    const killAfter = (ms: number): void => { timer ??= setTimeout(() => child.kill('SIGKILL'), Math.max(0, ms)); };
    if (kill && 'ms' in kill) killAfter(kill.ms);
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const now = performance.now() - t0;
      stderr += d;
      if (Number.isNaN(started) && stderr.includes('aekit: training ')) started = now;
      for (const m of d.matchAll(/^epoch (\d+)\//gm)) {
        if (!Number.isNaN(lastEpochAt)) epochTime = now - lastEpochAt;
        lastEpochAt = now;
        if (kill && 'epoch' in kill && Number(m[1]) >= kill.epoch) killAfter(kill.epochs * (Number.isNaN(epochTime) ? kill.fallback : epochTime));
      }
      if (Number.isNaN(trained) && stderr.includes(`epoch ${EPOCHS}/${EPOCHS}`)) trained = now;
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ status, signal, stderr, started, trained, ended: performance.now() - t0 });
    });
  });
}

function weightBytes(path: string): Buffer {
  const b = readFileSync(path);
  return b.subarray(8 + Number(b.readBigUInt64LE(0)));
}

function modelRecord(path: string): { seconds: number; testMse: number } {
  const b = readFileSync(path);
  const header = JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString()) as { __metadata__: { aekit: string } };
  return (JSON.parse(header.__metadata__.aekit) as { training: { seconds: number; testMse: number } }).training;
}

const TEMP = /^\..+\.\d+\.\d+\.tmp$/;
const STAGING = /^\.aekit-staging-\d+$/;

/** The files of --out and its checkpoint folder (relative names), and the leftovers of cut writes. */
function listing(out: string): { files: string[]; leftovers: string[] } {
  const files: string[] = [], leftovers: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const rel = prefix + name;
      if (TEMP.test(name) || STAGING.test(name)) leftovers.push(rel);
      else if (statSync(join(dir, name)).isDirectory()) walk(join(dir, name), `${rel}/`);
      else files.push(rel);
    }
  };
  walk(out, '');
  return { files, leftovers };
}

/** Parses every file: throws unless each is complete. Returns the last checkpoint's step count (or -1). */
function checkComplete(out: string, files: string[]): number {
  let steps = -1;
  for (const rel of files) {
    const path = join(out, rel);
    if (rel === 'model.safetensors') assert.ok(loadModelFile(path), rel);
    else if (rel === 'summary.json') JSON.parse(readFileSync(path, 'utf8'));
    else if (rel.endsWith('.png')) assert.ok(decodePng(readFileSync(path)).width > 0, rel);
    else if (rel.endsWith('.svg')) assert.match(readFileSync(path, 'utf8').trimEnd(), /<\/svg>$/, `${rel} is complete`);
    else if (rel.startsWith('checkpoints/')) {
      const ck = readCheckpoint(path);
      if (rel.endsWith('last.safetensors')) steps = ck.position.steps;
    } else assert.fail(`unexpected file ${rel}`);
  }
  if (files.includes('summary.json')) {
    // One set: the summary describes the model beside it (the same run's record).
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { seconds: number; testMse: number };
    const m = modelRecord(join(out, 'model.safetensors'));
    assert.deepEqual({ seconds: m.seconds, testMse: m.testMse }, { seconds: s.seconds, testMse: s.testMse }, 'summary.json and model.safetensors of one run');
  }
  return steps;
}

test(`aekit train killed -9 ${KILLS} times at seeded moments: every file old or new and complete, and resuming ends in the same bits`, async () => {
  const reference = join(tmp, 'reference');
  const timed = await train([...FLAGS, '--out', reference]);
  assert.equal(timed.status, 0, timed.stderr);
  const training = timed.trained - timed.started, writing = timed.ended - timed.trained;
  assert.ok(training > 0 && writing > 0, 'the reference run was timed');
  // The reference's epoch time, and its writing measured in epochs: a run's kill in its writing is drawn in
  // epochs of its own, so a loaded or quiet machine scales both alike.
  const epochMs = training / (EPOCHS - 1);
  const writingEpochs = writing / epochMs;
  const next = rng(12);
  const totalSteps = EPOCHS * 8;
  const out = join(tmp, 'killed');
  const ckLast = join(out, 'checkpoints', 'checkpoint-last.safetensors');
  const counts: Record<string, number> = {};
  const count = (k: string): void => { counts[k] = (counts[k] ?? 0) + 1; };
  let before = listing(out).files;
  let lastSteps = -1;
  for (let i = 0; i < KILLS; i++) {
    // Continue the last run; once one has finished (its checkpoint at the last epoch), start again over it.
    const finished = existsSync(ckLast) && readCheckpoint(ckLast).position.epoch === EPOCHS;
    const resume = existsSync(ckLast) && !finished;
    count(resume ? 'runs resumed' : 'runs started afresh');
    const startEpoch = resume ? Math.floor(readCheckpoint(ckLast).position.steps / (totalSteps / EPOCHS)) + 1 : 1;
    const kill: Kill = i % 2 === 1
      ? { epoch: EPOCHS, epochs: next() * 1.2 * writingEpochs, fallback: epochMs }
      : i % 4 === 2
        ? { epoch: startEpoch + Math.floor(next() * (EPOCHS - startEpoch)), epochs: next(), fallback: epochMs }
        : { ms: (0.8 + next() * 0.3) * timed.started };
    const r = await train([...FLAGS, '--out', out, ...(resume ? ['--resume', join(out, 'checkpoints')] : [])], kill);
    if (resume) assert.doesNotMatch(r.stderr, /cannot resume|error/i, 'a resume after a kill is accepted');
    if (r.signal === 'SIGKILL') count('killed');
    else {
      assert.equal(r.status, 0, r.stderr);
      count('finished before the kill');
    }
    const now = listing(out);
    for (const f of before) assert.ok(now.files.includes(f), `kill ${i + 1}: ${f} is still there (old or new)`);
    const steps = checkComplete(out, now.files);
    if (resume) assert.ok(steps >= lastSteps, `kill ${i + 1}: the last checkpoint went back from step ${lastSteps} to ${steps}`);
    if (now.leftovers.some((f) => TEMP.test(f.split('/').at(-1)!))) count('killed mid-write (temp file left)');
    if (now.leftovers.some((f) => STAGING.test(f))) count('killed with outputs staged');
    if (steps !== lastSteps && r.signal === 'SIGKILL') count('killed after a new checkpoint');
    before = now.files;
    lastSteps = steps;
  }
  // The end: continue to the last epoch (or, if the last run finished, nothing is left to train).
  const resume = existsSync(ckLast) && readCheckpoint(ckLast).position.epoch !== EPOCHS;
  const end = await train([...FLAGS, '--out', out, ...(resume ? ['--resume', join(out, 'checkpoints')] : [])]);
  assert.equal(end.status, 0, end.stderr);
  assert.deepEqual(listing(out).leftovers, [], 'the last run removed every leftover of the killed ones');
  assert.ok(weightBytes(join(out, 'model.safetensors')).equals(weightBytes(join(reference, 'model.safetensors'))), 'bit-identical to the run never killed');
  const summary = (dir: string): { trainLoss: number[] } => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { trainLoss: number[] };
  assert.deepEqual(summary(out).trainLoss, summary(reference).trainLoss);
  console.log(`crash test: ${KILLS} runs (a run: training from ${Math.round(timed.started)} ms for ${Math.round(training)} ms, then ${Math.round(writing)} ms writing); ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  assert.ok((counts.killed ?? 0) >= KILLS / 2, 'most runs were killed');
});
