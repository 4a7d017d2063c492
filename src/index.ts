/**
 * aekit's public surface: explicit named re-exports only. Anything not exported here is internal.
 */
// kernels and backends
import { useBackend } from './kernels/select.js';
export { getBackend, listBackends, registerBackend, setBackend } from './kernels/registry.js';
export { BACKEND_CHOICES, useBackend } from './kernels/select.js';
export type { BackendChoice, BackendSelection } from './kernels/select.js';
export { wasmAvailable } from './kernels/wasm/backend.js';
export type { Backend, DType, FloatArray, Kernels } from './kernels/types.js';

// tensors and autograd
export { Tensor, full, ones, scalar, tensor, zeros } from './tensor/tensor.js';
export type { CreateOptions, NestedArray } from './tensor/tensor.js';
export {
  abs, add, compare, concat, div, exp, expand, log, matmul, max, maximum, mul, neg, pad, permute, reshape, sign,
  slice, sqrt, sub, sum, tanh, transpose, where,
} from './tensor/ops.js';
export type { TensorLike } from './tensor/ops.js';
export { Rng } from './tensor/rng.js';
export { backward, detach, grad, gradients, valueAndGrad } from './autograd/backward.js';
export { isGradEnabled, noGrad } from './autograd/mode.js';
export { gradcheck } from './autograd/gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck.js';
export type { Primitive } from './autograd/primitives.js';

// nn
export { asBuffer, asParameter, Module } from './nn/module.js';
export { Dense, Sequential } from './nn/dense.js';
export type { DenseConfig, LayerInitOptions } from './nn/dense.js';
export { activation, ACTIVATIONS, elu, leakyRelu, linear, logSumExp, relu, sigmoid, softmax, softplus } from './nn/activations.js';
export type { ActivationName } from './nn/activations.js';
export { initialize, INITS } from './nn/init.js';
export type { InitName } from './nn/init.js';

// losses
export { bce, bceWithLogits, huber, LOSSES, lossFn, mae, mse } from './losses/losses.js';
export type { LossName, LossOptions } from './losses/losses.js';
export { reduceLoss, REDUCTIONS } from './losses/reduction.js';
export type { Reduction } from './losses/reduction.js';

// optimizers
export { Adam, makeOptimizer, Optimizer, OPTIMIZERS, RMSProp, SGD } from './optim/index.js';
export type { AdamOptions, OptimizerName, OptimizerOptions, ParamSource, RMSPropOptions, SGDOptions } from './optim/index.js';

// models
export { Autoencoder } from './models/autoencoder.js';
export type { AutoencoderConfig, ErrorReduce } from './models/autoencoder.js';

export { Perceptron, TOY_INPUTS, TOY_TARGETS, XOR_TARGETS } from './models/perceptron.js';
export type { PerceptronConfig, PerceptronLoss } from './models/perceptron.js';
export { classesOf, crossEntropyWithLogits, fitSupervised, MLP } from './models/mlp.js';
export type { MLPConfig, SupervisedFitOptions, SupervisedHistory, SupervisedInputs, SupervisedLoss, Targets } from './models/mlp.js';
export { RNNRegressor, slidingWindows } from './models/rnn.js';
export type { RNNRegressorConfig, SequenceInputs } from './models/rnn.js';
export { SOM } from './models/som.js';
export type { SOMConfig, SomDecay, SomFitOptions, SomInit } from './models/som.js';
export { SimpleRNN } from './nn/rnn.js';
export type { SimpleRNNConfig } from './nn/rnn.js';
export { Dropout } from './nn/dropout.js';
export type { DropoutOptions } from './nn/dropout.js';
export { BatchNorm } from './nn/batchnorm.js';
export type { BatchNormConfig } from './nn/batchnorm.js';
export { LSTM } from './nn/lstm.js';
export type { LSTMConfig, LSTMResult } from './nn/lstm.js';
export { RepeatVector, TimeDistributed } from './nn/sequence.js';
export { SequenceAutoencoder } from './models/sequence-autoencoder.js';
export type { SequenceAutoencoderConfig } from './models/sequence-autoencoder.js';
export { noisySines } from './data/sequences.js';
export type { NoisySinesOptions } from './data/sequences.js';
// convolution (NHWC images)
export { Conv2D, Conv2DTranspose } from './nn/conv.js';
export type { Conv2DConfig, Padding } from './nn/conv.js';
export { AvgPool2D, MaxPool2D } from './nn/pool.js';
export type { Pool2DConfig } from './nn/pool.js';
export { Flatten, Reshape, UpSampling2D } from './nn/reshape.js';
export { col2im, conv2d, conv2dFilter, conv2dTranspose, im2col, maxPool, maxUnpool } from './tensor/conv-ops.js';
export type { PatchAttrs } from './autograd/primitives.js';
export { CONV_AE_PRESETS, ConvAutoencoder } from './models/conv-autoencoder.js';
export type { ConvAutoencoderConfig, ConvAutoencoderPreset, ConvStage, LayerSummary } from './models/conv-autoencoder.js';

