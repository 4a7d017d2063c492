/**
 * Parquet reader: a Parquet file (in memory or behind an AsyncBuffer) as a ColumnTable / TableReader.
 * This module is bundled for browsers, so it imports no `node:*` module; parquet-file.ts adds file access.
 *
 * Why hyparquet: it is pure JavaScript with no dependencies of its own (hyparquet-compressors adds fzstd and
 * hysnappy, also pure JS), runs unchanged in browsers and Node, and reads lazily from an AsyncBuffer
 * ({ byteLength, slice }): the footer first, then only the column chunks of the row groups a rowStart/rowEnd
 * range touches, so a file larger than memory can be read in batches. The alternatives cost more:
 *  - parquetjs / @dsnp/parquetjs are built on Node's Buffer and the thrift package (plus bson, brotli, snappyjs,
 *    varint, ...); @dsnp/parquetjs also depends on @aws-sdk/client-s3, @zenfs/core and brotli-wasm.
 *  - parquet-wasm is Rust's arrow-rs compiled to WebAssembly (a 4.8 MB .wasm, 1.2 MB brotli-compressed by its
 *    README), needs an async init step, and hands back Arrow IPC, so apache-arrow is needed to get values out.
 *    (The test fixtures are written with it, precisely because it is an independent implementation.)
 *  - duckdb-wasm is a whole SQL database compiled to WebAssembly (and depends on apache-arrow as well).
 *
 * Cells (see table.ts; choosing columns and turning cells into numbers happens in select.ts):
 *  - FLOAT, DOUBLE, INT32 (and smaller ints, DECIMAL as hyparquet scales it, FLOAT16) -> number
 *  - INT64 (hyparquet: bigint) -> number; |v| > 2^53 is an error naming the column and row, since the
 *    value would silently change
 *  - BOOLEAN -> 1 / 0; null -> null
 *  - strings -> string. Like hyparquet, a BYTE_ARRAY column without the STRING annotation is decoded as UTF-8
 *    too, because many writers omit the annotation on text columns.
 *  - DATE -> 'YYYY-MM-DD' (what a CSV of the same data holds, so the same id column reads the same from both);
 *    TIMESTAMP / INT96 -> Date.toISOString() ('2024-01-01T01:02:03.004Z', UTC, millisecond precision)
 *  - anything else (lists, maps, structs, fixed-length binary, GeoJSON geometries) -> a JSON string
 *    (bigints as numbers when exact, else as strings; typed arrays as arrays), so the column is still there
 *    and only fails, in select.ts, if someone picks it as a numeric feature.
 */
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
// The page header reader hyparquet's own column loop uses (a documented subpath export of the package), so the
// headers checked below are exactly the ones it would decode.
import { parquetHeader } from 'hyparquet/src/column.js';
import { compressors } from 'hyparquet-compressors';
import { AekitError, asAekitError } from '../errors.js';
import { pageLayout, pageStreamProblem, type PageLayout } from './parquet-pages.js';
import { columnTable, type Cell, type ColumnTable, type TableReader } from './table.js';
import { thriftProblem } from './thrift-check.js';

export type { AsyncBuffer } from 'hyparquet';

/** The whole of a Parquet file held in memory. */
export async function readParquetTable(bytes: Uint8Array | ArrayBuffer, source = '<Parquet bytes>'): Promise<ColumnTable> {
  const reader = await parquetTableReader(bytes instanceof Uint8Array ? bytesBuffer(bytes) : bytes, source);
  try {
    return await reader.read(0, reader.rowCount);
  } finally {
    await reader.close();
  }
}

// Copies each slice into a fresh ArrayBuffer: a Node Buffer's `.buffer` is a shared pool, and Buffer#slice
// does not copy, so neither can be handed to hyparquet as is.
function bytesBuffer(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice(start: number, end = bytes.byteLength) {
      const out = new Uint8Array(Math.max(0, end - start));
      out.set(bytes.subarray(start, end));
      return out.buffer;
    },
  };
}

/** Decoded values of one column for rows [rowStart, rowEnd) of the file, as hyparquet's onChunk gives them. */
interface Chunk {
  rowStart: number;
  rowEnd: number;
  data: ArrayLike<unknown>;
}

/** Rows [start, end) of the file that every column of `chunks` (one chunk per column) covers. */
interface Cached {
  start: number;
  end: number;
  chunks: Chunk[];
}

