/**
 * Parquet files crafted to make hyparquet allocate what a few bytes declare (issue #12 item 7): random bytes
 * almost never hit these, so they are built on purpose. A footer re-encoded with hyparquet-writer's own
 * metadata writer declares 2^31 - 1 rows (before the bound, `read` filled arrays of that length and the process
 * died out of memory); a page header re-encoded with its page-header writer declares 2^26 or 2^31 - 1 values
 * (hyparquet sizes its typed arrays from it); a footer's list declares 2^25 elements (hyparquet runs `new Array(size)`
 * first). Each must end in an AekitError at once, allocating nothing large.
 *
 * Then runs inside a page's RLE / bit-packed hybrid streams (src/data/parquet-pages.ts): hyparquet's readRle
 * writes a run's whole count into a plain Array, so a 5-byte run header of 2^30 in the definition levels,
 * dictionary indices or RLE booleans, of a v1 or a v2 page, killed the process (out of memory at a 512 MB heap
 * limit, or V8's "invalid size error"); a bit-packed run of -8 values at bit width 0 made it loop forever.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { readParquetTable } from '../../src/data/parquet.js';
import { AekitError } from '../../src/errors.js';
import { encodeParquet } from '../../src/io/tables.js';
import { RUN_2_30, dataPageEncoding, le32, oneColumn, rebuildPage } from './parquet-page-craft.js';

const good = await encodeParquet([{ name: 'x', values: Float64Array.from({ length: 16 }, (_, i) => i) }]);
const footerLength = new DataView(good.buffer, good.byteOffset).getUint32(good.length - 8, true);
const body = good.subarray(0, good.length - 8 - footerLength);
const meta = parquetMetadata(good.slice().buffer);

/** `pages` (the file's bytes up to the footer) with `m` as the footer. */
function withFooter(m: FileMetaData, pages: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  writeMetadata(w, m as never); // hyparquet-writer bundles its own hyparquet types: the same shapes
  const f = new Uint8Array(w.getBuffer());
  const out = new Uint8Array(pages.length + f.length + 8);
  out.set(pages);
  out.set(f, pages.length);
  new DataView(out.buffer).setUint32(pages.length + f.length, f.length, true);
  out.set([0x50, 0x41, 0x52, 0x31], pages.length + f.length + 4); // PAR1
  return out;
}

/** The file with its one data page's header changed by `edit` (re-encoded with hyparquet-writer's page-header writer). */
function withPageHeader(edit: (h: ReturnType<typeof parquetHeader>) => void): Uint8Array {
  const col = meta.row_groups[0].columns[0].meta_data!;
  const first = Number(col.dictionary_page_offset || col.data_page_offset);
  const reader = { view: new DataView(body.buffer, body.byteOffset + first), offset: 0 };
  const header = parquetHeader(reader);
  const page = body.subarray(first + reader.offset, first + reader.offset + header.compressed_page_size);
  const h = structuredClone(header);
  edit(h);
  const w = new ByteWriter();
  writePageHeader(w, h as never);
  const hb = new Uint8Array(w.getBuffer());
  const pages = new Uint8Array(first + hb.length + page.length);
  pages.set(body.subarray(0, first));
  pages.set(hb, first);
  pages.set(page, first + hb.length);
  const m = structuredClone(meta);
  m.row_groups[0].columns[0].meta_data!.total_compressed_size = BigInt(hb.length + page.length);
  return withFooter(m, pages);
}

/** The file with its one data page's header declaring `values` values (and rows). */
function pageDeclaring(values: number): Uint8Array {
  return withPageHeader((h) => {
    assert.ok(h.data_page_header_v2, 'hyparquet-writer writes v2 data pages');
    h.data_page_header_v2.num_values = values;
    h.data_page_header_v2.num_rows = values;
  });
}

async function refusedSmall(bytes: Uint8Array, what: RegExp): Promise<void> {
  const before = process.memoryUsage().arrayBuffers;
  await assert.rejects(readParquetTable(bytes, 'crafted.parquet'), (e: unknown) => e instanceof AekitError && e.code === 'E_TOO_LARGE' && what.test(e.message) && e.message.startsWith('crafted.parquet'));
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 2 ** 20, 'nothing large was allocated');
}

test('the crafted files are otherwise valid: the same footer and page writers reproduce the good file\'s table', async () => {
  const same = withFooter(structuredClone(meta), body);
  assert.deepEqual(Array.from((await readParquetTable(same, 'same')).cells(0)), Array.from((await readParquetTable(good, 'good')).cells(0)));
  assert.equal((await readParquetTable(pageDeclaring(16), 'same page')).rowCount, 16);
});

test('a footer declaring 2^31 - 1 rows in 230 bytes is E_TOO_LARGE, before anything is allocated', async () => {
  const m = structuredClone(meta);
  const n = 2n ** 31n - 1n;
  m.num_rows = n;
  m.row_groups[0].num_rows = n;
  m.row_groups[0].columns[0].meta_data!.num_values = n;
  await refusedSmall(withFooter(m, body), /footer declares 2147483647 rows in a \d+-byte file/);
});