export { klDivergence, manifoldCodes, normInv, reparameterize, VAE } from './models/vae.js';
export type { VAEConfig, VAEFitOptions, VAEHistory, VAELossTerms } from './models/vae.js';
export { StackedAutoencoder, TiedDense } from './models/stacked.js';
export type { StackedAutoencoderConfig, StackedFitOptions, StackedHistory, StackedStage } from './models/stacked.js';
export { stackedLossChart, vaeLossChart, vaeManifoldImage, vaeSampleGrid } from './viz/vae.js';
export type { VaeImageOptions } from './viz/vae.js';
export { meanActivation, RegularizedAutoencoder, SparseAutoencoder } from './models/sparse.js';
export type { SparseAutoencoderConfig, SparsityOptions } from './models/sparse.js';
export { DenoisingAutoencoder } from './models/denoising.js';
export type { DenoisingAutoencoderConfig, DenoisingReport } from './models/denoising.js';
export { ContractiveAutoencoder } from './models/contractive.js';
export type { ContractiveAutoencoderConfig } from './models/contractive.js';
export { addNoise, checkNoiseSpec, gaussianNoise, makeCorruption, maskingNoise, NOISE_TYPES, saltAndPepperNoise } from './data/noise.js';
export type { Corruption, NoiseSpec } from './data/noise.js';
export { imageQuality, meanSquaredError, perImageMse, perImagePsnr, perImageSsim, psnr, psnrFromMse, ssim } from './analysis/metrics.js';
export type { ImageBatch, ImageQuality, MetricOptions, SsimOptions } from './analysis/metrics.js';
export { activationHistogram, activationHistogramSvg, denoisingFigure, histogramBins } from './viz/variants.js';
export type { ActivationHistogramOptions, DenoisingFigureOptions, HistogramBin, HistogramSeries, ImageRow } from './viz/variants.js';
// Let loadModel rebuild the variants' files.
import './models/vae-register.js';
import './models/variants-register.js';
import './models/sequence-register.js';

