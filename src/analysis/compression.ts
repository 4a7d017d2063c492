/**
 * Compression by autoencoder codes, in one import: compress.ts (files of codes and back), quantize.ts (8-bit
 * codes), compress-report.ts (what it costs and loses, against baselines), compress-baselines.ts,
 * compress-cross.ts (models across data sets). Those files import each other directly, never this one.
 */
export * from './compress.js';
export { dequantizeCodes, quantizeCodes, type QuantizedCodes } from './quantize.js';
export { CSV_BASELINE, PNG_BASELINE, shortestFloat32 } from './compress-baselines.js';
export type { CompressData, CompressOptions } from './compress-samples.js';
export {
  type Baselines, baselinesOf, type CompressionReport, type CompressionReportOptions, compressionReport, compressWithReport,
  decompressionReport, pngSizes,
} from './compress-report.js';
export { crossCompressionTable, crossDatasetCompression, type CrossCompressionRow } from './compress-cross.js';

