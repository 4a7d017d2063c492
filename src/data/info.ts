/**
 * What is known about a data set besides its numbers: its kind, the shape of one sample, the names of its
 * features or the size of its images, its class names, and how its columns were chosen. Readers fill it in;
 * the model file keeps it (io/model-file.ts), so a later command reads new data the way the model was trained:
 * the same columns by name, the same image size, the same class numbering.
 */

export type DataKind = 'tabular' | 'image' | 'sequence';
export const DATA_KINDS: readonly DataKind[] = ['tabular', 'image', 'sequence'];

export interface DataInfo {
  kind: DataKind;
  /** One sample: [features] (tabular), [height, width, channels] (image, NHWC), [timesteps, features] (sequence). */
  sampleShape: number[];
  /** What the data is: 'mnist', 'readings.csv', a folder. */
  source: string;
  /** Tabular and sequence data: one name per feature (per time step for sequences). */
  featureNames: string[] | null;
  /** Class names, indexed by label; null when labels are plain integers (or absent). */
  classNames: string[] | null;
  /** The range of the source's values when it is fixed by its type: [0, 255] for 8-bit images. */
  valueRange: [number, number] | null;
  /** How a table's columns were chosen (so later commands choose the same ones from new files). */
  columns: { label: string | null; id: string | null; features: string[] } | null;
  /** Sequences cut from a table: window length and stride, in rows. */
  window: { size: number; stride: number } | null;
}

/** Values per sample. */
export function sampleSizeOf(info: Pick<DataInfo, 'sampleShape'>): number {
  return info.sampleShape.reduce((a, b) => a * b, 1);
}

/** "28x28x1 images", "12 features", "30 steps x 2 features", for messages. */
export function describeData(info: Pick<DataInfo, 'kind' | 'sampleShape'>): string {
  const s = info.sampleShape;
  if (info.kind === 'image') return `${s[1]}x${s[0]} ${s[2] === 1 ? 'grey' : s[2] === 3 ? 'RGB' : `${s[2]}-channel`} images`;
  if (info.kind === 'sequence') return `sequences of ${s[0]} steps x ${s[1]} feature${s[1] === 1 ? '' : 's'}`;
  return `rows of ${s[0]} feature${s[0] === 1 ? '' : 's'}`;
}

/** Features per position: the axis preprocessing works along (a table's columns, a sequence's features, an image's channels). */
export function featureAxis(info: Pick<DataInfo, 'kind' | 'sampleShape'>): number {
  return info.sampleShape[info.sampleShape.length - 1];
}

/** Checks a DataInfo read back from a file (every field; a bad file fails here, naming the field). */
export function checkDataInfo(v: unknown, source: string): DataInfo {
  const fail = (what: string): never => { throw new Error(`${source}: data info: ${what}`); };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('not an object');
  const o = v as Record<string, unknown>;
  if (!DATA_KINDS.includes(o.kind as DataKind)) fail(`unknown kind ${JSON.stringify(o.kind)}`);
  const shape = o.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) fail('sampleShape must be positive integers');
  const strings = (x: unknown, what: string): string[] | null => {
    if (x === null || x === undefined) return null;
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) return fail(`${what} must be a list of strings`);
    return x as string[];
  };
  const range = o.valueRange;
  if (range !== null && range !== undefined && !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite))) fail('valueRange must be [lo, hi]');
  const cols = o.columns as DataInfo['columns'] | undefined;
  if (cols !== null && cols !== undefined) {
    if (typeof cols !== 'object' || !Array.isArray(cols.features)) fail('columns must be { label, id, features }');
  }
  const win = o.window as DataInfo['window'] | undefined;
  if (win !== null && win !== undefined && !(Number.isSafeInteger(win.size) && Number.isSafeInteger(win.stride))) fail('window must be { size, stride }');
  return {
    kind: o.kind as DataKind,
    sampleShape: [...(shape as number[])],
    source: typeof o.source === 'string' ? o.source : '',
    featureNames: strings(o.featureNames, 'featureNames'),
    classNames: strings(o.classNames, 'classNames'),
    valueRange: (range as [number, number] | undefined) ?? null,
    columns: cols ? { label: cols.label ?? null, id: cols.id ?? null, features: strings(cols.features, 'columns.features')! } : null,
    window: win ?? null,
  };
}
