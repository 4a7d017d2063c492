/**
 * Compression with an autoencoder (seeds 000/001/004: "data-specific and lossy"): a sample (an image, a table
 * row, a sequence) is stored as its code h = f(x), each code value quantized to one byte (quantize.ts), and
 * rebuilt as g(h') from the dequantized code h'. Any autoencoder kind compresses, through AutoencoderModel
 * only: a dense code is `latentDim` values, a conv code its feature map [h, w, c] taken flat.
 * The file (io/aekc.ts) holds a small JSON header, 8 bytes per code value for min/max, n * dim code bytes and
 * the samples' ids if any, so bytes per sample -> dim (+ the id) as n grows. What it is measured by (the
 * error in the data's units, the baselines) is compress-report.ts.
 *
 * The library's defaults follow how aekit feeds data: without `preprocessing`, image inputs are the 8-bit data
 * scaled to [0, 1] (Preprocessing.scaleBy(255), value range [0, 255]) and anything else is fed as it is.
 *
 * The file names the model that made it by a fingerprint, modelFingerprint(): SHA-256 over the model's kind,
 * its config (as canonical JSON) and every weight's name, dtype, shape and little-endian bytes. It does not
 * depend on how the model was saved (training notes in the file header do not count), so the model read back
 * from its file matches the in-memory model that compressed the samples, and any other model is refused.
 */
import { createHash } from 'node:crypto';
import type { Inputs } from '../data/inputs.js';
import type { AekcFile } from '../io/aekc.js';
import { AEKC_QUANTIZATION, type AekcHeader, type AekcModelId } from '../io/aekc-header.js';
import { type AutoencoderModel, shapeSize } from '../models/model.js';
import { type Tensor, tensor } from '../tensor/tensor.js';
import { checkSamples, type CompressOptions, littleEndianBytes, readSamples, resolveData, type Samples, valuesSha256 } from './compress-samples.js';
import { dequantizeCodes, quantizeCodes } from './quantize.js';

/** What compression needs of a model: any autoencoder kind (the one interface, models/model.ts). */
export type CodecModel = AutoencoderModel;

// ---------------------------------------------------------------------------------------------------------------
// model identity

/** JSON with object keys sorted at every level (undefined members dropped, as JSON.stringify does). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** SHA-256 (hex) of the model's kind, config and weights: equal for a model and the same model read back from its file. */
export function modelFingerprint(model: CodecModel): string {
  const { kind, config } = model.modelConfig();
  const h = createHash('sha256');
  h.update(`aekit-model-fingerprint/1\n${kind}\n${canonicalJson(config)}\n`);
  const named = [...model.namedTensors()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, t] of named) {
    h.update(`${name}\n${t.dtype}\n${t.shape.join(',')}\n`);
    h.update(littleEndianBytes(t.toTypedArray() as Float32Array | Float64Array));
  }
  return h.digest('hex');
}

/** The identification an .aekc header carries for `model` (sizes are values per sample and per code, flat). */
export function modelId(model: CodecModel): AekcModelId {
  return {
    sha256: modelFingerprint(model), kind: model.modelConfig().kind, layers: model.architecture(),
    inputDim: shapeSize(model.inputShape), latentDim: shapeSize(model.codeShape),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// compress / decompress

/** The first 12 hex digits of a fingerprint, for messages. */
export function short(sha: string): string {
  return sha.slice(0, 12);
}

/** The file of `s` and the float codes it quantized (compress-report.ts measures against both). */
export function compressValues(model: CodecModel, s: Samples, opts: CompressOptions): { file: AekcFile; codes: Float32Array | Float64Array } {
  const { n } = s;
  const dim = shapeSize(model.codeShape);
  const h = model.encode(tensor(s.values, [n, ...model.inputShape]));
  if (h.shape[0] !== n || h.size !== n * dim) throw new Error(`compress: the model's encode gave shape [${h.shape.join(', ')}], expected [${n}, ${model.codeShape.join(', ')}]`);
  const codes = h.toTypedArray() as Float32Array | Float64Array;
  const q = quantizeCodes(codes, n, dim);
  const ids = opts.ids !== undefined ? opts.ids : s.ids;
  if (ids && ids.length !== n) throw new Error(`compress: ${ids.length} ids for ${n} samples`);
  const header: AekcHeader = {
    model: modelId(model), n, dim, data: resolveData(model, s, opts), quantization: AEKC_QUANTIZATION, samplesSha256: valuesSha256(s.values),
  };
  if (ids) header.ids = true;
  if (opts.source) header.source = JSON.parse(JSON.stringify(opts.source)) as AekcHeader['source'];
  return { file: { header, min: q.min, max: q.max, codes: q.bytes, ids: ids ? [...ids] : null }, codes };
}

/** Encodes `samples` (model inputs) with the model and quantizes the codes: the contents of an .aekc file. */
export function compressSamples(model: CodecModel, samples: Inputs, opts: CompressOptions = {}): AekcFile {
  const s = readSamples(samples);
  checkSamples(model, s, 'compress');
  return compressValues(model, s, opts).file;
}

/** compressSamples under its older name. */
export const compressImages = compressSamples;

/**
 * Decodes the samples of a compressed batch: the model's outputs [n, ...] (model units). Throws, naming the
 * file, when `model` is not the model that compressed them (fingerprints differ).
 */
export function decompressSamples(model: CodecModel, file: AekcFile): Tensor {
  const where = file.origin ?? 'compressed codes';
  const want = file.header.model;
  const have = modelId(model);
  if (have.sha256 !== want.sha256) {
    throw new Error(`${where}: compressed by another model (${want.kind} ${want.layers}, fingerprint ${short(want.sha256)}), ` +
      `not by this one (${have.kind} ${have.layers}, fingerprint ${short(have.sha256)}): decompress with the model that compressed it`);
  }
  const { n, dim } = file.header;
  if (n === 0) return tensor(new Float32Array(0), [0, ...model.inputShape]);
  const codes = dequantizeCodes({ bytes: file.codes, min: file.min, max: file.max }, n, dim);
  return model.decode(tensor(codes, [n, ...model.codeShape]));
}

/** decompressSamples under its older name. */
export const decompressImages = decompressSamples;
