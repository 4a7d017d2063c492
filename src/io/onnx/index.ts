/** ONNX export (browser-safe): an aekit model, with its preprocessing, as ONNX ModelProto bytes. See export.ts. */
export { exportOnnx, ONNX_PARTS, onnxParts } from './export.js';
export type { ExportableModel, OnnxExportOptions, OnnxPart } from './export.js';
