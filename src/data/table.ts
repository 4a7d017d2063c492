/**
 * Tables: what the tabular readers (CSV/TSV, Parquet) hand to the rest of the data layer. A reader only turns
 * its format into named columns of cells; choosing the label, id and feature columns, converting cells to
 * numbers and applying the missing-value policy happen once, in select.ts, for every format.
 */

/** One cell: a number, a string (kept as written, e.g. a CSV cell or a Parquet string), or null (empty/missing). */
export type Cell = number | string | null;

export interface ColumnTable {
  /** Column names; a source without a header gets 'column1', 'column2', ... */
  readonly names: readonly string[];
  readonly rowCount: number;
  /** The cells of column `c` (0-based), one per row. */
  cells(c: number): ArrayLike<Cell>;
  /** Where row `r` (0-based, of this table) is, for error messages: 'line 12' (CSV, as an editor counts), 'row 12' (Parquet, 1-based). */
  where(r: number): string;
  /** The file (or a description of the bytes) the table came from, for error messages. */
  readonly source: string;
}

/**
 * A table read in pieces (data larger than memory): the column names and row count up front, then any range of
 * rows. `read` may be called with ranges in any order; a format that can only be read front to back (CSV)
 * documents what out-of-order reads cost.
 */
export interface TableReader {
  readonly names: readonly string[];
  readonly rowCount: number;
  readonly source: string;
  /** Rows [start, end) as a table whose row 0 is row `start` (its `where` still names the row in the file). */
  read(start: number, end: number): Promise<ColumnTable>;
  /** Releases the file (idempotent). */
  close(): Promise<void>;
}

/** Default column names for a source without a header: column1, column2, ... (1-based, as spreadsheets count). */
export function defaultColumnNames(width: number): string[] {
  return Array.from({ length: width }, (_, i) => `column${i + 1}`);
}

/** A ColumnTable over arrays of cells held in memory. */
export function columnTable(
  names: readonly string[], columns: readonly ArrayLike<Cell>[], source: string, where: (r: number) => string,
): ColumnTable {
  if (columns.length !== names.length) throw new Error(`${source}: ${names.length} column names but ${columns.length} columns`);
  const rowCount = columns.length ? columns[0].length : 0;
  columns.forEach((col, c) => {
    if (col.length !== rowCount) throw new Error(`${source}: column ${JSON.stringify(names[c])} has ${col.length} cells, expected ${rowCount}`);
  });
  return { names, rowCount, cells: (c) => columns[c], where, source };
}
