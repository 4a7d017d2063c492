/**
 * PNG/JPEG decoding, channel conversion, area resizing and folder reading, checked against Pillow
 * (test/fixtures/data/images/, made by scripts/fixtures/images.py; see the README there).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, listImageFolder, loadImageFolder, type ImageSet } from '../../src/data/image-folder.js';
import { fromImageData, resizeArea, toChannels } from '../../src/data/image-pixels.js';
import { resizeArea as resizeGrey } from '../../src/viz/resize.js';
import { assertClose } from '../helpers.js';

const FIX = fileURLToPath(new URL('../fixtures/data/images/', import.meta.url));

interface Pixels { width: number; height: number; channels: number; data: number[]; mode?: string; data16?: number[] }
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as {
  decoded: Record<string, Pixels>;
  rgb32: Record<string, { sha256: string; mean: number[] }>;
  box: Record<string, Pixels>;
  area: Record<string, Pixels>;
};

const read = (name: string): Uint8Array => readFileSync(join(FIX, name));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length, 'lengths');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
/** Area-averaged floats as bytes, the way loadImageFolder stores them (round half up). */
const bytes = (f: Float32Array): number[] => Array.from(f, (v) => Math.min(255, Math.max(0, Math.floor(v + 0.5))));
/** Image k of an ImageSet. */
const sample = (set: ImageSet, k: number): Uint8Array => {
  const size = set.height * set.width * set.channels;
  return set.data.subarray(k * size, (k + 1) * size);
};

