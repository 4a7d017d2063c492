/**
 * The part of aekit's public surface that runs in browsers as well as Node (package export 'aekit/browser'):
 * the engine (tensors, autograd, kernels with the wasm backend and its worker pool), layers, losses,
 * optimizers, the models and their training loop, metrics, PCA and the anomaly detector. Nothing here imports
 * a Node built-in (test/browser checks by bundling this file for the browser); files, datasets on disk,
 * figures and the model file reader are in the full entry (index.ts), which re-exports all of this.
 *
 * In a browser the wasm backend needs a cross-origin isolated page (COOP/COEP headers) for its shared memory;
 * its threads are Web Workers, and training belongs in a Worker of your own so the page stays responsive.
 */
// kernels and backends
import { useBackend } from './kernels/select.js';
export { getBackend, inArena, listBackends, registerBackend, setBackend } from './kernels/registry.js';
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
export type { RngState } from './tensor/rng.js';
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
export type { AdamOptions, OptimizerName, OptimizerOptions, OptimizerState, ParamSource, RMSPropOptions, SGDOptions } from './optim/index.js';

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
export type { LogLikelihoodOptions } from './models/vae-likelihood.js';
export { StackedAutoencoder, TiedDense } from './models/stacked.js';
export type { StackedAutoencoderConfig, StackedFitOptions, StackedHistory, StackedStage } from './models/stacked.js';
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

// analysis
export { PCA } from './analysis/pca.js';
export { orthonormalBasis, principalAngles, principalAnglesDegrees } from './analysis/subspace.js';
export type { PcaFitOptions, PcaInput, PcaMethod, PcaState } from './analysis/pca.js';
export { averagePrecision, prAuc, quantileSorted, rocAuc, rocCurve, sortedCopy, thresholdFromScores } from './analysis/auc.js';
export type { Labels, RocCurve, ThresholdStrategy } from './analysis/auc.js';
export { AnomalyDetector, Scaler } from './analysis/anomaly.js';
export type { AnomalyDetectorConfig, AnomalyDetectorOptions, DetectorFitOptions } from './analysis/anomaly.js';
export { accuracyScore, confusionMatrix, ReconstructionClassifier } from './analysis/classify.js';
export type { ClassificationReport, ClassifierFitOptions, ReconstructionClassifierOptions } from './analysis/classify.js';
export { borderMean, checkGrayImage, fitSquare, grayToRaster, padToSquare, resizeArea, squareSide, upscaleNearest } from './viz/resize.js';
export type { GrayImage } from './viz/resize.js';
export { escapeHtml, pngDataUri, renderReport } from './viz/report.js';
export type { ReportBlock, ReportSection, ReportSpec } from './viz/report.js';

// training
export { evaluateLoss, fit } from './train/fit.js';
export type { FitData, FitOptions, History, LossFunction, StepContext } from './train/fit.js';
export { batchEnd, EarlyStopping } from './train/callbacks.js';
export type { BatchEnd, Callback, EarlyStoppingOptions, EarlyStoppingState, EpochEnd, TrainControl } from './train/callbacks.js';
export { CHECKPOINT_FORMAT } from './train/checkpoint.js';
export type { Checkpoint, CheckpointName, CheckpointOptions, CheckpointPosition, CheckpointScope, CheckpointStore, SpecValue } from './train/checkpoint.js';
// checkpoints as bytes (one safetensors file), a store in memory, and the model a checkpoint holds
export { CHECKPOINT_KEY, decodeCheckpoint, encodeCheckpoint, memoryCheckpointStore, modelFromCheckpoint } from './io/checkpoint.js';
export type { Inputs } from './data/inputs.js';

// the model file's format, on bytes (a file a page was given): weights, config, data info, preprocessing
export { AEKIT_FORMAT, decodeAutoencoderModel, decodeModel, encodeModel, parseHeader } from './io/model-codec.js';
export type { LoadedModel, ModelExtras, ModelHeader, SavableModel } from './io/model-codec.js';
export { autoencoderKinds, isAutoencoderModel, modelKind, registerModelKind } from './io/kinds.js';
export type { ModelKind } from './io/kinds.js';
export { AEKIT_ERROR_CODES, AekitError } from './errors.js';
export type { AekitErrorCode } from './errors.js';
export { decodeSafetensors, encodeSafetensors, SafetensorsError } from './io/safetensors.js';
export type { SafeDType, SafeTensor } from './io/safetensors.js';
// PyTorch in and out, on bytes: model.py + a state dict with PyTorch's names, and back to a model file
export { fromPyTorch, PYTORCH_KINDS, PYTORCH_METADATA_KEY, toPyTorch } from './io/pytorch/index.js';
export type { PyTorchExport, PyTorchExtras, PyTorchMetadata } from './io/pytorch/index.js';
export { exportOnnx, ONNX_PARTS, onnxParts } from './io/onnx/index.js';
export type { ExportableModel, OnnxExportOptions, OnnxPart } from './io/onnx/index.js';

// data: datasets, parsers of bytes and text, column selection, preprocessing
export * from './data/index.js';
export { shapeSize } from './models/model.js';
export type { AutoencoderModel } from './models/model.js';


// The library starts on the fastest backend this runtime has (wasm SIMD, one thread per core), or the reference
// kernels where it has none; useBackend({ backend: 'ref' }) or AEKIT_BACKEND=ref switches back.
useBackend();
