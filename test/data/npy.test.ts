import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { encodeNpy, parseNpy, parseNpyHeader, type NpyArray } from '../../src/data/npy.js';
import { parseNpz } from '../../src/data/npz.js';
import { openNpyFile, readNpyFile, readNpzFile } from '../../src/data/npy-file.js';
import { writeNpyFile } from '../../src/io/tables.js';

// Written by NumPy (scripts/fixtures/npy.py); expected.json holds numpy's own dtype, shape and ravel() values.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'data', 'npy');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

interface Expected {
  dtype: string;
  shape: number[];
  values?: (number | boolean)[];
  count?: number;
  sum?: number;
  weighted_sum?: number;
  head?: number[];
  tail?: number[];
}
const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  files: Record<string, Expected>;
  rejects: Record<string, string>;
  npz: Record<string, Record<string, Expected>>;
};

const ARRAY_CLASS: Record<string, string> = {
  float32: 'Float32Array', float64: 'Float64Array', uint8: 'Uint8Array', int8: 'Int8Array', uint16: 'Uint16Array',
  int16: 'Int16Array', int32: 'Int32Array', uint32: 'Uint32Array', int64: 'Float64Array', bool: 'Uint8Array',
};

function checkArray(a: NpyArray, e: Expected, label: string): void {
  assert.equal(a.dtype, e.dtype, label);
  assert.deepEqual(a.shape, e.shape, label);
  assert.equal(a.data.constructor.name, ARRAY_CLASS[e.dtype], label);
  const got = Array.from(a.data as ArrayLike<number>);
  if (e.values) {
    assert.deepEqual(got, e.values.map((v) => (typeof v === 'boolean' ? Number(v) : v)), label);
    return;
  }
  // A large array comes with numpy's exact checksums instead of every value.
  assert.equal(got.length, e.count, label);
  assert.equal(got.reduce((s, v) => s + v, 0), e.sum, label);
  assert.equal(got.reduce((s, v, i) => s + (i + 1) * v, 0), e.weighted_sum, label);
  assert.deepEqual(got.slice(0, 32), e.head, label);
  assert.deepEqual(got.slice(-32), e.tail, label);
}

/** An .npy with a hand-written header (padded as numpy pads it), for header and error cases numpy never writes. */
function npyWithHeader(dict: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const len = dict.length + 1 + 64 - ((pre + dict.length + 1) % 64);
  const out = new Uint8Array(pre + len + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, len, true);
  else view.setUint32(8, len, true);
  out.set(Buffer.from(dict.padEnd(len - 1, ' ') + '\n', 'latin1'), pre);
  out.set(data, pre + len);
  return out;
}

describe('parseNpy on NumPy-written files', () => {
  for (const [name, e] of Object.entries(EXPECTED.files)) {
    test(`${name}: ${e.dtype} (${e.shape.join(', ')})`, () => checkArray(parseNpy(fixture(name), name), e, name));
  }

  test('headers report layout, version 2.0/3.0 offsets and byte order', () => {
    const h = parseNpyHeader(fixture('float32_be.npy'), 'be');
    assert.deepEqual(h, { dtype: 'float32', shape: [2, 3], fortranOrder: false, dataOffset: 128, itemSize: 4, littleEndian: false });
    assert.equal(parseNpyHeader(fixture('v3.npy'), 'v3').dataOffset, 128);
    assert.equal(parseNpyHeader(fixture('fortran.npy'), 'f').fortranOrder, true);
    // Only the header is needed, not the data.
    assert.deepEqual(parseNpyHeader(fixture('images_u8.npy').subarray(0, 128), 'img').shape, [6, 28, 28]);
  });

  test('the header parser takes any valid Python dict literal, not just numpy 2.x spelling', () => {
    const data = new Uint8Array(new Float64Array([1.5, -2]).buffer);
    for (const dict of [
      `{"shape": (2,), "fortran_order": False, "descr": "<f8"}`,
      `{ 'descr' : '<f8' ,'fortran_order':False,'shape':( 2 , ) }`,
      `{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }`, // Python 2 numpy wrote longs as 2L
      `{'descr': '<f8', 'fortran_order': False, 'shape': [2], 'extra': {'a': (None, True, "x\\"y")}}`,
    ]) {
      assert.deepEqual(Array.from(parseNpy(npyWithHeader(dict, data), dict).data), [1.5, -2], dict);
    }
    const f = parseNpy(npyWithHeader(`{'descr': '<f8', 'fortran_order': True, 'shape': (1, 2), }`, data), 'f');
    assert.deepEqual(f.shape, [1, 2]); // one axis longer than 1: Fortran and C order are the same bytes
    // numpy reads any nonzero byte of a bool array as True.
    const b = parseNpy(npyWithHeader(`{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }`, new Uint8Array([0, 2, 255])));
    assert.deepEqual(b.data, new Uint8Array([0, 1, 1]));
  });
});