const MAGIC = 0x31524150; // 'PAR1' read as a little-endian uint32

/**
 * A reader over a Parquet file behind an AsyncBuffer (a URL, a browser File, a file handle: see parquet-file.ts).
 * The footer is read once, here; `read(start, end)` then fetches and decodes only the row groups the range
 * touches.
 *
 * hyparquet decodes whole pages, and many writers put a column's whole row group in one page (the Polars file
 * in vega-datasets has 272,727 rows per page), so `read` keeps the last page set it decoded: reading a file in
 * consecutive batches then decodes each page once instead of once per batch. At most one row group's decoded
 * values are held beyond the table returned; close() drops them.
 */
export async function parquetTableReader(file: AsyncBuffer, source: string): Promise<TableReader> {
  const metadata = await readMetadata(file, source);
  const rowCount = Number(metadata.num_rows);
  const groupRows = metadata.row_groups.reduce((sum, g) => sum + Number(g.num_rows), 0);
  if (groupRows !== rowCount) {
    throw new AekitError(`${source}: corrupt Parquet footer (it says ${rowCount} rows, its row groups hold ${groupRows})`);
  }
  const budget = valueBudget(file.byteLength);
  if (rowCount > budget) {
    throw new AekitError(`${source}: the footer declares ${rowCount} rows in a ${file.byteLength}-byte file, more than aekit decodes from so few bytes (at most ${budget}): corrupt or crafted`, 'E_TOO_LARGE');
  }
  // hyparquet builds the schema tree from the footer's flat list without checking the child counts in it.
  let columns: FileMetaData['schema'];
  try {
    columns = parquetSchema(metadata).children.map((c) => c.element);
  } catch (e) {
    throw new AekitError(`${source}: corrupt Parquet schema (${oneLine(e)})`);
  }
  const names = columns.map((e) => e.name);
  if (rowCount * names.length > budget) {
    throw new AekitError(`${source}: the footer declares ${rowCount} rows x ${names.length} columns in a ${file.byteLength}-byte file, more values than aekit decodes from so few bytes (at most ${budget}): corrupt or crafted`, 'E_TOO_LARGE');
  }
  const isDate = columns.map((e) => e.converted_type === 'DATE' || e.logical_type?.type === 'DATE');
  const indexOf = new Map(names.map((n, c) => [n, c]));
  let cached: Cached | null = null;
  let closed = false;
  // Row groups whose page headers checkPages has accepted (each is checked once, on its first decode), and the
  // values their pages declare, which together must stay within the budget.
  const checked = new Set<number>();
  const declared = { values: 0, budget };

  const cell = (v: unknown, c: number, row: number): Cell => {
    switch (typeof v) {
      case 'number': case 'string': return v;
      case 'boolean': return v ? 1 : 0;
      case 'undefined': return null;
      case 'bigint':
        if (v > TWO_53 || v < -TWO_53) {
          throw new AekitError(`${source}: row ${row + 1}, column ${JSON.stringify(names[c])}: the 64-bit integer ${v} is beyond ±2^53 and would lose precision as a number`, 'E_VALUE');
        }
        return Number(v);
    }
    if (v === null) return null;
    if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new AekitError(`${source}: row ${row + 1}, column ${JSON.stringify(names[c])}: the date or timestamp is out of range`, 'E_VALUE');
      const iso = v.toISOString();
      return isDate[c] ? iso.replace(/T00:00:00\.000Z$/, '') : iso;
    }
    return JSON.stringify(v, jsonValue);
  };

  // Copies rows [lo, hi) of the file from `chunks` into `out` (whose index 0 is file row `base`).
  const fill = (out: (Cell | undefined)[][], base: number, lo: number, hi: number, chunks: readonly Chunk[], c: number) => {
    const col = out[c];
    for (const ch of chunks) {
      const from = Math.max(lo, ch.rowStart), to = Math.min(hi, ch.rowEnd);
      for (let r = from; r < to; r++) col[r - base] = cell(ch.data[r - ch.rowStart], c, r);
    }
  };

  const decode = async (start: number, end: number): Promise<Chunk[][]> => {
    const chunks: Chunk[][] = names.map(() => []);
    let groupStart = 0;
    for (const [g, group] of metadata.row_groups.entries()) {
      const groupEnd = groupStart + Number(group.num_rows);
      if (groupEnd > start && groupStart < end && !checked.has(g)) {
        await checkPages(file, metadata.schema, group, g, source, declared);
        checked.add(g);
      }
      groupStart = groupEnd;
    }
    try {
      // onChunk must not throw (hyparquet calls it from a detached promise), so it only collects; cells are
      // converted afterwards.
      await parquetRead({
        file, metadata, compressors, rowStart: start, rowEnd: end,
        onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
          chunks[indexOf.get(columnName) ?? -1]?.push({ rowStart, rowEnd, data: columnData });
        },
      });
    } catch (e) {
      throw new AekitError(`${source}: cannot decode rows ${start + 1}-${end} of this Parquet file (${oneLine(e)})`);
    }
    return chunks;
  };

  return {
    names, rowCount, source,
    async read(start, end) {
      if (closed) throw new AekitError(`${source}: read after close`, 'E_VALUE');
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > rowCount) {
        throw new AekitError(`${source}: rows [${start}, ${end}) are out of range (the file has ${rowCount} rows)`, 'E_VALUE');
      }
      const n = end - start;
      const out: (Cell | undefined)[][] = names.map(() => new Array<Cell | undefined>(n).fill(undefined));
      const hit = cached && cached.start <= start && start < cached.end ? cached : null;
      let next = start;
      if (hit) {
        next = Math.min(end, hit.end);
        hit.chunks.forEach((ch, c) => fill(out, start, start, next, [ch], c));
      }
      if (next < end) {
        const chunks = await decode(next, end);
        chunks.forEach((list, c) => fill(out, start, next, end, list, c));
        cached = lastRows(chunks, end);
      }
      out.forEach((col, c) => {
        const missing = col.indexOf(undefined);
        if (missing >= 0) throw new AekitError(`${source}: row ${start + missing + 1}, column ${JSON.stringify(names[c])}: missing from the decoded data (corrupt Parquet file?)`);
      });
      return asAekitError('E_FORMAT', () => columnTable(names, out as Cell[][], source, (r) => `row ${start + r + 1}`));
    },
    async close() {
      closed = true;
      cached = null;
    },
  };
}

