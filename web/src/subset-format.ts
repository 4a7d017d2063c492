/**
 * The built-in data subsets' file (dist-web/data/NAME.bin, written by scripts/data-subset.ts): gzip of
 *   "AEKS", u32 little-endian header length, a JSON header (SubsetHeader), then the train pixels (u8,
 *   train x h x w x c), the train labels (u8), the test pixels and the test labels.
 * Raw bytes behind gzip keep the page's decoding to the browser's own DecompressionStream, and the file
 * works on any static host (no Content-Encoding needed).
 */
export interface SubsetHeader {
  name: string;
  title: string;
  height: number;
  width: number;
  channels: number;
  train: number;
  test: number;
  classNames: string[] | null;
}

export interface Subset {
  header: SubsetHeader;
  trainPixels: Uint8Array;
  trainLabels: Uint8Array;
  testPixels: Uint8Array;
  testLabels: Uint8Array;
}

const MAGIC = 'AEKS';

export function encodeSubset(s: Subset): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(s.header));
  const parts = [s.trainPixels, s.trainLabels, s.testPixels, s.testLabels];
  const out = new Uint8Array(8 + json.length + parts.reduce((a, p) => a + p.length, 0));
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Decodes an uncompressed subset, checking every size against the header. */
export function decodeSubset(bytes: Uint8Array, what: string): Subset {
  const bad = (why: string): Error => new Error(`${what} is not a data subset file: ${why}`);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw bad('wrong magic');
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + n > bytes.length) throw bad('truncated header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as SubsetHeader;
  const px = header.height * header.width * header.channels;
  const sizes = [header.train * px, header.train, header.test * px, header.test];
  if (8 + n + sizes.reduce((a, b) => a + b, 0) !== bytes.length) throw bad(`size ${bytes.length} does not match its header`);
  let o = 8 + n;
  const [trainPixels, trainLabels, testPixels, testLabels] = sizes.map((s) => bytes.subarray(o, (o += s)));
  return { header, trainPixels, trainLabels, testPixels, testLabels };
}