describe('errors', () => {
  for (const [name, fragment] of Object.entries(EXPECTED.rejects)) {
    test(`${name} is rejected naming the file and "${fragment}"`, () => {
      assert.throws(
        () => parseNpy(fixture(name), name),
        (err: Error) => err.message.startsWith(`${name}: `) && err.message.includes(fragment) && !err.message.includes('\n'),
      );
    });
  }

  test('the messages say what to do', () => {
    assert.throws(() => parseNpy(fixture('object.npy'), 'o.npy'), /^NpyError: o\.npy: object arrays cannot be read; save a numeric array/);
    assert.throws(() => parseNpy(fixture('fortran.npy'), 'f.npy'), /f\.npy: array of shape \(2, 3\) is in Fortran order; save it with np\.ascontiguousarray\(a\) first/);
    assert.throws(() => parseNpy(fixture('strings_u5.npy'), 's.npy'), /s\.npy: unsupported dtype '<U5'/);
    assert.throws(() => parseNpy(fixture('int64_big.npy'), 'b.npy'), /b\.npy: int64 element 1 \(index \[1\]\) is 9007199254740993, beyond ±2\^53/);
  });

  test('magic, version, header and truncation', () => {
    assert.throws(() => parseNpy(new Uint8Array([1, 2, 3]), 'x.bin'), /^NpyError: x\.bin: not an \.npy file \(it does not start with the magic string/);
    assert.throws(() => parseNpy(fixture('xy.npz'), 'z'), /z: not an \.npy file/);
    const v4 = fixture('float32.npy');
    v4[6] = 4;
    assert.throws(() => parseNpy(v4, 'v4'), /v4: unsupported \.npy format version 4\.0 \(aekit reads 1\.0, 2\.0 and 3\.0\)/);
    v4[6] = 1;
    v4[7] = 1;
    assert.throws(() => parseNpy(v4, 'v11'), /unsupported \.npy format version 1\.1/);
    assert.throws(() => parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (2,`), 'h'), /^NpyError: h: unparseable header \(/);
    assert.throws(() => parseNpy(npyWithHeader(`__import__('os')`), 'h'), /h: unparseable header/);
    assert.throws(() => parseNpy(npyWithHeader(`{'descr': '<f4', 'shape': (2,)}`), 'h'), /h: unparseable header: it needs 'descr', 'fortran_order'/);
    assert.throws(() => parseNpy(npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}`), 'h'), /shape \[-1\] is not a tuple of non-negative integers/);
    // A '__proto__' key is just a key: 'descr' is still missing.
    assert.throws(() => parseNpy(npyWithHeader(`{'__proto__': {'descr': '<f4'}, 'fortran_order': False, 'shape': (1,)}`), 'h'), /it needs 'descr'/);
    assert.throws(
      () => parseNpy(npyWithHeader(`{'descr': '<f4',\n 'shape': (2,)}`), 'h'),
      (err: Error) => /h: unparseable header/.test(err.message) && !err.message.includes('\n'),
    );
    assert.throws(() => parseNpy(npyWithHeader(`{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}`), 'h'), /h: unsupported dtype \[\["a","<f4"\]\] \(structured arrays/);
    assert.throws(() => parseNpy(npyWithHeader(`{'descr': '<f2', 'fortran_order': False, 'shape': (1,)}`), 'h'), /h: unsupported dtype '<f2'/);
    assert.throws(() => parseNpy(fixture('float32.npy').subarray(0, 60), 't'), /t: unparseable header: it needs 128 bytes but the file has 60/);
    const short = fixture('float32.npy').subarray(0, 128 + 40);
    assert.throws(() => parseNpy(short, 'short.npy'), /short\.npy: data is 40 bytes but shape \(3, 4\) of float32 needs 48 bytes/);
  });

  test('corrupt and incomplete .npz archives', () => {
    const npz = fixture('xy.npz');
    assert.throws(() => parseNpz(npz.subarray(0, npz.length - 30), 'cut.npz'), /^NpyError: cut\.npz: corrupt \.npz \(zip\): no end-of-central-directory record/);
    const flipped = Buffer.from(npz);
    flipped[200] ^= 0xff; // inside x.npy's stored data
    assert.throws(() => parseNpz(flipped, 'crc.npz'), /crc\.npz: corrupt \.npz \(zip\): entry x\.npy fails its CRC-32 check/);
    const zc = Buffer.from(fixture('xy_compressed.npz'));
    zc[120] ^= 0x55; // inside the first deflate stream
    assert.throws(() => parseNpz(zc, 'zc.npz'), /zc\.npz: corrupt \.npz \(zip\): entry x\.npy/);
    assert.throws(() => parseNpz(new TextEncoder().encode('hello'), 'h.npz'), /h\.npz: not an \.npz file \(not a zip archive\)/);
    assert.throws(() => parseNpz(fixture('float32.npy'), 'f.npy'), /f\.npy: is an \.npy file, not an \.npz/);
    assert.throws(() => parseNpz(npz, 'xy.npz', ['x', 'labels']), /^NpyError: xy\.npz: has no array "labels" \(it holds: x, y\)$/);
  });
});

describe('parseNpz on NumPy-written archives', () => {
  for (const [name, arrays] of Object.entries(EXPECTED.npz)) {
    test(`${name}`, () => {
      const got = parseNpz(fixture(name), name);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(arrays).sort());
      for (const [key, e] of Object.entries(arrays)) checkArray(got[key], e, `${name}:${key}`);
    });
  }

  test('`only` decodes just the named arrays; an entry names itself in errors', () => {
    assert.deepEqual(Object.keys(parseNpz(fixture('xy_compressed.npz'), 'z', ['y'])), ['y']);
    // A hand-made stored zip whose .npy entry is an object array.
    const zip = storedZip('bad.npy', new Uint8Array(fixture('object.npy')));
    assert.throws(() => parseNpz(zip, 'hand.npz'), /hand\.npz\[bad\.npy\]: object arrays cannot be read/);
    assert.deepEqual(Object.keys(parseNpz(storedZip('x.npy', deflateRawSync(fixture('uint8.npy')), fixture('uint8.npy')), 'd')), ['x']);
  });
});

