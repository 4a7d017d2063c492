/**
 * Every command that writes several files about one run writes them as one set (cli/output-set.ts, issue #12
 * item 4): aekit train, pca, som, compare-pca, classify and detect eval. Each is run over a folder holding what
 * a killed run leaves (an uncommitted staging folder and a temp file of a dead process) and a figure of an
 * earlier run that this one does not draw: the run must clean the leftovers (they are only cleaned by the set
 * writer), drop the stale figure, leave no staging folder, and list in summary.json exactly the files it wrote.
 * writeOutputSet itself: a write that fails half way leaves the previous set byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputSet } from '../../cli/output-set.js';
import { Rng } from '../../src/tensor/rng.js';
import { aekitAsync, cli } from './helpers.js';

const DEAD = 2147483646; // above Linux's pid_max: never a live process
let tmp: string, csv: string;
before(() => {
  assert.ok(process.env.AEKIT_CLI_SOURCE || existsSync(cli), `${cli} is missing: run 'npm run build' first`);
  tmp = mkdtempSync(join(tmpdir(), 'aekit-output-sets-'));
  // 240 rows of 4 features in three labelled blobs.
  const rng = new Rng(3);
  const lines = Array.from({ length: 240 }, (_, i) => {
    const c = i % 3;
    return [i, ...Array.from({ length: 4 }, (_, j) => ((j === c ? 6 : 0) + rng.normal()).toFixed(4)), ['a', 'b', 'c'][c]].join(',');
  });
  csv = join(tmp, 'blobs.csv');
  writeFileSync(csv, `id,f0,f1,f2,f3,kind\n${lines.join('\n')}\n`);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const data = (): string[] => ['--data', csv, '--label', 'kind', '--id', 'id'];

const COMMANDS: [string, () => string[]][] = [
  ['train', () => ['train', ...data(), '--hidden', '4', '--latent', '2', '--epochs', '1']],
  ['pca', () => ['pca', ...data(), '--components', '2']],
  ['som', () => ['som', ...data(), '--rows', '4', '--cols', '4', '--iterations', '500']],
  ['compare-pca', () => ['compare-pca', ...data(), '--codes', '1,2', '--hidden', '4', '--epochs', '1']],
  ['classify', () => ['classify', ...data(), '--epochs', '2']],
  ['detect eval', () => ['detect', 'eval', ...data(), '--normal-label', 'a', '--epochs', '2']],
];

describe('commands write their outputs as one set', { concurrency: 2 }, () => {
  for (const [name, args] of COMMANDS) {
    test(`aekit ${name}: cleans a killed run's leftovers, drops a stale figure, lists what it wrote`, async () => {
      const out = join(tmp, name.replace(' ', '-'));
      mkdirSync(join(out, `.aekit-staging-${DEAD}`), { recursive: true });
      writeFileSync(join(out, `.aekit-staging-${DEAD}`, 'summary.json'), 'half a set');
      writeFileSync(join(out, `.summary.json.${DEAD}.0.tmp`), 'torn');
      writeFileSync(join(out, 'stale.png'), 'a figure of another run');
      writeFileSync(join(out, 'summary.json'), JSON.stringify({ files: [join(out, 'stale.png')] }));

      const r = await aekitAsync([...args(), '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`removed \\.aekit-staging-${DEAD}, the unfinished outputs of an interrupted run`));
      assert.match(r.stderr, /removed 1 temp file\(s\)/);
      const files = readdirSync(out).sort();
      assert.deepEqual(files.filter((f) => f.startsWith('.') || f === 'stale.png'), [], 'no leftovers, no stale figure');
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { files: string[] };
      assert.deepEqual(summary.files.map((f) => f.slice(out.length + 1)).sort(), files.filter((f) => f !== 'checkpoints'));
    });
  }
});

test('writeOutputSet: a write that fails half way leaves the previous set byte for byte; a complete one replaces it', async () => {
  const out = join(tmp, 'unit');
  mkdirSync(out);
  await writeOutputSet(out, (at) => {
    writeFileSync(at(join(out, 'a.txt')), 'old a');
    writeFileSync(at(join(out, 'summary.json')), 'old summary');
  });
  const snapshot = (): string[] => readdirSync(out).sort().map((f) => `${f}=${readFileSync(join(out, f), 'utf8')}`);
  const before = snapshot();
  assert.deepEqual(before, ['a.txt=old a', 'summary.json=old summary']);
  await assert.rejects(writeOutputSet(out, (at) => {
    writeFileSync(at(join(out, 'a.txt')), 'new a');
    throw new Error('the summary failed');
  }), /the summary failed/);
  assert.deepEqual(snapshot(), before);
  await writeOutputSet(out, (at) => {
    writeFileSync(at(join(out, 'a.txt')), 'new a');
    writeFileSync(at(join(out, 'summary.json')), 'new summary');
  });
  assert.deepEqual(snapshot(), ['a.txt=new a', 'summary.json=new summary']);
  await assert.rejects(writeOutputSet(out, (at) => { at(join(tmp, 'elsewhere.txt')); }), /not directly inside/);
});
