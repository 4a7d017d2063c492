// Jobs: one entry point for work that the thread pool splits into items (src/kernels/threads/worker.ts). A
// job is a descriptor in memory (i32 fields, written by src/kernels/wasm/jobs.ts); every thread calls `job`
// with its own contiguous block of items [b0, b1). Kinds 1-6 are per-image convolution and pooling kernels
// (convgemm.ts); the rest split the elementwise, copy and reduce kernels by rows or by CHUNK-element chunks.
// Every element is computed by the same code whatever the split, so results do not depend on the thread count.

import { patchJob } from './convgemm';
import { binary2d, copy2d, copy3d, unary, where1d } from './elementwise';
import { adamUpdate, momentumUpdate, rmspropUpdate, sgdUpdate } from './optim';
import { reduce } from './reduce';

const JOB_UNARY = 10, JOB_BINARY = 11, JOB_WHERE = 12, JOB_COPY = 13, JOB_REDUCE = 14;
const JOB_SGD = 15, JOB_MOMENTUM = 16, JOB_RMSPROP = 17, JOB_ADAM = 18;
/** Elements per item when a kernel is split along one long row (a multiple of 4: whole vectors). */
const CHUNK = 16384;

// Field slots (i32) of the elementwise descriptors; must match src/kernels/wasm/jobs.ts.
const OP = 1, XA = 2, AR = 3, AC = 4, XB = 5, BR = 6, BC = 7, OUT = 8, ROWS = 9, COLS = 10, COND = 11, S0 = 12, N0 = 13;

// @ts-ignore: decorator
@inline
function f(d: usize, slot: i32): i32 {
  return load<i32>(d + <usize>slot * 4);
}
// @ts-ignore: decorator
@inline
function p(d: usize, slot: i32): usize {
  return <usize>load<u32>(d + <usize>slot * 4);
}
// Hyper-parameters of the optimizer jobs: f64 values from byte 64 of the descriptor.
// @ts-ignore: decorator
@inline
function h(d: usize, i: i32): f64 {
  return load<f64>(d + 64 + <usize>i * 8);
}
// @ts-ignore: decorator
@inline
function at(ptr: usize, elems: i32): usize {
  return ptr + <usize>elems * 4;
}

/** Items [b0, b1) of the job described at `d`; `scratch` is this thread's (convolution kernels use it). */
export function job(d: usize, b0: i32, b1: i32, scratch: usize): void {
  if (b1 <= b0) return;
  const kind = f(d, 0);
  if (kind < JOB_UNARY) {
    patchJob(d, b0, b1, scratch);
    return;
  }
  const op = f(d, OP), cols = f(d, COLS);
  // Element range of a job split along one row.
  const j0 = b0 * CHUNK, j1 = min(cols, b1 * CHUNK);
  if (kind == JOB_UNARY) {
    unary(op, at(p(d, XA), j0), at(p(d, OUT), j0), j1 - j0);
  } else if (kind == JOB_WHERE) {
    const ac = f(d, AC), bc = f(d, BC);
    where1d(at(p(d, COND), j0), at(p(d, XA), j0 * ac), ac, at(p(d, XB), j0 * bc), bc, at(p(d, OUT), j0), j1 - j0);
  } else if (kind == JOB_BINARY) {
    const ar = f(d, AR), ac = f(d, AC), br = f(d, BR), bc = f(d, BC);
    if (f(d, ROWS) > 1) {
      binary2d(op, at(p(d, XA), b0 * ar), ar, ac, at(p(d, XB), b0 * br), br, bc, at(p(d, OUT), b0 * cols), b1 - b0, cols);
    } else {
      binary2d(op, at(p(d, XA), j0 * ac), ar, ac, at(p(d, XB), j0 * bc), br, bc, at(p(d, OUT), j0), 1, j1 - j0);
    }
  } else if (kind == JOB_COPY) {
    const s0 = f(d, S0), rs = f(d, AR), cs = f(d, AC), rows = f(d, ROWS);
    if (f(d, N0) > 1) copy3d(at(p(d, XA), b0 * s0), s0, rs, cs, at(p(d, OUT), b0 * rows * cols), b1 - b0, rows, cols);
    else if (rows > 1) copy2d(at(p(d, XA), b0 * rs), rs, cs, at(p(d, OUT), b0 * cols), b1 - b0, cols);
    else copy2d(at(p(d, XA), j0 * cs), rs, cs, at(p(d, OUT), j0), 1, j1 - j0);
  } else if (kind >= JOB_SGD) {
    // Optimizer updates over chunks of the parameters: p at XA, g at XB, state at OUT and COND; each element is
    // updated by the same expressions whatever the split. OP carries the update's boolean option.
    const n = j1 - j0, pp = at(p(d, XA), j0), gg = at(p(d, XB), j0), s1 = at(p(d, OUT), j0), s2 = at(p(d, COND), j0);
    if (kind == JOB_SGD) sgdUpdate(pp, gg, n, h(d, 0), h(d, 1));
    else if (kind == JOB_MOMENTUM) momentumUpdate(pp, gg, s1, n, h(d, 0), h(d, 1), op != 0, h(d, 2));
    else if (kind == JOB_RMSPROP) rmspropUpdate(pp, gg, s1, n, h(d, 0), h(d, 1), h(d, 2), h(d, 3), op != 0);
    else adamUpdate(pp, gg, s1, s2, n, h(d, 0), h(d, 1), h(d, 2), h(d, 3), h(d, 4), h(d, 5), h(d, 6), op != 0);
  } else if (kind == JOB_REDUCE) {
    // Rows of [outer, n, inner] are independent: items are rows.
    const n = f(d, S0), inner = cols;
    reduce(op, at(p(d, XA), b0 * n * inner), b1 - b0, n, inner, at(p(d, OUT), b0 * inner));
  }
}
