// Builds the native backend (native/*.c) into build/native/aekit.node with the C compiler already on this
// machine: run by `npm install`/`npm ci` (the package's install script) and by `npm run build`. It never
// fails the install: where it cannot build (no compiler, no Node headers, AEKIT_SKIP_NATIVE=1) it prints one
// line and exits 0, and aekit uses the wasm backend.
//
//   node scripts/build-native.mjs [--force] [--out DIR] [--src DIR]
//
// --out writes DIR/aekit.node instead of build/native/aekit.node (tests build into a temporary folder);
// --src compiles another copy of native/ (to try a change without touching the tree's addon).
//
// Why a script and not node-gyp: node-gyp downloads Node's headers unless told where they are and needs Python;
// this is a dozen compiler calls. Every kernel file is compiled three times (AVX-512, AVX2+FMA, portable) with
// AEK_ISA naming its functions, and native/cpu.c picks one at load time (native/kernels.h).
// Flags: -O3; -ffp-contract=off outside the explicit FMA intrinsics, so the compiler does not fuse other
// multiply-adds differently per ISA; -fvisibility=hidden (only the Node-API entry point is exported).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcArg = process.argv.indexOf('--src');
const src = srcArg >= 0 && process.argv[srcArg + 1] ? process.argv[srcArg + 1] : join(root, 'native');
const outArg = process.argv.indexOf('--out');
const outDir = outArg >= 0 && process.argv[outArg + 1] ? process.argv[outArg + 1] : join(root, 'build', 'native');
const out = join(outDir, 'aekit.node');
const say = (msg) => process.stderr.write(`aekit: ${msg}\n`);
const skip = (why) => {
  say(`native backend not built (${why}); aekit will use the wasm backend`);
  process.exit(0);
};

if (process.env.AEKIT_SKIP_NATIVE === '1') skip('AEKIT_SKIP_NATIVE=1');
if (!existsSync(src)) skip('native/ sources missing');
if (platform === 'win32') skip('Windows builds are not supported yet');

// Up to date: nothing to do (npm ci runs the install script and then `prepare`, which builds again).
// native/*.c are compiled once; native/isa/*.c once per instruction set.
const list = (dir, ext) => (existsSync(dir) ? readdirSync(dir).filter((f) => ext.some((e) => f.endsWith(e))).sort() : []);
const PER_ISA = list(join(src, 'isa'), ['.c']);
const ONCE = list(src, ['.c']);
const sources = [...list(src, ['.c', '.h']).map((f) => join(src, f)), ...list(join(src, 'isa'), ['.c', '.h']).map((f) => join(src, 'isa', f))];
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (!process.argv.includes('--force') && existsSync(out) && statSync(out).mtimeMs >= newest) process.exit(0);

const cc = process.env.CC || ['cc', 'gcc', 'clang'].find((c) => {
  try {
    execFileSync(c, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (!cc) skip('no C compiler found (set CC to use one)');
// Node's headers ship with the Node binary (prefix/include/node); nothing is downloaded.
const include = [process.env.AEKIT_NODE_INCLUDE, join(dirname(process.execPath), '..', 'include', 'node')]
  .find((d) => d && existsSync(join(d, 'node_api.h')));
if (!include) skip(`Node's headers (node_api.h) not found next to ${process.execPath}`);

const x86 = arch === 'x64' || arch === 'ia32';
const ISAS = x86
  ? [
      { isa: 'avx512', flags: ['-mavx512f', '-mavx512dq', '-mavx512bw', '-mavx512vl', '-mavx2', '-mfma'] },
      { isa: 'avx2', flags: ['-mavx2', '-mfma'] },
      { isa: 'generic', flags: [] },
    ]
  : [{ isa: 'generic', flags: [] }];
const common = ['-O3', '-std=c11', '-Werror=implicit-function-declaration', '-fPIC', '-pthread', '-fvisibility=hidden', '-ffp-contract=off', `-I${include}`, ...(x86 ? ['-DAEK_HAVE_X86'] : [])];

const tmp = join(outDir, `tmp-${process.pid}`);
try {
  mkdirSync(tmp, { recursive: true });
  const objects = [];
  const compile = (file, extra, obj) => {
    execFileSync(cc, [...common, ...extra, '-c', join(src, file), '-o', obj], { stdio: ['ignore', 'ignore', 'pipe'] });
    objects.push(obj);
  };
  for (const { isa, flags } of ISAS) for (const f of PER_ISA) compile(join('isa', f), [...flags, `-DAEK_ISA=${isa}`], join(tmp, `${f}.${isa}.o`));
  for (const f of ONCE) compile(f, [], join(tmp, `${f}.o`));
  const link = join(tmp, 'aekit.node');
  const undef = platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  execFileSync(cc, ['-shared', '-pthread', ...undef, ...objects, '-o', link, '-lm'], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(link, out); // atomic: a process loading the addon never sees half a file
} catch (e) {
  // A stale addon from an earlier build must not keep running code that no longer matches the sources.
  rmSync(out, { force: true });
  rmSync(tmp, { recursive: true, force: true }); // skip() exits, so the finally below would not run
  const lines = (e.stderr?.toString() || e.message || String(e)).split('\n');
  const msg = lines.find((l) => /error/i.test(l)) ?? lines.find((l) => l.trim()) ?? 'unknown error';
  skip(`the C build failed: ${msg.trim()}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