describe('decodeImage vs Pillow', () => {
  for (const [name, channels] of [['grey.png', 1], ['rgb.png', 3], ['rgba.png', 4], ['greya.png', 2], ['grey16.png', 1]] as const) {
    test(`${name}: ${channels} channel(s), the same bytes as Pillow`, () => {
      const img = decodeImage(read(name), name);
      const want = expected.decoded[name];
      assert.deepEqual([img.width, img.height, img.channels], [want.width, want.height, channels]);
      assert.deepEqual([...img.data], want.data);
    });
  }

  test('16-bit grey is scaled to 8 bits as floor(v * 255 / 65535 + 0.5)', () => {
    const { data16 } = expected.decoded['grey16.png'];
    const img = decodeImage(read('grey16.png'), 'grey16.png');
    assert.deepEqual([...img.data], data16!.map((v) => Math.floor((v * 255) / 65535 + 0.5)));
    assert.deepEqual([img.data[0], img.data[1], img.data[47]], [0, 0, 255]); // 0, 128 and 65535
  });

  test('palette.png (4-bit palette): looked up to RGB as Pillow does', () => {
    const img = decodeImage(read('palette.png'), 'palette.png');
    assert.equal(img.channels, 3);
    assert.deepEqual([...img.data], expected.decoded['palette.png'].data);
  });

  // Pillow (libjpeg) and jpeg-js use different IDCTs and colour conversions; 4:4:4 rules out upsampling.
  for (const [name, channels] of [['rgb.jpg', 3], ['progressive.jpg', 3], ['grey.jpg', 1], ['flat/b.JPG', 1]] as const) {
    test(`${name}: ${channels} channel(s), within 3 of Pillow's decode`, () => {
      const img = decodeImage(read(name), name);
      const want = expected.decoded[name];
      assert.deepEqual([img.width, img.height, img.channels], [want.width, want.height, channels]);
      assert.ok(maxDiff(img.data, want.data) <= 3, `max |diff| ${maxDiff(img.data, want.data)}`);
    });
  }

  test('the format comes from the bytes, not the extension', () => {
    assert.equal(decodeImage(read('rgb.png'), 'photo.jpg').channels, 3);
    assert.equal(decodeImage(read('grey.jpg'), 'scan.png').channels, 1);
  });

  test('errors name the file, say what is wrong, and fit on one line', () => {
    const cases: [Uint8Array, string, RegExp][] = [
      [read('bad.png'), 'bad.png', /^bad\.png: not a PNG or JPEG file \(it starts with bytes 74 68 69 73/],
      [new Uint8Array(0), 'empty.png', /^empty\.png: the file is empty/],
      [read('rgb.png').subarray(0, 60), 'cut.png', /^cut\.png: cannot decode PNG: /],
      [read('rgb.jpg').subarray(0, 400), 'cut.jpg', /^cut\.jpg: cannot decode JPEG: /],
      [read('rgb.jpg').subarray(0, 20), 'head.jpg', /^head\.jpg: cannot decode JPEG: no frame header/],
      [read('cmyk.jpg'), 'cmyk.jpg', /^cmyk\.jpg: cannot decode JPEG: CMYK \(4-component\) JPEG; only grey and RGB/],
      [new TextEncoder().encode('GIF89a\x01\x00'), 'anim.png', /^anim\.png: a GIF file; only PNG and JPEG/],
    ];
    for (const [data, name, re] of cases) {
      assert.throws(() => decodeImage(data, name), (e: Error) => re.test(e.message) && !e.message.includes('\n'), name);
    }
  });
});

describe('toChannels', () => {
  test('grey -> RGB replicates; RGB -> grey is BT.601 luma, rounded', () => {
    assert.deepEqual([...toChannels(Uint8Array.from([0, 7, 255]), 3, 1, 1, 3)], [0, 0, 0, 7, 7, 7, 255, 255, 255]);
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30]);
    // 76.245, 149.685, 29.07, 255, 2.99 + 11.74 + 3.42 = 18.15
    assert.deepEqual([...toChannels(rgb, 5, 1, 3, 1)], [76, 150, 29, 255, 18]);
  });

  test('alpha is composited over black: value * alpha / 255, transparent -> 0', () => {
    const rgba = Uint8Array.from([200, 100, 50, 0, 200, 100, 50, 255, 200, 100, 50, 128]);
    assert.deepEqual([...toChannels(rgba, 3, 1, 4, 3)], [0, 0, 0, 200, 100, 50, 100, 50, 25]);
    // luma 124.2, then * 128 / 255 = 62.34
    assert.deepEqual([...toChannels(rgba, 3, 1, 4, 1)], [0, 124, 62]);
    const ga = Uint8Array.from([255, 128, 90, 0, 90, 255]);
    assert.deepEqual([...toChannels(ga, 3, 1, 2, 1)], [128, 0, 90]);
    assert.deepEqual([...toChannels(ga, 3, 1, 2, 3)], [128, 128, 128, 0, 0, 0, 90, 90, 90]);
  });

  test('on the RGBA and LA fixtures, against the closed form on Pillow\'s pixels', () => {
    const rgba = expected.decoded['rgba.png'].data;
    const img = decodeImage(read('rgba.png'), 'rgba.png');
    const want = rgba.flatMap((v, i) => (i % 4 === 3 ? [] : [Math.round((v * rgba[i - (i % 4) + 3]) / 255)]));
    assert.deepEqual([...toChannels(img.data, 8, 6, 4, 3)], want);
    assert.ok(want.includes(0) && rgba.includes(0), 'the fixture has transparent pixels');
    const la = expected.decoded['greya.png'].data;
    const grey = decodeImage(read('greya.png'), 'greya.png');
    assert.deepEqual([...toChannels(grey.data, 8, 6, 2, 1)], la.filter((_, i) => i % 2 === 0).map((v, i) => Math.round((v * la[2 * i + 1]) / 255)));
  });

  test('same channels -> a copy; bad sizes are errors', () => {
    const src = Uint8Array.from([1, 2, 3]);
    const out = toChannels(src, 1, 1, 3, 3);
    assert.deepEqual([...out], [1, 2, 3]);
    assert.notEqual(out, src);
    assert.throws(() => toChannels(src, 2, 1, 3, 1), /3 values but 2x1x3 needs 6/);
    assert.throws(() => toChannels(src, 1, 1, 3, 2 as 1), /channels must be 1 or 3/);
  });

  test('fromImageData: canvas RGBA (Uint8ClampedArray) -> grey or RGB', () => {
    const data = Uint8ClampedArray.from([255, 0, 0, 255, 10, 20, 30, 0]);
    assert.deepEqual({ ...fromImageData({ width: 2, height: 1, data }, 1), data: [] }, { width: 2, height: 1, channels: 1, data: [] });
    assert.deepEqual([...fromImageData({ width: 2, height: 1, data }, 1).data], [76, 0]);
    assert.deepEqual([...fromImageData({ width: 2, height: 1, data }, 3).data], [255, 0, 0, 0, 0, 0]);
  });
});

