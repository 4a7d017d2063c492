/**
 * Builds one-column Parquet files whose data page is re-encoded from its parts (definition levels, values),
 * as a v1 or a v2 page, so a test can put any run header into a stream hyparquet decodes. The file is written
 * by hyparquet-writer UNCOMPRESSED, so the page's bytes are the streams themselves; the page header and the
 * footer are re-encoded with hyparquet-writer's own writers (sizes updated), the rest of the file kept.
 */
import assert from 'node:assert/strict';
import { parquetMetadata, type Encoding, type PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { ByteWriter } from 'hyparquet-writer/src/bytewriter.js';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { concatBytes } from '../helpers.js';

/** The varint run header 2^31: an RLE run of 2^30 values. */
export const RUN_2_30 = [0x80, 0x80, 0x80, 0x80, 0x08];

/** One column written UNCOMPRESSED by hyparquet-writer (nulls allowed: the column is OPTIONAL). */
export function oneColumn(type: 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'INT32', data: unknown[]): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', type, data }], codec: 'UNCOMPRESSED' } as never));
}

/** A data page's streams: `def` the definition levels without any length prefix, `values` the value bytes. */
export interface PageParts {
  def: Uint8Array;
  values: Uint8Array;
}

/**
 * `file` (from oneColumn) with its data page re-encoded as a `version` page from its parts after `edit`.
 * v1 pages put a 4-byte length before the definition levels; v2 pages give it in the header.
 */
export function rebuildPage(file: Uint8Array, version: 1 | 2, edit: (p: PageParts) => PageParts = (p) => p): Uint8Array {
  const footerLength = new DataView(file.buffer, file.byteOffset).getUint32(file.length - 8, true);
  const body = file.subarray(0, file.length - 8 - footerLength);
  const meta = parquetMetadata(file.slice().buffer);
  const col = meta.row_groups[0].columns[0];
  assert.ok(!col.offset_index_offset && !col.column_index_offset, 'no page index to move');
  const chunk = col.meta_data!;
  const first = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
  let at = first;
  for (;;) {
    const reader = { view: new DataView(body.buffer, body.byteOffset + at), offset: 0 };
    const h = parquetHeader(reader);
    const start = at + reader.offset, end = start + h.compressed_page_size;
    if (h.type !== 'DATA_PAGE_V2') {
      at = end;
      continue;
    }
    const d = h.data_page_header_v2!;
    assert.equal(d.repetition_levels_byte_length, 0);
    const page = body.subarray(start, end);
    const parts = edit({ def: page.subarray(0, d.definition_levels_byte_length), values: page.subarray(d.definition_levels_byte_length) });
    const prefix = version === 1 && parts.def.length ? le32(parts.def.length) : [];
    const bytes = concatBytes(prefix, parts.def, parts.values);
    const header: PageHeader = version === 2
      ? { ...h, data_page_header_v2: { ...d, definition_levels_byte_length: parts.def.length } }
      : {
          type: 'DATA_PAGE', uncompressed_page_size: 0, compressed_page_size: 0,
          data_page_header: { num_values: d.num_values, encoding: d.encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
        };
    header.compressed_page_size = header.uncompressed_page_size = bytes.length;
    const w = new ByteWriter();
    writePageHeader(w, header as never); // hyparquet-writer bundles its own hyparquet types: the same shapes
    const pages = concatBytes(body.subarray(0, at), new Uint8Array(w.getBuffer()), bytes, body.subarray(end));
    const m = structuredClone(meta);
    m.row_groups[0].columns[0].meta_data!.total_compressed_size += BigInt(pages.length - body.length);
    return withFooter(m, pages);
  }
}

/** The encoding of the file's data page (to check the writer chose what a test relies on). */
export function dataPageEncoding(file: Uint8Array): Encoding | undefined {
  const meta = parquetMetadata(file.slice().buffer);
  return meta.row_groups[0].columns[0].meta_data!.encodings.at(-1);
}

function withFooter(m: ReturnType<typeof parquetMetadata>, pages: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  writeMetadata(w, m as never);
  const f = new Uint8Array(w.getBuffer());
  return concatBytes(pages, f, le32(f.length), [0x50, 0x41, 0x52, 0x31]); // PAR1
}

export function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

