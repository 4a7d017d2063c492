/**
 * The .aekc header (the file's bytes are aekc.ts): which model made the codes and what the samples were, and the
 * checks that hold every field to it. Apart from the framing because this is the part callers build and read
 * (analysis/compress.ts fills one in, decompression rebuilds samples from it) while only aekc.ts touches bytes;
 * a version 1 header is upgraded here, so every reader sees one form.
 *
 * Header (every field required unless marked optional; unknown fields are rejected):
 *   { "model": { "sha256": 64 hex digits,   the model's fingerprint (analysis/compress.ts modelFingerprint:
 *                                            SHA-256 of its kind, config and weights)
 *                "kind": "ConvAutoencoder", "layers": its architecture() line,
 *                "inputDim": values per sample, "latentDim": values per code (a 4x4x8 feature map: 128) },
 *     "n": samples, "dim": code values per sample (= model.latentDim),
 *     "data": { "kind": "image" | "tabular" | "sequence",
 *               "sampleShape": [h, w, c] | [features] | [steps, features]   its product is model.inputDim,
 *               "valueRange"?: [lo, hi]       the data's fixed range ([0, 255] for 8-bit images),
 *               "featureNames"?: [...]        one per feature, when they are not the model file's own,
 *               "idColumn"?: "name" }         the name of the ids' column in the source table,
 *     "quantization": "uint8-minmax",
 *     "samplesSha256"?: 64 hex digits         SHA-256 of the model inputs' float32 values (lets a reader check it
 *                                            has the same originals before comparing against them),
 *     "ids"?: true                            an ids section follows the codes,
 *     "source"?: { string: string | number | string[] }   free-form: where the samples came from }
 *
 * Version 1 files (every MNIST-era file) are still read: their "imageShape" [h, w] (grey images of 8-bit
 * pixels, stored as [0, 1] model inputs) becomes data { kind: 'image', sampleShape: [h, w, 1], valueRange:
 * [0, 255] } and "imagesSha256" becomes samplesSha256; the reader returns every file in the version 2 form.
 */
import type { AekitErrorCode } from '../errors.js';

export const AEKC_QUANTIZATION = 'uint8-minmax';
export const AEKC_DATA_KINDS = ['image', 'tabular', 'sequence'] as const;
export type AekcDataKind = (typeof AEKC_DATA_KINDS)[number];

export interface AekcModelId {
  sha256: string;
  kind: string;
  layers: string;
  inputDim: number;
  latentDim: number;
}

/** What the compressed samples are. */
export interface AekcData {
  kind: AekcDataKind;
  sampleShape: number[];
  valueRange?: [number, number];
  featureNames?: string[];
  idColumn?: string;
}

export interface AekcHeader {
  model: AekcModelId;
  n: number;
  dim: number;
  data: AekcData;
  quantization: typeof AEKC_QUANTIZATION;
  samplesSha256?: string;
  /** True when the file carries one id per sample (AekcFile.ids). */
  ids?: true;
  source?: Record<string, string | number | string[]>;
}

export type Fail = (m: string, code?: AekitErrorCode) => never;

const HEX64 = /^[0-9a-f]{64}$/;

export function show(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'undefined' : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], where: string, fail: Fail): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where} has an unknown field ${show(k)}`);
}

function checkModel(m: unknown, fail: Fail): AekcModelId {
  if (!isObject(m)) return fail(`header.model must be an object, got ${show(m)}`);
  checkKeys(m, ['sha256', 'kind', 'layers', 'inputDim', 'latentDim'], 'header.model', fail);
  if (typeof m.sha256 !== 'string' || !HEX64.test(m.sha256)) fail(`header.model.sha256 must be 64 lowercase hex digits, got ${show(m.sha256)}`);
  if (typeof m.kind !== 'string' || m.kind === '') fail(`header.model.kind must be a non-empty string, got ${show(m.kind)}`);
  if (typeof m.layers !== 'string') fail(`header.model.layers must be a string, got ${show(m.layers)}`);
  if (!posInt(m.inputDim)) fail(`header.model.inputDim must be a positive integer, got ${show(m.inputDim)}`);
  if (!posInt(m.latentDim)) fail(`header.model.latentDim must be a positive integer, got ${show(m.latentDim)}`);
  return { sha256: m.sha256 as string, kind: m.kind as string, layers: m.layers as string, inputDim: m.inputDim as number, latentDim: m.latentDim as number };
}

/** n and dim, checked against the model and each other. */
function checkCounts(h: Record<string, unknown>, model: AekcModelId, fail: Fail): { n: number; dim: number } {
  const { n, dim } = h;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`header.n must be a non-negative integer, got ${show(n)}`);
  if (!posInt(dim)) fail(`header.dim must be a positive integer, got ${show(dim)}`);
  if (dim !== model.latentDim) fail(`header.dim ${show(dim)} differs from the model's latentDim ${show(model.latentDim)}`);
  if (!Number.isSafeInteger((n as number) * (dim as number))) fail(`header.n ${show(n)} x header.dim ${show(dim)} is too large`, 'E_TOO_LARGE');
  return { n: n as number, dim: dim as number };
}

function checkShape(shape: unknown, what: string, inputDim: number, fail: Fail): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every(posInt)) fail(`${what} must be a non-empty array of positive integers, got ${show(shape)}`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (size !== inputDim) fail(`${what} ${show(shape)} holds ${size} values but the model's inputDim is ${inputDim}`);
  return [...(shape as number[])];
}

