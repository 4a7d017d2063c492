/**
 * A scan of a Parquet page's RLE / bit-packed hybrid streams (repetition and definition levels, dictionary
 * indices, RLE booleans) that refuses a run longer than the values left in its stream, before hyparquet decodes
 * the page (issue #12 item 7).
 *
 * Why: hyparquet 1.33's readRle (encoding.js) writes a run's `count` values into `output[seen + i]` with no
 * bound, and `output` is often a plain `new Array(nValues)` (datapage.js), so one crafted run header (a varint,
 * `count = header >>> 1`, up to 2^31 - 1) grows that array to billions of elements: five bytes take the
 * process down out of memory. Bit-packed runs are bounded by output.length when they write, but with a bit
 * width of 0 (a one-entry dictionary in a v2 page) they read no bytes, so a huge or negative count
 * (`header >> 1 << 3` overflows int32) spins the CPU instead; they are bounded here too, allowing the rounding
 * of their last group up to 8 values (the spec's padding).
 *
 * The scan walks the streams exactly where hyparquet reads them (datapage.js readDataPage, readDataPageV2,
 * readRepetitionLevels, readDefinitionLevels; encoding.js readRleBitPackedHybrid, readBitPacked), including its
 * quirks, so a run header is read at the same byte hyparquet would read it: v1 levels carry a 4-byte length
 * prefix each, and the runs are read over the whole page, not just that length; v2 levels are uncompressed,
 * their lengths in the header, and the rep levels' reader jumps to repetition_levels_byte_length afterwards;
 * dictionary indices are one bit-width byte then runs to the end; RLE booleans have a 4-byte length prefix
 * (both versions); a bit-packed run reads its first byte whenever there is one, even at bit width 0.
 * It decodes nothing else and allocates nothing proportional to a declared count; the decompressed page it
 * needs is what hyparquet will allocate for the same page moments later.
 *
 * A v1 page's number of non-null values (the length of its dictionary-index stream) is its num_values minus
 * the definition levels below the maximum, as hyparquet counts them, so the definition levels are decoded to
 * a count (never to an array) on the way. Dictionary pages are PLAIN (hyparquet reads them with readPlain), and
 * PLAIN, DELTA_* and BYTE_STREAM_SPLIT values hold no hybrid stream: only their levels are scanned.
 */
import type { ColumnMetaData, CompressionCodec, PageHeader, SchemaElement } from 'hyparquet';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { getMaxDefinitionLevel, getMaxRepetitionLevel, getSchemaPath } from 'hyparquet/src/schema.js';
import { compressors } from 'hyparquet-compressors';

/** What the scan needs to know of a column chunk, computed once per chunk. */
export interface PageLayout {
  type: ColumnMetaData['type'];
  codec: CompressionCodec;
  /** hyparquet's v1 reader looks for repetition levels only when the schema path is longer than the root. */
  maxRepetitionV1: number;
  maxRepetition: number;
  maxDefinition: number;
}

/** Why a page was refused, with the AekitError code it deserves. */
export class PageStreamProblem {
  constructor(readonly why: string, readonly code: 'E_FORMAT' | 'E_TOO_LARGE') {}
}

/** The layout of the column `meta` describes; throws (as hyparquet would) if its path is not in the schema. */
export function pageLayout(schema: SchemaElement[], meta: ColumnMetaData): PageLayout {
  const path = getSchemaPath(schema, meta.path_in_schema);
  const maxRepetition = getMaxRepetitionLevel(path);
  return {
    type: meta.type,
    codec: meta.codec,
    maxRepetitionV1: path.length > 1 ? maxRepetition : 0,
    maxRepetition,
    maxDefinition: getMaxDefinitionLevel(path),
  };
}

/**
 * The problem with the hybrid streams of the page `raw` (its compressed_page_size bytes after `header`), or
 * null. `header` must have passed parquet.ts's pageProblem (counts are non-negative integers, v2 levels fit).
 */
