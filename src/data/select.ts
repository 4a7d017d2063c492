/**
 * From a table of cells (CSV, Parquet) to samples: which column is the label, which the id, which are features,
 * and what happens to a cell that is not a number. One implementation for every tabular format, so `--label`,
 * `--id`, `--features`, `--drop` and `--missing` mean the same thing everywhere and fail with the same messages.
 *
 * Missing policy, for empty or non-numeric feature cells (NA, ?, text):
 *   'error' (default): fail, naming the line, column and value;
 *   'drop': leave the whole row out (the caller reports how many);
 *   'mean': keep the row with NaN in that cell; preprocessing (preprocess.ts) fills it with the feature's
 *           mean over the training rows, and the model file keeps those means for every later command.
 * A column with no number at all is text: it is named with a hint (--drop it, or use it as --id / --label),
 * whatever the policy, since dropping every row or filling every cell is never what was meant.
 */
import type { Cell, ColumnTable } from './table.js';

export type MissingPolicy = 'error' | 'drop' | 'mean';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['error', 'drop', 'mean'];

export interface ColumnOptions {
  /** The label column (its name; a 0-based index is accepted for library callers). */
  label?: string | number;
  /** The id column: kept with each row for output, never a feature. */
  id?: string | number;
  /** Exactly these feature columns, in this order (default: every column but label and id). */
  features?: readonly string[];
  /** Columns to leave out of the features. */
  drop?: readonly string[];
  /** What to do with an empty or non-numeric feature cell (default 'error'). */
  missing?: MissingPolicy;
  /**
   * The label and/or id columns to use only where the table has them: a model's saved columns applied to new
   * data, which may come without them (rows to score have no label). Others must exist.
   */
  optional?: readonly ('label' | 'id')[];
}

/** Which columns of a table play which part (indices into the table's columns). */
export interface ColumnPlan {
  label: number;
  id: number;
  features: number[];
  featureNames: string[];
  labelName: string | null;
  idName: string | null;
  missing: MissingPolicy;
}

