import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AekitError } from '../../src/errors.js';
import { AEKC_PREAMBLE, AekcError, type AekcFile, decodeAekc, encodeAekc, readAekc, writeAekc } from '../../src/io/aekc.js';
import type { AekcHeader } from '../../src/io/aekc-header.js';
import { concatBytes } from '../helpers.js';

// ---------------------------------------------------------------------------------------------------------------
// helpers, deliberately independent of the encoder

const SHA = 'ab'.repeat(32);

function header(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { sha256: SHA, kind: 'Autoencoder', layers: '12-3-12', inputDim: 12, latentDim: 3 },
    n: 2, dim: 3, data: { kind: 'image', sampleShape: [3, 4, 1], valueRange: [0, 255] }, quantization: 'uint8-minmax', ...over,
  };
}

/** A version 1 header, as every file written before version 2 had it. */
function v1Header(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { sha256: SHA, kind: 'Autoencoder', layers: '12-3-12', inputDim: 12, latentDim: 3 },
    n: 2, dim: 3, imageShape: [3, 4], quantization: 'uint8-minmax', ...over,
  };
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function f32le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, true));
  return b;
}

/**
 * A file assembled by hand: magic, version, header (object or raw text), min, max, codes, then `tail` (the ids
 * section), then (version 3, the default) the CRC-32 of all that, by Node's zlib.
 */
function assemble(opts: { magic?: string; version?: number; header?: unknown; headerLen?: number; min?: number[]; max?: number[]; codes?: number[]; tail?: Uint8Array } = {}): Uint8Array {
  const h = opts.header ?? header();
  const version = opts.version ?? 3;
  const json = new TextEncoder().encode(typeof h === 'string' ? h : JSON.stringify(h));
  const body = concatBytes(
    new TextEncoder().encode(opts.magic ?? 'AEKC'), u32le(version), u32le(opts.headerLen ?? json.length), json,
    f32le(opts.min ?? [-1, 0, 0.5]), f32le(opts.max ?? [1, 2, 0.5]), new Uint8Array(opts.codes ?? [0, 255, 0, 128, 7, 0]), opts.tail ?? new Uint8Array(0),
  );
  return version >= 3 ? concatBytes(body, u32le(crc32(body))) : body;
}

/** An ids section: u32 length, then the UTF-8 JSON text (any text, to test the reader's checks). */
function idsSection(text: string): Uint8Array {
  const b = new TextEncoder().encode(text);
  return concatBytes(u32le(b.length), b);
}

function sample(): AekcFile {
  return {
    header: header() as unknown as AekcHeader,
    min: new Float32Array([-1, 0, 0.5]),
    max: new Float32Array([1, 2, 0.5]),
    codes: new Uint8Array([0, 255, 0, 128, 7, 0]),
  };
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeAekc(bytes, 'codes.aekc'), (e: Error) => {
    assert.ok(e instanceof AekcError, `an AekcError, got ${e.name}`);
    assert.match(e.message, /^codes\.aekc: /, 'names the file');
    assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return true;
  });
}

