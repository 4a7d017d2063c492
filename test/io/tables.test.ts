/**
 * The table writers (src/io/tables.ts): what they write reads back through the data layer's own readers
 * (data/csv.ts, data/parquet.ts) with the same names and values, and what a file cannot hold fails before
 * anything is written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCsvTable } from '../../src/data/csv.js';
import { readParquetFile } from '../../src/data/parquet-file.js';
import { readParquetTable } from '../../src/data/parquet.js';
import { encodeParquet, float32Text, tableCsv, type TableColumn, writeCsvFile, writeTableFile } from '../../src/io/tables.js';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-tables-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const columns = (): TableColumn[] => [
  { name: 'id', values: ['a', 'b,c', ' "q" ', ''] },
  { name: 'label', values: Int32Array.of(0, -7, 2147483647, 3) },
  { name: 'z0', values: Float32Array.of(0.1, 1e-30, -3.5, 16777217) },
  { name: 'err', values: Float64Array.of(0.1 + 0.2, NaN, 2, 5e-324), missing: true },
];

describe('CSV', () => {
  test('quotes only the cells that need it; float32 and float64 in their shortest round-trip form; a missing cell is empty', () => {
    assert.equal(tableCsv(columns()),
      'id,label,z0,err\n' +
      'a,0,0.1,0.30000000000000004\n' +
      '"b,c",-7,1e-30,\n' +
      '" ""q"" ",2147483647,-3.5,2\n' +
      ',3,16777216,5e-324\n');
  });

  test('reads back through parseCsvTable with the same cells (a float32 exactly, by Math.fround)', () => {
    const t = parseCsvTable(tableCsv(columns()));
    assert.deepEqual(t.names, ['id', 'label', 'z0', 'err']);
    assert.deepEqual(Array.from(t.cells(0)), ['a', 'b,c', ' "q" ', null]); // an empty id reads as a missing cell
    assert.deepEqual(Array.from(t.cells(1), Number), [0, -7, 2147483647, 3]);
    assert.deepEqual(Array.from(t.cells(2), (c) => Math.fround(Number(c))), Array.from(Float32Array.of(0.1, 1e-30, -3.5, 16777217)));
    assert.deepEqual(Array.from(t.cells(3), (c) => (c === null ? null : Number(c))), [0.1 + 0.2, null, 2, 5e-324]);
  });

  test('every float32 round-trips through its text, which is never longer than 9 significant digits', () => {
    const v = new Float32Array(new Uint32Array(Array.from({ length: 5000 }, (_, i) => ((i * 2654435761) >>> 0) % 0x7f800000)).buffer);
    for (const x of [...v, -1.5, 0, 1.401298464324817e-45, 3.4028234663852886e38]) {
      const t = float32Text(x);
      assert.equal(Math.fround(Number(t)), x, `${x} -> ${t}`);
      assert.ok(t.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '').length <= 9, t);
    }
    assert.deepEqual([float32Text(Math.fround(22.694)), float32Text(Math.fround(0.1)), float32Text(Math.fround(16777217))], ['22.694', '0.1', '16777216']);
    assert.equal(float32Text(-0), '0', 'as String(-0): a CSV has no negative zero');
  });

  test('a tab-separated table quotes tabs, not commas', () => {
    assert.equal(tableCsv([{ name: 'a', values: ['x,y', 'p\tq'] }, { name: 'b', values: Int32Array.of(1, 2) }], { delimiter: '\t' }), 'a\tb\nx,y\t1\n"p\tq"\t2\n');
  });

  test('no rows: the header alone', () => {
    assert.equal(tableCsv([{ name: 'a', values: [] }, { name: 'b', values: new Float32Array(0) }]), 'a,b\n');
  });
});

describe('Parquet', () => {
  test('STRING, INT32, FLOAT, DOUBLE columns and nulls read back through readParquetTable', async () => {
    const t = await readParquetTable(await encodeParquet(columns()));
    assert.deepEqual(t.names, ['id', 'label', 'z0', 'err']);
    assert.equal(t.rowCount, 4);
    assert.deepEqual(Array.from(t.cells(0)), ['a', 'b,c', ' "q" ', '']);
    assert.deepEqual(Array.from(t.cells(1)), [0, -7, 2147483647, 3]);
    assert.deepEqual(Array.from(t.cells(2)), Array.from(Float32Array.of(0.1, 1e-30, -3.5, 16777217)));
    assert.deepEqual(Array.from(t.cells(3)), [0.1 + 0.2, null, 2, 5e-324]);
  });

  test('writeTableFile picks the format by extension; a file reads back through readParquetFile', async () => {
    const p = join(dir, 't.parquet'), c = join(dir, 't.csv'), s = join(dir, 't.tsv');
    await Promise.all([writeTableFile(p, columns()), writeTableFile(c, columns()), writeTableFile(s, columns())]);
    assert.deepEqual(Array.from((await readParquetFile(p)).cells(1)), [0, -7, 2147483647, 3]);
    assert.equal(readFileSync(c, 'utf8'), tableCsv(columns()));
    assert.equal(readFileSync(s, 'utf8'), tableCsv(columns(), { delimiter: '\t' }));
    await assert.rejects(writeTableFile(join(dir, 't.xlsx'), columns()), /t\.xlsx: a table is written as \.csv, \.tsv, \.parquet, not '\.xlsx'/);
  });
});

describe('what a table cannot hold fails, naming it, and writes nothing', () => {
  const cases: [string, TableColumn[], RegExp][] = [
    ['no columns', [], /at least one column/],
    ['two columns of one name', [{ name: 'z0', values: Int32Array.of(1) }, { name: 'z0', values: Int32Array.of(2) }], /two columns are named "z0"/],
    ['columns of unequal length', [{ name: 'a', values: Int32Array.of(1, 2) }, { name: 'b', values: Int32Array.of(1) }], /column "b" has 1 values, but "a" has 2/],
    ['a NaN where none may be missing', [{ name: 'z', values: Float32Array.of(1, NaN) }], /column "z", row 2 is NaN/],
    ['an infinity even where cells may be missing', [{ name: 'z', values: Float64Array.of(Infinity), missing: true }], /column "z", row 1 is Infinity/],
    ['an empty name', [{ name: '', values: Int32Array.of(1) }], /every column needs a name/],
  ];
  for (const [what, cols, message] of cases) {
    test(what, async () => {
      const path = join(dir, 'keep.csv');
      writeFileSync(path, 'good\n');
      assert.throws(() => writeCsvFile(path, cols), message);
      await assert.rejects(encodeParquet(cols), message);
      assert.equal(readFileSync(path, 'utf8'), 'good\n', 'the file already there is untouched');
    });
  }
});