test('a page header declaring 2^26 or 2^31 - 1 values is E_TOO_LARGE, naming the column', async () => {
  for (const values of [2 ** 26, 2 ** 31 - 1]) await refusedSmall(pageDeclaring(values), /column "x" of row group 1: its pages declare more values/);
});

test('a footer whose schema list declares 2^25 elements in a few bytes is refused before hyparquet allocates the list', async () => {
  // FileMetaData: field 1 (i32 version 1), then field 2 (the schema, a list of structs) declaring 2^25 elements.
  const footer = [0x15, 0x02, 0x19, 0xfc, 0x80, 0x80, 0x80, 0x10, 0x00, 0x00];
  const bytes = new Uint8Array([0x50, 0x41, 0x52, 0x31, ...footer, footer.length, 0, 0, 0, 0x50, 0x41, 0x52, 0x31]);
  await assert.rejects(readParquetTable(bytes, 'crafted.parquet'), (e: unknown) => e instanceof AekitError && e.code === 'E_FORMAT' && /corrupt Parquet footer \(a list of 33554432 elements with 2 bytes left/.test(e.message));
});

// Rows 0, 3, 6, ... null; hyparquet-writer writes v2 pages, rebuildPage re-encodes them as v1 too.
const n = 40;
const doubles = Array.from({ length: n }, (_, i) => (i % 3 ? i / 2 : null));
const strings = Array.from({ length: n }, (_, i) => (i % 4 ? ['a', 'b', 'c'][i % 3] : null));
const booleans = Array.from({ length: n }, (_, i) => (i % 5 ? i % 2 === 0 : null));
const files = {
  doubles: oneColumn('DOUBLE', doubles),
  strings: oneColumn('STRING', strings),
  booleans: oneColumn('BOOLEAN', booleans),
  one: oneColumn('STRING', Array.from({ length: n }, () => 'a')), // a one-entry dictionary: bit width 0
};
const cellOf = (v: unknown) => (v === null ? null : typeof v === 'boolean' ? Number(v) : v);
const cellsAll = async (bytes: Uint8Array) => {
  const t = await readParquetTable(bytes, 'file');
  return t.names.map((_, c) => Array.from(t.cells(c)));
};

/** Refused with `code` and a message matching `what`, allocating nothing large. */
async function refusedAtOnce(bytes: Uint8Array, code: string, what: RegExp): Promise<void> {
  const before = process.memoryUsage();
  await assert.rejects(readParquetTable(bytes, 'crafted.parquet'), (e: unknown) => {
    assert.ok(e instanceof AekitError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, what);
    return e.message.startsWith('crafted.parquet: corrupt or crafted Parquet file: column "x" of row group 1: page at byte ');
  });
  const after = process.memoryUsage();
  assert.ok(after.heapUsed - before.heapUsed < 64 * 2 ** 20, `heap grew by ${after.heapUsed - before.heapUsed}`);
  assert.ok(after.arrayBuffers - before.arrayBuffers < 64 * 2 ** 20, `array buffers grew by ${after.arrayBuffers - before.arrayBuffers}`);
}

test('every Parquet fixture (arrow-rs: v1 and v2 pages, dictionaries, nulls, lists, six codecs) reads as its JSON says with the page scan on', async () => {
  const dir = fileURLToPath(new URL('../fixtures/data/parquet/', import.meta.url));
  let checked = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const e = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (!e.columns) continue;
    assert.deepEqual(await cellsAll(readFileSync(join(dir, e.file))), e.columns, e.file);
    checked++;
  }
  assert.ok(checked >= 7, `${checked} fixtures`);
});

test('encodeParquet files (a nullable DOUBLE with NaN -> null, a dictionary-encoded STRING, an INT32) read back what was written', async () => {
  const x = Float64Array.from({ length: 50 }, (_, i) => (i % 7 === 2 ? NaN : i * 0.25 - 3));
  const s = Array.from({ length: 50 }, (_, i) => `k${i % 4}`);
  const k = Int32Array.from({ length: 50 }, (_, i) => (i * 37) % 11 - 5);
  const same = Array.from({ length: 50 }, () => 'only'); // one dictionary entry: bit width 0
  const allNull = new Float64Array(50).fill(NaN);
  const bytes = await encodeParquet([
    { name: 'x', values: x, missing: true }, { name: 's', values: s }, { name: 'k', values: k },
    { name: 'same', values: same }, { name: 'none', values: allNull, missing: true },
  ] as never);
  assert.deepEqual(await cellsAll(bytes), [
    Array.from(x, (v) => (Number.isNaN(v) ? null : v)), s, Array.from(k), same, Array.from(allNull, () => null),
  ]);
});