describe('.aekc format', () => {
  test('layout: magic, version, header length, header JSON, min, max, codes, CRC-32, nothing else', () => {
    const bytes = encodeAekc(sample());
    assert.deepEqual([...bytes.subarray(0, 4)], [0x41, 0x45, 0x4b, 0x43]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.equal(view.getUint32(4, true), 3);
    const h = view.getUint32(8, true);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes.subarray(AEKC_PREAMBLE, AEKC_PREAMBLE + h))), header());
    assert.equal(bytes.length, 12 + h + 8 * 3 + 2 * 3 + 4);
    assert.equal(view.getUint32(bytes.length - 4, true), crc32(bytes.subarray(0, bytes.length - 4)));
    assert.deepEqual(bytes, assemble(), 'the encoder writes exactly the hand-assembled bytes');
  });

  test('round trip is bit-exact (min/max bit patterns, codes, header), and re-encoding gives the same bytes', () => {
    const f = sample();
    f.header.source = { data: 'mnist', split: 'test', count: 2, args: ['--data', 'mnist', '--test-limit', '2'] };
    f.header.samplesSha256 = 'cd'.repeat(32);
    // Awkward float32 values: a subnormal, -0, the largest float32, a value with all mantissa bits set.
    f.min = new Float32Array([1.401298464324817e-45, -0, -3.4028234663852886e38]);
    f.max = new Float32Array([Math.fround(1 - 2 ** -24), 0, 3.4028234663852886e38]);
    const bytes = encodeAekc(f);
    const back = decodeAekc(bytes, 'x.aekc');
    assert.equal(back.origin, 'x.aekc');
    assert.deepEqual(back.header, f.header);
    assert.deepEqual(new Uint8Array(back.min.buffer), new Uint8Array(f.min.buffer));
    assert.deepEqual(new Uint8Array(back.max.buffer), new Uint8Array(f.max.buffer));
    assert.deepEqual(back.codes, f.codes);
    assert.deepEqual(encodeAekc(back), bytes);
  });

  test('an empty batch (n = 0) is a valid file', () => {
    const f = sample();
    f.header.n = 0;
    f.codes = new Uint8Array(0);
    const back = decodeAekc(encodeAekc(f));
    assert.equal(back.header.n, 0);
    assert.equal(back.codes.length, 0);
  });

  test('ids: a u32 length and a JSON list after the codes, read back exactly (any Unicode, commas, quotes)', () => {
    const ids = ['r1', 'Zoë, "the" cat', '\u{1F600}'];
    const f = sample();
    f.header.n = 3;
    f.header.ids = true;
    f.codes = new Uint8Array(9).map((_, i) => i * 20);
    f.ids = ids;
    const bytes = encodeAekc(f);
    const text = new TextEncoder().encode(JSON.stringify(ids));
    // The hand-assembled file: header, min/max, codes, then the ids section.
    assert.deepEqual(bytes, assemble({ header: f.header, codes: [...f.codes], tail: idsSection(JSON.stringify(ids)) }));
    assert.equal(bytes.length, 12 + new DataView(bytes.buffer).getUint32(8, true) + 8 * 3 + 3 * 3 + 4 + text.length + 4);
    const back = decodeAekc(bytes);
    assert.deepEqual(back.ids, ids);
    assert.equal(back.header.ids, true);
    assert.equal(decodeAekc(encodeAekc(sample())).ids, null, 'no ids section: ids null');
  });

  test('table and sequence headers: feature names and the id column are kept', () => {
    const f = sample();
    f.header.data = { kind: 'sequence', sampleShape: [4, 3], featureNames: ['x', 'y', 'z'], idColumn: 'name' };
    assert.deepEqual(decodeAekc(encodeAekc(f)).header.data, f.header.data);
    f.header.data = { kind: 'tabular', sampleShape: [12] };
    assert.deepEqual(decodeAekc(encodeAekc(f)).header.data, { kind: 'tabular', sampleShape: [12] });
  });

  test('version 1 files still read: [h, w] grey 8-bit images, imagesSha256 as samplesSha256, the same codes', () => {
    const v1 = assemble({ version: 1, header: v1Header({ imagesSha256: 'ef'.repeat(32), source: { data: 'mnist', split: 'test', count: 2 } }) });
    const back = decodeAekc(v1, 'old.aekc');
    assert.equal(back.version, 1);
    assert.deepEqual(back.header, {
      model: v1Header().model, n: 2, dim: 3, data: { kind: 'image', sampleShape: [3, 4, 1], valueRange: [0, 255] },
      quantization: 'uint8-minmax', samplesSha256: 'ef'.repeat(32), source: { data: 'mnist', split: 'test', count: 2 },
    });
    assert.deepEqual([...back.codes], [0, 255, 0, 128, 7, 0]);
    assert.deepEqual([...back.min], [-1, 0, 0.5]);
    assert.equal(back.ids, null);
    // [h, w, c] stays as it is; one axis was rows of values.
    assert.deepEqual(decodeAekc(assemble({ version: 1, header: v1Header({ imageShape: [2, 2, 3] }) })).header.data, { kind: 'image', sampleShape: [2, 2, 3], valueRange: [0, 255] });
    assert.deepEqual(decodeAekc(assemble({ version: 1, header: v1Header({ imageShape: [12] }) })).header.data, { kind: 'tabular', sampleShape: [12] });
    // Re-encoding writes version 3.
    assert.equal(new DataView(encodeAekc(back).buffer).getUint32(4, true), 3);
    assert.equal(decodeAekc(encodeAekc(back)).version, 3);
  });

  describe('every corruption is rejected with a message naming the file', () => {
    const good = assemble();
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty file', new Uint8Array(0), /0 bytes, too short/],
      ['wrong magic', assemble({ magic: 'AEKX' }), /not an \.aekc .*"AEKX"/],
      ['a PNG', concatBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), good.subarray(4)), /not an \.aekc/],
      ['cut inside the preamble', good.subarray(0, 7), /7 bytes, shorter than the 12-byte preamble: truncated/],
      ['unknown version', assemble({ version: 4 }), /unsupported \.aekc version 4 \(this aekit reads versions 1 to 3; the file was written by a newer aekit\)/],
      ['version 0', assemble({ version: 0 }), /unsupported \.aekc version 0/],
      ['huge header length', assemble({ headerLen: 0xffffffff }), /header length 4294967295 is over/],
      ['header length past the end', assemble({ headerLen: 5000 }), /header length 5000 runs past the end.*truncated/],
      ['cut inside the header', good.subarray(0, 40), /runs past the end.*truncated/],
      ['header not UTF-8', assemble({ header: '{"s":"ab"}' }).map((b, i) => (i === AEKC_PREAMBLE + 6 ? 0xff : b)), /not valid UTF-8/],
      ['header not JSON', assemble({ header: '{"model": ' }), /header is not valid JSON/],
      ['header not an object', assemble({ header: '[1, 2]' }), /header must be a JSON object/],
      ['unknown header field', assemble({ header: header({ extra: 1 }) }), /unknown field "extra"/],
      ['missing model', assemble({ header: { ...header(), model: undefined } }), /header\.model must be an object/],
      ['bad model sha256', assemble({ header: header({ model: { ...(header().model as object), sha256: 'xyz' } }) }), /sha256 must be 64 lowercase hex/],
      ['n not an integer', assemble({ header: header({ n: 1.5 }) }), /header\.n must be a non-negative integer/],
      ['n negative', assemble({ header: header({ n: -1 }) }), /header\.n must be a non-negative integer/],
      ['dim not the latent size', assemble({ header: header({ dim: 4 }) }), /header\.dim 4 differs from the model's latentDim 3/],
      ['sample shape of the wrong size', assemble({ header: header({ data: { kind: 'image', sampleShape: [3, 3, 1] } }) }), /sampleShape \[3,3,1\] holds 9 values but the model's inputDim is 12/],
      ['bad sample shape', assemble({ header: header({ data: { kind: 'tabular', sampleShape: [] } }) }), /sampleShape must be a non-empty array/],
      ['no data', assemble({ header: header({ data: undefined }) }), /header\.data must be an object/],
      ['unknown data kind', assemble({ header: header({ data: { kind: 'audio', sampleShape: [12] } }) }), /header\.data\.kind must be one of image, tabular, sequence, got "audio"/],
      ['an image shape of two axes', assemble({ header: header({ data: { kind: 'image', sampleShape: [3, 4] } }) }), /sampleShape \[3,4\] is not the shape of image samples \(3 axes\)/],
      ['bad value range', assemble({ header: header({ data: { kind: 'image', sampleShape: [3, 4, 1], valueRange: [1, 1] } }) }), /valueRange must be \[lo, hi\] with finite lo < hi/],
      ['feature names of images', assemble({ header: header({ data: { kind: 'image', sampleShape: [3, 4, 1], featureNames: ['a'] } }) }), /featureNames are for tables and sequences/],
      ['too few feature names', assemble({ header: header({ data: { kind: 'sequence', sampleShape: [4, 3], featureNames: ['a', 'b'] } }) }), /featureNames must be 3 strings/],
      ['unknown data field', assemble({ header: header({ data: { kind: 'tabular', sampleShape: [12], units: 'cm' } }) }), /header\.data has an unknown field "units"/],
      ['a version 1 field in version 2', assemble({ header: header({ imageShape: [3, 4] }) }), /header has an unknown field "imageShape"/],
      ['other quantization', assemble({ header: header({ quantization: 'uint4' }) }), /quantization must be "uint8-minmax"/],
      ['bad source', assemble({ header: header({ source: { a: [1] } }) }), /source\.a must be a string, a finite number or a list of strings/],
      ['ids not true', assemble({ header: header({ ids: 1 }) }), /header\.ids must be true when present/],
      ['ids announced, none there', assemble({ header: header({ ids: true }) }), /truncated: the header announces ids after the codes, but the file ends 0 bytes after them/],
      ['ids cut short', assemble({ header: header({ ids: true }), tail: idsSection('["a","b"]').subarray(0, 8) }), /truncated: the ids need 9 bytes, but the file has 4 after their length/],
      ['ids not JSON', assemble({ header: header({ ids: true }), tail: idsSection('["a",') }), /the ids section is not valid JSON/],
      ['too few ids', assemble({ header: header({ ids: true }), tail: idsSection('["a"]') }), /holds 2 samples but 1 ids/],
      ['an id not a string', assemble({ header: header({ ids: true }), tail: idsSection('["a",7]') }), /id 1 is 7, not a string/],
      ['bytes after the ids', assemble({ header: header({ ids: true }), tail: concatBytes(idsSection('["a","b"]'), new Uint8Array(2)) }), /2 trailing bytes after the 2 x 3 codes and the ids/],
      ['version 1: a bad image shape', assemble({ version: 1, header: v1Header({ imageShape: [3, 2, 2] }) }), /imageShape \[3,2,2\] is not an image shape/],
      ['version 1: a version 2 field', assemble({ version: 1, header: { ...v1Header(), data: {} } }), /header has an unknown field "data"/],
      ['codes truncated by one byte', good.subarray(0, good.length - 1), /truncated: .*2 samples of 3 code bytes.*need 30 bytes.*has 29/],
      ['min/max truncated', good.subarray(0, good.length - 20), /truncated/],
      ['trailing bytes', concatBytes(good, new Uint8Array([0, 0, 0])), /3 trailing bytes after the 2 x 3 codes/],
      ['n larger than the codes', assemble({ header: header({ n: 3 }) }), /truncated: the header announces 3 samples/],
      ['NaN min', assemble({ min: [NaN, 0, 0.5] }), /dimension 0: min NaN \/ max 1 must be finite/],
      ['infinite max', assemble({ max: [1, Infinity, 0.5] }), /dimension 1: .*max Infinity must be finite/],
      ['min above max', assemble({ min: [-1, 3, 0.5] }), /dimension 1: min 3 is greater than max 2/],
    ];
    for (const [name, bytes, pattern] of cases) test(name, () => rejects(bytes, pattern));

    test('every single flipped bit of a valid file (with and without ids) is an AekitError; in the codes, min/max or ids it is E_CHECKSUM', () => {
      const withIds = assemble({ header: header({ ids: true }), tail: idsSection('["a","b"]') });
      for (const file of [good, withIds]) {
        const h = new DataView(file.buffer, file.byteOffset).getUint32(8, true);
        const idsLength = file === withIds ? AEKC_PREAMBLE + h + 8 * 3 + 6 : -10; // its 4 bytes can announce a truncation instead
        for (let bit = 0; bit < 8 * file.length; bit++) {
          const bad = file.slice();
          bad[bit >> 3] ^= 1 << (bit & 7);
          let err: unknown = null;
          try {
            decodeAekc(bad, 'flip.aekc');
          } catch (e) {
            err = e;
          }
          assert.ok(err instanceof AekitError && err instanceof AekcError, `bit ${bit}: ${String(err)}`);
          const byte = bit >> 3;
          if (byte >= AEKC_PREAMBLE + h && !(byte >= idsLength && byte < idsLength + 4)) assert.equal(err.code, 'E_CHECKSUM', `bit ${bit}: ${err.message}`);
        }
      }
      rejects(concatBytes(good.subarray(0, good.length - 1), new Uint8Array([good[good.length - 1] ^ 1])), /flip|checksum mismatch: the file's CRC-32 is [0-9a-f]{8} but its bytes give [0-9a-f]{8} \(damaged file\)/);
    });

    test('a version 2 file (no checksum) still reads, unchecked', () => {
      const v2 = assemble({ version: 2 });
      assert.equal(decodeAekc(v2).version, 2);
      assert.deepEqual([...decodeAekc(v2).codes], [0, 255, 0, 128, 7, 0]);
    });

    test('every single-byte truncation of a valid file is rejected', () => {
      for (let len = 0; len < good.length; len++) {
        assert.throws(() => decodeAekc(good.subarray(0, len), 'codes.aekc'), (e: Error) => e instanceof AekcError && e.message.startsWith('codes.aekc: '), `length ${len}`);
      }
    });
  });

  test('encodeAekc validates its input', () => {
    const bad = (edit: (f: AekcFile) => void, pattern: RegExp): void => {
      const f = sample();
      edit(f);
      assert.throws(() => encodeAekc(f), (e: Error) => e instanceof AekcError && pattern.test(e.message));
    };
    bad((f) => { f.codes = new Uint8Array(5); }, /codes must be a Uint8Array of n x dim = 6 values/);
    bad((f) => { f.min = new Float32Array(2); }, /min must be a Float32Array of 3 values/);
    bad((f) => { f.max = new Float64Array(3) as unknown as Float32Array; }, /max must be a Float32Array/);
    bad((f) => { f.min[0] = NaN; }, /dimension 0: min NaN/);
    bad((f) => { f.header.dim = 2; }, /header\.dim 2 differs/);
    bad((f) => { f.ids = ['a', 'b']; }, /ids are given but header\.ids is not true/);
    bad((f) => { f.header.ids = true; }, /header\.ids is true but no ids are given/);
    bad((f) => { f.header.ids = true; f.ids = ['a']; }, /holds 2 samples but 1 ids/);
    bad((f) => { f.header.ids = true; f.ids = ['a', 3 as unknown as string]; }, /id 1 is 3, not a string/);
  });

  describe('files', () => {
    let dir: string;
    before(() => { dir = mkdtempSync(join(tmpdir(), 'aekit-aekc-')); });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('writeAekc / readAekc round trip, atomically (no temp file left behind)', () => {
      const path = join(dir, 'a.aekc');
      const size = writeAekc(path, sample());
      assert.equal(size, readFileSync(path).length);
      const back = readAekc(path);
      assert.equal(back.origin, path);
      assert.deepEqual(back.codes, sample().codes);
      assert.deepEqual(readdirSync(dir), ['a.aekc']);
    });

    test('a failed write leaves the previous file intact', () => {
      const path = join(dir, 'keep.aekc');
      writeAekc(path, sample());
      const before = readFileSync(path);
      const broken = sample();
      broken.min[1] = Infinity;
      assert.throws(() => writeAekc(path, broken), /must be finite/);
      assert.deepEqual(readFileSync(path), before);
      mkdirSync(join(dir, 'sub'));
      assert.throws(() => writeAekc(join(dir, 'sub'), sample()));
      assert.ok(existsSync(join(dir, 'sub')));
    });

    test('missing file, directory and corrupt file errors name the path', () => {
      assert.throws(() => readAekc(join(dir, 'nope.aekc')), (e: Error) => e instanceof AekcError && e.message === `${join(dir, 'nope.aekc')}: file not found`);
      assert.throws(() => readAekc(dir), /is a directory, not an \.aekc file/);
      const path = join(dir, 'bad.aekc');
      writeFileSync(path, 'hello world, not codes');
      assert.throws(() => readAekc(path), (e: Error) => e.message.startsWith(`${path}: not an .aekc`));
    });
  });
});