describe('resizeArea (any channels)', () => {
  test('the same size is an exact copy', () => {
    const src = Uint8Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256);
    const out = resizeArea(src, 8, 6, 3, 8, 6);
    assert.ok(out instanceof Float32Array);
    assert.deepEqual([...out], [...src]);
  });

  test('2x2 -> 1x1 is the mean of each channel; 1x1 -> 2x2 repeats', () => {
    const src = Float32Array.from([0, 10, 100, 1, 20, 200, 2, 30, 0, 3, 40, 100]);
    assert.deepEqual([...resizeArea(src, 2, 2, 3, 1, 1)], [1.5, 25, 100]);
    assert.deepEqual([...resizeArea(Uint8Array.from([7, 9]), 1, 1, 2, 2, 2)], [7, 9, 7, 9, 7, 9, 7, 9]);
  });

  test('each channel is resized as the grey resize does it alone (fractional ratio)', () => {
    const src = Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 53) % 256);
    const out = resizeArea(src, 7, 5, 3, 3, 4);
    for (let k = 0; k < 3; k++) {
      const plane = Float32Array.from({ length: 35 }, (_, i) => src[i * 3 + k]);
      const alone = resizeGrey({ width: 7, height: 5, data: plane }, 3, 4).data;
      assertClose(out.filter((_, i) => i % 3 === k), alone, 1e-4, 0, `channel ${k}`);
    }
  });

  test('vs Pillow BOX at integer ratios (32x32 RGB -> 16x16, 16x12 grey -> 8x6), within 1', () => {
    for (const id of Object.keys(expected.rgb32)) {
      const want = expected.box[`rgb32/${id}@16x16`];
      const img = decodeImage(read(`rgb32/${id}`), id);
      const got = bytes(resizeArea(img.data, 32, 32, 3, 16, 16));
      assert.ok(maxDiff(got, want.data) <= 1, `${id}: max |diff| ${maxDiff(got, want.data)}`);
    }
    const c = decodeImage(read('flat/c.png'), 'c.png');
    const got = bytes(resizeArea(c.data, 16, 12, 1, 8, 6));
    assert.ok(maxDiff(got, expected.box['flat/c.png@8x6'].data) <= 1);
  });

  test('fractional ratio (32x32 -> 12x10) vs the exact area average in NumPy, within 1', () => {
    const img = decodeImage(read('rgb32/circle/0.png'), 'circle/0.png');
    const got = bytes(resizeArea(img.data, 32, 32, 3, 12, 10));
    const want = expected.area['rgb32/circle/0.png@12x10'].data;
    assert.ok(maxDiff(got, want) <= 1, `max |diff| ${maxDiff(got, want)}`);
  });

  test('errors: bad data length, bad target size', () => {
    assert.throws(() => resizeArea(new Uint8Array(5), 2, 1, 3, 1, 1), /5 values but 2x1x3 needs 6/);
    assert.throws(() => resizeArea(new Uint8Array(6), 2, 1, 3, 0, 1), /positive integers, got 0x1/);
  });
});

