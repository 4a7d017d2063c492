/**
 * The fuzzing harness shared by the bounded runs in `npm test` (test/fuzz/*.test.ts) and the long run
 * (scripts/fuzz.ts): every reader of a file format, a few valid files of each, and the inputs fast-check makes
 * from them. The property (issue #12 item 7): whatever the bytes, a reader returns a result or throws an
 * AekitError with one of the documented codes, within a second of CPU time, without allocating more than a
 * small multiple of the input's size.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { PCA } from '../../src/analysis/pca.js';
import { parseCsv } from '../../src/data/csv.js';
import { decodeIdx } from '../../src/data/idx.js';
import { decodeImage } from '../../src/data/image-folder.js';
import { crc32 } from '../../src/data/crc32.js';
import { encodeNpy, parseNpy } from '../../src/data/npy.js';
import { parseNpz } from '../../src/data/npz.js';
import { readParquetTable } from '../../src/data/parquet.js';
import { AEKIT_ERROR_CODES, AekitError } from '../../src/errors.js';
import { decodeAekc, encodeAekc } from '../../src/io/aekc.js';
import { CHECKPOINT_KEY, decodeCheckpoint, memoryCheckpointStore } from '../../src/io/checkpoint.js';
import { decodeModel, encodeModel, tensorsCrc32 } from '../../src/io/model-codec.js';
import { decodePca, encodePca } from '../../src/io/pca-file.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { encodeParquet } from '../../src/io/tables.js';
import { Autoencoder } from '../../src/models/autoencoder.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { EarlyStopping } from '../../src/train/callbacks.js';

export interface Reader {
  name: string;
  /** Valid files, the starting points of truncations, bit flips and size overwrites. */
  seeds: Uint8Array[];
  read(bytes: Uint8Array): unknown;
  /** Allocation allowed per input byte (on top of a fixed 32 MB): 64 unless the format compresses. */
  bytesPerByte?: number;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function modelSeed(): Uint8Array {
  const ae = new Autoencoder({ inputDim: 6, hidden: [5], latentDim: 3, activation: 'tanh', seed: 7 });
  return encodeModel(ae, { epochs: 1 });
}

function aekcSeeds(): Uint8Array[] {
  const header = {
    model: { sha256: 'ab'.repeat(32), kind: 'Autoencoder', layers: '12-3-12', inputDim: 12, latentDim: 3 },
    n: 2, dim: 3, data: { kind: 'image' as const, sampleShape: [3, 4, 1], valueRange: [0, 255] as [number, number] }, quantization: 'uint8-minmax' as const,
  };
  const base = { min: new Float32Array([-1, 0, 0.5]), max: new Float32Array([1, 2, 0.5]), codes: new Uint8Array([0, 255, 0, 128, 7, 0]) };
  return [encodeAekc({ header, ...base }), encodeAekc({ header: { ...header, ids: true }, ...base, ids: ['a', 'b'] })];
}

function idxSeeds(): Uint8Array[] {
  const idx = new Uint8Array(4 + 12 + 3 * 4 * 4);
  idx.set([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 4]);
  for (let i = 16; i < idx.length; i++) idx[i] = (i * 37) & 255;
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
  return [idx, labels, new Uint8Array(gzipSync(idx))];
}

function npySeeds(): Uint8Array[] {
  return [
    encodeNpy(new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3]),
    encodeNpy(new Float64Array([1, 2, 3]), [3]),
    encodeNpy(new Int32Array([7, -8]), [2, 1]),
    encodeNpy(new Uint8Array([1, 2, 3, 4]), [4]),
  ];
}

function npzSeeds(): Uint8Array[] {
  const [a, b] = npySeeds();
  return [zipSync({ 'a.npy': [a, { level: 0 }], 'b.npy': [b, { level: 6 }] })];
}

function pngSeeds(): Uint8Array[] {
  const rgba = new PNG({ width: 5, height: 4 });
  for (let i = 0; i < rgba.data.length; i++) rgba.data[i] = (i * 29) & 255;
  const grey = PNG.sync.write(rgba, { colorType: 0 });
  return [new Uint8Array(PNG.sync.write(rgba)), new Uint8Array(grey)];
}