/** A one-entry zip (no zip64), stored or, when `plain` is given, deflated from it. */
function storedZip(name: string, body: Uint8Array, plain?: Uint8Array): Uint8Array {
  const content = plain ?? body;
  let c = 0xffffffff;
  for (const b of content) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  const crc = (c ^ 0xffffffff) >>> 0;
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(plain ? 8 : 0, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(plain ? 8 : 0, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(n.length, 28);
  const dirOffset = 30 + n.length + body.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(dirOffset, 16);
  return Buffer.concat([local, n, body, central, n, end]);
}

describe('encodeNpy', () => {
  test('writes the same bytes as numpy 2.x np.save', () => {
    for (const name of ['float32.npy', 'float64.npy', 'int32.npy', 'uint8.npy', 'cube_f32.npy', 'images_u8.npy', 'empty_rows.npy', 'scalar.npy', 'aligned_header.npy']) {
      const a = parseNpy(fixture(name), name);
      const data = a.data as Float32Array | Float64Array | Int32Array | Uint8Array;
      assert.ok(Buffer.from(encodeNpy(data, a.shape)).equals(fixture(name)), name);
    }
  });

  test('round trips through parseNpy with the data 64-byte aligned, for many header lengths', () => {
    const shapes = [[0], [1], [7], [3, 4], [2, 3, 4], [1, 1, 1, 1, 1, 2], [123456789, 0], Array(20).fill(1)];
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      for (const data of [
        Float32Array.from({ length: n }, (_, i) => i / 3 - 1),
        Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e300),
        Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0),
        Uint8Array.from({ length: n }, (_, i) => (i * 37) & 255),
      ]) {
        const bytes = encodeNpy(data, shape);
        const h = parseNpyHeader(bytes, 'enc');
        assert.equal(h.dataOffset % 64, 0);
        assert.equal(bytes[h.dataOffset - 1], 0x0a);
        const back = parseNpy(bytes, 'enc');
        assert.deepEqual(back.shape, shape);
        assert.deepEqual(back.data, data);
      }
    }
    const sub = new Float32Array([9, 1, 2, 9]).subarray(1, 3); // a view: only its own bytes are written
    assert.deepEqual(Array.from(parseNpy(encodeNpy(sub, [2])).data), [1, 2]);
  });

  test('rejects a shape that does not match the data', () => {
    assert.throws(() => encodeNpy(new Float32Array(6), [4, 2]), /encodeNpy: shape \[4, 2\] has 8 elements but the data has 6/);
    assert.throws(() => encodeNpy(new Float32Array(0), [-1]), /non-negative integers/);
  });

  const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  const skip = numpy.status === 0 ? false : 'python3 with numpy is not available (`python3 -c "import numpy"` failed)';
  test('numpy np.load reads what encodeNpy/writeNpyFile wrote', { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-npy-np-'));
    try {
      const cases: [string, Float32Array | Float64Array | Int32Array | Uint8Array, number[], string][] = [
        ['f4.npy', Float32Array.from([0.5, -1.25, 3, 1e-8, 7, -0]), [2, 3], 'float32'],
        ['f8.npy', Float64Array.from([Math.PI, -1e300, 5e-324, 2]), [4], 'float64'],
        ['i4.npy', Int32Array.from([-2147483648, 0, 2147483647, 5]), [2, 1, 2], 'int32'],
        ['u1.npy', Uint8Array.from([0, 255, 128]), [3], 'uint8'],
        ['empty.npy', new Float32Array(0), [0, 5], 'float32'],
      ];
      for (const [name, data, shape] of cases) writeNpyFile(join(dir, name), data, shape);
      const script =
        'import sys, json, numpy as np\n' +
        'for p in sys.argv[1:]:\n' +
        '    a = np.load(p, allow_pickle=False)\n' +
        '    print(json.dumps([str(a.dtype), list(a.shape), a.flags["C_CONTIGUOUS"], a.ravel().tolist()]))\n';
      const r = spawnSync('python3', ['-c', script, ...cases.map((c) => join(dir, c[0]))], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      cases.forEach(([name, data, shape, dtype], i) => {
        assert.deepEqual(lines[i], [dtype, shape, true, Array.from(data)], name);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npy files on disk', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aekit-npy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('readRows ranges equal slices of the whole array', () => {
    for (const name of ['images_u8.npy', 'cube_f32.npy', 'int64.npy', 'int64_be.npy', 'float32_be.npy', 'bool.npy', 'uint16.npy', 'v2.npy', 'v3.npy']) {
      const whole = parseNpy(fixture(name), name);
      const f = openNpyFile(join(FIXTURES, name));
      try {
        assert.equal(f.dtype, whole.dtype);
        assert.deepEqual(f.shape, whole.shape);
        assert.equal(f.rows, whole.shape[0]);
        assert.equal(f.rowSize, whole.shape.slice(1).reduce((a, b) => a * b, 1));
        for (let s = 0; s <= f.rows; s++) {
          for (let e = s; e <= f.rows; e++) {
            const part = f.readRows(s, e);
            assert.equal(part.constructor, whole.data.constructor, name);
            assert.deepEqual(part, whole.data.slice(s * f.rowSize, e * f.rowSize), `${name} rows ${s}..${e}`);
          }
        }
      } finally {
        f.close();
      }
      assert.deepEqual(readNpyFile(join(FIXTURES, name)), whole);
    }
    const empty = openNpyFile(join(FIXTURES, 'empty_rows.npy'));
    assert.equal(empty.rows, 0);
    assert.equal(empty.rowSize, 3);
    assert.deepEqual(empty.readRows(0, 0), new Float32Array(0));
    empty.close();
  });

  test('a 6 GB file is streamed: only the rows asked for are read', () => {
    // Sparse on disk: the header, one value in the first row and the last two rows are all that is written.
    const rows = 1_572_864;
    const cols = 1024; // rows * cols * 4 bytes = 6 GiB
    const head = npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`);
    const p = join(dir, 'big.npy');
    const fd = openSync(p, 'w');
    const tail = Float32Array.from({ length: 2 * cols }, (_, i) => i - 0.5);
    writeSync(fd, head, 0, head.length, 0);
    writeSync(fd, new Uint8Array(new Float32Array([42]).buffer), 0, 4, head.length);
    writeSync(fd, new Uint8Array(tail.buffer), 0, tail.byteLength, head.length + (rows - 2) * cols * 4);
    closeSync(fd);
    const f = openNpyFile(p);
    try {
      assert.deepEqual([f.rows, f.rowSize], [rows, cols]);
      assert.deepEqual(f.readRows(rows - 2, rows), tail);
      assert.equal(f.readRows(0, 1)[0], 42);
      assert.deepEqual(f.readRows(1000, 1001), new Float32Array(cols));
    } finally {
      f.close();
      rmSync(p);
    }
  });

  test('errors name the file', () => {
    const f = openNpyFile(join(FIXTURES, 'cube_f32.npy'));
    assert.throws(() => f.readRows(2, 5), /cube_f32\.npy: readRows\(2, 5\) is outside rows 0\.\.4/);
    assert.throws(() => f.readRows(3, 2), RangeError);
    assert.throws(() => f.readRows(0.5, 2), RangeError);
    f.close();
    f.close();
    assert.throws(() => f.readRows(0, 1), /readRows after close\(\)/);
    const big = openNpyFile(join(FIXTURES, 'int64_big.npy'));
    assert.equal(big.readRows(0, 1)[0], 0);
    assert.throws(() => big.readRows(1, 2), /int64_big\.npy: int64 element 1 \(index \[1\]\) is 9007199254740993/);
    big.close();
    assert.throws(() => openNpyFile(join(FIXTURES, 'scalar.npy')), /scalar\.npy: a 0-d array .* has no rows; read it with readNpyFile/);
    assert.deepEqual(Array.from(readNpyFile(join(FIXTURES, 'scalar.npy')).data), [3.5]);
    assert.throws(() => openNpyFile(join(FIXTURES, 'fortran.npy')), /fortran\.npy: array of shape \(2, 3\) is in Fortran order/);
    assert.throws(() => openNpyFile(join(FIXTURES, 'object.npy')), /object\.npy: object arrays cannot be read/);
    assert.throws(() => openNpyFile(join(dir, 'missing.npy')), /cannot read \.npy file .*missing\.npy/);
    const cut = join(dir, 'cut.npy');
    writeFileSync(cut, fixture('images_u8.npy').subarray(0, 128 + 1000));
    assert.throws(() => openNpyFile(cut), /cut\.npy: data is 1000 bytes but shape \(6, 28, 28\) of uint8 needs 4704 bytes/);
    assert.throws(() => readNpyFile(cut), /data is 1000 bytes/);
    writeFileSync(cut, fixture('images_u8.npy').subarray(0, 100));
    assert.throws(() => openNpyFile(cut), /cut\.npy: unparseable header: it needs 128 bytes but the file has 100/);
    writeFileSync(cut, 'PK');
    assert.throws(() => openNpyFile(cut), /cut\.npy: not an \.npy file/);
    assert.throws(() => readNpzFile(join(dir, 'missing.npz')), /cannot read \.npz file/);
  });

  test('readNpzFile and an atomic writeNpyFile', () => {
    const z = readNpzFile(join(FIXTURES, 'xy_compressed.npz'), ['x']);
    checkArray(z.x, EXPECTED.npz['xy_compressed.npz'].x, 'x');
    const p = join(dir, 'out.npy');
    const data = Float32Array.from({ length: 12 }, (_, i) => i * 0.25);
    writeNpyFile(p, data, [4, 3]);
    writeNpyFile(p, data, [3, 4]); // overwrites in place of the old file
    assert.deepEqual(readNpyFile(p), { dtype: 'float32', shape: [3, 4], data });
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('out.npy')), ['out.npy']); // no temp file left
    assert.throws(() => writeNpyFile(p, data, [5]), /shape \[5\] has 5 elements but the data has 12/);
    assert.deepEqual(readNpyFile(p).shape, [3, 4]);
  });
});
