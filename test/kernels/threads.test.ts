/**
 * The GEMM worker pool of the wasm backend: results bit-identical to one thread (DESIGN.md #3), small problems
 * staying on the calling thread, two pools in one process, training determinism, and a process that exits by
 * itself with idle workers alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { valueAndGrad } from '../../src/autograd/backward.js';
import { getBackend } from '../../src/kernels/registry.js';
import { FIRST_TRIAL_MS } from '../../src/kernels/threads/contention.js';
import { threadsSupported, MIN_PARALLEL_MACS } from '../../src/kernels/threads/pool.js';
import type { Kernels } from '../../src/kernels/types.js';
import { ARG_COUNT, CLAIM, claimTasks, CLOSED, controlBytes, controlViews, DONE, JOB_ITEMS, rowRange, TASKS } from '../../src/kernels/threads/worker.js';
import { createWasmBackend, wasmAvailable, type WasmBackend } from '../../src/kernels/wasm/backend.js';
import { mse } from '../../src/losses/losses.js';
import { Dense, Sequential } from '../../src/nn/dense.js';
import { Adam } from '../../src/optim/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';

const skip = !wasmAvailable() ? 'wasm backend unavailable' : !threadsSupported() ? 'worker_threads unavailable' : false;
const root = join(fileURLToPath(import.meta.url), '../../..');
let one: WasmBackend, two: WasmBackend, three: WasmBackend;

before(async () => {
  if (skip) return;
  one = createWasmBackend();
  two = createWasmBackend({ threads: 2, watchContention: false }); // these tests count the jobs split
  three = createWasmBackend({ threads: 3, watchContention: false }); // more threads than this machine may have cores: still correct
  assert.ok(await two.whenReady(), 'workers of the 2-thread pool started');
  assert.ok(await three.whenReady(), 'workers of the 3-thread pool started');
});
after(() => {
  if (skip) return;
  two.close();
  three.close();
});

function operands(b: WasmBackend, m: number, n: number, k: number, seed: number): [Float32Array, Float32Array, Float32Array] {
  const rng = new Rng(seed);
  const a = b.alloc('float32', m * k) as Float32Array, bb = b.alloc('float32', k * n) as Float32Array;
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  for (let i = 0; i < bb.length; i++) bb[i] = rng.uniform(-1, 1);
  return [a, bb, b.alloc('float32', m * n) as Float32Array];
}

function sameBits(x: Float32Array, y: Float32Array, what: string): void {
  assert.equal(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

describe('row split', () => {
  test('covers every row once, in whole micro-tiles, the same way every time', () => {
    for (const m of [1, 3, 4, 17, 255, 256, 257, 1000]) {
      for (const p of [1, 2, 3, 7]) {
        let next = 0;
        for (let t = 0; t < p; t++) {
          const [r0, r1] = rowRange(m, t, p, 4);
          assert.equal(r0, next, `m=${m} p=${p} t=${t} starts where the previous ended`);
          assert.ok(r1 >= r0 && (r0 % 4 === 0 || r0 === m));
          next = r1;
        }
        assert.equal(next, m);
      }
    }
  });
});

describe('task claiming (the pool protocol, without threads)', () => {
  /** A control block holding job `job` of `tasks` item blocks of `per` items. */
  function job(job: number, tasks: number, per: number): { ctl: Int32Array; args: Float64Array } {
    const v = controlViews(new SharedArrayBuffer(controlBytes(2)));
    Atomics.store(v.ctl, CLAIM, job << 16);
    v.args.set([JOB_ITEMS, 0, tasks * per, 100, 10, per].concat(new Array(ARG_COUNT - 6).fill(0)));
    Atomics.store(v.ctl, TASKS, tasks);
    return v;
  }
  const recorder = (calls: number[][]) => ({
    gemm: () => assert.fail('not a GEMM job'),
    job: (desc: number, b0: number, b1: number, scratch: number) => void calls.push([b0, b1, scratch]),
  });

  test('one thread alone takes every block, in order, and counts them done', () => {
    const { ctl, args } = job(7, 5, 3), calls: number[][] = [];
    assert.equal(claimTasks(ctl, args, 7, 1, 0, recorder(calls)), 5);
    assert.deepEqual(calls, [[0, 3, 110], [3, 6, 110], [6, 9, 110], [9, 12, 110], [12, 15, 110]]);
    assert.equal(Atomics.load(ctl, DONE), 5);
  });

  test('a thread that wakes after its job ended takes nothing from the next job', () => {
    const { ctl, args } = job(8, 4, 1), calls: number[][] = [];
    assert.equal(claimTasks(ctl, args, 7, 1, 0, recorder(calls)), 0, 'job 7 is over: job 8 is not its to run');
    assert.deepEqual(calls, []);
    assert.equal(Atomics.load(ctl, CLAIM), 8 << 16, 'no block of job 8 was claimed');
  });

  test('a job being written (closed) gives nothing, even to a thread that read its number', () => {
    const { ctl, args } = job(9, 4, 1), calls: number[][] = [];
    Atomics.store(ctl, CLAIM, (9 << 16) | CLOSED);
    assert.equal(claimTasks(ctl, args, 9, 1, 0, recorder(calls)), 0);
    assert.deepEqual(calls, []);
    assert.equal(Atomics.load(ctl, DONE), 0, 'nothing counted done before the job opens');
  });

  test('blocks another thread already claimed are not run again', () => {
    const { ctl, args } = job(3, 4, 2), calls: number[][] = [];
    Atomics.add(ctl, CLAIM, 3); // three blocks taken by others
    assert.equal(claimTasks(ctl, args, 3, 0, 0, recorder(calls)), 1);
    assert.deepEqual(calls, [[6, 8, 100]]);
  });
});