export function pageStreamProblem(header: PageHeader, raw: Uint8Array, layout: PageLayout): PageStreamProblem | null {
  try {
    if (header.type === 'DATA_PAGE' && header.data_page_header) scanV1(header, raw, layout);
    else if (header.type === 'DATA_PAGE_V2') scanV2(header, raw, layout);
    return null;
  } catch (e) {
    if (e instanceof PageStreamProblem) return e;
    return new PageStreamProblem(`cannot decompress its data (${e instanceof Error ? e.message : String(e)})`, 'E_FORMAT');
  }
}

interface Reader { view: DataView; offset: number }

function readerOf(bytes: Uint8Array): Reader {
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
}

function scanV1(header: PageHeader, raw: Uint8Array, layout: PageLayout): void {
  const daph = header.data_page_header!;
  const hybrid = daph.encoding === 'RLE' || daph.encoding === 'PLAIN_DICTIONARY' || daph.encoding === 'RLE_DICTIONARY';
  if (!hybrid && !layout.maxRepetitionV1 && !layout.maxDefinition) return; // nothing to scan: skip decompressing
  const page = decompressPage(raw, Number(header.uncompressed_page_size), layout.codec, compressors);
  const r = readerOf(page);
  const n = daph.num_values;
  if (layout.maxRepetitionV1) {
    const length = uint32(r, 'repetition levels');
    const start = r.offset;
    scanHybrid(r, bitWidth(layout.maxRepetitionV1), n, 'repetition levels');
    r.offset = start + length;
  }
  let nulls = 0;
  if (layout.maxDefinition) {
    const length = uint32(r, 'definition levels');
    const start = r.offset;
    nulls = n - scanHybrid(r, bitWidth(layout.maxDefinition), n, 'definition levels', layout.maxDefinition);
    r.offset = start + length;
  }
  const values = n - nulls;
  switch (daph.encoding) {
    case 'PLAIN_DICTIONARY': case 'RLE_DICTIONARY': case 'RLE': {
      const boolean = layout.type === 'BOOLEAN';
      const width = boolean ? 1 : byte(r, 'dictionary indices');
      if (!width) return; // hyparquet fills the values with zeros without reading a stream
      if (boolean) uint32(r, 'boolean values');
      scanHybrid(r, width, values, boolean ? 'boolean values' : 'dictionary indices');
    }
  }
}

function scanV2(header: PageHeader, raw: Uint8Array, layout: PageLayout): void {
  const d = header.data_page_header_v2!;
  const r = readerOf(raw);
  const n = d.num_values;
  if (layout.maxRepetition) scanHybrid(r, bitWidth(layout.maxRepetition), n, 'repetition levels');
  r.offset = d.repetition_levels_byte_length;
  if (layout.maxDefinition) {
    scanHybrid(r, bitWidth(layout.maxDefinition), n, 'definition levels');
    r.offset = d.repetition_levels_byte_length + d.definition_levels_byte_length;
  }
  const size = header.uncompressed_page_size - d.definition_levels_byte_length - d.repetition_levels_byte_length;
  let page = raw.subarray(r.offset);
  if (d.encoding !== 'RLE' && d.encoding !== 'PLAIN_DICTIONARY' && d.encoding !== 'RLE_DICTIONARY') return;
  if (d.is_compressed !== false && size) page = decompressPage(page, size, layout.codec, compressors);
  const p = readerOf(page);
  const values = n - d.num_nulls;
  if (d.encoding === 'RLE') {
    uint32(p, 'boolean values');
    scanHybrid(p, 1, values, 'boolean values');
  } else {
    scanHybrid(p, byte(p, 'dictionary indices'), values, 'dictionary indices');
  }
}

/**
 * Walks the runs of one hybrid stream of `n` values at bit width `width`, as readRleBitPackedHybrid does (until
 * `n` values are seen), refusing a run longer than what is left. Returns how many of the `n` values equal
 * `target` (the definition levels' maximum, to count the non-null values), or 0 without a target.
 */