describe('loadImageFolder', () => {
  let tmp = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'aekit-images-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A fresh folder under tmp with the given files: fixture path to copy, string content, or null for a folder. */
  let made = 0;
  function folder(files: Record<string, string | null>): string {
    const dir = join(tmp, `case${made++}`);
    mkdirSync(dir);
    for (const [rel, what] of Object.entries(files)) {
      const p = join(dir, rel);
      mkdirSync(what === null ? p : join(p, '..'), { recursive: true });
      if (what === null) continue;
      if (what.startsWith('fixture:')) copyFileSync(join(FIX, what.slice(8)), p);
      else writeFileSync(p, what);
    }
    return dir;
  }

  test('rgb32/: two classes of 32x32 RGB, sorted, README.txt skipped, the bytes Pillow decodes', () => {
    const set = loadImageFolder(join(FIX, 'rgb32'));
    assert.deepEqual([set.n, set.height, set.width, set.channels, set.data.length], [6, 32, 32, 3, 6 * 32 * 32 * 3]);
    assert.deepEqual(set.classNames, ['circle', 'square']);
    assert.deepEqual([...set.labels!], [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(set.ids, ['circle/0.png', 'circle/1.png', 'circle/2.png', 'square/0.png', 'square/1.png', 'square/2.png']);
    assert.deepEqual(set.skipped, ['README.txt']);
    set.ids.forEach((id, k) => {
      assert.equal(createHash('sha256').update(sample(set, k)).digest('hex'), expected.rgb32[id].sha256, id);
    });
  });

  test('rgb32/ with size [16, 16]: Pillow BOX, within 1; and channels 1: Pillow convert("L") then BOX, within 1', () => {
    const rgb = loadImageFolder(join(FIX, 'rgb32'), { size: [16, 16] });
    const grey = loadImageFolder(join(FIX, 'rgb32'), { size: [16, 16], channels: 1 });
    assert.deepEqual([rgb.n, rgb.height, rgb.width, rgb.channels], [6, 16, 16, 3]);
    assert.deepEqual([grey.n, grey.height, grey.width, grey.channels, grey.data.length], [6, 16, 16, 1, 6 * 256]);
    rgb.ids.forEach((id, k) => {
      assert.ok(maxDiff(sample(rgb, k), expected.box[`rgb32/${id}@16x16`].data) <= 1, id);
      assert.ok(maxDiff(sample(grey, k), expected.box[`rgb32/${id}@16x16 L`].data) <= 1, `${id} grey`);
    });
  });

  test('limit keeps the first files across classes; class names stay complete', () => {
    const set = loadImageFolder(join(FIX, 'rgb32'), { limit: 4 });
    assert.deepEqual(set.ids, ['circle/0.png', 'circle/1.png', 'circle/2.png', 'square/0.png']);
    assert.deepEqual([...set.labels!], [0, 0, 0, 1]);
    assert.deepEqual(set.classNames, ['circle', 'square']);
    assert.equal(set.data.length, 4 * 32 * 32 * 3);
    assert.equal(loadImageFolder(join(FIX, 'rgb32'), { limit: 2, channels: 1 }).classNames?.length, 2);
  });

  test('flat/: unlabelled, all grey -> 1 channel, .JPG read, notes.csv skipped, resized to [8, 6]', () => {
    const set = loadImageFolder(join(FIX, 'flat'), { size: [8, 6] });
    assert.deepEqual([set.n, set.height, set.width, set.channels], [3, 6, 8, 1]);
    assert.deepEqual(set.ids, ['a.png', 'b.JPG', 'c.png']);
    assert.equal(set.labels, null);
    assert.equal(set.classNames, null);
    assert.deepEqual(set.skipped, ['notes.csv']);
    assert.deepEqual([...sample(set, 0)], expected.decoded['flat/a.png'].data);
    assert.ok(maxDiff(sample(set, 1), expected.decoded['flat/b.JPG'].data) <= 3);
    assert.ok(maxDiff(sample(set, 2), expected.box['flat/c.png@8x6'].data) <= 1);
    const rgb = loadImageFolder(join(FIX, 'flat'), { size: [8, 6], channels: 3 });
    assert.deepEqual([...sample(rgb, 0)], expected.decoded['flat/a.png'].data.flatMap((v) => [v, v, v]));
  });

  test('images of different sizes without size: error naming the file, both sizes and --image-size', () => {
    assert.throws(
      () => loadImageFolder(join(FIX, 'flat')),
      (e: Error) => e.message.includes(join(FIX, 'flat', 'c.png')) && /is 16x12 but .*a\.png is 8x6/.test(e.message) &&
        e.message.includes('--image-size WxH'),
    );
  });

  test('auto channels: a colour image after grey ones makes all RGB (grey replicated, alpha over black)', () => {
    const dir = folder({ '0.png': 'fixture:grey.png', '1.png': 'fixture:greya.png', '2.png': 'fixture:rgba.png', '3.png': 'fixture:grey.png' });
    const set = loadImageFolder(dir);
    assert.equal(set.channels, 3);
    const grey = expected.decoded['grey.png'].data;
    const la = expected.decoded['greya.png'].data;
    assert.deepEqual([...sample(set, 0)], grey.flatMap((v) => [v, v, v]));
    const composited = la.filter((_, i) => i % 2 === 0).map((v, i) => Math.round((v * la[2 * i + 1]) / 255));
    assert.deepEqual([...sample(set, 1)], composited.flatMap((v) => [v, v, v]));
    assert.deepEqual([...sample(set, 3)], grey.flatMap((v) => [v, v, v]));
    assert.equal(loadImageFolder(dir, { limit: 2 }).channels, 1);
  });

  test('sorting by code units; dotfiles and other files skipped, uppercase extensions read', () => {
    const dir = folder({
      'b.png': 'fixture:grey.png', 'B.PNG': 'fixture:grey.png', '10.jpeg': 'fixture:flat/b.JPG', '9.png': 'fixture:grey.png',
      '.DS_Store': 'x', '.thumbs/x.png': 'fixture:grey.png', 'list.csv': 'a\n',
    });
    const listing = listImageFolder(dir);
    assert.deepEqual(listing.ids, ['10.jpeg', '9.png', 'B.PNG', 'b.png']);
    assert.deepEqual(listing.skipped, ['.DS_Store', '.thumbs/', 'list.csv']);
    assert.equal(loadImageFolder(dir).n, 4);
  });

  test('errors: undecodable image named (never skipped), mixed layout, nesting, empty folders, missing folder', () => {
    const bad = folder({ 'a.png': 'fixture:grey.png', 'bad.png': 'fixture:bad.png' });
    assert.throws(() => loadImageFolder(bad), (e: Error) => e.message.startsWith(`${join(bad, 'bad.png')}: not a PNG or JPEG file`));
    const mixed = folder({ 'a.png': 'fixture:grey.png', 'cat/b.png': 'fixture:grey.png' });
    assert.throws(() => loadImageFolder(mixed), /has both images \(e\.g\. a\.png\) and sub-folders \(e\.g\. cat\/\)/);
    const deep = folder({ 'cat/a.png': 'fixture:grey.png', 'cat/more/b.png': 'fixture:grey.png' });
    assert.throws(() => loadImageFolder(deep), (e: Error) => e.message.startsWith(`${join(deep, 'cat', 'more')} is a folder inside class folder cat/`));
    assert.throws(() => loadImageFolder(folder({})), /has no images \(\.png, \.jpg, \.jpeg\): nothing in it/);
    assert.throws(() => loadImageFolder(folder({ 'README.txt': 'hi' })), /has no images .*: only other files, e\.g\. README\.txt/);
    const emptyClass = folder({ 'cat/a.png': 'fixture:grey.png', 'dog/notes.txt': 'x' });
    assert.throws(() => loadImageFolder(emptyClass), (e: Error) => e.message === `class folder ${join(emptyClass, 'dog')} has no images (.png, .jpg, .jpeg)`);
    assert.throws(() => loadImageFolder(join(tmp, 'nope')), /image folder .*nope does not exist/);
    assert.throws(() => loadImageFolder(join(FIX, 'grey.png')), /grey\.png is not a folder/);
  });

  test('option errors', () => {
    const dir = join(FIX, 'rgb32');
    assert.throws(() => loadImageFolder(dir, { limit: 0 }), /limit must be a positive integer, got 0/);
    assert.throws(() => loadImageFolder(dir, { size: [16, 0] }), /positive integers, got \[16,0\]/);
    assert.throws(() => loadImageFolder(dir, { channels: 2 as 1 }), /channels must be 1, 3 or 'auto', got 2/);
  });
});