describe('wasm GEMM thread pool', { skip }, () => {
  test('bit-identical to one thread for every transpose combination and odd row counts', () => {
    const callsBefore = two.pool!.parallelCalls;
    for (const [m, n, k] of [[256, 256, 784], [257, 129, 300], [255, 300, 129], [33, 1024, 513], [1000, 17, 600]]) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const seed = m * 7 + n * 3 + k;
        const [a1, b1, c1] = operands(one, m, n, k, seed);
        one.kernels.matmul!(a1, b1, c1, m, n, k, ta, tb);
        for (const b of [two, three]) {
          const [a, bb, c] = operands(b, m, n, k, seed);
          c.fill(NaN); // every row must be written by some thread
          b.kernels.matmul!(a, bb, c, m, n, k, ta, tb);
          sameBits(c, c1, `${b.threads} threads, ${m}x${n}x${k} transA=${ta} transB=${tb}`);
        }
      }
    }
    assert.ok(two.pool!.parallelCalls > callsBefore, 'the large GEMMs were split across threads');
  });

  test('the contention watch runs its trials alone, with the same bits as the parallel jobs', async () => {
    // A fresh pool: its trials begin FIRST_TRIAL_MS after its first large GEMM.
    const b = createWasmBackend({ threads: 2, name: 'wasm-trial-test' });
    try {
      assert.ok(await b.whenReady(), 'workers started');
      const [m, n, k] = [256, 256, 784];
      const [a1, b1, c1] = operands(one, m, n, k, 5);
      one.kernels.matmul!(a1, b1, c1, m, n, k, false, true);
      const [a, bb, c] = operands(b, m, n, k, 5);
      const end = performance.now() + FIRST_TRIAL_MS + 100;
      let runs = 0;
      while (performance.now() < end || runs < 4) {
        c.fill(NaN);
        b.kernels.matmul!(a, bb, c, m, n, k, false, true);
        sameBits(c, c1, `run ${runs}`);
        runs++;
      }
      const w = b.pool!.contention;
      assert.ok(w.trials >= 1, `a trial ran (${runs} GEMMs)`);
      assert.ok(b.pool!.parallelCalls > 0 && b.pool!.parallelCalls < runs, `some GEMMs split, not those of the trial (${b.pool!.parallelCalls} of ${runs})`);
    } finally {
      b.close();
    }
  });

  test('small GEMMs stay on the calling thread', () => {
    const before = two.pool!.parallelCalls;
    const m = 16, n = 16, k = 16;
    assert.ok(m * n * k < MIN_PARALLEL_MACS);
    const [a, b, c] = operands(two, m, n, k, 1);
    two.kernels.matmul!(a, b, c, m, n, k, false, false);
    assert.equal(two.pool!.parallelCalls, before);
  });

  test('two threaded backends (two models) in one process, calls interleaved', () => {
    const m = 300, n = 200, k = 256;
    const [a1, b1, r1] = operands(one, m, n, k, 5);
    one.kernels.matmul!(a1, b1, r1, m, n, k, false, true);
    const [a2, b2, c2] = operands(two, m, n, k, 5), [a3, b3, c3] = operands(three, m, n, k, 5);
    for (let i = 0; i < 5; i++) {
      two.kernels.matmul!(a2, b2, c2, m, n, k, false, true);
      three.kernels.matmul!(a3, b3, c3, m, n, k, false, true);
    }
    sameBits(c2, r1, 'pool A');
    sameBits(c3, r1, 'pool B');
  });

  test('training with 2 threads gives bit-identical parameters to 1 thread', () => {
    const train = (b: WasmBackend): Float32Array[] => {
      const rng = new Rng(9);
      const model = new Sequential([
        new Dense({ inputDim: 512, units: 256, activation: 'relu' }, { rng }),
        new Dense({ inputDim: 256, units: 512, activation: 'sigmoid' }, { rng }),
      ]);
      // Parameters were made on the current (ref) backend: move them onto b.
      const params = model.parameters().map((p) => p);
      const moved = params.map((p) => tensor(p.toTypedArray(), p.shape, { backend: b }));
      moved.forEach((t) => (t.requiresGrad = true));
      const layers = model.layers as Dense[];
      [layers[0].weight, layers[0].bias, layers[1].weight, layers[1].bias] = moved;
      const opt = new Adam(moved, { lr: 1e-3 });
      const x = tensor(Float32Array.from({ length: 64 * 512 }, () => rng.uniform(0, 1)), [64, 512], { backend: b });
      for (let s = 0; s < 3; s++) {
        const { grads } = valueAndGrad(() => mse(model.forward(x), x), moved);
        opt.step(grads);
      }
      return moved.map((t) => t.toTypedArray() as Float32Array);
    };
    const before = two.pool!.parallelCalls;
    const p1 = train(one), p2 = train(two);
    assert.ok(two.pool!.parallelCalls > before, 'the training GEMMs used the pool');
    p1.forEach((p, i) => sameBits(p2[i], p, `parameter ${i}`));
  });

  test('optimizer updates split across threads: bit-identical to 1 thread and to the reference kernels', () => {
    const ref = getBackend('ref');
    const n = 3 * 65536 + 17; // several chunks and a ragged, odd tail
    type Update = (k: Kernels, p: Float32Array, g: Float32Array, s: Float32Array[], t: number) => void;
    const cases: [string, number, Update][] = [
      ['sgd + wd', 0, (k, p, g) => k.sgdUpdate(p, g, 0.05, 1e-3)],
      ['nesterov + wd', 1, (k, p, g, s) => k.momentumUpdate(p, g, s[0], 0.05, 0.9, true, 1e-3)],
      ['rmsprop (eps outside sqrt)', 1, (k, p, g, s) => k.rmspropUpdate(p, g, s[0], 0.01, 0.9, 1e-8, 0, false)],
      ['rmsprop (eps inside sqrt) + wd', 1, (k, p, g, s) => k.rmspropUpdate(p, g, s[0], 0.01, 0.9, 1e-7, 1e-2, true)],
      ['adam + L2', 2, (k, p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-3, 0.9, 0.999, 1e-8, t, 0.1, false)],
      ['adamw', 2, (k, p, g, s, t) => k.adamUpdate(p, g, s[0], s[1], 1e-2, 0.8, 0.99, 1e-7, t, 0.05, true)],
    ];
    const before = two.pool!.parallelCalls;
    for (const [name, states, update] of cases) {
      const results = [one, two, ref].map((b) => {
        const rng = new Rng(21);
        const f32 = (): Float32Array => b.alloc('float32', n) as Float32Array;
        const p = f32(), g = f32(), s = Array.from({ length: states }, f32);
        for (let i = 0; i < n; i++) p[i] = rng.uniform(-1, 1);
        for (let t = 1; t <= 3; t++) {
          for (let i = 0; i < n; i++) g[i] = rng.uniform(-2, 2);
          update(b.kernels as Kernels, p, g, s, t);
        }
        return [p, ...s];
      });
      results[0].forEach((x, i) => {
        sameBits(results[1][i], x, `${name}: 2 threads vs 1, buffer ${i}`);
        sameBits(results[2][i], x, `${name}: reference vs wasm, buffer ${i}`);
      });
    }
    assert.ok(two.pool!.parallelCalls - before >= cases.length * 3, 'every update was split');
  });

  test('after close(), GEMMs still work on the calling thread', () => {
    const b = createWasmBackend({ threads: 2 });
    b.close();
    const m = 256, n = 256, k = 256;
    const [a, bb, c] = operands(b, m, n, k, 3), [a1, b1, c1] = operands(one, m, n, k, 3);
    b.kernels.matmul!(a, bb, c, m, n, k, false, false);
    one.kernels.matmul!(a1, b1, c1, m, n, k, false, false);
    sameBits(c, c1, 'closed pool');
  });

  test('an application\'s own worker thread that imports the kernels keeps its messages', () => {
    // worker.ts serves only in threads the pool tagged; before the tag, importing it in any worker thread
    // took that thread's first message as a job description.
    const dir = mkdtempSync(join(tmpdir(), 'aekit-appworker-'));
    try {
      const kernelsWorker = pathToFileURL(join(root, 'src/kernels/wasm/generated/gemm-worker.mjs')).href;
      writeFileSync(join(dir, 'app-worker.mjs'), [
        "import { parentPort } from 'node:worker_threads';",
        `import ${JSON.stringify(kernelsWorker)};`,
        "parentPort.on('message', (m) => { parentPort.postMessage({ echo: m }); parentPort.close(); });",
      ].join('\n'));
      writeFileSync(join(dir, 'main.mjs'), [
        "import { Worker } from 'node:worker_threads';",
        "const w = new Worker(new URL('./app-worker.mjs', import.meta.url));",
        "w.on('message', (m) => console.log(JSON.stringify(m)));",
        "w.on('error', (e) => { console.log('error: ' + e.message); process.exitCode = 1; });",
        "w.postMessage('hello');",
      ].join('\n'));
      const r = spawnSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.stdout.trim(), '{"echo":"hello"}', `stdout: ${r.stdout} stderr: ${r.stderr}`);
      assert.equal(r.status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a process with a live pool exits by itself (workers are unref\'d)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-threads-'));
    try {
      const script = join(dir, 'exit.mts');
      const backend = pathToFileURL(join(root, 'src/kernels/wasm/backend.ts')).href;
      writeFileSync(script, [
        `import { createWasmBackend } from ${JSON.stringify(backend)};`,
        'const b = createWasmBackend({ threads: 2 });',
        'await b.whenReady();',
        'const a = b.alloc("float32", 512 * 512);',
        'b.kernels.matmul(a, a, b.alloc("float32", 512 * 512), 512, 512, 512, false, false);',
        'console.log("done", b.pool.parallelCalls);',
      ].join('\n'));
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `exit status ${r.status}, signal ${r.signal}, stderr: ${r.stderr}`);
      assert.equal(r.stdout.trim(), 'done 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('useBackend refuses more threads than maxThreads() (4 per core, at most 256), from the argument or AEKIT_THREADS, before starting a pool', async () => {
  const { useBackend } = await import('../../src/kernels/select.js');
  const { maxThreads, defaultThreadCount } = await import('../../src/kernels/threads/pool.js');
  const { AekitError } = await import('../../src/errors.js');
  assert.equal(maxThreads(), Math.min(256, 4 * defaultThreadCount()));
  const before = getBackend().name;
  assert.throws(() => useBackend({ backend: 'wasm', threads: 100000 }), (e: unknown) => e instanceof AekitError && e.code === 'E_VALUE' && /^threads 100000 is more than \d+/.test(e.message));
  const saved = process.env.AEKIT_THREADS;
  process.env.AEKIT_THREADS = String(maxThreads() + 1);
  try {
    assert.throws(() => useBackend({ backend: 'wasm' }), /AEKIT_THREADS \d+ is more than/);
  } finally {
    if (saved === undefined) delete process.env.AEKIT_THREADS;
    else process.env.AEKIT_THREADS = saved;
  }
  assert.equal(getBackend().name, before, 'the backend in use did not change');
});
