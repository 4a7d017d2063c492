import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  type SafeTensor,
} from '../../src/io/safetensors.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors-file.js';
import { concatBytes } from '../helpers.js';

// ---------------------------------------------------------------------------------------------------------------
// helpers, deliberately independent of the encoder

const enc = new TextEncoder();

function u64le(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

/** Little-endian bytes of float32 values, written with DataView (not a typed-array view). */
function f32le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, true));
  return b;
}

/** A file from a raw header string (padded with spaces to a multiple of 8) and a raw byte buffer. */
function rawFile(header: string, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  let h: Uint8Array = enc.encode(header);
  if (pad && h.length % 8 !== 0) h = concatBytes(h, new Uint8Array(8 - (h.length % 8)).fill(0x20));
  return concatBytes(u64le(h.length), h, data);
}

function bits(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function assertBitIdentical(actual: SafeTensor, expected: SafeTensor): void {
  assert.equal(actual.dtype, expected.dtype);
  assert.deepEqual(actual.shape, expected.shape);
  assert.equal(actual.data.constructor, expected.data.constructor);
  assert.deepEqual(bits(actual.data), bits(expected.data));
}

function headerOf(file: Uint8Array): { n: number; json: string; dataStart: number } {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { n, json: new TextDecoder().decode(file.subarray(8, 8 + n)), dataStart: 8 + n };
}

function rejects(bytes: Uint8Array, re: RegExp, source = 'bad.safetensors'): void {
  assert.throws(
    () => decodeSafetensors(bytes, source),
    (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${String(e)}`);
      assert.match(e.message, re);
      assert.match(e.message, new RegExp(source.replace(/\./g, '\\.')), 'message names the file');
      return true;
    },
  );
}

const tensorA = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';

// ---------------------------------------------------------------------------------------------------------------

describe('safetensors round trip', () => {
  test('F32 and F64 are bit-identical, including NaN payloads, -0, infinities, subnormals, empty and scalar', () => {
    const f32 = new Float32Array([1.5, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, 0.1, NaN]);
    new Uint32Array(f32.buffer)[7] = 0x7fa00001; // a signalling-NaN bit pattern
    const f64 = new Float64Array([Math.PI, -0, NaN, 5e-324, -1e308, 1 / 3]);
    new DataView(f64.buffer).setBigUint64(2 * 8, 0xfff0000000000abcn, true); // NaN with a payload
    const tensors: Record<string, SafeTensor> = {
      'enc.w': { dtype: 'F32', shape: [2, 4], data: f32 },
      'dec.w': { dtype: 'F64', shape: [3, 2], data: f64 },
      empty32: { dtype: 'F32', shape: [0], data: new Float32Array(0) },
      empty64: { dtype: 'F64', shape: [3, 0, 2], data: new Float64Array(0) },
      scalar32: { dtype: 'F32', shape: [], data: new Float32Array([42.25]) },
      scalar64: { dtype: 'F64', shape: [], data: new Float64Array([-7.125]) },
    };
    const file = encodeSafetensors(tensors);
    const out = decodeSafetensors(file);
    assert.deepEqual(Object.keys(out.tensors).sort(), Object.keys(tensors).sort());
    for (const name of Object.keys(tensors)) assertBitIdentical(out.tensors[name], tensors[name]);
    assert.deepEqual(out.metadata, {});
    // and encoding the decoded result again gives the same bytes (deterministic)
    assert.deepEqual(encodeSafetensors(out.tensors), file);
  });

  test('metadata round trip (including unicode and empty strings)', () => {
    const metadata = { format: 'pt', 'aekit.config': '{"latent":8}', 'ünï': 'cödé ✓ 𝄞', empty: '' };
    const file = encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }, metadata);
    assert.deepEqual(decodeSafetensors(file).metadata, metadata);
  });

  test('no tensors at all', () => {
    const out = decodeSafetensors(encodeSafetensors({}, { only: 'metadata' }));
    assert.deepEqual(out.tensors, {});
    assert.deepEqual(out.metadata, { only: 'metadata' });
  });

  test('tricky names: integer-like, "__proto__", unicode, astral', () => {
    const mk = (x: number): SafeTensor => ({ dtype: 'F32', shape: [1], data: new Float32Array([x]) });
    const tensors: Record<string, SafeTensor> = {};
    const names = ['10', '2', '0', '__proto__', 'é', '\uFFFD', '𝄞', 'a.b'];
    names.forEach((name, i) => Object.defineProperty(tensors, name, { value: mk(i), enumerable: true }));
    const out = decodeSafetensors(encodeSafetensors(tensors)).tensors;
    assert.deepEqual(Object.keys(out).sort(), [...names].sort());
    names.forEach((name, i) => assert.equal(out[name].data[0], i));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });

  test('decoded arrays are aligned copies, not views of the input', () => {
    const file = encodeSafetensors({ a: { dtype: 'F64', shape: [2], data: new Float64Array([1, 2]) } });
    // place the file at an odd offset of a bigger buffer, so views into it could not even be aligned
    const big = new Uint8Array(file.length + 1);
    big.set(file, 1);
    const shifted = big.subarray(1);
    const { tensors } = decodeSafetensors(shifted);
    const a = tensors.a.data;
    assert.ok(a instanceof Float64Array);
    assert.equal(a.byteOffset, 0);
    assert.notEqual(a.buffer, big.buffer);
    assert.equal(a.buffer.byteLength, 16);
    big.fill(0);
    assert.deepEqual([...a], [1, 2]);
  });

  test('encode does not keep references to the input', () => {
    const data = new Float32Array([1, 2]);
    const shape = [2];
    const file = encodeSafetensors({ a: { dtype: 'F32', shape, data } });
    data[0] = 99;
    shape[0] = 7;
    assert.deepEqual([...decodeSafetensors(file).tensors.a.data], [1, 2]);
  });

  test('encode reads only the typed array window (subarray with byteOffset)', () => {
    const backing = new Float32Array([9, 9, 1, 2, 3, 9]);
    const file = encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: backing.subarray(2, 5) } });
    assert.deepEqual([...decodeSafetensors(file).tensors.a.data], [1, 2, 3]);
  });
});

describe('safetensors layout', () => {
  test('golden file built by hand decodes to the right values', () => {
    const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const pad = (8 - (json.length % 8)) % 8;
    const header = json + ' '.repeat(pad);
    assert.equal((8 + header.length) % 8, 0);
    // the 8-byte length, the padded header, then 1.0f and 2.0f little-endian
    const file = concatBytes(u64le(header.length), enc.encode(header), new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]));
    const out = decodeSafetensors(file, 'golden.safetensors');
    assert.deepEqual(out.metadata, { k: 'v' });
    assert.deepEqual(Object.keys(out.tensors), ['a']);
    assert.equal(out.tensors.a.dtype, 'F32');
    assert.deepEqual(out.tensors.a.shape, [2]);
    assert.ok(out.tensors.a.data instanceof Float32Array);
    assert.deepEqual([...out.tensors.a.data], [1, 2]);

    // encoder: same header object, data 8-byte aligned, and in fact the very same bytes
    const mine = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { k: 'v' });
    const h = headerOf(mine);
    assert.deepEqual(JSON.parse(h.json), {
      __metadata__: { k: 'v' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    });
    assert.equal(h.dataStart % 8, 0);
    assert.match(h.json, /^\{.*\} *$/);
    assert.deepEqual(mine.subarray(h.dataStart), new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]));
    assert.deepEqual(mine, file);
  });

  test('byte-exact against the reference implementation test vectors (safetensors/src/tensor.rs tests)', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5]);
    // test_serialization: 64-byte header, no padding needed
    assert.deepEqual(
      encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data } }),
      rawFile('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', f32le([0, 1, 2, 3, 4, 5]), false),
    );
    // test_serialization_forced_alignement: 65-byte JSON padded with 7 spaces to 72
    const forced = encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data } });
    assert.equal(headerOf(forced).n, 72);
    assert.deepEqual(
      forced,
      rawFile('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ', f32le([0, 1, 2, 3, 4, 5]), false),
    );
    // test_empty
    assert.deepEqual(encodeSafetensors({}), new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]));
    const withMeta = encodeSafetensors({}, { framework: 'pt' });
    assert.equal(headerOf(withMeta).n, 40);
    assert.equal(headerOf(withMeta).json, '{"__metadata__":{"framework":"pt"}}     ');
  });

  test('order: descending dtype alignment (F64 first), then name by code point; contiguous offsets', () => {
    const t = (dtype: 'F32' | 'F64', n: number): SafeTensor => ({
      dtype,
      shape: [n],
      data: dtype === 'F32' ? new Float32Array(n) : new Float64Array(n),
    });
    const file = encodeSafetensors({ b: t('F32', 3), a: t('F32', 1), z: t('F64', 2), y: t('F64', 1), '10': t('F32', 1), '9': t('F32', 1) });
    const { json, dataStart } = headerOf(file);
    assert.equal(dataStart % 8, 0);
    const keyOrder = [...json.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    assert.deepEqual(keyOrder, ['y', 'z', '10', '9', 'a', 'b']);
    const h = JSON.parse(json) as Record<string, { data_offsets: [number, number] }>;
    assert.deepEqual(
      keyOrder.map((k) => h[k].data_offsets),
      [[0, 8], [8, 24], [24, 28], [28, 32], [32, 36], [36, 48]],
    );
    assert.equal(file.length, dataStart + 48);
  });

  test('reads files whose header lists tensors in any order and has no padding', () => {
    const header = `{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},${tensorA}}`;
    const out = decodeSafetensors(rawFile(header, f32le([1, 2, 3]), false));
    assert.deepEqual([...out.tensors.a.data], [1, 2]);
    assert.deepEqual([...out.tensors.b.data], [3]);
  });

  test('several empty tensors at the same offset are fine', () => {
    const header = `{"e1":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},${tensorA},"e2":{"dtype":"F64","shape":[0,5],"data_offsets":[8,8]}}`;
    const out = decodeSafetensors(rawFile(header, f32le([1, 2])));
    assert.equal(out.tensors.e1.data.length, 0);
    assert.ok(out.tensors.e2.data instanceof Float64Array);
    assert.deepEqual(out.tensors.e2.shape, [0, 5]);
  });

  test('"__metadata__": null is accepted as no metadata (as the reference reader does)', () => {
    assert.deepEqual(decodeSafetensors(rawFile(`{"__metadata__":null,${tensorA}}`, f32le([1, 2]))).metadata, {});
  });
});

describe('safetensors rejects corrupt files', () => {
  const good = () => encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { k: 'v' });

  test('shorter than 8 bytes', () => {
    rejects(new Uint8Array(0), /0 bytes, shorter than the 8-byte/);
    rejects(new Uint8Array([1, 0, 0]), /shorter than the 8-byte/);
  });

  test('header length beyond the file, or absurdly large', () => {
    rejects(concatBytes(u64le(64), enc.encode('{}')), /header length 64 exceeds the file size/);
    rejects(concatBytes(u64le(100_000_001), new Uint8Array(16)), /header length 100000001 is too large/);
    rejects(concatBytes(u64le(2n ** 64n - 1n), new Uint8Array(16)), /too large/);
  });

  test('truncated file', () => {
    const file = good();
    rejects(file.subarray(0, file.length - 1), /truncated.*tensor "a".*ends at data offset 8.*only 7 bytes/);
    rejects(file.subarray(0, 12), /header length \d+ exceeds the file size/);
    rejects(file.subarray(0, 7), /shorter than the 8-byte/);
  });

  test('header not UTF-8, not JSON, not an object', () => {
    rejects(concatBytes(u64le(8), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 32, 32, 32, 32])), /not valid UTF-8/);
    rejects(rawFile('{"a":'), /not valid JSON/);
    rejects(rawFile('{"a":1,}'), /not valid JSON/);
    rejects(rawFile('[1,2,3]'), /must be a JSON object starting with "\{"/);
    rejects(rawFile('null'), /must be a JSON object/);
    rejects(rawFile(' {}'), /must be a JSON object starting with "\{"/);
    rejects(concatBytes(u64le(8), new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d, 32, 32, 32])), /starting with "\{"/); // BOM
  });

  test('duplicate keys', () => {
    rejects(rawFile(`{${tensorA},${tensorA}}`, f32le([1, 2])), /duplicate key "a"/);
    rejects(rawFile(`{"__metadata__":{"k":"v","k":"w"},${tensorA}}`, f32le([1, 2])), /duplicate key "k"/);
    rejects(rawFile(`{"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}`, f32le([1, 2])), /duplicate key "dtype"/);
    // escaped spellings of the same key are the same key
    rejects(rawFile(`{${tensorA},"\\u0061":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}`, f32le([1, 2])), /duplicate key "a"/);
  });

  test('tensor entry not an object', () => {
    rejects(rawFile('{"a":5}'), /tensor "a": expected \{ dtype, shape, data_offsets \}/);
  });

  test('unknown or unsupported dtype, naming it', () => {
    rejects(rawFile('{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}', f32le([1, 2])), /tensor "a": unknown dtype "F99"/);
    rejects(rawFile('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)), /tensor "a": dtype "F16" is not supported/);
    rejects(rawFile('{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)), /dtype "BF16" is not supported/);
    rejects(rawFile('{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8)), /dtype "I32" is not supported/);
    rejects(rawFile('{"a":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}', f32le([1, 2])), /unknown dtype "f32"/);
    rejects(rawFile('{"a":{"shape":[2],"data_offsets":[0,8]}}', f32le([1, 2])), /tensor "a": dtype must be a string, got undefined/);
    rejects(rawFile('{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}', f32le([1, 2])), /dtype must be a string, got 32/);
  });

  test('shape not an array of non-negative integers', () => {
    const bad = (shape: string) => rawFile(`{"a":{"dtype":"F32","shape":${shape},"data_offsets":[0,8]}}`, f32le([1, 2]));
    for (const shape of ['2', '[-2]', '[2.5]', '["2"]', 'null', '[[2]]', '{"0":2}', '[1e300]']) {
      rejects(bad(shape), /tensor "a": shape must be an array of non-negative integers/);
    }
    rejects(rawFile('{"a":{"dtype":"F32","data_offsets":[0,8]}}', f32le([1, 2])), /shape must be an array/);
  });

  test('data_offsets not [begin, end] with begin <= end', () => {
    const bad = (off: string) => rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":${off}}}`, f32le([1, 2]));
    for (const off of ['[0]', '[0,8,8]', '8', '"0,8"', '[-1,7]', '[0,8.5]', '["0","8"]', 'null']) {
      rejects(bad(off), /tensor "a": data_offsets must be \[begin, end\]/);
    }
    rejects(bad('[8,0]'), /tensor "a": data_offsets \[8, 0\] has begin > end/);
    rejects(rawFile('{"a":{"dtype":"F32","shape":[2]}}', f32le([1, 2])), /data_offsets must be/);
  });

  test('byte length != product(shape) * dtype size', () => {
    rejects(rawFile('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32le([1, 2])), /tensor "a": data_offsets \[0, 8\] span 8 bytes but F32 shape \[3\] needs 12/);
    rejects(rawFile('{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}', f32le([1, 2])), /F64 shape \[2\] needs 16/);
    rejects(rawFile('{"a":{"dtype":"F32","shape":[],"data_offsets":[0,8]}}', f32le([1, 2])), /F32 shape \[\] needs 4/);
    rejects(
      rawFile('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', f32le([1, 2])),
      /tensor "a": shape .* too many elements/,
    );
  });

  test('overlap, gap, trailing bytes', () => {
    const b = (off: string) => `"b":{"dtype":"F32","shape":[2],"data_offsets":${off}}`;
    rejects(rawFile(`{${tensorA},${b('[4,12]')}}`, f32le([1, 2, 3])), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" ending at 8/);
    rejects(rawFile(`{${tensorA},${b('[0,8]')}}`, f32le([1, 2])), /tensor "[ab]": data_offsets \[0, 8\] overlap tensor "[ab]"/);
    rejects(rawFile(`{${tensorA},${b('[12,20]')}}`, f32le([1, 2, 3, 4, 5])), /tensor "b": data_offsets \[12, 20\] leave a gap after tensor "a" ending at 8 \(expected begin 8\)/);
    rejects(rawFile(`{${b('[4,12]')}}`, f32le([1, 2, 3])), /tensor "b": .* leave a gap after the start of the byte buffer/);
    rejects(rawFile(`{${tensorA}}`, f32le([1, 2, 3])), /byte buffer is 12 bytes but the tensors cover only 8: 4 trailing bytes/);
    rejects(rawFile('{}', new Uint8Array(1)), /1 trailing bytes/);
  });

  test('__metadata__ not an object of strings', () => {
    rejects(rawFile(`{"__metadata__":{"k":1},${tensorA}}`, f32le([1, 2])), /"__metadata__" entry "k": value must be a string, got 1/);
    rejects(rawFile(`{"__metadata__":{"k":null}}`), /"__metadata__" entry "k": value must be a string, got null/);
    rejects(rawFile(`{"__metadata__":{"k":{"x":"y"}}}`), /entry "k": value must be a string/);
    rejects(rawFile(`{"__metadata__":["k"]}`), /"__metadata__" must be an object of strings/);
    rejects(rawFile(`{"__metadata__":"k=v"}`), /"__metadata__" must be an object of strings/);
  });

  test('the default source name is used when none is given', () => {
    assert.throws(() => decodeSafetensors(new Uint8Array(3)), /safetensors <bytes>: file is 3 bytes/);
  });
});

describe('safetensors encode validation', () => {
  const f32 = (n: number) => new Float32Array(n);
  const encodeRejects = (tensors: Record<string, unknown>, re: RegExp, metadata?: unknown) =>
    assert.throws(
      () => encodeSafetensors(tensors as Record<string, SafeTensor>, metadata as Record<string, string>),
      (e: unknown) => e instanceof SafetensorsError && re.test(e.message),
    );

  test('data length must match shape', () => {
    encodeRejects({ w: { dtype: 'F32', shape: [2, 3], data: f32(5) } }, /tensor "w": shape \[2,3\] holds 6 elements but data has 5/);
    encodeRejects({ w: { dtype: 'F32', shape: [], data: f32(0) } }, /shape \[\] holds 1 elements but data has 0/);
  });

  test('names non-empty and not reserved', () => {
    encodeRejects({ '': { dtype: 'F32', shape: [1], data: f32(1) } }, /names must be non-empty/);
    encodeRejects({ __metadata__: { dtype: 'F32', shape: [1], data: f32(1) } }, /"__metadata__" is reserved/);
    encodeRejects({ '\uD800x': { dtype: 'F32', shape: [1], data: f32(1) } }, /lone UTF-16 surrogate/);
  });

  test('dtype supported and matching the array type', () => {
    encodeRejects({ w: { dtype: 'F16', shape: [1], data: f32(1) } }, /tensor "w": dtype "F16" is not supported/);
    encodeRejects({ w: { dtype: 'F32', shape: [1], data: new Float64Array(1) } }, /dtype F32 needs a Float32Array, got Float64Array/);
    encodeRejects({ w: { dtype: 'F64', shape: [1], data: [1] } }, /dtype F64 needs a Float64Array, got Array/);
  });

  test('shape validated', () => {
    encodeRejects({ w: { dtype: 'F32', shape: [-1], data: f32(1) } }, /shape must be an array of non-negative integers/);
    encodeRejects({ w: { dtype: 'F32', shape: [1.5], data: f32(1) } }, /shape must be an array of non-negative integers/);
    encodeRejects({ w: { dtype: 'F32', data: f32(1) } }, /shape must be an array/);
  });

  test('metadata values must be strings', () => {
    encodeRejects({}, /metadata "n": value must be a string, got 1/, { n: 1 });
    encodeRejects({}, /metadata must be an object/, ['a']);
  });

  test('NaN is allowed in the data', () => {
    const out = decodeSafetensors(encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([NaN, 1]) } }));
    assert.ok(Number.isNaN(out.tensors.w.data[0]));
  });
});

describe('safetensors files', () => {
  const withDir = (fn: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-safetensors-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test('write then read; no temp file left behind', () => {
    withDir((dir) => {
      const path = join(dir, 'model.safetensors');
      const tensors: Record<string, SafeTensor> = {
        w: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
        b: { dtype: 'F64', shape: [2], data: new Float64Array([0.5, -0.5]) },
      };
      writeSafetensors(path, tensors, { epoch: '3' });
      assert.deepEqual(readdirSync(dir), ['model.safetensors']);
      const out = readSafetensors(path);
      assert.deepEqual(out.metadata, { epoch: '3' });
      for (const k of Object.keys(tensors)) assertBitIdentical(out.tensors[k], tensors[k]);
      // overwriting works and still leaves nothing else
      writeSafetensors(path, { w: tensors.w });
      assert.deepEqual(readdirSync(dir), ['model.safetensors']);
      assert.deepEqual(Object.keys(readSafetensors(path).tensors), ['w']);
    });
  });

  test('a failing encode does not clobber an existing good file', () => {
    withDir((dir) => {
      const path = join(dir, 'model.safetensors');
      writeSafetensors(path, { w: { dtype: 'F32', shape: [1], data: new Float32Array([7]) } });
      const before = readFileSync(path);
      assert.throws(
        () => writeSafetensors(path, { w: { dtype: 'F32', shape: [3], data: new Float32Array([1]) } }),
        SafetensorsError,
      );
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    });
  });

  test('read errors name the file path', () => {
    withDir((dir) => {
      const path = join(dir, 'broken.safetensors');
      const good = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
      writeFileSync(path, good.subarray(0, good.length - 3));
      assert.throws(() => readSafetensors(path), (e: unknown) => e instanceof SafetensorsError && e.message.includes(path) && /truncated/.test(e.message));
    });
  });

  test('the Python safetensors package reads our file', (t) => {
    const probe = spawnSync('python3', ['-c', 'import safetensors, numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with safetensors and numpy is not available');
      return;
    }
    withDir((dir) => {
      const path = join(dir, 'py.safetensors');
      writeSafetensors(
        path,
        {
          w: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
          b: { dtype: 'F64', shape: [3], data: new Float64Array([0.25, -1, 1e-300]) },
          s: { dtype: 'F32', shape: [], data: new Float32Array([2.5]) },
          e: { dtype: 'F64', shape: [0], data: new Float64Array(0) },
        },
        { framework: 'aekit' },
      );
      const script = [
        'import json, sys',
        'from safetensors import safe_open',
        'out = {}',
        'with safe_open(sys.argv[1], framework="numpy") as f:',
        '    meta = f.metadata()',
        '    for k in f.keys():',
        '        a = f.get_tensor(k)',
        '        out[k] = {"dtype": str(a.dtype), "shape": list(a.shape), "values": a.reshape(-1).tolist()}',
        'print(json.dumps({"meta": meta, "tensors": out}))',
      ].join('\n');
      const r = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout) as { meta: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> };
      assert.deepEqual(got.meta, { framework: 'aekit' });
      assert.deepEqual(got.tensors.w, { dtype: 'float32', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] });
      assert.deepEqual(got.tensors.b, { dtype: 'float64', shape: [3], values: [0.25, -1, 1e-300] });
      assert.deepEqual(got.tensors.s, { dtype: 'float32', shape: [], values: [2.5] });
      assert.deepEqual(got.tensors.e, { dtype: 'float64', shape: [0], values: [] });
    });
  });
});
