/**
 * Hostile Parquet page headers that made hyparquet 1.33 loop forever (issue #12, found by test/fuzz): the read
 * runs in a child process with a timeout, since a synchronous loop would stop this test runner's timers too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { encodeParquet } from '../../src/io/tables.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const parquetModule = pathToFileURL(join(root, 'src/data/parquet.ts')).href;

/** Reads `bytes` with readParquetTable in a child process; its one line of output, or null if it ran 20 s. */
function readInChild(bytes: Uint8Array): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-parquet-hostile-'));
  try {
    const file = join(dir, 'hostile.parquet');
    writeFileSync(file, bytes);
    const script = `
      import { readFileSync } from 'node:fs';
      import { readParquetTable } from ${JSON.stringify(parquetModule)};
      try {
        await readParquetTable(new Uint8Array(readFileSync(${JSON.stringify(file)})), 'hostile.parquet');
        console.log('read');
      } catch (e) {
        console.log(e.name + ' ' + e.code + ': ' + e.message);
      }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return null;
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a v2 data page header without its level lengths is refused, naming the column, instead of hanging', async () => {
  // The fuzzing seed of test/fuzz/readers.ts: y is OPTIONAL, so hyparquet reads definition levels for it.
  const bytes = await encodeParquet([
    { name: 'id', values: ['r1', 'r2', 'r3'] }, { name: 'x', values: new Float32Array([1, 2, 3]) },
    { name: 'n', values: new Int32Array([4, 5, 6]) }, { name: 'y', values: new Float64Array([0.5, NaN, 2]), missing: true },
  ]);
  const y = parquetMetadata(bytes.slice().buffer).row_groups[0].columns[3].meta_data!;
  const at = Number(y.data_page_offset);
  // The page header in thrift's compact protocol: type 3 (v2), both sizes 18, then the v2 struct (field 8):
  // num_values 3, num_nulls 1, num_rows 3, encoding 0 (PLAIN), definition_levels_byte_length 2, ...
  const v2 = [0x15, 0x06, 0x15, 0x24, 0x15, 0x24, 0x5c, 0x15, 0x06, 0x15, 0x02, 0x15, 0x06, 0x15, 0x00, 0x15, 0x04];
  assert.deepEqual([...bytes.subarray(at, at + v2.length)], v2, 'the writer changed its page header: find the encoding field again');
  // One bit: the encoding field's type i32 (0x15) becomes boolean true (0x11), which has no value bytes, so the
  // next 0x00 (the encoding) ends the v2 struct: no encoding, no level lengths (the bytes the fuzzer found).
  const hostile = bytes.slice();
  hostile[at + 13] ^= 0x04;

  const out = readInChild(hostile);
  assert.notEqual(out, null, 'reading the file did not finish in 20 s (hyparquet looping on the level reader)');
  assert.equal(out, `AekitError E_FORMAT: hostile.parquet: corrupt Parquet file: column "y" of row group 1: page header at byte ${at}: definition_levels_byte_length is not a number (undefined)`);
  // The file unchanged still reads (the check refuses the header, not the column).
  assert.equal(readInChild(bytes), 'read');
});
