/**
 * A GEMM worker thread: instantiates the kernel module on the backend's shared memory, then loops forever:
 * wait for a new job generation, compute its own rows of C, report done. It never allocates in the memory
 * (its workspace was allocated by the caller) and never returns to its event loop until told to stop.
 */
import { parentPort } from 'node:worker_threads';
import { instantiate, type WasmMemory, type WasmModule } from '../wasm/module.js';
import { ACTIVE, controlViews, GEN, PENDING, READY, rowRange, STOP, type WorkerInit } from './protocol.js';

function serve(init: WorkerInit): void {
  const wasm = instantiate(init.module as WasmModule, init.memory as WasmMemory);
  const grain = wasm.gemmRowGrain();
  const { ctl, args } = controlViews(init.control);
  let seen = Atomics.load(ctl, GEN); // before the ready flag: see protocol.ts
  Atomics.store(ctl, READY + init.index, 1);
  Atomics.notify(ctl, READY + init.index);
  for (;;) {
    Atomics.wait(ctl, GEN, seen);
    const gen = Atomics.load(ctl, GEN);
    if (gen === STOP) break;
    if (gen === seen) continue; // spurious wake-up
    seen = gen;
    const p = Atomics.load(ctl, ACTIVE);
    if (init.index < p) {
      const m = args[3];
      const [r0, r1] = rowRange(m, init.index, p, grain);
      if (r1 > r0) wasm.gemm(args[0], args[1], args[2], m, args[4], args[5], args[6], args[7], init.work, r0, r1);
      if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
    }
  }
  parentPort?.close();
}

parentPort?.once('message', (init: WorkerInit) => serve(init));