function jpegSeeds(): Uint8Array[] {
  const data = new Uint8Array(8 * 6 * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 255;
  return [new Uint8Array(encodeJpeg({ data, width: 8, height: 6 }, 80).data)];
}

function pcaSeed(): Uint8Array {
  const rng = new Rng(3);
  const x = Float64Array.from({ length: 20 * 4 }, () => rng.normal(0, 1));
  return encodePca(new PCA().fit(x, { components: 2, dim: 4, method: 'svd' }), { data: 'fuzz' });
}

/** The last checkpoint of a tiny run with validation data: Adam's slots, EarlyStopping's best weights, history. */
async function checkpointSeed(): Promise<Uint8Array> {
  const rng = new Rng(5);
  const x = tensor(Float32Array.from({ length: 12 * 4 }, () => rng.next()), [12, 4]);
  const v = tensor(Float32Array.from({ length: 4 * 4 }, () => rng.next()), [4, 4]);
  const store = memoryCheckpointStore();
  const ae = new Autoencoder({ inputDim: 4, hidden: [3], latentDim: 2, activation: 'tanh', seed: 1 });
  await ae.fit(x, { epochs: 2, batchSize: 8, seed: 2, validationData: v, callbacks: [new EarlyStopping({ patience: 5 })], checkpoint: { store } });
  return store.bytes.get('last')!;
}

const CHECKPOINT_CRC_KEY = 'aekit_checkpoint_crc32';

/**
 * The input with its checkpoint CRC-32 recomputed (when it is safetensors holding checkpoint metadata), so that
 * mutated JSON and tensors reach decodeCheckpoint's structure checks instead of all ending at E_CHECKSUM.
 */
function restampCheckpoint(bytes: Uint8Array): Uint8Array {
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes, 'fuzz');
  } catch {
    return bytes;
  }
  const { tensors, metadata } = decoded;
  const json = metadata[CHECKPOINT_KEY];
  if (json === undefined) return bytes;
  const crc = crc32(new TextEncoder().encode(json), tensorsCrc32(tensors));
  return encodeSafetensors(tensors, { ...metadata, [CHECKPOINT_CRC_KEY]: String(crc) });
}

const CSV = 'a,b,label\n1,2.5,x\n3,-4e2,y\n"5",6,x\n';

/** Every reader, with its seeds; `parquet` needs an await, so the list is built by an async function. */
export async function readers(): Promise<Reader[]> {
  const parquet = await encodeParquet([
    { name: 'id', values: ['r1', 'r2', 'r3'] }, { name: 'x', values: new Float32Array([1, 2, 3]) },
    { name: 'n', values: new Int32Array([4, 5, 6]) }, { name: 'y', values: new Float64Array([0.5, NaN, 2]), missing: true },
  ]);
  const checkpoint = await checkpointSeed();
  const list: Reader[] = [
    { name: 'model file', seeds: [modelSeed()], read: (b) => decodeModel(b, 'fuzz') },
    { name: 'safetensors', seeds: [encodeSafetensors({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6).fill(1.5) }, v: { dtype: 'F64', shape: [2], data: new Float64Array([1, 2]) } }, { k: 'v' })], read: (b) => decodeSafetensors(b, 'fuzz') },
    { name: '.aekc', seeds: aekcSeeds(), read: (b) => decodeAekc(b, 'fuzz') },
    { name: 'IDX', seeds: idxSeeds(), read: (b) => decodeIdx(b, 'fuzz'), bytesPerByte: 1100 },
    { name: 'CSV', seeds: [text(CSV), text(CSV.replaceAll('\n', '\r\n'))], read: (b) => parseCsv(new TextDecoder().decode(b), { labelColumn: 'label' }, 'fuzz') },
    { name: 'NPY', seeds: npySeeds(), read: (b) => parseNpy(b, 'fuzz') },
    { name: 'NPZ', seeds: npzSeeds(), read: (b) => parseNpz(b, 'fuzz'), bytesPerByte: 1100 },
    { name: 'Parquet', seeds: [parquet], read: (b) => readParquetTable(b, 'fuzz'), bytesPerByte: 1100 },
    // RGBA output of up to 8 x 1032 pixels per byte (image-folder.ts), held twice while channels are picked.
    { name: 'PNG', seeds: pngSeeds(), read: (b) => decodeImage(b, 'fuzz'), bytesPerByte: 8 * 1032 * 4 * 2 },
    { name: 'JPEG', seeds: jpegSeeds(), read: (b) => decodeImage(b, 'fuzz'), bytesPerByte: 256 * 4 * 2 },
    { name: 'PCA file', seeds: [pcaSeed()], read: (b) => decodePca(b, 'fuzz') },
    { name: 'checkpoint', seeds: [checkpoint], read: (b) => decodeCheckpoint(b, 'fuzz') },
    { name: 'checkpoint (CRC re-stamped)', seeds: [checkpoint], read: (b) => decodeCheckpoint(restampCheckpoint(b), 'fuzz') },
  ];
  return list;
}

