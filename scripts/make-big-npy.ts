/**
 * Writes an .npy of N MNIST test digits (the 10,000 repeated in order), uint8 [N, 28, 28, 1], for the
 * larger-than-memory scoring run of docs/scale.md:
 *
 *   node --import tsx scripts/make-big-npy.ts big.npy 2000000      # 1.5 GB
 */
import { writeFileSync } from 'node:fs';
import { loadMnist } from '../src/data/mnist.js';
import { encodeNpy } from '../src/data/npy.js';

const [path, count] = [process.argv[2], Number(process.argv[3])];
if (!path || !Number.isSafeInteger(count) || count < 1) {
  process.stderr.write('usage: node --import tsx scripts/make-big-npy.ts OUT.npy N\n');
  process.exit(2);
}
const test = loadMnist('test');
const digits = test.toFloat32(); // MNIST's bytes times Dataset's scale (1/255): divided back below, exactly
const size = 784;
const data = new Uint8Array(count * size);
for (let i = 0; i < count; i++) {
  const from = (i % test.length) * size;
  for (let j = 0; j < size; j++) data[i * size + j] = Math.round(digits[from + j] / test.scale);
}
writeFileSync(path, encodeNpy(data, [count, 28, 28, 1]));
process.stdout.write(`wrote ${path}: ${count} digits, ${(data.length / 2 ** 30).toFixed(2)} GiB of pixels\n`);
