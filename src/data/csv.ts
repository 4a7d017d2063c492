/**
 * CSV and TSV text to a table of cells, via csv-parse. Choosing columns and converting cells is select.ts's
 * job; `parseCsv` here is the one-call route from text to a Dataset. Rows are named by the line where their
 * record ends, as a text editor counts (a quoted cell with a line break makes a record span two lines).
 *
 * csv-parse's main build uses Node's Buffer; its browser build carries a Buffer of its own and runs anywhere,
 * about half as fast in Node. This file (part of aekit/browser) uses the browser build by default, and
 * csv-file.ts hands the Node build in for files on disk.
 */
import { parse as portableParse } from 'csv-parse/browser/esm/sync';
import { AekitError, asAekitError } from '../errors.js';
import { Dataset } from './dataset.js';
import { type ColumnOptions, labelsFromCells, planColumns, takeRows } from './select.js';
import { type ColumnTable, columnTable, defaultColumnNames } from './table.js';

export interface CsvTableOptions {
  /** Whether the first row is a header. 'auto' (default): see `looksLikeHeader`. */
  header?: boolean | 'auto';
  /** Field delimiter, default ','. */
  delimiter?: string;
}

export interface CsvOptions extends CsvTableOptions, Omit<ColumnOptions, 'label'> {
  /** The label column: a header name, or a 0-based column index. Omit for unlabelled data. */
  labelColumn?: string | number;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const isNumber = (s: string): boolean => NUMBER_RE.test(s.trim());

/**
 * A first row is a header when it has no number at all, or when one of its cells is text where the second row
 * has a number (a header-less file whose first column is a date or a name still reads as data).
 */
export function looksLikeHeader(first: readonly string[], second: readonly string[] | undefined): boolean {
  if (!first.some(isNumber)) return true;
  return first.some((cell, c) => !isNumber(cell) && cell.trim() !== '' && second !== undefined && isNumber(second[c] ?? ''));
}

/** The header names, checked: a blank name becomes columnN, a name used twice is an error (selection is by name). */
export function headerNames(cells: readonly string[], source: string): string[] {
  const names = cells.map((s, i) => s.trim() || `column${i + 1}`);
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const j = seen.get(name);
    if (j !== undefined) throw new AekitError(`${source}: column name ${JSON.stringify(name)} appears twice (columns ${j + 1} and ${i + 1}); names pick columns, so they must differ`);
    seen.set(name, i);
  });
  return names;
}

export interface CsvRecord {
  fields: string[];
  line: number;
}

/** csv-parse's sync `parse` (either build: see the module comment). */
export type CsvParse = (text: string, opts: Record<string, unknown>) => unknown;

/** csv-parse's records with their lines; lines holding only whitespace are not records. */
export function csvRecords(text: string, delimiter: string, source: string, parse: CsvParse = portableParse as unknown as CsvParse): CsvRecord[] {
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw new AekitError(`${source}: delimiter must be a non-empty string`, 'E_VALUE');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as typeof records;
  } catch (e) {
    throw new AekitError(`${source}: ${(e as Error).message}`, 'E_FORMAT', { cause: e });
  }
  return records
    .map((r) => ({ fields: r.record, line: r.info.lines }))
    .filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ''));
}

/** Records (after the header) to a table; every record must have one field per column. */
export function recordsTable(names: readonly string[], rows: readonly CsvRecord[], source: string, hasHeader: boolean): ColumnTable {
  const width = names.length;
  const columns = names.map(() => new Array<string | null>(rows.length));
  rows.forEach(({ fields, line }, r) => {
    if (fields.length !== width) {
      throw new AekitError(`${source}: line ${line} has ${fields.length} fields, expected ${width}${hasHeader ? ' (as in the header)' : ' (as in the first row)'}`);
    }
    for (let c = 0; c < width; c++) columns[c][r] = fields[c].trim() === '' ? null : fields[c];
  });
  return asAekitError('E_FORMAT', () => columnTable(names, columns, source, (r) => `line ${rows[r].line}`));
}

/** CSV/TSV text as a table of cells (empty cells are null). `source` names the input in error messages. */
export function parseCsvTable(text: string, opts: CsvTableOptions = {}, source = '<CSV text>', parse?: CsvParse): ColumnTable {
  const headerOpt = opts.header ?? 'auto';
  if (headerOpt !== true && headerOpt !== false && headerOpt !== 'auto') {
    throw new AekitError(`${source}: header must be true, false or 'auto', got ${JSON.stringify(headerOpt)}`, 'E_VALUE');
  }
  const rows = csvRecords(text, opts.delimiter ?? ',', source, parse);
  if (rows.length === 0) throw new AekitError(`${source}: no rows`);
  const hasHeader = headerOpt === 'auto' ? looksLikeHeader(rows[0].fields, rows[1]?.fields) : headerOpt;
  const names = hasHeader ? headerNames(rows[0].fields, source) : defaultColumnNames(rows[0].fields.length);
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new AekitError(`${source}: no data rows (only a header)`);
  return recordsTable(names, data, source, hasHeader);
}

/**
 * Parses CSV text straight into a Dataset: every column but the label (and id) is a feature unless `features`
 * or `drop` say otherwise. Labels that are names become indices in sorted order (see labelsFromCells).
 */
export function parseCsv(text: string, opts: CsvOptions = {}, source = '<CSV text>', parse?: CsvParse): Dataset {
  // Column choice and cell conversion (select.ts) throw plain Errors naming the cell; they become AekitErrors here.
  return asAekitError('E_FORMAT', () => csvDataset(text, opts, source, parse));
}

function csvDataset(text: string, opts: CsvOptions, source: string, parse?: CsvParse): Dataset {
  const table = parseCsvTable(text, opts, source, parse);
  const plan = planColumns(table.names, { ...opts, label: opts.labelColumn }, source);
  const rows = takeRows(table, plan);
  if (rows.n === 0) throw new AekitError(`${source}: no rows left after dropping the ${rows.dropped} with missing values`);
  const labels = rows.labelCells ? labelsFromCells(rows.labelCells, (i) => `${source}: data row ${i + 1}`).labels : undefined;
  return Dataset.fromTyped(rows.values, rows.n, [plan.features.length], {
    ...(labels ? { labels } : {}), ...(rows.ids ? { ids: rows.ids } : {}), missing: rows.missingCells > 0,
  });
}