const TWO_53 = 2n ** 53n;

/**
 * Reads every page header of each column chunk of row group `g` and refuses (E_FORMAT, naming the column) a
 * chunk that hyparquet could not walk to its end, before hyparquet is given the file. hyparquet 1.33 trusts its
 * headers: a missing field is `undefined`, and once an offset is computed from one it is NaN, DataView reads
 * at NaN read byte 0 without a range error, and NaN++ stays NaN, so nothing ever runs off the end of the page.
 * A DATA_PAGE_V2 header without repetition_levels_byte_length (one flipped bit turns a field's type into a
 * boolean and ends the struct early) sets the level reader's offset to undefined, and an OPTIONAL column's
 * definition levels are then read forever: readRleBitPackedHybrid re-reads byte 0 as a run header, and a 0x00
 * there is a run of 0 values, so its `while (seen < count)` never advances (datapage.js readDataPageV2,
 * encoding.js). A missing or non-integer compressed_page_size makes readColumn's own page offset NaN the same
 * way. With every size a non-negative integer that fits its chunk, each header moves the offset forward by
 * at least one byte, and every read past a page's end throws a RangeError instead.
 *
 * Each page's RLE / bit-packed hybrid streams (levels, dictionary indices, RLE booleans) are then scanned by
 * parquet-pages.ts: hyparquet writes an RLE run's whole count into a plain Array, so one crafted run header
 * of five bytes would grow it to 2^31 elements and take the process down.
 *
 * The chunk is read twice, here and by hyparquet, and each page holding levels or a hybrid value stream is
 * decompressed twice too; both happen only on the first decode of its row group.
 */