/** Big values written over a seed's bytes: declared lengths, counts and shapes that a file cannot back. */
const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0x01000000, 0xffff, 0x8000, 0];

/** Inputs made from a reader's seeds: random bytes, truncations, bit flips, huge sizes written over 1, 2 or 4 bytes. */
export function inputs(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const seed = fc.nat({ max: seeds.length - 1 }).map((i) => seeds[i]);
  const random = fc.uint8Array({ maxLength: 512 });
  const truncated = fc.tuple(seed, fc.double({ min: 0, max: 1, noNaN: true })).map(([s, f]) => s.slice(0, Math.floor(s.length * f)));
  const flipped = fc.tuple(seed, fc.array(fc.nat(), { minLength: 1, maxLength: 4 })).map(([s, bits]) => {
    const out = s.slice();
    for (const b of bits) out[(b >> 3) % out.length] ^= 1 << (b & 7);
    return out;
  });
  const huge = fc.tuple(seed, fc.nat(), fc.constantFrom(...HUGE), fc.constantFrom(1, 2, 4), fc.boolean()).map(([s, at, v, width, le]) => {
    const out = s.slice();
    const p = at % Math.max(1, out.length - width + 1);
    for (let k = 0; k < width && p + k < out.length; k++) out[p + k] = (v >>> (8 * (le ? k : width - 1 - k))) & 255;
    return out;
  });
  // Bytes spliced in or out: shifts everything after the cut, so every length and offset after it is wrong.
  const spliced = fc.tuple(seed, fc.nat(), fc.uint8Array({ maxLength: 16 }), fc.nat({ max: 16 })).map(([s, at, ins, del]) => {
    const p = at % (s.length + 1);
    const out = new Uint8Array(s.length + ins.length - Math.min(del, s.length - p));
    out.set(s.subarray(0, p));
    out.set(ins, p);
    out.set(s.subarray(p + Math.min(del, s.length - p)), p + ins.length);
    return out;
  });
  return fc.oneof(random, truncated, flipped, flipped, huge, spliced);
}

export interface Outcome {
  ok: boolean;
  /** Why the input failed the property (null when it passed). */
  failure: string | null;
  /** 'ok' or the AekitError code. */
  result: string;
}

const CPU_LIMIT_US = 1_000_000;

/** Runs one input through a reader and checks the property. */
export async function runOne(reader: Reader, bytes: Uint8Array): Promise<Outcome> {
  const memBefore = process.memoryUsage().arrayBuffers;
  const cpuBefore = process.cpuUsage();
  let result = 'ok';
  let failure: string | null = null;
  try {
    await reader.read(bytes);
  } catch (e) {
    if (e instanceof AekitError && (AEKIT_ERROR_CODES as readonly string[]).includes(e.code)) {
      result = e.code;
      if (!e.message.startsWith('fuzz') && !e.message.includes('fuzz')) failure = `AekitError message does not name the input: ${e.message}`;
    } else {
      failure = `${e instanceof Error ? e.name : typeof e}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const grown = process.memoryUsage().arrayBuffers - memBefore;
  const allowed = 32 * 2 ** 20 + (reader.bytesPerByte ?? 64) * bytes.length;
  if (failure === null && cpu.user + cpu.system > CPU_LIMIT_US) failure = `took ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s of CPU`;
  if (failure === null && grown > allowed) failure = `allocated ${grown} bytes for a ${bytes.length}-byte input`;
  return { ok: failure === null, failure, result };
}
