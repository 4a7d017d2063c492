/**
 * The long fuzzing run of every file reader (issue #12 item 7; the bounded run is test/fuzz/readers.test.ts):
 *   node --import tsx scripts/fuzz.ts [--runs N] [--seed S] [--reader NAME]
 * N inputs per reader (default 5000) made by fast-check from the seed (default: the time), each checked by
 * test/fuzz/readers.ts runOne: a result or an AekitError with a documented code, under a second of CPU, no
 * allocation beyond a small multiple of the input. Prints per reader the inputs tried, the outcomes by code and
 * each distinct failure (with the fast-check seed and input index that reproduce it); exits 1 if any failed.
 */
import fc from 'fast-check';
import { inputs, readers, runOne } from '../test/fuzz/readers.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(flag('runs') ?? 5000);
const seed = Number(flag('seed') ?? Date.now() % 2 ** 31);
const only = flag('reader');
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  process.stderr.write('usage: node --import tsx scripts/fuzz.ts [--runs N] [--seed S] [--reader NAME]\n');
  process.exit(2);
}

let failed = 0;
const list = (await readers()).filter((r) => only === undefined || r.name === only);
if (list.length === 0) {
  process.stderr.write(`no reader named ${JSON.stringify(only)}\n`);
  process.exit(2);
}
for (const reader of list) {
  const samples = fc.sample(inputs(reader.seeds), { seed, numRuns: runs });
  const codes = new Map<string, number>();
  const failures = new Map<string, { count: number; first: number }>();
  for (let i = 0; i < samples.length; i++) {
    const o = await runOne(reader, samples[i]);
    codes.set(o.result, (codes.get(o.result) ?? 0) + 1);
    if (o.failure !== null) {
      // Distinct failures by message with the numbers taken out.
      const key = o.failure.replace(/\d+/g, 'N').slice(0, 200);
      const f = failures.get(key) ?? { count: 0, first: i };
      f.count++;
      failures.set(key, f);
    }
  }
  const tally = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  const bad = [...failures.values()].reduce((s, f) => s + f.count, 0);
  failed += bad;
  console.log(`${reader.name}: ${samples.length} inputs, ${bad} failures (${tally})`);
  for (const [key, f] of failures) console.log(`  ${f.count}x (first: --seed ${seed} input ${f.first}) ${key}`);
}
process.exit(failed > 0 ? 1 : 0);
