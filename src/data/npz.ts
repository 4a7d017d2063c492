/**
 * NumPy .npz reader (browser-safe): a zip of `<name>.npy` entries, stored (np.savez) or deflated
 * (np.savez_compressed), always with zip64 extra fields (numpy gh-10776). Each entry is read by npy.ts.
 */
import { inflateSync } from 'fflate';
import type { AekitErrorCode } from '../errors.js';
import { crc32 } from './crc32.js';
import { NPY_MAGIC, type NpyArray, npyFail, parseNpy } from './npy.js';

const TWO_32 = 4294967296;

/**
 * Reads the arrays of an .npz (keys without `.npy`). `only` decompresses just those arrays and fails naming any
 * the archive lacks. The zip directory is parsed here rather than by fflate's unzipSync, which neither checks
 * bounds nor CRCs, so a damaged archive would decode to silently wrong data.
 */
export function parseNpz(bytes: Uint8Array, source = '<.npz bytes>', only?: readonly string[]): Record<string, NpyArray> {
  const corrupt = (msg: string, code?: AekitErrorCode): never => npyFail(source, `corrupt .npz (zip): ${msg}`, code);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = (o: number, n: number): number => (o + n <= bytes.length ? o : corrupt(`offset ${o} is past the end`));
  const u16 = (o: number): number => view.getUint16(at(o, 2), true);
  const u32 = (o: number): number => view.getUint32(at(o, 4), true);
  const u64 = (o: number): number => u32(o) + u32(o + 4) * TWO_32;
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    const npy = NPY_MAGIC.every((b, k) => bytes[k] === b);
    npyFail(source, npy ? 'is an .npy file, not an .npz; read it with parseNpy' : 'not an .npz file (not a zip archive)');
  }
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (view.getUint32(o, true) === 0x06054b50) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) corrupt('no end-of-central-directory record (truncated file?)', 'E_TRUNCATED');
  let entries = u16(eocd + 10);
  let dir = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 12);
    if (u32(z) !== 0x06064b50) corrupt('bad zip64 end-of-central-directory record');
    entries = u64(z + 32);
    dir = u64(z + 48);
  }
  const wanted = only ? new Set(only) : null;
  const out: Record<string, NpyArray> = {};
  const names: string[] = [];
  for (let e = 0, p = dir; e < entries; e++) {
    if (u32(p) !== 0x02014b50) corrupt(`central directory entry ${e} has a bad signature`);
    const [flags, method, crc] = [u16(p + 8), u16(p + 10), u32(p + 16)];
    let [csize, usize, local] = [u32(p + 20), u32(p + 24), u32(p + 42)];
    const [nameLen, extraLen, commentLen] = [u16(p + 28), u16(p + 30), u16(p + 32)];
    if (p + 46 + nameLen > bytes.length) corrupt(`entry ${e}'s name runs past the end`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): 8-byte values for exactly those of usize, csize, offset that are 0xFFFFFFFF.
    for (let x = p + 46 + nameLen, end = x + extraLen; x + 4 <= end; x += 4 + u16(x + 2)) {
      if (u16(x) !== 1) continue;
      let f = x + 4;
      if (usize === 0xffffffff) (usize = u64(f)), (f += 8);
      if (csize === 0xffffffff) (csize = u64(f)), (f += 8);
      if (local === 0xffffffff) local = u64(f);
    }
    p += 46 + nameLen + extraLen + commentLen;
    const key = name.endsWith('.npy') ? name.slice(0, -4) : null;
    if (key !== null) names.push(key);
    if (key === null || (wanted && !wanted.has(key))) continue; // np.savez writes only .npy entries
    const entry = `${source}[${name}]`;
    if (flags & 1) npyFail(entry, 'the entry is encrypted', 'E_UNSUPPORTED');
    if (u32(local) !== 0x04034b50) corrupt(`entry ${name} has a bad local header signature`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + csize > bytes.length) corrupt(`entry ${name} runs past the end of the file (truncated?)`, 'E_TRUNCATED');
    const packed = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = packed;
    else if (method === 8) {
      // The size to inflate into is the header's word: deflate expands at most 1032:1 (RFC 1951's longest match
      // per shortest code), so a larger claim is corrupt, and refusing it keeps a tiny file from asking for gigabytes.
      if (usize > csize * 1032 + 1024) corrupt(`entry ${name} claims ${usize} bytes from ${csize} compressed, more than deflate can expand to`, 'E_TOO_LARGE');
      try {
        data = inflateSync(packed, { out: new Uint8Array(usize) });
      } catch (err) {
        return corrupt(`entry ${name} does not inflate (${(err as Error).message})`);
      }
    } else return npyFail(entry, `compression method ${method} is not supported (np.savez uses 0, savez_compressed 8)`, 'E_UNSUPPORTED');
    if (data.length !== usize) corrupt(`entry ${name} holds ${data.length} bytes, its header says ${usize}`);
    if (crc32(data) !== crc) corrupt(`entry ${name} fails its CRC-32 check`, 'E_CHECKSUM');
    // defineProperty, not assignment: an entry named __proto__.npy must not replace the record's prototype.
    const array = parseNpy(data, entry);
    Object.defineProperty(out, key, { value: array, enumerable: true, writable: true, configurable: true });
  }
  for (const k of only ?? []) {
    if (!Object.hasOwn(out, k)) npyFail(source, `has no array "${k}" (it holds: ${names.join(', ') || 'nothing'})`);
  }
  return out;
}