// analysis
export { PCA } from './analysis/pca.js';
export { orthonormalBasis, principalAngles, principalAnglesDegrees } from './analysis/subspace.js';
export { comparePca, comparePcaChart, comparePcaTable } from './analysis/compare-pca.js';
export type { PcaFitOptions, PcaInput, PcaMethod, PcaState } from './analysis/pca.js';
export type { AutoencoderSetup, CompareInput, ComparePcaOptions, ComparePcaResult, ComparePcaRow } from './analysis/compare-pca.js';
export { decodePca, encodePca, loadPca, savePca } from './io/pca-file.js';
export { averagePrecision, prAuc, quantileSorted, rocAuc, rocCurve, sortedCopy, thresholdFromScores } from './analysis/auc.js';
export type { Labels, RocCurve, ThresholdStrategy } from './analysis/auc.js';
export { AnomalyDetector, Scaler } from './analysis/anomaly.js';
export type { AnomalyDetectorConfig, AnomalyDetectorOptions, DetectorFitOptions, ReconstructingModel } from './analysis/anomaly.js';
// Also registers the 'AnomalyDetector' model kind, so loadModel reads detector files.
export { loadAnomalyDetector, registerDetectorBase } from './analysis/anomaly-register.js';
export { evaluateDetector, mnistOneClass, tabularOneClass } from './analysis/anomaly-bench.js';
export type { MnistOneClassOptions, OneClassResult, OneClassSetup, TabularOneClassOptions } from './analysis/anomaly-bench.js';
export { featureComparison, featureComparisonTable, linearProbe } from './analysis/probe.js';
export type { Encoder, FeatureComparisonOptions, FeatureRow, LabelledData, LinearProbeOptions, LinearProbeResult, ProbeSettings } from './analysis/probe.js';
export { accuracyScore, confusionMatrix, ReconstructionClassifier } from './analysis/classify.js';
export type { ClassificationReport, ClassifierFitOptions, ReconstructionClassifierOptions } from './analysis/classify.js';
export { confusionMatrixImage, confusionMatrixSpec } from './viz/confusion.js';
export {
  compressImages, compressionReport, compressWithReport, crossCompressionTable, crossDatasetCompression, decompressImages,
  decompressionReport, dequantizeCodes, modelFingerprint, modelId, PNG_BASELINE, pngSizes, quantizeCodes,
} from './analysis/compress.js';
export type { CodecModel, CompressionReport, CompressionReportOptions, CompressOptions, CrossCompressionRow, QuantizedCodes } from './analysis/compress.js';
export { AEKC_MAGIC, AEKC_VERSION, AekcError, checkAekcHeader, decodeAekc, encodeAekc, readAekc, writeAekc } from './io/aekc.js';
export type { AekcFile, AekcHeader, AekcModelId } from './io/aekc.js';
export { FASHION_CLASSES, fashionMnistDir, loadFashionMnist } from './data/fashion.js';
export { codeMatrix, latentProjection, latentScatter, projectorMetadataTsv, projectorVectorsTsv, writeProjectorTsv } from './analysis/latent.js';
export type { CodeInput, LatentProjection, LatentProjectionOptions, ProjectionMethod } from './analysis/latent.js';
export { borderMean, checkGrayImage, fitSquare, grayToRaster, padToSquare, resizeArea, squareSide, upscaleNearest } from './viz/resize.js';
export type { GrayImage } from './viz/resize.js';
export { escapeHtml, pngDataUri, renderReport } from './viz/report.js';
export type { ReportBlock, ReportSection, ReportSpec } from './viz/report.js';
export type { FashionOptions, FashionSplit } from './data/fashion.js';
export type { ConfusionImageOptions } from './viz/confusion.js';
export type { LoadedPca, PcaFileConfig } from './io/pca-file.js';

// training
export { evaluateLoss, fit } from './train/fit.js';
export type { FitOptions, History, LossFunction, StepContext } from './train/fit.js';
export { EarlyStopping } from './train/callbacks.js';
export type { BatchEnd, Callback, EarlyStoppingOptions, EpochEnd, TrainControl } from './train/callbacks.js';

// data
export * from './data/index.js';
export type { Inputs } from './data/inputs.js';

// io
export { decodeModel, encodeModel, loadAutoencoder, loadModel, loadModelFile, registerModelKind, saveModel } from './io/model-file.js';
export type { LoadedModel, ModelHeader, SavableModel } from './io/model-file.js';
export { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from './io/safetensors.js';
export { writeFileAtomic } from './io/atomic.js';
export type { SafeDType, SafeTensor } from './io/safetensors.js';

// figures
export * from './viz/index.js';

// The library starts on the fastest backend this runtime has (wasm SIMD, one thread per core), or the reference
// kernels where it has none; useBackend({ backend: 'ref' }) or AEKIT_BACKEND=ref switches back.
useBackend();
