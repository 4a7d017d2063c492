/** PyTorch in and out, browser-safe part (files.ts adds the Node file functions). */
export { fromPyTorch, toPyTorch } from './codec.js';
export type { PyTorchExport, PyTorchExtras } from './codec.js';
export { PYTORCH_KINDS, torchSpecs } from './layout.js';
export type { PyTorchKind, TorchLayout, TorchTensorSpec } from './layout.js';
export { parsePyTorchMetadata, PYTORCH_FORMAT, PYTORCH_METADATA_KEY } from './metadata.js';
export type { PyTorchMetadata } from './metadata.js';