test('the crafting helper is faithful: the pages rebuilt as v1 and as v2 read back the values written', async () => {
  assert.equal(dataPageEncoding(files.strings), 'RLE_DICTIONARY');
  assert.equal(dataPageEncoding(files.booleans), 'RLE');
  const written = { doubles, strings, booleans, one: Array.from({ length: n }, () => 'a') };
  for (const version of [1, 2] as const) {
    for (const [name, file] of Object.entries(files)) {
      assert.deepEqual(await cellsAll(rebuildPage(file, version)), [written[name as keyof typeof files].map(cellOf)], `${name} v${version}`);
    }
  }
});

// Non-null values: 40 definition levels, 30 strings, 32 booleans (v1 pages count them from the levels).
const runCases = [
  { file: 'doubles', stream: 'definition levels', left: 40, edit: (p: { def: Uint8Array; values: Uint8Array }) => ({ def: Uint8Array.from([...RUN_2_30, 1]), values: p.values }) },
  { file: 'strings', stream: 'dictionary indices', left: 30, edit: (p: { def: Uint8Array; values: Uint8Array }) => ({ def: p.def, values: Uint8Array.from([p.values[0], ...RUN_2_30, 0]) }) },
  { file: 'booleans', stream: 'boolean values', left: 32, edit: (p: { def: Uint8Array; values: Uint8Array }) => ({ def: p.def, values: Uint8Array.from([...le32(6), ...RUN_2_30, 1]) }) },
] as const;

for (const c of runCases) {
  test(`an RLE run of 2^30 in the ${c.stream} of a v1 or v2 page is E_TOO_LARGE at once, naming the column and row group`, async () => {
    for (const version of [1, 2] as const) {
      await refusedAtOnce(rebuildPage(files[c.file], version, c.edit), 'E_TOO_LARGE', new RegExp(`its ${c.stream} hold a run of 1073741824 values where ${c.left} are left`));
    }
  });
}

test('a bit-packed run of -8 values at bit width 0 (hyparquet alone loops forever) is E_TOO_LARGE', async () => {
  // 0xff x4, 0x0f: the varint -1 in int32, odd (bit-packed), so hyparquet's count is -1 >> 1 << 3 = -8.
  const bytes = rebuildPage(files.one, 2, (p) => ({ def: p.def, values: Uint8Array.from([0, 0xff, 0xff, 0xff, 0xff, 0x0f]) }));
  await refusedAtOnce(bytes, 'E_TOO_LARGE', /its dictionary indices hold a bit-packed run of -8 values where 40 are left/);
});

test('runs that exactly fill their stream are read (RLE to the last value, bit-packed rounded up to 8); one more value is refused', async () => {
  const good = await cellsAll(files.strings);
  const first = good[0][1]; // dictionary entry 0: the first value written
  const allFirst = [strings.map((v) => (v === null ? null : first))];
  const dict = (runs: number[]) => (p: { def: Uint8Array; values: Uint8Array }) => ({ def: p.def, values: Uint8Array.from([p.values[0], ...runs]) });
  for (const version of [1, 2] as const) {
    assert.deepEqual(await cellsAll(rebuildPage(files.strings, version, dict([30 << 1, 0]))), allFirst, `RLE 30, v${version}`);
    // bit width 2: 4 groups of 8 values (32 for the 30 left) in 8 bytes of zeros
    assert.deepEqual(await cellsAll(rebuildPage(files.strings, version, dict([4 << 1 | 1, 0, 0, 0, 0, 0, 0, 0, 0]))), allFirst, `bit-packed 32, v${version}`);
    await refusedAtOnce(rebuildPage(files.strings, version, dict([31 << 1, 0])), 'E_TOO_LARGE', /dictionary indices hold a run of 31 values where 30 are left/);
    await refusedAtOnce(rebuildPage(files.strings, version, dict([5 << 1 | 1, ...new Array(10).fill(0)])), 'E_TOO_LARGE', /bit-packed run of 40 values where 30 are left/);
  }
});

test('a run whose bytes are missing is E_FORMAT (hyparquet would read past the page)', async () => {
  // A bit-packed group of 8 two-bit indices needs 2 bytes; the page ends after 1.
  const bytes = rebuildPage(files.strings, 2, (p) => ({ def: p.def, values: Uint8Array.from([p.values[0], 1 << 1 | 1, 0]) }));
  await refusedAtOnce(bytes, 'E_FORMAT', /its dictionary indices run past the end of the page/);
});

test('a page header declaring a 2 GB uncompressed page is refused before anything decompresses it', async () => {
  const bytes = withPageHeader((h) => { h.uncompressed_page_size = 2 ** 31 - 1; });
  const before = process.memoryUsage().arrayBuffers;
  await assert.rejects(readParquetTable(bytes, 'crafted.parquet'), (e: unknown) => e instanceof AekitError && /uncompressed_page_size 2147483647 for \d+ compressed bytes is beyond any real page/.test(e.message));
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 2 ** 20);
});
