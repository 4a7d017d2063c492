import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodePng, encodePng, toGray01, writePng, type RasterImage } from '../../src/viz/png.js';

function pattern(width: number, height: number, channels: 1 | 3 | 4): RasterImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 255;
  return { width, height, channels, data };
}

/** Expand an image to RGBA the way a PNG decoder does (grey -> r=g=b, missing alpha -> 255). */
function toRgba(img: RasterImage): Uint8Array {
  const out = new Uint8Array(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    const s = p * img.channels;
    const [r, g, b] = img.channels === 1 ? [img.data[s], img.data[s], img.data[s]] : [img.data[s], img.data[s + 1], img.data[s + 2]];
    out.set([r, g, b, img.channels === 4 ? img.data[s + 3] : 255], p * 4);
  }
  return out;
}

describe('encodePng / decodePng', () => {
  for (const channels of [1, 3, 4] as const) {
    test(`round trip, ${channels} channel(s)`, () => {
      const img = pattern(7, 5, channels);
      const bytes = encodePng(img);
      assert.ok(bytes instanceof Uint8Array);
      assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
      const back = decodePng(bytes);
      assert.equal(back.width, 7);
      assert.equal(back.height, 5);
      assert.equal(back.channels, 4);
      assert.deepEqual(back.data, toRgba(img));
    });
  }

  test('deterministic: same image, same bytes', () => {
    const img = pattern(16, 9, 3);
    assert.deepEqual(encodePng(img), encodePng({ ...img, data: new Uint8Array(img.data) }));
  });

  test('works on a subarray view', () => {
    const big = new Uint8Array(100).fill(9);
    const data = big.subarray(10, 10 + 12);
    data.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const back = decodePng(encodePng({ width: 2, height: 2, channels: 3, data }));
    assert.deepEqual([...back.data.subarray(0, 4)], [1, 2, 3, 255]);
    assert.deepEqual([...back.data.subarray(12, 16)], [10, 11, 12, 255]);
  });

  test('data length mismatch is a clear error', () => {
    assert.throws(
      () => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }),
      /encodePng: data has 11 bytes but 2x2x3 needs 12/,
    );
  });

  test('bad dimensions and channels are rejected', () => {
    assert.throws(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) }), /positive integers/);
    assert.throws(() => encodePng({ width: 1.5, height: 2, channels: 1, data: new Uint8Array(3) }), /positive integers/);
    assert.throws(
      () => encodePng({ width: 1, height: 1, channels: 2 as 1, data: new Uint8Array(2) }),
      /channels must be 1, 3 or 4, got 2/,
    );
  });

  test('decodePng rejects non-PNG bytes', () => {
    assert.throws(() => decodePng(new Uint8Array([1, 2, 3, 4])), /decodePng: not a readable PNG/);
  });
});

describe('writePng / toGray01', () => {
  test('writePng writes a decodable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-png-'));
    try {
      const img = pattern(4, 3, 1);
      const path = join(dir, 'a.png');
      writePng(path, img);
      const back = decodePng(new Uint8Array(readFileSync(path)));
      assert.deepEqual(back.data, toRgba(img));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('toGray01 maps grey bytes to [0,1] and RGB through luma', () => {
    const g = toGray01({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 255]) });
    assert.deepEqual([...g], [0, 1]);
    const rgb = toGray01({ width: 1, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 0]) });
    assert.ok(Math.abs(rgb[0] - 0.299) < 1e-6);
  });
});