function checkData(d: unknown, inputDim: number, fail: Fail): AekcData {
  if (!isObject(d)) return fail(`header.data must be an object, got ${show(d)}`);
  checkKeys(d, ['kind', 'sampleShape', 'valueRange', 'featureNames', 'idColumn'], 'header.data', fail);
  if (!(AEKC_DATA_KINDS as readonly unknown[]).includes(d.kind)) fail(`header.data.kind must be one of ${AEKC_DATA_KINDS.join(', ')}, got ${show(d.kind)}`);
  const kind = d.kind as AekcDataKind;
  const sampleShape = checkShape(d.sampleShape, 'header.data.sampleShape', inputDim, fail);
  const rank = { image: 3, sequence: 2, tabular: 1 }[kind];
  if (sampleShape.length !== rank) fail(`header.data.sampleShape ${show(sampleShape)} is not the shape of ${kind} samples (${rank} axes)`);
  const out: AekcData = { kind, sampleShape };
  if (d.valueRange !== undefined) {
    const r = d.valueRange;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
      fail(`header.data.valueRange must be [lo, hi] with finite lo < hi, got ${show(r)}`);
    }
    out.valueRange = [(r as number[])[0], (r as number[])[1]];
  }
  if (d.featureNames !== undefined) {
    const f = d.featureNames;
    const features = sampleShape[sampleShape.length - 1];
    if (kind === 'image') fail('header.data.featureNames are for tables and sequences, not images');
    if (!Array.isArray(f) || f.length !== features || !f.every((s) => typeof s === 'string')) {
      fail(`header.data.featureNames must be ${features} strings (one per feature), got ${show(f)}`);
    }
    out.featureNames = [...(f as string[])];
  }
  if (d.idColumn !== undefined) {
    if (typeof d.idColumn !== 'string' || d.idColumn === '') fail(`header.data.idColumn must be a non-empty string, got ${show(d.idColumn)}`);
    out.idColumn = d.idColumn as string;
  }
  return out;
}

function checkSource(source: unknown, fail: Fail): Record<string, string | number | string[]> {
  if (!isObject(source)) return fail(`header.source must be an object, got ${show(source)}`);
  for (const [k, v] of Object.entries(source)) {
    const ok = typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    if (!ok) fail(`header.source.${k} must be a string, a finite number or a list of strings, got ${show(v)}`);
  }
  return JSON.parse(JSON.stringify(source)) as Record<string, string | number | string[]>;
}

function checkSha(v: unknown, what: string, fail: Fail): string {
  if (typeof v !== 'string' || !HEX64.test(v)) fail(`${what} must be 64 lowercase hex digits, got ${show(v)}`);
  return v as string;
}

/** Checks a version 2 header object field by field; returns it typed. `fail` prefixes the file name. */
export function checkAekcHeader(h: unknown, fail: Fail): AekcHeader {
  if (!isObject(h)) return fail('header must be a JSON object');
  checkKeys(h, ['model', 'n', 'dim', 'data', 'quantization', 'samplesSha256', 'ids', 'source'], 'header', fail);
  const model = checkModel(h.model, fail);
  const { n, dim } = checkCounts(h, model, fail);
  const data = checkData(h.data, model.inputDim, fail);
  if (h.quantization !== AEKC_QUANTIZATION) fail(`header.quantization must be ${show(AEKC_QUANTIZATION)}, got ${show(h.quantization)}`);
  if (h.ids !== undefined && h.ids !== true) fail(`header.ids must be true when present, got ${show(h.ids)}`);
  const out: AekcHeader = { model, n, dim, data, quantization: AEKC_QUANTIZATION };
  if (h.samplesSha256 !== undefined) out.samplesSha256 = checkSha(h.samplesSha256, 'header.samplesSha256', fail);
  if (h.ids === true) out.ids = true;
  if (h.source !== undefined) out.source = checkSource(h.source, fail);
  return out;
}

/** A version 1 header (grey 8-bit images as [0, 1] inputs), checked as version 1 was, in the version 2 form. */
export function upgradeV1Header(h: unknown, fail: Fail): AekcHeader {
  if (!isObject(h)) return fail('header must be a JSON object');
  checkKeys(h, ['model', 'n', 'dim', 'imageShape', 'quantization', 'imagesSha256', 'source'], 'header', fail);
  const model = checkModel(h.model, fail);
  const { n, dim } = checkCounts(h, model, fail);
  const shape = checkShape(h.imageShape, 'header.imageShape', model.inputDim, fail);
  if (h.quantization !== AEKC_QUANTIZATION) fail(`header.quantization must be ${show(AEKC_QUANTIZATION)}, got ${show(h.quantization)}`);
  if (shape.length > 3 || (shape.length === 3 && ![1, 3, 4].includes(shape[2]))) fail(`header.imageShape ${show(shape)} is not an image shape`);
  // Version 1 wrote [h, w] for grey images (every file 'aekit compress' made: MNIST, Fashion-MNIST); the library
  // could also record [h, w, c] or one flat axis, which was rows of values.
  const data: AekcData = shape.length === 1 ? { kind: 'tabular', sampleShape: shape }
    : { kind: 'image', sampleShape: shape.length === 2 ? [...shape, 1] : shape, valueRange: [0, 255] };
  const out: AekcHeader = { model, n, dim, data, quantization: AEKC_QUANTIZATION };
  if (h.imagesSha256 !== undefined) out.samplesSha256 = checkSha(h.imagesSha256, 'header.imagesSha256', fail);
  if (h.source !== undefined) out.source = checkSource(h.source, fail);
  return out;
}
