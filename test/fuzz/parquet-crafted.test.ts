/**
 * Parquet files crafted to make hyparquet allocate what a few bytes declare (issue #12 item 7): random bytes
 * almost never hit these, so they are built on purpose. A footer re-encoded with hyparquet-writer's own
 * metadata writer declares 2^31 - 1 rows (before the bound, `read` filled arrays of that length and the process
 * died out of memory); a page header re-encoded with its page-header writer declares 2^26 or 2^31 - 1 values
 * (hyparquet sizes its typed arrays from it); a footer's list declares 2^25 elements (hyparquet runs `new Array(size)`
 * first). Each must end in an AekitError at once, allocating nothing large.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { readParquetTable } from '../../src/data/parquet.js';
import { AekitError } from '../../src/errors.js';
import { encodeParquet } from '../../src/io/tables.js';

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

/** The file with its one data page's header declaring `values` values (and rows). */
function pageDeclaring(values: number): Uint8Array {
  const col = meta.row_groups[0].columns[0].meta_data!;
  const first = Number(col.dictionary_page_offset || col.data_page_offset);
  const reader = { view: new DataView(body.buffer, body.byteOffset + first), offset: 0 };
  const header = parquetHeader(reader);
  const page = body.subarray(first + reader.offset, first + reader.offset + header.compressed_page_size);
  const h = structuredClone(header);
  assert.ok(h.data_page_header_v2, 'hyparquet-writer writes v2 data pages');
  h.data_page_header_v2.num_values = values;
  h.data_page_header_v2.num_rows = values;
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
