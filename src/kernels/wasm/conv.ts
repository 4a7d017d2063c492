/**
 * The wasm backend's convolution and pooling kernels: wrappers that fill a job descriptor (field offsets as in
 * assembly/convgemm.ts), pack the kernel weights, find scratch, and run the job over the batch, on the worker
 * threads when it is large enough (threads/pool.ts job). float64 goes to the reference kernels.
 */
import { refBackend } from '../ref/index.js';
import type { FloatArray, Kernels, PatchGeometry } from '../types.js';
import type { WasmHeap } from './heap.js';
import { JOB, JobDescriptor, type JobRunner } from './jobs.js';
import type { KernelExports } from './module.js';
import { IN, OUT, Operands } from './operands.js';

const ref = refBackend.kernels as Kernels;

// Field slots of the convolution descriptor: must match assembly/convgemm.ts.
const F = { kind: 0, a: 1, b: 2, out: 3, g: 4, h: 5, w: 6, c: 7, kh: 8, kw: 9, sh: 10, sw: 11, pt: 12, pl: 13, oh: 14, ow: 15, cout: 16, dy: 17, dx: 18, offy: 19, offx: 20, hs: 21, ws: 22 } as const;
type Field = keyof typeof F;

const isF32 = (x: FloatArray): x is Float32Array => x instanceof Float32Array;

/**
 * Packs a convolution's effective kernel E [K = kh * kw * ci, co] into slivers of `width` output channels
 * ([slivers][K][width], zero-padded), the layout the micro-kernels stream. `w` is a Conv2D kernel
 * [kh, kw, cin, cout]; rotated, E is the kernel of its input gradient: E[ky, kx, f, c] = w[kh-1-ky, kw-1-kx, c, f],
 * a convolution from cout channels to cin.
 */
function packKernel(w: Float32Array, kh: number, kw: number, cin: number, cout: number, rotate: boolean, width: number, dst: Float32Array): void {
  const ci = rotate ? cout : cin, co = rotate ? cin : cout;
  const slivers = Math.ceil(co / width);
  let d = 0;
  for (let s = 0; s < slivers; s++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const tap = rotate ? ((kh - 1 - ky) * kw + (kw - 1 - kx)) * cin * cout : (ky * kw + kx) * cin * cout;
        for (let i = 0; i < ci; i++) {
          for (let j = 0; j < width; j++) {
            const o = s * width + j;
            dst[d++] = o >= co ? 0 : rotate ? w[tap + o * cout + i] : w[tap + i * cout + o];
          }
        }
      }
    }
  }
}

