/**
 * The CSV piece reader (openCsvFile): any range of data rows equals the same rows of the whole-file parse,
 * across checkpoints, with quoted line breaks, blank lines, a BOM, CRLF endings and no header; line numbers in
 * its tables are the file's.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT, openCsvFile, readCsvTable } from '../../src/data/csv-file.js';
import type { ColumnTable } from '../../src/data/table.js';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-csvfile-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const rowsOf = (t: ColumnTable): string[] => Array.from({ length: t.rowCount }, (_, r) => t.names.map((_, c) => String(t.cells(c)[r])).join('|') + `@${t.where(r)}`);

test('ranges across checkpoints equal the whole-file parse, lines included', async () => {
  const n = 2 * CHECKPOINT + 123;
  const lines = ['\ufeffid,a,note'];
  for (let i = 0; i < n; i++) {
    lines.push(i % 5000 === 7 ? `r${i},${i * 0.5},"two\nlines"` : `r${i},${i * 0.5},x${i}`);
    if (i % 9000 === 3) lines.push('');
  }
  const path = join(dir, 'big.csv');
  writeFileSync(path, lines.join('\r\n') + '\r\n');
  const whole = readCsvTable(path);
  const reader = await openCsvFile(path);
  assert.equal(reader.rowCount, n);
  assert.deepEqual(reader.names, ['id', 'a', 'note']);
  const all = rowsOf(whole);
  for (const [s, e] of [[CHECKPOINT - 2, CHECKPOINT + 3], [0, 4], [n - 3, n], [5, 5], [2 * CHECKPOINT, 2 * CHECKPOINT + 100], [100, CHECKPOINT * 2 + 1]]) {
    assert.deepEqual(rowsOf(await reader.read(s, e)), all.slice(s, e), `rows [${s}, ${e})`);
  }
  await assert.rejects(reader.read(0, n + 1), /out of range/);
  await reader.close();
});

test('no header, one row, only a header, missing file', async () => {
  const p = (name: string, text: string): string => { writeFileSync(join(dir, name), text); return join(dir, name); };
  const r = await openCsvFile(p('nohead.csv', '1,2\n3,4\n'));
  assert.deepEqual([r.names, r.rowCount], [['column1', 'column2'], 2]);
  assert.deepEqual(rowsOf(await r.read(1, 2)), ['3|4@line 2']);
  const one = await openCsvFile(p('one.csv', '1,2\n'));
  assert.equal(one.rowCount, 1);
  await assert.rejects(openCsvFile(p('head.csv', 'a,b\n')), /no data rows \(only a header\)/);
  await assert.rejects(openCsvFile(join(dir, 'nope.csv')), /CSV file not found/);
});