async function checkPages(file: AsyncBuffer, schema: FileMetaData['schema'], group: FileMetaData['row_groups'][number], g: number, source: string, declared: { values: number; budget: number }): Promise<void> {
  for (const [c, chunk] of group.columns.entries()) {
    const meta = chunk.meta_data;
    const name = meta?.path_in_schema?.join?.('.') ?? `#${c + 1}`;
    const where = `column ${JSON.stringify(name)} of row group ${g + 1}`;
    const refuse = (why: string) => new AekitError(`${source}: corrupt Parquet file: ${where}: ${why}`);
    if (!meta) throw refuse('no column metadata');
    let layout: PageLayout;
    try {
      layout = pageLayout(schema, meta);
    } catch (e) {
      throw refuse(`not a column of the schema (${oneLine(e)})`);
    }
    // Where hyparquet reads the chunk from, computed as it does (plan.js: a dictionary offset of 0 means none).
    const first = integer(meta.dictionary_page_offset || meta.data_page_offset);
    const size = integer(meta.total_compressed_size);
    if (!(first >= 4 && size >= 0 && first + size <= file.byteLength)) {
      throw refuse(`its pages (${size} bytes at byte ${first}) are not inside the file's ${file.byteLength} bytes`);
    }
    let bytes: ArrayBuffer;
    try {
      bytes = await file.slice(first, first + size);
    } catch (e) {
      throw new AekitError(`${source}: cannot read (${oneLine(e)})`, 'E_IO');
    }
    const reader = { view: new DataView(bytes), offset: 0 };
    // The same end test as hyparquet's readColumn loop.
    while (reader.offset < reader.view.byteLength - 1) {
      const at = first + reader.offset;
      let header: PageHeader;
      try {
        header = parquetHeader(reader);
      } catch (e) {
        throw refuse(`unreadable page header at byte ${at} (${oneLine(e)})`);
      }
      const why = pageProblem(header, reader.view.byteLength - reader.offset);
      if (why) throw refuse(`page header at byte ${at}: ${why}`);
      // hyparquet allocates each page's values from its header's count: a few crafted bytes could ask for GBs.
      declared.values += pageValues(header);
      if (declared.values > declared.budget) {
        throw new AekitError(`${source}: corrupt or crafted Parquet file: ${where}: its pages declare more values than aekit decodes from a ${file.byteLength}-byte file (at most ${declared.budget})`, 'E_TOO_LARGE');
      }
      const stream = pageStreamProblem(header, new Uint8Array(bytes, reader.offset, header.compressed_page_size), layout);
      if (stream) throw new AekitError(`${source}: corrupt or crafted Parquet file: ${where}: page at byte ${at}: ${stream.why}`, stream.code);
      reader.offset += header.compressed_page_size;
    }
  }
}

type PageHeader = ReturnType<typeof parquetHeader>;

/**
 * The most values (cells, page values) decoded from a file of `bytes` bytes: 4M, plus 256 per byte. Real files
 * stay far below (a PLAIN double takes 8 bytes; dictionary and RLE pages of real data rarely pass a few values
 * per byte), while a crafted footer or page header can declare billions of values in a few hundred bytes, and
 * hyparquet allocates what it is told. A legitimate file past this (millions of rows of one repeated value) is
 * refused with E_TOO_LARGE; the bound is what keeps a 300-byte file from taking the process down.
 */
function valueBudget(bytes: number): number {
  return 2 ** 22 + 256 * bytes;
}

/** The values a page header says its page holds (the dictionary's entries for a dictionary page). */
function pageValues(h: PageHeader): number {
  return h.dictionary_page_header?.num_values ?? h.data_page_header?.num_values ?? h.data_page_header_v2?.num_values ?? 0;
}