export function makeConvKernels(heap: WasmHeap, wasm: KernelExports, runJob: JobRunner, threads: number): Partial<Kernels> {
  const ops = new Operands(heap);
  // Long-lived, grown on demand: the descriptor, the packed kernel and the per-thread scratch. Calls are
  // synchronous (the pool waits for its workers), so one of each is enough.
  const desc = new JobDescriptor(heap);
  const grown = { pack: [-1, 0], scratch: [-1, 0] };
  const area = (which: 'pack' | 'scratch', bytes: number): number => {
    const [off, size] = grown[which];
    if (size >= bytes) return off;
    if (off >= 0) heap.freeBytes(off, size);
    const n = Math.max(bytes, size * 2, 1024);
    grown[which] = [heap.allocBytes(n), n];
    return grown[which][0];
  };

  const run = (fn: () => void): void => ops.run(fn);

  const job = (fields: Partial<Record<Field, number>>, items: number, scratchPerThread: number, work: number): void => {
    const slots: Record<number, number> = {};
    for (const [k, v] of Object.entries(fields)) slots[F[k as Field]] = v!;
    const stride = Math.ceil(scratchPerThread / 16) * 16; // 16-byte aligned per thread
    const scratch = stride ? area('scratch', stride * threads) : 0;
    runJob(desc.write(slots), items, scratch, stride, work);
  };

  const geom = (g: PatchGeometry): Partial<Record<Field, number>> => ({
    h: g.h, w: g.w, c: g.c, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, pt: g.pt, pl: g.pl, oh: g.oh, ow: g.ow,
  });

  const conv2d: Kernels['conv2d'] = (x, w, out, g, f) => {
    if (!isF32(x) || !isF32(w) || !isF32(out)) return ref.conv2d(x, w, out, g, f);
    const outN = g.n * g.oh * g.ow * f;
    if (outN === 0) return;
    const K = g.kh * g.kw * g.c, width = f < 4 ? 1 : 8;
    const packN = Math.ceil(f / width) * width * K;
    run(() => {
      const pk = area('pack', packN * 4);
      packKernel(w, g.kh, g.kw, g.c, f, false, width, heap.f32(pk, packN));
      const hs = (g.oh - 1) * g.sh + g.kh, ws = (g.ow - 1) * g.sw + g.kw;
      job({
        kind: JOB.conv, a: ops.ptr(x, 0, g.n * g.h * g.w * g.c, IN), b: pk, out: ops.ptr(out, 0, outN, OUT), ...geom(g),
        cout: f, dy: 1, dx: 1, offy: g.pt, offx: g.pl, hs, ws,
      }, g.n, hs * ws * g.c * 4, outN * K);
    });
  };

  const conv2dTranspose: Kernels['conv2dTranspose'] = (grad, w, out, g, f) => {
    if (!isF32(grad) || !isF32(w) || !isF32(out)) return ref.conv2dTranspose(grad, w, out, g, f);
    const outN = g.n * g.h * g.w * g.c;
    if (outN === 0) return;
    const K = g.kh * g.kw * f, width = g.c < 4 ? 1 : 8;
    const packN = Math.ceil(g.c / width) * width * K;
    run(() => {
      const pk = area('pack', packN * 4);
      packKernel(w, g.kh, g.kw, g.c, f, true, width, heap.f32(pk, packN));
      // The gradient spread out by the strides and padded by k - 1 - pad: a stride-1 convolution gives x's grid.
      const hs = g.h + g.kh - 1, ws = g.w + g.kw - 1;
      job({
        kind: JOB.conv, a: ops.ptr(grad, 0, g.n * g.oh * g.ow * f, IN), b: pk, out: ops.ptr(out, 0, outN, OUT),
        h: g.oh, w: g.ow, c: f, kh: g.kh, kw: g.kw, sh: 1, sw: 1, oh: g.h, ow: g.w,
        cout: g.c, dy: g.sh, dx: g.sw, offy: g.kh - 1 - g.pt, offx: g.kw - 1 - g.pl, hs, ws,
      }, g.n, hs * ws * f * 4, outN * K);
    });
  };

  const conv2dFilter: Kernels['conv2dFilter'] = (x, grad, out, g, f) => {
    if (!isF32(x) || !isF32(grad) || !isF32(out)) return ref.conv2dFilter(x, grad, out, g, f);
    const K = g.kh * g.kw * g.c, P = g.oh * g.ow;
    if (K * f === 0) return;
    if (g.n * P === 0) {
      out.fill(0, 0, K * f);
      return;
    }
    run(() => {
      // One kernel gradient per image, summed in image order afterwards: the split over threads cannot
      // change the rounding, and the sum runs in float64 like the reference GEMM's.
      const slots = heap.allocBytes(g.n * K * f * 4);
      try {
        const hs = (g.oh - 1) * g.sh + g.kh, ws = (g.ow - 1) * g.sw + g.kw;
        const padG = f >= 4 && f % 8 !== 0 ? P * Math.ceil(f / 8) * 8 : 0;
        job({
          kind: JOB.filter, a: ops.ptr(x, 0, g.n * g.h * g.w * g.c, IN), g: ops.ptr(grad, 0, g.n * P * f, IN), out: slots, ...geom(g),
          cout: f, dy: 1, dx: 1, offy: g.pt, offx: g.pl, hs, ws,
        }, g.n, (hs * ws * g.c + padG + Math.ceil(K / 4) * 4) * 4, g.n * P * K * f);
        wasm.reduce(0, slots, 1, g.n, K * f, ops.ptr(out, 0, K * f, OUT));
      } finally {
        heap.freeBytes(slots, g.n * K * f * 4);
      }
    });
  };

  // The patch kernels of assembly/conv.ts and pool.ts, as jobs so they too split over threads.
  const simple = (kind: number, a: FloatArray, aN: number, b: FloatArray | null, bN: number, out: FloatArray, outN: number, g: PatchGeometry, work: number): void => {
    run(() => {
      const pa = ops.ptr(a as Float32Array, 0, aN, IN);
      const pb = b === null ? 0 : b === a ? pa : ops.ptr(b as Float32Array, 0, bN, IN);
      job({ kind, a: pa, b: pb, out: ops.ptr(out as Float32Array, 0, outN, OUT), ...geom(g) }, g.n, 0, work);
    });
  };

  const im2col: Kernels['im2col'] = (x, out, g) => {
    const inN = g.n * g.h * g.w * g.c, outN = g.n * g.oh * g.ow * g.kh * g.kw * g.c;
    if (!isF32(x) || !isF32(out)) return ref.im2col(x, out, g);
    if (outN > 0) simple(JOB.im2col, x, inN, null, 0, out, outN, g, 2 * outN);
  };

  const col2im: Kernels['col2im'] = (cols, out, g) => {
    const imgN = g.n * g.h * g.w * g.c, colsN = g.n * g.oh * g.ow * g.kh * g.kw * g.c;
    if (!isF32(cols) || !isF32(out)) return ref.col2im(cols, out, g);
    if (imgN > 0) simple(JOB.col2im, cols, colsN, null, 0, out, imgN, g, 2 * colsN);
  };

  const maxPool: Kernels['maxPool'] = (x, v, out, g) => {
    const inN = g.n * g.h * g.w * g.c, outN = g.n * g.oh * g.ow * g.c;
    if (!isF32(x) || !isF32(v) || !isF32(out)) return ref.maxPool(x, v, out, g);
    if (outN > 0) simple(JOB.maxPool, x, inN, v, inN, out, outN, g, 2 * outN * g.kh * g.kw);
  };

  const maxUnpool: Kernels['maxUnpool'] = (x, grad, out, g) => {
    const inN = g.n * g.h * g.w * g.c, gN = g.n * g.oh * g.ow * g.c;
    if (!isF32(x) || !isF32(grad) || !isF32(out)) return ref.maxUnpool(x, grad, out, g);
    if (inN > 0) simple(JOB.maxUnpool, x, inN, grad, gN, out, inN, g, 2 * gN * g.kh * g.kw);
  };

  return { conv2d, conv2dTranspose, conv2dFilter, im2col, col2im, maxPool, maxUnpool };
}
