/**
 * aekit's public surface: explicit named re-exports only. Anything not exported here is internal.
 * browser.ts holds the part that runs in browsers too (and starts the fastest backend); this adds files,
 * datasets on disk, figures and the model file.
 */
export * from './browser.js';

// figures and their data
export { stackedLossChart, vaeLossChart, vaeManifoldImage, vaeSampleGrid } from './viz/vae.js';
export type { VaeImageOptions } from './viz/vae.js';
export { activationHistogram, activationHistogramSvg, denoisingFigure, histogramBins } from './viz/variants.js';
export type { ActivationHistogramOptions, DenoisingFigureOptions, HistogramBin, HistogramSeries, ImageRow } from './viz/variants.js';

// analysis
export { comparePca, comparePcaChart, comparePcaTable } from './analysis/compare-pca.js';
export type { AutoencoderSetup, CompareInput, ComparePcaOptions, ComparePcaResult, ComparePcaRow } from './analysis/compare-pca.js';
export { decodePca, encodePca, loadPca, savePca } from './io/pca-file.js';
export { evaluateDetector, mnistOneClass, tabularOneClass } from './analysis/anomaly-bench.js';
export type { MnistOneClassOptions, OneClassResult, OneClassSetup, TabularOneClassOptions } from './analysis/anomaly-bench.js';
export { featureComparison, featureComparisonTable, linearProbe } from './analysis/probe.js';
export type { Encoder, FeatureComparisonOptions, FeatureRow, LabelledData, LinearProbeOptions, LinearProbeResult, ProbeSettings } from './analysis/probe.js';
export { confusionMatrixImage, confusionMatrixSpec } from './viz/confusion.js';
export {
  compressImages, compressionReport, compressWithReport, crossCompressionTable, crossDatasetCompression, decompressImages,
  decompressionReport, dequantizeCodes, modelFingerprint, modelId, PNG_BASELINE, pngSizes, quantizeCodes,
} from './analysis/compression.js';
export type { CodecModel, CompressionReport, CompressionReportOptions, CompressOptions, CrossCompressionRow, QuantizedCodes } from './analysis/compression.js';
export { AEKC_MAGIC, AEKC_VERSION, AekcError, decodeAekc, encodeAekc, readAekc, writeAekc } from './io/aekc.js';
export type { AekcFile } from './io/aekc.js';
export { checkAekcHeader } from './io/aekc-header.js';
export type { AekcHeader, AekcModelId } from './io/aekc-header.js';
export { FASHION_CLASSES, fashionMnistDir, loadFashionMnist } from './data/fashion.js';
export { codeMatrix, latentProjection, latentScatter, projectorMetadataTsv, projectorVectorsTsv, writeProjectorTsv } from './analysis/latent.js';
export type { CodeInput, LatentProjection, LatentProjectionOptions, ProjectionMethod } from './analysis/latent.js';
export type { FashionOptions, FashionSplit } from './data/fashion.js';
export type { ConfusionImageOptions } from './viz/confusion.js';
export type { LoadedPca, PcaFileConfig } from './io/pca-file.js';

// data on disk
export * from './data/node.js';
export { encodeParquet, float32Text, TABLE_EXTENSIONS, tableCsv, writeCsvFile, writeNpyFile, writeParquetFile, writeTableFile } from './io/tables.js';
export type { ColumnValues, TableColumn } from './io/tables.js';

// io: model files on disk (their format, encodeModel/decodeModel, comes from browser.ts)
export { loadAnomalyDetector, loadAutoencoder, loadAutoencoderModel, loadModel, loadModelFile, saveModel } from './io/model-file.js';
export { readSafetensors, writeSafetensors } from './io/safetensors-file.js';
export { writeFileAtomic } from './io/atomic.js';
export { CHECKPOINT_FILES, checkpointDir, readCheckpoint } from './io/checkpoint-file.js';
export { importPyTorchFile, writePyTorchExport } from './io/pytorch/files.js';

// figures
export * from './viz/index.js';
export { barChart } from './viz/bars.js';
export type { BarChartOptions } from './viz/bars.js';