/** Rows taken from a table: features as float32 (NaN for a missing cell under 'mean'), plus label cells and ids. */
export interface TakenRows {
  values: Float32Array;
  n: number;
  /** The label cells of the kept rows (numbers or names), or null without a label column. */
  labelCells: Cell[] | null;
  ids: string[] | null;
  /** Rows left out by missing: 'drop'. */
  dropped: number;
  /** Cells left NaN for missing: 'mean'. */
  missingCells: number;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

/** A cell as a number, or NaN when it is empty or not a number. */
export function cellNumber(cell: Cell): number {
  if (typeof cell === 'number') return cell;
  if (cell === null) return NaN;
  const t = cell.trim();
  return NUMBER_RE.test(t) ? Number(t) : NaN;
}

const quote = (s: string): string => JSON.stringify(s);

function findColumn(names: readonly string[], col: string | number, what: string, source: string): number {
  if (typeof col === 'number') {
    if (!Number.isInteger(col) || col < 0 || col >= names.length) {
      throw new Error(`${source}: ${what} column index ${col} is out of range (the table has ${names.length} columns)`);
    }
    return col;
  }
  const i = names.indexOf(col);
  if (i < 0) throw new Error(`${source}: ${what} column ${quote(col)} not found; columns are ${names.map(quote).join(', ')}`);
  return i;
}

/** Resolves the column options against a table's column names (once, also for data read in pieces). */
export function planColumns(names: readonly string[], opts: ColumnOptions, source: string): ColumnPlan {
  const meta = (col: string | number | undefined, what: 'label' | 'id'): number => {
    if (col === undefined) return -1;
    if (typeof col === 'string' && opts.optional?.includes(what) && !names.includes(col)) return -1;
    return findColumn(names, col, what, source);
  };
  const label = meta(opts.label, 'label');
  const id = meta(opts.id, 'id');
  if (label >= 0 && label === id) throw new Error(`${source}: column ${quote(names[label])} cannot be both the label and the id`);
  const missing = opts.missing ?? 'error';
  if (!MISSING_POLICIES.includes(missing)) throw new Error(`missing must be one of ${MISSING_POLICIES.join(', ')}, got ${quote(String(missing))}`);
  let features: number[];
  if (opts.features !== undefined) {
    if (opts.drop !== undefined && opts.drop.length) throw new Error('give either the feature columns or the columns to drop, not both');
    features = opts.features.map((f) => findColumn(names, f, 'feature', source));
    const seen = new Set<number>();
    for (const f of features) {
      if (f === label || f === id) throw new Error(`${source}: column ${quote(names[f])} is the ${f === label ? 'label' : 'id'}; it cannot also be a feature`);
      if (seen.has(f)) throw new Error(`${source}: feature column ${quote(names[f])} is listed twice`);
      seen.add(f);
    }
  } else {
    const drop = new Set((opts.drop ?? []).map((d) => findColumn(names, d, 'dropped', source)));
    features = names.map((_, i) => i).filter((i) => i !== label && i !== id && !drop.has(i));
  }
  if (features.length === 0) throw new Error(`${source}: no feature columns left (columns: ${names.map(quote).join(', ')})`);
  return {
    label, id, features, featureNames: features.map((f) => names[f]),
    labelName: label >= 0 ? names[label] : null, idName: id >= 0 ? names[id] : null, missing,
  };
}

/** The error for a feature cell that is not a number, with the hint that fits. */
function badCell(table: ColumnTable, plan: ColumnPlan, r: number, c: number, cell: Cell, textColumn: boolean): Error {
  const name = table.names[c];
  if (textColumn) {
    return new Error(
      `${table.source}: column ${quote(name)} holds text, not numbers (${quote(String(cell))} at ${table.where(r)}): ` +
        `leave it out with --drop ${name}, or use it as --id or --label`,
    );
  }
  const what = cell === null || (typeof cell === 'string' && cell.trim() === '') ? 'is empty' : `is not a number: ${quote(String(cell))}`;
  const policy = plan.missing === 'error' ? ' (--missing drop leaves such rows out, --missing mean fills the training mean)' : '';
  return new Error(`${table.source}: ${table.where(r)}, column ${quote(name)} ${what}${policy}`);
}

/** Checks the feature columns hold numbers at all; a column of text gets its own message. */
function checkTextColumns(table: ColumnTable, plan: ColumnPlan): void {
  if (table.rowCount === 0) return;
  for (const c of plan.features) {
    const cells = table.cells(c);
    let firstText = -1;
    let numbers = 0;
    for (let r = 0; r < cells.length; r++) {
      if (Number.isNaN(cellNumber(cells[r]))) {
        if (firstText < 0 && cells[r] !== null && String(cells[r]).trim() !== '') firstText = r;
      } else numbers++;
    }
    if (numbers === 0 && firstText >= 0) throw badCell(table, plan, firstText, c, cells[firstText], true);
  }
}

/**
 * The rows of `table` under `plan`. `checkText` (default true) first names a column that holds only text; a
 * caller reading a table in pieces turns it off after the first piece.
 */
export function takeRows(table: ColumnTable, plan: ColumnPlan, opts: { checkText?: boolean } = {}): TakenRows {
  if (opts.checkText !== false) checkTextColumns(table, plan);
  const f = plan.features.length;
  const n = table.rowCount;
  const values = new Float32Array(n * f);
  const featureCells = plan.features.map((c) => table.cells(c));
  const labelSrc = plan.label >= 0 ? table.cells(plan.label) : null;
  const idSrc = plan.id >= 0 ? table.cells(plan.id) : null;
  const labelCells: Cell[] | null = labelSrc ? [] : null;
  const ids: string[] | null = idSrc ? [] : null;
  let kept = 0, dropped = 0, missingCells = 0;
  rows: for (let r = 0; r < n; r++) {
    const base = kept * f;
    let rowMissing = 0;
    for (let j = 0; j < f; j++) {
      const cell = featureCells[j][r];
      const v = cellNumber(cell);
      if (Number.isNaN(v)) {
        if (plan.missing === 'error') throw badCell(table, plan, r, plan.features[j], cell, false);
        if (plan.missing === 'drop') { dropped++; continue rows; }
        rowMissing++;
      } else if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) {
        throw new Error(`${table.source}: ${table.where(r)}, column ${quote(table.names[plan.features[j]])} is ${quote(String(cell))}, which overflows float32`);
      }
      values[base + j] = v;
    }
    if (labelSrc) {
      const cell = labelSrc[r];
      if (cell === null || (typeof cell === 'string' && cell.trim() === '')) {
        if (plan.missing === 'drop') { dropped++; continue; }
        throw new Error(`${table.source}: ${table.where(r)}, label column ${quote(plan.labelName!)} is empty${plan.missing === 'error' ? ' (--missing drop leaves such rows out)' : ''}`);
      }
      labelCells!.push(typeof cell === 'string' ? cell.trim() : cell);
    }
    if (idSrc) {
      const cell = idSrc[r];
      ids!.push(cell === null ? '' : typeof cell === 'number' ? String(cell) : cell);
    }
    missingCells += rowMissing;
    kept++;
  }
  return { values: kept === n ? values : values.slice(0, kept * f), n: kept, labelCells, ids, dropped, missingCells };
}

/**
 * Label cells to integer labels. Integers stay as they are (class names: none); names become indices into
 * `classNames`: the given ones (a model's, so the same name keeps its index), then any new names in sorted
 * order, so the numbering never depends on row order.
 */
export function labelsFromCells(
  cells: readonly Cell[], where: (i: number) => string, known: readonly string[] | null = null,
): { labels: Int32Array; classNames: string[] | null } {
  const numeric = known === null && cells.every((c) => !Number.isNaN(cellNumber(c)));
  if (numeric) {
    const labels = new Int32Array(cells.length);
    for (let i = 0; i < cells.length; i++) {
      const v = cellNumber(cells[i]);
      if (!Number.isInteger(v) || Math.abs(v) > 2147483647) {
        throw new Error(`${where(i)}: label ${quote(String(cells[i]))} is not an integer; labels must be integers or class names`);
      }
      labels[i] = v;
    }
    return { labels, classNames: null };
  }
  const names = cells.map((c) => String(c));
  const classNames = known ? [...known] : [];
  const index = new Map(classNames.map((name, i) => [name, i]));
  const fresh = [...new Set(names.filter((name) => !index.has(name)))].sort();
  for (const name of fresh) {
    index.set(name, classNames.length);
    classNames.push(name);
  }
  const labels = Int32Array.from(names, (name) => index.get(name)!);
  return { labels, classNames };
}