/** What in a page header hyparquet would misread (see checkPages), or null; `room` is the chunk's bytes left. */
function pageProblem(h: PageHeader, room: number): string | null {
  const bad = (field: string, v: unknown) => `${field} is ${typeof v === 'number' ? v : `not a number (${typeof v})`}`;
  if (!isCount(h.compressed_page_size)) return bad('compressed_page_size', h.compressed_page_size);
  if (h.compressed_page_size > room) return `compressed_page_size ${h.compressed_page_size} runs past the chunk's end (${room} bytes left)`;
  if (!isCount(h.uncompressed_page_size)) return bad('uncompressed_page_size', h.uncompressed_page_size);
  // The page is decompressed into a buffer of this size (here and by hyparquet). Writers cut pages at about
  // 1 MB, and deflate cannot pass 1032:1: past 64 MB and that ratio the size is corrupt or crafted.
  if (h.uncompressed_page_size > 2 ** 26 + 1032 * h.compressed_page_size) {
    return `uncompressed_page_size ${h.uncompressed_page_size} for ${h.compressed_page_size} compressed bytes is beyond any real page`;
  }
  switch (h.type) {
    case 'DICTIONARY_PAGE': {
      const d = h.dictionary_page_header;
      if (!d) return 'a dictionary page without its header';
      return isCount(d.num_values) ? null : bad('num_values', d.num_values);
    }
    case 'DATA_PAGE': {
      const d = h.data_page_header;
      if (!d) return 'a data page without its header';
      if (!isCount(d.num_values)) return bad('num_values', d.num_values);
      return typeof d.encoding === 'string' ? null : 'no known encoding';
    }
    case 'DATA_PAGE_V2': {
      const d = h.data_page_header_v2;
      if (!d) return 'a v2 data page without its header';
      for (const f of ['num_values', 'num_nulls', 'num_rows', 'definition_levels_byte_length', 'repetition_levels_byte_length'] as const) {
        if (!isCount(d[f])) return bad(f, d[f]);
      }
      if (d.num_nulls > d.num_values) return `num_nulls ${d.num_nulls} is more than num_values ${d.num_values}`;
      const levels = d.definition_levels_byte_length + d.repetition_levels_byte_length;
      if (levels > h.compressed_page_size || levels > h.uncompressed_page_size) {
        return `its levels (${levels} bytes) are larger than the page (${h.compressed_page_size} bytes, ${h.uncompressed_page_size} uncompressed)`;
      }
      return typeof d.encoding === 'string' ? null : 'no known encoding';
    }
    default:
      return `page type ${String(h.type)} is not one this reader decodes`;
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A footer offset or size (thrift i64: a bigint) as a number, or NaN if it is not a safe non-negative integer. */
function integer(v: unknown): number {
  const n = typeof v === 'bigint' || typeof v === 'number' ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : NaN;
}

/** What a forward read can reuse: the chunks (one per column) holding row `end - 1`, if they run past `end`. */
function lastRows(chunks: Chunk[][], end: number): Cached | null {
  const last: Chunk[] = [];
  for (const list of chunks) {
    const ch = list.find((x) => x.rowStart < end && end <= x.rowEnd);
    if (!ch) return null;
    last.push(ch);
  }
  const from = Math.max(...last.map((x) => x.rowStart)), to = Math.min(...last.map((x) => x.rowEnd));
  return last.length && to > end ? { start: from, end: to, chunks: last } : null;
}

/** JSON.stringify replacer for nested values: exact bigints as numbers, others as strings; typed arrays as arrays. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v > TWO_53 || v < -TWO_53 ? String(v) : Number(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>);
  return v;
}

async function readMetadata(file: AsyncBuffer, source: string): Promise<FileMetaData> {
  const size = file.byteLength;
  // 'PAR1', the footer length, 'PAR1': anything shorter cannot be Parquet (and hyparquet would fail obscurely).
  if (size < 12) throw new AekitError(`${source}: not a Parquet file (${size} bytes, too short)`, 'E_TRUNCATED');
  let head: ArrayBuffer, tail: ArrayBuffer;
  try {
    [head, tail] = await Promise.all([file.slice(0, 4), file.slice(size - 4, size)]);
  } catch (e) {
    throw new AekitError(`${source}: cannot read (${oneLine(e)})`, 'E_IO');
  }
  if (new DataView(head).getUint32(0, true) !== MAGIC) {
    throw new AekitError(`${source}: not a Parquet file (it does not start with PAR1)`);
  }
  if (new DataView(tail).getUint32(0, true) !== MAGIC) {
    throw new AekitError(`${source}: truncated or corrupt Parquet file (${size} bytes, no PAR1 footer at the end)`, 'E_TRUNCATED');
  }
  // The footer's lists are checked against its length first (thrift-check.ts: hyparquet allocates a list as
  // long as it is told).
  let footer: Uint8Array;
  try {
    const length = new DataView(await file.slice(size - 8, size - 4)).getUint32(0, true);
    if (length > size - 12) throw new AekitError(`${source}: corrupt Parquet footer (it says ${length} bytes, the file has ${size})`, 'E_TRUNCATED');
    footer = new Uint8Array(await file.slice(size - 8 - length, size - 8));
  } catch (e) {
    if (e instanceof AekitError) throw e;
    throw new AekitError(`${source}: cannot read (${oneLine(e)})`, 'E_IO');
  }
  const problem = thriftProblem(footer);
  if (problem) throw new AekitError(`${source}: corrupt Parquet footer (${problem})`);
  try {
    return await parquetMetadataAsync(file);
  } catch (e) {
    throw new AekitError(`${source}: corrupt Parquet footer (${oneLine(e)})`);
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}
