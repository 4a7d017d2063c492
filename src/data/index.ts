/**
 * The data layer's browser-safe surface (nothing here imports a Node built-in): datasets, batching, the
 * seeded test split, the parsers that work on bytes or text (CSV, NumPy, Parquet, ImageData), column
 * selection, preprocessing (with each kind's default) and DataInfo. Files and folders on disk (openData and the file readers) are in node.ts.
 */
export { Dataset, batchIndices, splitValidation } from './dataset.js';
export type { SampleStore } from './dataset.js';
export { EmptySplitError, randomSplit } from './split.js';
export { looksLikeHeader, parseCsv, parseCsvTable } from './csv.js';
export type { CsvOptions, CsvTableOptions } from './csv.js';
export { cellNumber, labelsFromCells, MISSING_POLICIES, planColumns, takeRows } from './select.js';
export type { ColumnOptions, ColumnPlan, MissingPolicy, TakenRows } from './select.js';
export { columnTable, defaultColumnNames } from './table.js';
export type { Cell, ColumnTable, TableReader } from './table.js';
export { checkDataInfo, DATA_KINDS, describeData, featureAxis, sampleSizeOf } from './info.js';
export type { DataInfo, DataKind } from './info.js';
export { fitPreprocessing, Preprocessing, PREPROCESS_METHODS, preprocessFor, PreprocessStats } from './preprocess.js';
export type { PreprocessingState, PreprocessMethod } from './preprocess.js';
export { arraySamples, cutWindows, imageSamples, inferKind, npzSamples, tableSamples } from './samples.js';
export type { DataSource, NpzOptions, SampleOptions } from './samples.js';
export { encodeNpy, NpyError, parseNpy, parseNpyHeader } from './npy.js';
export { parseNpz } from './npz.js';
export type { NpyArray, NpyData, NpyDType, NpyHeader } from './npy.js';
export { parquetTableReader, readParquetTable } from './parquet.js';
export type { AsyncBuffer } from './parquet.js';
export { fromImageData, toChannels } from './image-pixels.js';
export type { Image8 } from './image-pixels.js';
export { DEFAULT_SHUFFLE_BUFFER, fitStreamPreprocessing, StreamedData, subsetStream, tableStream, windowsOf } from './stream.js';
export type { SampleStream } from './stream.js';
// Ruff et al. 2018's one-class preprocessing (per-sample contrast normalization, then the normal class's range).
export { globalContrastNormalize, minMaxScale, oneClassContrast } from './contrast.js';
export type { ContrastNorm } from './contrast.js';