function scanHybrid(r: Reader, width: number, n: number, stream: string, target?: number): number {
  let seen = 0, equal = 0;
  while (seen < n) {
    const header = varint(r, stream);
    const left = n - seen;
    if (header & 1) {
      const count = header >> 1 << 3; // int32 arithmetic, as hyparquet: a large header turns negative
      if (count < 0 || count > Math.ceil(left / 8) * 8) {
        throw new PageStreamProblem(`its ${stream} hold a bit-packed run of ${count} values where ${left} are left`, 'E_TOO_LARGE');
      }
      if (target === undefined) {
        bitPackedSkip(r, count, width, stream);
        seen = Math.min(n, seen + count);
      } else {
        const run = bitPackedCount(r, count, width, left, target, stream);
        seen += run.seen;
        equal += run.equal;
      }
    } else {
      const count = header >>> 1;
      if (count > left) {
        throw new PageStreamProblem(`its ${stream} hold a run of ${count} values where ${left} are left`, 'E_TOO_LARGE');
      }
      let value = 0;
      for (let i = 0; i < (width + 7 >> 3); i++) value |= byte(r, stream) << (i << 3);
      if (value === target) equal += count;
      seen += count;
    }
  }
  return equal;
}

/** Moves past a bit-packed run of `count` values the way readBitPacked consumes bytes. */
function bitPackedSkip(r: Reader, count: number, width: number, stream: string): void {
  const mask = (1 << width) - 1;
  if (r.offset < r.view.byteLength) r.offset++;
  else if (mask) throw pastEnd(stream);
  if (count && width) {
    // readBitPacked reads a byte only when it needs more bits: count * width bits in all, the first byte above.
    const more = (count >> 3) * width - 1;
    if (r.offset + more > r.view.byteLength) throw pastEnd(stream);
    r.offset += more;
  }
}

/**
 * readBitPacked's own loop (bit widths of levels are small), counting the values equal to `target` among the
 * first `left` it would emit instead of storing them. At most count + bytes iterations; count is bounded above.
 */
function bitPackedCount(r: Reader, count: number, width: number, left: number, target: number, stream: string): { seen: number; equal: number } {
  const mask = (1 << width) - 1;
  let data = 0, seen = 0, equal = 0;
  if (r.offset < r.view.byteLength) data = r.view.getUint8(r.offset++);
  else if (mask) throw pastEnd(stream);
  let high = 8, low = 0;
  while (count) {
    if (low > 8) {
      low -= 8;
      high -= 8;
      data >>>= 8;
    } else if (high - low < width) {
      data |= byte(r, stream) << high;
      high += 8;
    } else {
      if (seen < left) {
        if ((data >> low & mask) === target) equal++;
        seen++;
      }
      count--;
      low += width;
    }
  }
  return { seen, equal };
}

/** hyparquet's readVarInt (thrift.js), int32 wrap-around included. */
function varint(r: Reader, stream: string): number {
  let result = 0, shift = 0;
  for (;;) {
    const b = byte(r, stream);
    result |= (b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
    shift += 7;
  }
}

function byte(r: Reader, stream: string): number {
  if (!(r.offset < r.view.byteLength)) throw pastEnd(stream);
  return r.view.getUint8(r.offset++);
}

function uint32(r: Reader, stream: string): number {
  if (!(r.offset + 4 <= r.view.byteLength)) throw pastEnd(stream);
  const v = r.view.getUint32(r.offset, true);
  r.offset += 4;
  return v;
}

// hyparquet's reads past the page's end throw a RangeError; this says which stream ran out.
function pastEnd(stream: string): PageStreamProblem {
  return new PageStreamProblem(`its ${stream} run past the end of the page`, 'E_FORMAT');
}

/** The bits needed for levels up to `max` (datapage.js bitWidth). */
function bitWidth(max: number): number {
  return 32 - Math.clz32(max);
}
