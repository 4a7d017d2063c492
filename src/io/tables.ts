/**
 * Writing arrays and tables out (codes, reconstructions, scores): NumPy .npy, CSV, Parquet. Every writer is
 * atomic (temp file beside the target, fsync, rename), so a crash or a full disk never leaves half a file
 * where a good one was, and a table that fails its checks (a NaN, two columns of one name) writes nothing.
 *
 * A table is a list of named columns of equal length: strings (ids, class names), Int32Array (integer
 * labels, indices), Float32Array (model values) or Float64Array (errors summed in float64). What comes out
 * reads back through the data layer's own readers (data/csv.ts, data/parquet.ts) with the same names and
 * values: float32 columns are written in the shortest form that reads back as the same float32, float64
 * columns in JavaScript's shortest round-trip form.
 */
import { extname } from 'node:path';
import { encodeNpy } from '../data/npy.js';
import { writeFileAtomic } from './atomic.js';

/** Writes an .npy file (format 1.0, little-endian, C order, as numpy writes it). */
export function writeNpyFile(
  path: string,
  data: Float32Array | Float64Array | Int32Array | Uint8Array,
  shape: readonly number[],
): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}

export type ColumnValues = readonly string[] | Int32Array | Float32Array | Float64Array;

export interface TableColumn {
  name: string;
  values: ColumnValues;
  /** NaN cells are missing values (an empty CSV cell, a Parquet null) instead of an error. */
  missing?: boolean;
}

/** One line naming the column and row of the first thing a file cannot hold. */
function checkColumns(columns: readonly TableColumn[], what: string): number {
  if (columns.length === 0) throw new Error(`${what}: a table needs at least one column`);
  const n = columns[0].values.length;
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c.name !== 'string' || c.name === '') throw new Error(`${what}: every column needs a name`);
    // Readers pick columns by name, so a second column of one name could never be read back.
    if (seen.has(c.name)) throw new Error(`${what}: two columns are named ${JSON.stringify(c.name)}`);
    seen.add(c.name);
    if (c.values.length !== n) throw new Error(`${what}: column ${JSON.stringify(c.name)} has ${c.values.length} values, but ${JSON.stringify(columns[0].name)} has ${n}`);
    const v = c.values;
    if (v instanceof Float32Array || v instanceof Float64Array) {
      for (let i = 0; i < v.length; i++) {
        if (Number.isFinite(v[i]) || (c.missing && Number.isNaN(v[i]))) continue;
        throw new Error(`${what}: column ${JSON.stringify(c.name)}, row ${i + 1} is ${v[i]}`);
      }
    } else if (!(v instanceof Int32Array)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') throw new Error(`${what}: column ${JSON.stringify(c.name)}, row ${i + 1} is not a string`);
    }
  }
  return n;
}

/**
 * The shortest decimal that reads back as the same float32 (9 significant digits always do): 22.694 rather
 * than 22.6940002, the float64 digits of the float32 nearest 22.694, which are noise to a reader.
 */
export function float32Text(v: number): string {
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(Number(v.toPrecision(9)));
}

function cellText(v: ColumnValues, i: number): string {
  if (v instanceof Float32Array) return Number.isNaN(v[i]) ? '' : float32Text(v[i]);
  if (v instanceof Float64Array) return Number.isNaN(v[i]) ? '' : String(v[i]);
  return String(v[i]);
}

/** RFC 4180 quoting: only cells that need it (a delimiter, a quote, a line break, edge spaces). */
function quote(s: string, delimiter: string): string {
  return s.includes(delimiter) || /["\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The table as CSV text: a header row of the names, then one line per row, each ending with '\n'. */
export function tableCsv(columns: readonly TableColumn[], opts: { delimiter?: string } = {}): string {
  const d = opts.delimiter ?? ',';
  const n = checkColumns(columns, 'CSV');
  const lines = [columns.map((c) => quote(c.name, d)).join(d)];
  for (let i = 0; i < n; i++) lines.push(columns.map((c) => (typeof c.values[i] === 'string' ? quote(c.values[i] as string, d) : cellText(c.values, i))).join(d));
  return `${lines.join('\n')}\n`;
}

export function writeCsvFile(path: string, columns: readonly TableColumn[], opts: { delimiter?: string } = {}): void {
  writeFileAtomic(path, tableCsv(columns, opts));
}

/**
 * The table as Parquet bytes (hyparquet-writer, snappy): strings as STRING, Int32Array as INT32,
 * Float32Array as FLOAT, Float64Array as DOUBLE; missing (NaN) cells as nulls. Loaded on first use, so the
 * library and the commands that write no Parquet do not load it.
 */
export async function encodeParquet(columns: readonly TableColumn[]): Promise<Uint8Array> {
  checkColumns(columns, 'Parquet');
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = columns.map((c) => {
    const v = c.values;
    if (v instanceof Int32Array) return { name: c.name, data: v, type: 'INT32' as const, nullable: false };
    if (v instanceof Float32Array || v instanceof Float64Array) {
      const type = v instanceof Float32Array ? 'FLOAT' as const : 'DOUBLE' as const;
      const hasNaN = c.missing === true && v.some(Number.isNaN);
      return hasNaN ? { name: c.name, data: Array.from(v, (x) => (Number.isNaN(x) ? null : x)), type } : { name: c.name, data: v, type, nullable: false };
    }
    return { name: c.name, data: [...v], type: 'STRING' as const, nullable: false };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'aekit' }));
}

export async function writeParquetFile(path: string, columns: readonly TableColumn[]): Promise<void> {
  writeFileAtomic(path, await encodeParquet(columns));
}

/** The table formats writeTableFile knows, by extension. */
export const TABLE_EXTENSIONS = ['.csv', '.tsv', '.parquet'] as const;

/** Writes a table as CSV, TSV or Parquet by the path's extension; any other extension is an error. */
export async function writeTableFile(path: string, columns: readonly TableColumn[]): Promise<void> {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') writeCsvFile(path, columns, { delimiter: ext === '.tsv' ? '\t' : ',' });
  else if (ext === '.parquet') await writeParquetFile(path, columns);
  else throw new Error(`${path}: a table is written as ${TABLE_EXTENSIONS.join(', ')}, not '${ext || 'no extension'}'`);
}
