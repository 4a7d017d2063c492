import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { parquetTableReader, readParquetTable, type AsyncBuffer } from '../../src/data/parquet.js';
import { openParquetFile, readParquetFile } from '../../src/data/parquet-file.js';
import type { Cell, ColumnTable } from '../../src/data/table.js';

// Written by scripts/fixtures/parquet.mjs with parquet-wasm (arrow-rs); each JSON holds the cells expected.
const dir = fileURLToPath(new URL('../fixtures/data/parquet/', import.meta.url));
const flightsPath = fileURLToPath(new URL('../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));

interface Expected {
  file: string;
  names: string[];
  columns: Cell[][];
  codec: string;
  rowGroups: number[];
  dictionary?: boolean;
}
const expected: Expected[] = readdirSync(dir).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8'))).filter((e) => e.columns);
const byName = (file: string) => expected.find((e) => e.file === file)!;
const bytesOf = (file: string) => readFileSync(join(dir, file));

const cellsOf = (t: ColumnTable) => t.names.map((_, c) => Array.from(t.cells(c)));
const rowsOf = (columns: Cell[][], start: number, end: number) => columns.map((col) => col.slice(start, end));
const oneLine = (re: RegExp) => (e: Error) => re.test(e.message) && !e.message.includes('\n');

/** An AsyncBuffer over bytes in memory that counts the byte ranges asked for. */
function countingBuffer(bytes: Uint8Array): AsyncBuffer & { slices: number } {
  const buf = {
    slices: 0,
    byteLength: bytes.byteLength,
    slice(start: number, end = bytes.byteLength) {
      buf.slices++;
      return Uint8Array.prototype.slice.call(bytes, start, end).buffer as ArrayBuffer;
    },
  };
  return buf;
}

describe('readParquetTable', () => {
  test('the fixtures cover what they claim (codec, row groups, dictionary-encoded strings)', () => {
    assert.ok(expected.length >= 7, `${expected.length} fixtures`);
    const codecs = new Set(expected.map((e) => e.codec));
    for (const c of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4_RAW']) assert.ok(codecs.has(c), c);
    for (const e of expected) {
      const meta = parquetMetadata(bytesOf(e.file));
      assert.equal(meta.created_by?.startsWith('parquet-rs'), true, e.file);
      assert.deepEqual(meta.row_groups.map((g) => Number(g.num_rows)), e.rowGroups, e.file);
      for (const chunk of meta.row_groups[0].columns) assert.equal(chunk.meta_data?.codec, e.codec, e.file);
      if (e.dictionary !== undefined) {
        const name = meta.row_groups[0].columns.find((ch) => ch.meta_data?.path_in_schema[0] === 'name')!;
        assert.equal(name.meta_data!.encodings.includes('RLE_DICTIONARY'), e.dictionary, e.file);
      }
    }
  });

  test('every fixture reads as the cells its generator wrote', async () => {
    for (const e of expected) {
      const t = await readParquetTable(bytesOf(e.file), e.file);
      assert.deepEqual(t.names, e.names, e.file);
      assert.equal(t.rowCount, e.columns[0].length, e.file);
      assert.deepEqual(cellsOf(t), e.columns, e.file);
      assert.equal(t.source, e.file);
      assert.equal(t.where(0), 'row 1');
    }
  });

  test('takes an ArrayBuffer or a Uint8Array that is a view into a larger buffer', async () => {
    const e = byName('types-gzip.parquet');
    const raw = bytesOf(e.file);
    const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
    assert.deepEqual(cellsOf(await readParquetTable(ab)), e.columns);
    const padded = new Uint8Array(raw.byteLength + 10);
    padded.set(raw, 7);
    const t = await readParquetTable(padded.subarray(7, 7 + raw.byteLength));
    assert.deepEqual(cellsOf(t), e.columns);
    assert.equal(t.source, '<Parquet bytes>');
  });

  test('a 64-bit integer beyond 2^53 is an error naming its row and column', async () => {
    await assert.rejects(readParquetTable(bytesOf('int64-overflow.parquet'), 'big.parquet'),
      oneLine(/^big\.parquet: row 2, column "big": the 64-bit integer 9007199254740993 is beyond ±2\^53/));
  });
});

describe('parquetTableReader', () => {
  test('row ranges equal the same slices of the whole file, within and across row groups', async () => {
    for (const file of ['types-snappy.parquet', 'types-zstd.parquet', 'types-brotli.parquet', 'types-plain.parquet', 'other-types.parquet']) {
      const e = byName(file);
      const n = e.columns[0].length;
      const reader = await parquetTableReader(countingBuffer(bytesOf(file)), file);
      assert.deepEqual(reader.names, e.names);
      assert.equal(reader.rowCount, n);
      // in this order the reader's cache of the last decoded rows is hit, partly hit and missed
      const ranges = n > 30 ? [[0, 5], [8, 23], [23, 27], [24, 26], [5, 9], [n - 3, n], [n, n], [12, 12], [0, n]]
        : [[0, 1], [1, 4], [2, 3], [3, 5], [0, 2], [n, n], [0, n]];
      for (const [start, end] of ranges) {
        const t = await reader.read(start, end);
        assert.equal(t.rowCount, end - start, `${file} [${start}, ${end})`);
        assert.deepEqual(cellsOf(t), rowsOf(e.columns, start, end), `${file} [${start}, ${end})`);
        if (end > start) assert.equal(t.where(0), `row ${start + 1}`);
        assert.equal(t.where(end - start - 1), `row ${end}`);
      }
      await reader.close();
      await reader.close();
      await assert.rejects(reader.read(0, 1), /read after close/);
    }
  });

  test('reads the footer once and does not refetch rows it has just decoded', async () => {
    const buf = countingBuffer(bytesOf('types-snappy.parquet'));
    const reader = await parquetTableReader(buf, 'x');
    const afterOpen = buf.slices;
    await reader.read(0, 3);
    const afterFirst = buf.slices;
    assert.ok(afterFirst > afterOpen);
    await reader.read(3, 7);
    await reader.read(7, 10);
    assert.equal(buf.slices, afterFirst, 'rows 3-10 are in the row group rows 0-3 decoded');
    await reader.read(10, 12);
    assert.ok(buf.slices > afterFirst, 'the next row group is fetched');
  });

  test('a range out of bounds is an error naming the source and the row count', async () => {
    const reader = await parquetTableReader(countingBuffer(bytesOf('types-plain.parquet')), 'f.parquet');
    for (const [start, end] of [[30, 36], [-1, 2], [5, 4], [0.5, 2], [36, 36]]) {
      await assert.rejects(reader.read(start, end), oneLine(/^f\.parquet: rows \[.*\) are out of range \(the file has 35 rows\)$/));
    }
  });
});

describe('Parquet errors', () => {
  test('bytes that are not Parquet', async () => {
    let seed = 12345;
    const random = Uint8Array.from({ length: 1000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    await assert.rejects(readParquetTable(random, 'random.bin'), oneLine(/^random\.bin: not a Parquet file \(it does not start with PAR1\)$/));
    await assert.rejects(readParquetTable(new TextEncoder().encode('PAR1'), 'tiny'), oneLine(/^tiny: not a Parquet file \(4 bytes, too short\)$/));
    await assert.rejects(readParquetTable(new Uint8Array(0)), oneLine(/^<Parquet bytes>: not a Parquet file \(0 bytes/));
  });

  test('a truncated file and a corrupt one', async () => {
    const whole = bytesOf('types-snappy.parquet');
    await assert.rejects(readParquetTable(whole.subarray(0, 5000), 'cut.parquet'),
      oneLine(/^cut\.parquet: truncated or corrupt Parquet file \(5000 bytes, no PAR1 footer at the end\)$/));
    // the footer (file metadata) zeroed, its length and the magic kept
    const footer = Buffer.from(whole);
    const len = footer.readUInt32LE(footer.length - 8);
    footer.fill(0, footer.length - 8 - len, footer.length - 8);
    await assert.rejects(readParquetTable(footer, 'footer.parquet'), oneLine(/^footer\.parquet: corrupt Parquet footer \(.+\)$/));
    // the first page header overwritten: refused before decoding, naming the column
    const page = Buffer.from(whole);
    page.fill(0xff, 4, 40);
    await assert.rejects(readParquetTable(page, 'page.parquet'), oneLine(/^page\.parquet: corrupt Parquet file: column "f32" of row group 1: unreadable page header at byte 4 \(.+\)$/));
  });
});

describe('Parquet files', () => {
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'aekit-parquet-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('openParquetFile reads ranges from a file; readParquetFile the whole file', async () => {
    const e = byName('types-zstd.parquet');
    const path = join(dir, e.file);
    const reader = await openParquetFile(path);
    assert.equal(reader.source, path);
    assert.deepEqual(reader.names, e.names);
    assert.equal(reader.rowCount, 35);
    const t = await reader.read(8, 23);
    assert.deepEqual(cellsOf(t), rowsOf(e.columns, 8, 23));
    assert.equal(t.where(0), 'row 9');
    await reader.close();
    await reader.close();
    await assert.rejects(reader.read(0, 1), /read after close/);
    const whole = await readParquetFile(path);
    assert.deepEqual(cellsOf(whole), e.columns);
    assert.equal(whole.source, path);
  });

  test('a missing file, a file that is not Parquet, a file cut short', async () => {
    const missing = join(tmp, 'missing.parquet');
    await assert.rejects(openParquetFile(missing), (err: Error) => err.message.startsWith(`${missing}: cannot open Parquet file (ENOENT`));
    const text = join(tmp, 'data.csv');
    writeFileSync(text, 'a,b\n1,2\n3,4\n');
    await assert.rejects(readParquetFile(text), oneLine(/data\.csv: not a Parquet file \(it does not start with PAR1\)$/));
    const cut = join(tmp, 'cut.parquet');
    writeFileSync(cut, bytesOf('types-plain.parquet').subarray(0, 2000));
    await assert.rejects(openParquetFile(cut), oneLine(/cut\.parquet: truncated or corrupt Parquet file \(2000 bytes/));
  });

  // a real-world file written by another tool (Polars, zstd, 11 row groups of 272,727 rows), checked against
  // what parquet-wasm reads from it (flights-3m.json, written by scripts/fixtures/parquet.mjs)
  test('vega-datasets flights-3m.parquet', { skip: !existsSync(flightsPath) && 'vega-datasets is not installed' }, async () => {
    const e = JSON.parse(readFileSync(join(dir, 'flights-3m.json'), 'utf8')) as
      { rowCount: number; names: string[]; slices: { start: number; end: number; columns: Cell[][] }[] };
    const reader = await openParquetFile(flightsPath);
    try {
      assert.equal(reader.rowCount, e.rowCount);
      assert.deepEqual(reader.names, e.names);
      for (const s of e.slices) {
        const t = await reader.read(s.start, s.end);
        assert.deepEqual(cellsOf(t), s.columns, `rows [${s.start}, ${s.end})`);
        assert.equal(t.where(0), `row ${s.start + 1}`);
      }
    } finally {
      await reader.close();
    }
  });
});
