// Runs every test/**/*.test.ts file with Node's own test runner (through tsx, so tests import src/ directly).
// Node 20's `--test` does not glob .ts files itself, hence this small launcher.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
// Arguments: parts of paths to run (all when none), and `--exclude PART` to leave files out.
const args = process.argv.slice(2);
const exclude = args.flatMap((a, i) => (args[i - 1] === '--exclude' ? [a] : []));
const filter = args.filter((a, i) => a !== '--exclude' && args[i - 1] !== '--exclude');
let files = find('test').sort();
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
files = files.filter((f) => !exclude.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// AEKIT_TEST_BACKEND=wasm (or wasm:2) runs the whole suite on that backend (see test/setup-backend.ts).
const preload = process.env.AEKIT_TEST_BACKEND ? ['--import', './test/setup-backend.ts'] : [];
const r = spawnSync(process.execPath, ['--import', 'tsx', ...preload, '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
