/**
 * The native convolution and pooling kernels (native/isa/conv.c, conv-filter.c, patch.c) as the backend's
 * conv2d, conv2dTranspose, conv2dFilter, im2col, col2im, maxPool and maxUnpool. float64 goes to the wasm
 * backend's kernels (which hand it to the reference ones).
 */
import type { FloatArray, Kernels, PatchGeometry } from '../types.js';
import { IN, OUT } from '../wasm/operands.js';
import type { NativeAddon, NativeContext } from './addon.js';
import { isF32, type NativeKernelEnv } from './env.js';

/** The addon's conv family (native/conv-glue.c): operands as byte offsets, then the geometry's 12 numbers. */
interface ConvAddon {
  conv2d(ctx: NativeContext, x: number, w: number, out: number, ...geometryAndFilters: number[]): void;
  conv2dTranspose(ctx: NativeContext, grad: number, w: number, out: number, ...geometryAndFilters: number[]): void;
  conv2dFilter(ctx: NativeContext, x: number, grad: number, out: number, ...geometryAndFilters: number[]): void;
  im2col(ctx: NativeContext, x: number, out: number, ...geometry: number[]): void;
  col2im(ctx: NativeContext, cols: number, out: number, ...geometry: number[]): void;
  maxPool(ctx: NativeContext, x: number, v: number, out: number, ...geometry: number[]): void;
  maxUnpool(ctx: NativeContext, x: number, grad: number, out: number, ...geometry: number[]): void;
}

const all32 = (...xs: FloatArray[]): boolean => xs.every(isF32);

export function makeConvKernels({ addon, ctx, wasm, ops }: NativeKernelEnv): Partial<Kernels> {
  const fallback = wasm.kernels as Kernels;
  const a = addon as NativeAddon & ConvAddon;
  const image = (g: PatchGeometry, c = g.c): number => g.n * g.h * g.w * c;
  const windows = (g: PatchGeometry, c: number): number => g.n * g.oh * g.ow * c;
  /** The geometry's 12 numbers in native/conv-glue.c's order. */
  const geo = (g: PatchGeometry): number[] => [g.n, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh, g.ow];

  const conv2d: Kernels['conv2d'] = (x, w, out, g, f) => {
    if (!all32(x, w, out)) return fallback.conv2d(x, w, out, g, f);
    const K = g.kh * g.kw * g.c;
    ops.run(() => {
      a.conv2d(ctx, ops.ptr(x as Float32Array, 0, image(g), IN), ops.ptr(w as Float32Array, 0, K * f, IN), ops.ptr(out as Float32Array, 0, windows(g, f), OUT),
        ...geo(g), f);
    });
  };

  const conv2dTranspose: Kernels['conv2dTranspose'] = (grad, w, out, g, f) => {
    if (!all32(grad, w, out)) return fallback.conv2dTranspose(grad, w, out, g, f);
    const K = g.kh * g.kw * g.c;
    ops.run(() => {
      a.conv2dTranspose(ctx, ops.ptr(grad as Float32Array, 0, windows(g, f), IN), ops.ptr(w as Float32Array, 0, K * f, IN), ops.ptr(out as Float32Array, 0, image(g), OUT),
        ...geo(g), f);
    });
  };

  const conv2dFilter: Kernels['conv2dFilter'] = (x, grad, out, g, f) => {
    if (!all32(x, grad, out)) return fallback.conv2dFilter(x, grad, out, g, f);
    const K = g.kh * g.kw * g.c;
    ops.run(() => {
      a.conv2dFilter(ctx, ops.ptr(x as Float32Array, 0, image(g), IN), ops.ptr(grad as Float32Array, 0, windows(g, f), IN), ops.ptr(out as Float32Array, 0, K * f, OUT),
        ...geo(g), f);
    });
  };

  const im2col: Kernels['im2col'] = (x, out, g) => {
    if (!all32(x, out)) return fallback.im2col(x, out, g);
    ops.run(() => {
      a.im2col(ctx, ops.ptr(x as Float32Array, 0, image(g), IN), ops.ptr(out as Float32Array, 0, windows(g, g.kh * g.kw * g.c), OUT),
        ...geo(g));
    });
  };

  const col2im: Kernels['col2im'] = (cols, out, g) => {
    if (!all32(cols, out)) return fallback.col2im(cols, out, g);
    ops.run(() => {
      a.col2im(ctx, ops.ptr(cols as Float32Array, 0, windows(g, g.kh * g.kw * g.c), IN), ops.ptr(out as Float32Array, 0, image(g), OUT),
        ...geo(g));
    });
  };

  const maxPool: Kernels['maxPool'] = (x, v, out, g) => {
    if (!all32(x, v, out)) return fallback.maxPool(x, v, out, g);
    ops.run(() => {
      const px = ops.ptr(x as Float32Array, 0, image(g), IN);
      const pv = v === x ? px : ops.ptr(v as Float32Array, 0, image(g), IN);
      a.maxPool(ctx, px, pv, ops.ptr(out as Float32Array, 0, windows(g, g.c), OUT), ...geo(g));
    });
  };

  const maxUnpool: Kernels['maxUnpool'] = (x, grad, out, g) => {
    if (!all32(x, grad, out)) return fallback.maxUnpool(x, grad, out, g);
    ops.run(() => {
      a.maxUnpool(ctx, ops.ptr(x as Float32Array, 0, image(g), IN), ops.ptr(grad as Float32Array, 0, windows(g, g.c), IN), ops.ptr(out as Float32Array, 0, image(g), OUT),
        ...geo(g));
    });
  };

  return { conv2d, conv2dTranspose, conv2dFilter, im2col, col2im, maxPool, maxUnpool };
}
