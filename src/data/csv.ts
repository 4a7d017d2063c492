/**
 * Numeric CSV loading (via csv-parse). Every cell must be a decimal number; an optional label column (integer
 * labels) is split off. Error messages give 1-based line numbers as in a text editor and 1-based column numbers
 * (plus the header name when there is one).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Dataset } from './dataset.js';

export interface CsvOptions {
  /** Whether the first row is a header. 'auto' (default): it is a header if any of its cells is not a number. */
  header?: boolean | 'auto';
  /** The label column: a header name, or a 0-based column index. Omit for unlabelled data. */
  labelColumn?: string | number;
  /** Field delimiter, default ','. */
  delimiter?: string;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

const isNumeric = (s: string): boolean => NUMBER_RE.test(s.trim());

interface Row {
  fields: string[];
  line: number;
}

/** Parses CSV text into a Dataset. `source` names the input in error messages. */
export function parseCsv(text: string, opts: CsvOptions = {}, source = '<CSV text>'): Dataset {
  const fail = (msg: string): never => {
    throw new Error(`CSV ${source}: ${msg}`);
  };
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length === 0) fail('delimiter must be a non-empty string');
  const headerOpt = opts.header ?? 'auto';
  if (headerOpt !== true && headerOpt !== false && headerOpt !== 'auto') {
    fail(`header must be true, false or 'auto', got ${JSON.stringify(headerOpt)}`);
  }

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    return fail((e as Error).message);
  }
  let rows: Row[] = records.map((r) => ({ fields: r.record, line: r.info.lines }));
  // Lines holding only whitespace (e.g. a trailing "  ") are not data.
  rows = rows.filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ''));
  if (rows.length === 0) fail('no rows');

  const hasHeader = headerOpt === 'auto' ? !rows[0].fields.every(isNumeric) : headerOpt;
  const names = hasHeader ? rows[0].fields.map((s) => s.trim()) : null;
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) fail('no data rows (only a header)');
  const width = names ? names.length : data[0].fields.length;

  const colName = (c: number): string => `column ${c + 1}${names ? ` (${JSON.stringify(names[c])})` : ''}`;

  let labelCol = -1;
  const lc = opts.labelColumn;
  if (typeof lc === 'string') {
    if (!names) fail(`labelColumn ${JSON.stringify(lc)} is a column name but the CSV has no header`);
    labelCol = names!.indexOf(lc);
    if (labelCol < 0) fail(`label column ${JSON.stringify(lc)} not found; columns are ${names!.map((s) => JSON.stringify(s)).join(', ')}`);
  } else if (typeof lc === 'number') {
    if (!Number.isInteger(lc) || lc < 0 || lc >= width) {
      fail(`labelColumn ${lc} is not a valid 0-based column index (the CSV has ${width} columns)`);
    }
    labelCol = lc;
  } else if (lc !== undefined) {
    fail('labelColumn must be a column name or a 0-based column index');
  }
  const features = width - (labelCol >= 0 ? 1 : 0);
  if (features === 0) fail('no feature columns (the only column is the label column)');

  const values = new Float32Array(data.length * features);
  const labels = labelCol >= 0 ? new Int32Array(data.length) : undefined;
  for (let r = 0; r < data.length; r++) {
    const { fields, line } = data[r];
    if (fields.length !== width) {
      fail(`line ${line} has ${fields.length} fields, expected ${width}${names ? ' (as in the header)' : ' (as in the first row)'}`);
    }
    let k = r * features;
    for (let c = 0; c < width; c++) {
      const cell = fields[c].trim();
      if (cell === '') fail(`line ${line}, ${colName(c)} is empty`);
      if (!NUMBER_RE.test(cell)) fail(`line ${line}, ${colName(c)} is not a number: ${JSON.stringify(fields[c])}`);
      const v = Number(cell);
      if (c === labelCol) {
        if (!Number.isInteger(v) || Math.abs(v) > 2147483647) {
          fail(`line ${line}, label ${colName(c)} is ${JSON.stringify(fields[c])}; labels must be integers`);
        }
        labels![r] = v;
      } else {
        if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
          fail(`line ${line}, ${colName(c)} is ${JSON.stringify(fields[c])}, which overflows float32`);
        }
        values[k++] = v;
      }
    }
  }
  return Dataset.fromTyped(values, data.length, [features], labels ? { labels } : {});
}

/** Reads a numeric CSV file into a Dataset (see parseCsv). */
export function loadCsv(path: string, opts: CsvOptions = {}): Dataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read CSV file ${path}: ${(e as Error).message}`);
  }
  return parseCsv(text, opts, path);
}
