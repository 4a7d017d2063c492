import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '../../src/data/csv.js';
import { loadCsv } from '../../src/data/csv-file.js';

describe('parseCsv', () => {
  test('auto-detects a header and reads numeric columns', () => {
    const ds = parseCsv('a,b,c\n1,2,3\n4,5.5,-6e-1\n');
    assert.equal(ds.length, 2);
    assert.deepEqual(ds.sampleShape, [3]);
    assert.deepEqual(Array.from(ds.toFloat32()), [1, 2, 3, 4, 5.5, Math.fround(-0.6)]);
    assert.equal(ds.labels, null);
  });

  test('no header (auto and explicit)', () => {
    assert.equal(parseCsv('1,2\n3,4\n').length, 2);
    assert.equal(parseCsv('1,2\n3,4\n', { header: false }).length, 2);
    assert.equal(parseCsv('1,2\n3,4\n', { header: true }).length, 1);
  });

  test('label column by name or index, other delimiters', () => {
    const byName = parseCsv('x,label,y\n1,3,2\n4,7,5\n', { labelColumn: 'label' });
    assert.deepEqual(byName.sampleShape, [2]);
    assert.deepEqual(Array.from(byName.toFloat32()), [1, 2, 4, 5]);
    assert.deepEqual(Array.from(byName.labels!), [3, 7]);
    const byIndex = parseCsv('1;2;0\n3;4;1\n', { labelColumn: 2, delimiter: ';' });
    assert.deepEqual(Array.from(byIndex.toFloat32()), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(byIndex.labels!), [0, 1]);
    assert.throws(() => parseCsv('a,b\n1,2\n', { labelColumn: 'z' }), /label column "z" not found/);
    assert.throws(() => parseCsv('1,2\n', { labelColumn: 'z' }), /label column "z" not found; columns are "column1", "column2"/);
    assert.throws(() => parseCsv('1,2\n', { labelColumn: 5 }), /label column index 5 is out of range \(the table has 2 columns\)/);
    assert.throws(() => parseCsv('a,y\n1,0.5\n', { labelColumn: 'y' }), /labels must be integers/);
  });

  test('bad cells are named by line and column', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n3,abc\n'), /line 3, column "b" is not a number: "abc" \(--missing drop/);
    assert.throws(() => parseCsv('1,2\n,4\n'), /line 2, column "column1" is empty/);
    assert.throws(() => parseCsv('1,2\n3,NaN\n', { header: false }), /line 2, column "column2" is not a number/);
    assert.throws(() => parseCsv('a,b\n1,2\n3\n'), /line 3 has 1 fields, expected 2/);
    assert.throws(() => parseCsv('a,b\n'), /no data rows/);
    assert.throws(() => parseCsv(''), /no rows/);
  });
});

describe('loadCsv', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aekit-csv-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file and names it in errors', () => {
    const p = join(dir, 'good.csv');
    writeFileSync(p, '\ufeffx,y,label\r\n0.5,1,2\r\n1.5,2,3\r\n');
    const ds = loadCsv(p, { labelColumn: 'label' });
    assert.deepEqual(Array.from(ds.toFloat32()), [0.5, 1, 1.5, 2]);
    assert.deepEqual(Array.from(ds.labels!), [2, 3]);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x,y\n1,2\n1,oops\n');
    assert.throws(() => loadCsv(bad), (e: Error) => e.message.startsWith(bad) && /line 3, column "y" is not a number: "oops"/.test(e.message));
    assert.throws(() => loadCsv(join(dir, 'missing.csv')), /CSV file not found/);
  });
});
