/**
 * CSV files on disk: whole (`readCsvTable`, `loadCsv`) or in pieces for data larger than memory
 * (`openCsvFile`). A CSV cannot be entered in the middle (a quoted cell may hold a line break), so the piece
 * reader makes one pass first: it counts the records and notes the byte offset and line of every
 * CHECKPOINT-th one; `read(start, end)` then parses from the checkpoint at or before `start`, at most
 * CHECKPOINT - 1 records more than asked for, whatever the order of the reads.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { type CsvOptions, type CsvParse, type CsvRecord, type CsvTableOptions, headerNames, looksLikeHeader, parseCsv, parseCsvTable, recordsTable } from './csv.js';
import type { Dataset } from './dataset.js';
import { type ColumnTable, defaultColumnNames, type TableReader } from './table.js';

/** Records between checkpoints of the piece reader. */
export const CHECKPOINT = 16384;

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `CSV file not found: ${path}` : `cannot read CSV file ${path}: ${(e as Error).message}`);
  }
}

/** A whole CSV file as a table of cells. */
export function readCsvTable(path: string, opts: CsvTableOptions = {}): ColumnTable {
  return parseCsvTable(readText(path), opts, path, nodeParse);
}

/** Reads a numeric CSV file into a Dataset (see parseCsv). */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  return parseCsv(readText(path), opts, path, nodeParse);
}

/** csv-parse's Node build: twice the speed of the portable one csv.ts uses by default. */
const nodeParse = parseSync as unknown as CsvParse;

interface Checkpoint {
  /** Byte offset where the record starts. */
  byte: number;
  /** Lines before it (so a record's line is this plus the line csv-parse counts from the checkpoint). */
  lines: number;
}

type ParsedRecord = { record: string[]; info: { bytes: number; lines: number } };

/** csv-parse over the file from `byte` on, as an async iterator of records with their info. */
function recordsFrom(path: string, byte: number, delimiter: string): AsyncIterable<ParsedRecord> & { destroy(): void } {
  const stream = createReadStream(path, { start: byte });
  const parser = stream.pipe(parse({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  stream.on('error', (e) => parser.destroy(e));
  const records = parser as unknown as AsyncIterable<ParsedRecord>;
  return { [Symbol.asyncIterator]: () => records[Symbol.asyncIterator](), destroy: () => { stream.destroy(); parser.destroy(); } };
}

const blank = (r: string[]): boolean => r.length === 1 && r[0].trim() === '';

/**
 * Opens a CSV file for reading in pieces: one pass to find the header, count the records and place the
 * checkpoints, then `read(start, end)` for any range of data rows. Memory: one piece plus the checkpoints.
 */
export async function openCsvFile(path: string, opts: CsvTableOptions = {}): Promise<TableReader> {
  try {
    if (!statSync(path).isFile()) throw new Error(`${path} is not a file`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `CSV file not found: ${path}` : `cannot read CSV file ${path}: ${(e as Error).message}`);
  }
  const delimiter = opts.delimiter ?? ',';
  const headerOpt = opts.header ?? 'auto';
  const checkpoints: Checkpoint[] = [];
  // The first two records decide whether there is a header; until then their start positions wait here.
  const pending: { fields: string[]; start: Checkpoint }[] = [];
  let decided = false;
  let hasHeader = false;
  let count = 0;
  const decide = (): void => {
    hasHeader = headerOpt === 'auto' ? looksLikeHeader(pending[0].fields, pending[1]?.fields) : headerOpt;
    decided = true;
    for (const p of pending.slice(hasHeader ? 1 : 0)) onData(p.start);
  };
  const onData = (start: Checkpoint): void => {
    if (count % CHECKPOINT === 0) checkpoints.push(start);
    count++;
  };
  let prev = { bytes: 0, lines: 0 };
  const it = recordsFrom(path, 0, delimiter);
  try {
    for await (const { record, info } of it) {
      const start = { byte: prev.bytes, lines: prev.lines };
      prev = info;
      if (blank(record)) continue;
      if (decided) onData(start);
      else {
        pending.push({ fields: record, start });
        if (pending.length === 2) decide();
      }
    }
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  } finally {
    it.destroy();
  }
  if (pending.length === 0) throw new Error(`${path}: no rows`);
  if (!decided) decide();
  if (count === 0) throw new Error(`${path}: no data rows (only a header)`);
  const names = hasHeader ? headerNames(pending[0].fields, path) : defaultColumnNames(pending[0].fields.length);
  const rowCount = count;

  return {
    names, rowCount, source: path,
    async read(start: number, end: number): Promise<ColumnTable> {
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > rowCount || start > end) {
        throw new Error(`${path}: rows [${start}, ${end}) are out of range (the file has ${rowCount} data rows)`);
      }
      const rows: CsvRecord[] = [];
      if (end > start) {
        const k = Math.floor(start / CHECKPOINT);
        const cp = checkpoints[k];
        let index = k * CHECKPOINT;
        const from = recordsFrom(path, cp.byte, delimiter);
        try {
          for await (const { record, info } of from) {
            if (blank(record)) continue;
            if (index >= start) rows.push({ fields: record, line: cp.lines + info.lines });
            if (++index >= end) break;
          }
        } catch (e) {
          throw new Error(`${path}: ${(e as Error).message}`);
        } finally {
          from.destroy();
        }
        if (rows.length !== end - start) throw new Error(`${path}: the file changed while it was read (expected ${end - start} rows from row ${start}, found ${rows.length})`);
      }
      return recordsTable(names, rows, path, hasHeader);
    },
    async close() {},
  };
}
