/**
 * Every file reader, fuzzed (issue #12 item 7): seeded and bounded (200 inputs a reader, a few seconds in all);
 * scripts/fuzz.ts runs the same property longer. Inputs and the property are in readers.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AekitError } from '../../src/errors.js';
import { inputs, readers, runOne } from './readers.js';

const list = await readers();

describe('fuzzed readers: any bytes end in a result or an AekitError with a code, quickly, in bounded memory', () => {
  for (const reader of list) {
    test(reader.name, async () => {
      // The seeds are valid files: the harness would prove nothing if they failed to read.
      for (const s of reader.seeds) assert.equal((await runOne(reader, s)).result, 'ok', `${reader.name} seed`);
      await fc.assert(
        fc.asyncProperty(inputs(reader.seeds), async (bytes) => {
          const o = await runOne(reader, bytes);
          if (!o.ok) throw new Error(o.failure ?? '');
        }),
        { seed: 12, numRuns: 200 },
      );
    });
  }

  test('a flipped bit in the payload of an .aekc file, a model file, a PCA file or a checkpoint is E_CHECKSUM', async () => {
    for (const name of ['.aekc', 'model file', 'PCA file', 'checkpoint']) {
      const reader = list.find((r) => r.name === name)!;
      const good = reader.seeds[0];
      const bad = good.slice();
      bad[bad.length - 6] ^= 0x10; // inside the last weight (or the codes' end): still a finite float
      await assert.rejects(async () => reader.read(bad), (e: unknown) => e instanceof AekitError && e.code === 'E_CHECKSUM', name);
    }
  });

  test('huge declared sizes are refused before allocating: E_TOO_LARGE', async () => {
    const png = list.find((r) => r.name === 'PNG')!.seeds[0].slice();
    new DataView(png.buffer).setUint32(16, 60000); // IHDR width
    new DataView(png.buffer).setUint32(20, 60000); // and height: 14 GB of RGBA
    await assert.rejects(async () => list.find((r) => r.name === 'PNG')!.read(png), (e: unknown) => e instanceof AekitError && e.code === 'E_TOO_LARGE');
    const gz = list.find((r) => r.name === 'IDX')!.seeds[2].slice();
    new DataView(gz.buffer).setUint32(gz.length - 4, 0xffffffff, true); // the gzip trailer's size
    await assert.rejects(async () => list.find((r) => r.name === 'IDX')!.read(gz), (e: unknown) => e instanceof AekitError && e.code === 'E_TOO_LARGE');
  });
});
