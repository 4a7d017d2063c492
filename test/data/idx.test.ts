import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, readIdxFile } from '../../src/data/idx.js';

/** Builds an IDX file: magic 0x0000 <type> <ndim>, big-endian dims, then data. */
function idx(dims: number[], data: number[], type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

describe('parseIdx', () => {
  test('reads dims and uint8 data', () => {
    const r = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 255]));
    assert.deepEqual(r.dims, [2, 3]);
    assert.deepEqual(Array.from(r.data), [1, 2, 3, 4, 5, 255]);
  });

  test('rejects a bad magic number, naming the file', () => {
    const b = idx([2], [1, 2]);
    b[0] = 0x12;
    assert.throws(() => parseIdx(b, 'x.idx'), /x\.idx.*bad magic number/);
  });

  test('rejects unsupported types, naming the type', () => {
    assert.throws(() => parseIdx(idx([1], [0, 0, 0, 0], 0x0d), 'f.idx'), /f\.idx.*unsupported data type 0x0D \(float32\)/);
  });

  test('rejects ndim 0 and ndim > 4', () => {
    assert.throws(() => parseIdx(idx([], []), 'a'), /number of dimensions 0/);
    assert.throws(() => parseIdx(idx([1, 1, 1, 1, 1], [7]), 'a'), /number of dimensions 5/);
  });

  test('rejects truncated headers and data, and extra bytes', () => {
    const b = idx([2, 2], [1, 2, 3, 4]);
    assert.throws(() => parseIdx(b.subarray(0, 2), 'h'), /h: truncated/);
    assert.throws(() => parseIdx(b.subarray(0, 8), 'h'), /h: truncated header/);
    assert.throws(() => parseIdx(b.subarray(0, 14), 'd'), /d: truncated: expected 16 bytes.*file has 14/);
    const extra = new Uint8Array(19);
    extra.set(b);
    assert.throws(() => parseIdx(extra, 'e'), /e: has 3 extra bytes/);
  });
});

describe('readIdxFile', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aekit-idx-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reads plain and gzipped files', () => {
    const bytes = idx([3], [9, 8, 7]);
    writeFileSync(join(dir, 'ok-idx1-ubyte'), bytes);
    writeFileSync(join(dir, 'ok-idx1-ubyte.gz'), gzipSync(bytes));
    for (const name of ['ok-idx1-ubyte', 'ok-idx1-ubyte.gz']) {
      const r = readIdxFile(join(dir, name));
      assert.deepEqual(r.dims, [3]);
      assert.deepEqual(Array.from(r.data), [9, 8, 7]);
    }
  });

  test('a truncated file is rejected with the path and sizes in the message', () => {
    const p = join(dir, 'trunc-idx3-ubyte');
    writeFileSync(p, idx([2, 28, 28], new Array(2 * 784).fill(1)).subarray(0, 16 + 784));
    assert.throws(
      () => readIdxFile(p),
      (e: Error) => e.message.includes(p) && /truncated: expected 1584 bytes.*file has 800/.test(e.message),
    );
  });

  test('a wrong-magic file is rejected with the path in the message', () => {
    const p = join(dir, 'wrong-magic');
    writeFileSync(p, Buffer.from('PK\x03\x04 this is not an IDX file'));
    assert.throws(() => readIdxFile(p), (e: Error) => e.message.includes(p) && /bad magic number 0x504B0304/.test(e.message));
  });

  test('a missing file is reported with its path', () => {
    const p = join(dir, 'nope');
    assert.throws(() => readIdxFile(p), (e: Error) => e.message.includes(p));
  });
});
