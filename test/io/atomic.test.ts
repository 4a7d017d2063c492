/** writeFileAtomic's refusals and cleanStaleTemps: which temp files are stale (their writer is dead) and which are not. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanStaleTemps, pidAlive, tempPathFor, writeFileAtomic } from '../../src/io/atomic.js';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-atomic-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const DEAD = 2147483646; // above Linux's pid_max

test('pidAlive: this process yes, a pid above pid_max no', () => {
  assert.equal(pidAlive(process.pid), true);
  assert.equal(pidAlive(DEAD), false);
});

test('the temp name is the one cleanStaleTemps recognizes, and a live writer\'s temp is kept', () => {
  const sub = join(dir, 'names');
  mkdirSync(sub);
  const mine = tempPathFor(join(sub, 'model.safetensors'));
  writeFileSync(mine, 'in progress');
  writeFileSync(join(sub, `.model.safetensors.${DEAD}.3.tmp`), 'torn');
  writeFileSync(join(sub, `.loss.png.${DEAD}.0.tmp`), 'torn');
  writeFileSync(join(sub, '.model.safetensors.tmp'), 'not our pattern');
  writeFileSync(join(sub, 'model.safetensors'), 'kept');
  assert.deepEqual(cleanStaleTemps(sub).sort(), [`.loss.png.${DEAD}.0.tmp`, `.model.safetensors.${DEAD}.3.tmp`]);
  assert.deepEqual(readdirSync(sub).sort(), ['.model.safetensors.tmp', mine.slice(sub.length + 1), 'model.safetensors'].sort());
  assert.deepEqual(cleanStaleTemps(join(dir, 'missing')), []);
});

test('writeFileAtomic replaces a file, never a folder, and leaves no temp file after a refusal', () => {
  const sub = join(dir, 'write');
  mkdirSync(sub);
  writeFileAtomic(join(sub, 'a.txt'), 'one');
  writeFileAtomic(join(sub, 'a.txt'), 'two');
  assert.equal(readFileSync(join(sub, 'a.txt'), 'utf8'), 'two');
  mkdirSync(join(sub, 'folder'));
  assert.throws(() => writeFileAtomic(join(sub, 'folder'), 'x'), /is a folder, not a file/);
  assert.deepEqual(readdirSync(sub).sort(), ['a.txt', 'folder']);
});

test('writeFileAtomic refuses a device', () => {
  assert.throws(() => writeFileAtomic('/dev/null', 'x'), /not a regular file/);
});
