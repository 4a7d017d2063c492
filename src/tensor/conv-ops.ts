/**
 * The primitive ops over windows of NHWC images (convolution and pooling), in their own file only to keep
 * ops.ts readable; they are primitives like the rest (kernel from the registry, GradNode recorded by `record`).
 *
 * Layout: images are [n, h, w, c] (NHWC, as in Keras and ImageData), a window row is laid out (ky, kx, c).
 * Layers turn Keras's 'same'/'valid' padding into the explicit pads these ops take (nn/conv.ts).
 */
import type { PatchAttrs } from '../autograd/primitives.js';
import { kernel } from '../kernels/registry.js';
import type { PatchGeometry } from '../kernels/types.js';
import { allocOut, denseData, record } from './ops.js';
import { fmtShape, shapeEq } from './shape.js';
import type { Tensor } from './tensor.js';

/** Checks the attrs and returns the geometry of windows over an [n, h, w, c] image. */
export function patchGeometry(a: PatchAttrs, n: number, h: number, w: number, c: number, what: string): PatchGeometry {
  const [kh, kw] = a.kernel, [sh, sw] = a.strides, [pt, pb, pl, pr] = a.pads;
  const pos = (v: number): boolean => Number.isInteger(v) && v > 0;
  if (!pos(kh) || !pos(kw) || !pos(sh) || !pos(sw) || ![pt, pb, pl, pr].every((p) => Number.isInteger(p) && p >= 0)) {
    throw new Error(`${what}: kernel [${a.kernel}] and strides [${a.strides}] must be positive integers, pads [${a.pads}] non-negative`);
  }
  if (h + pt + pb < kh || w + pl + pr < kw) {
    throw new Error(`${what}: a ${kh}x${kw} window does not fit a ${h}x${w} image padded by [${a.pads}]`);
  }
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1, ow = Math.floor((w + pl + pr - kw) / sw) + 1;
  return { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow };
}

const copyAttrs = (a: PatchAttrs): PatchAttrs => ({ kernel: [...a.kernel], strides: [...a.strides], pads: [...a.pads] });

function nhwc(x: Tensor, what: string): [number, number, number, number] {
  if (x.ndim !== 4) throw new Error(`${what} expects an NHWC tensor [n, h, w, c], got ${fmtShape(x.shape)}`);
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

/**
 * Every window of an NHWC image as a row: [n, h, w, c] -> [n, oh, ow, kh * kw * c], each row laid out
 * (ky, kx, c), zeros where a window reaches into the padding. A convolution is then one matmul of these rows
 * with a [kh * kw * c, out] kernel.
 */
export function im2col(x: Tensor, attrs: PatchAttrs): Tensor {
  const [n, h, w, c] = nhwc(x, 'im2col');
  const g = patchGeometry(attrs, n, h, w, c, 'im2col');
  const out = allocOut(x, [n, g.oh, g.ow, g.kh * g.kw * c]);
  kernel('im2col', x.backend)(denseData(x), out.data, g);
  return record(out, 'im2col', [x], copyAttrs(attrs));
}

/**
 * The adjoint of im2col: rows [n, oh, ow, kh * kw * c] summed back onto an [n, size[0], size[1], c] image
 * (overlapping windows add up, values in the padding are dropped). A transposed convolution is a matmul
 * followed by col2im.
 */
export function col2im(cols: Tensor, attrs: PatchAttrs & { size: readonly [number, number] }): Tensor {
  const [h, w] = attrs.size;
  const kk = attrs.kernel[0] * attrs.kernel[1];
  const [n, oh, ow, k] = nhwc(cols, 'col2im');
  if (k % kk !== 0) throw new Error(`col2im expects rows [n, oh, ow, kh * kw * c] with kh * kw = ${kk}, got ${fmtShape(cols.shape)}`);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) throw new Error(`col2im: size [${attrs.size}] must hold non-negative integers`);
  const g = patchGeometry(attrs, n, h, w, k / kk, 'col2im');
  if (g.oh !== oh || g.ow !== ow) {
    throw new Error(`col2im: windows over a ${h}x${w} image with these attrs form a ${g.oh}x${g.ow} grid, the rows are ${oh}x${ow}`);
  }
  const out = allocOut(cols, [n, h, w, g.c]);
  kernel('col2im', cols.backend)(denseData(cols), out.data, g);
  return record(out, 'col2im', [cols], { ...copyAttrs(attrs), size: [h, w] });
}

/** Pooling windows: like patchGeometry, and no window may lie wholly in the padding. */
function poolGeometry(x: Tensor, attrs: PatchAttrs, what: string): PatchGeometry {
  const [n, h, w, c] = nhwc(x, what);
  const [pt, pb, pl, pr] = attrs.pads, [kh, kw] = attrs.kernel;
  // A pad smaller than the window keeps every window partly in the image (Keras's 'same' always does).
  if (Math.max(pt, pb) >= kh || Math.max(pl, pr) >= kw) {
    throw new Error(`${what}: pads [${attrs.pads}] must be smaller than the ${kh}x${kw} window`);
  }
  return patchGeometry(attrs, n, h, w, c, what);
}

/**
 * For each window and channel, `v` at the first maximum of `sel` (both [n, h, w, c]) -> [n, oh, ow, c].
 * maxPool(x, x, attrs) is max pooling; positions in the padding never win (as if padded with -Infinity), a
 * NaN does. `sel` only chooses, so it takes no gradient; `v`'s gradient is maxUnpool, and maxUnpool's is this:
 * the pair are each other's adjoints, so max pooling's gradient goes to the first maximum of each window, as
 * in TF and PyTorch (ties are not split).
 */
export function maxPool(sel: Tensor, v: Tensor, attrs: PatchAttrs): Tensor {
  const g = poolGeometry(sel, attrs, 'maxPool');
  if (!shapeEq(sel.shape, v.shape)) throw new Error(`maxPool: values ${fmtShape(v.shape)} must have the shape of the selector ${fmtShape(sel.shape)}`);
  if (sel.dtype !== v.dtype) throw new Error(`dtype mismatch: ${sel.dtype} and ${v.dtype}`);
  const out = allocOut(sel, [g.n, g.oh, g.ow, g.c]);
  const sd = denseData(sel);
  kernel('maxPool', sel.backend)(sd, v === sel ? sd : denseData(v), out.data, g);
  return record(out, 'maxPool', [sel, v], copyAttrs(attrs));
}

/** The adjoint of maxPool in its values: each window's `grad` [n, oh, ow, c] added at the first maximum of `sel`. */
export function maxUnpool(sel: Tensor, grad: Tensor, attrs: PatchAttrs): Tensor {
  const g = poolGeometry(sel, attrs, 'maxUnpool');
  if (!shapeEq(grad.shape, [g.n, g.oh, g.ow, g.c])) {
    throw new Error(`maxUnpool: grad ${fmtShape(grad.shape)} must be [${[g.n, g.oh, g.ow, g.c]}], the windows of ${fmtShape(sel.shape)}`);
  }
  if (sel.dtype !== grad.dtype) throw new Error(`dtype mismatch: ${sel.dtype} and ${grad.dtype}`);
  const out = allocOut(sel, sel.shape);
  kernel('maxUnpool', sel.backend)(denseData(sel), denseData(grad), out.data, g);
  return record(out, 'maxUnpool', [sel, grad], copyAttrs(attrs));
}

// ---------------------------------------------------------------- convolution

function kernelOf(w: Tensor, attrs: PatchAttrs, what: string): [number, number, number, number] {
  if (w.ndim !== 4 || w.shape[0] !== attrs.kernel[0] || w.shape[1] !== attrs.kernel[1]) {
    throw new Error(`${what}: the kernel must be [${attrs.kernel}, in, out] (Keras's HWIO layout), got ${fmtShape(w.shape)}`);
  }
  return [w.shape[0], w.shape[1], w.shape[2], w.shape[3]];
}

function sameDtype(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new Error(`dtype mismatch: ${a.dtype} and ${b.dtype}`);
}

/**
 * Convolution of NHWC images x [n, h, w, c] with w [kh, kw, c, f]: [n, oh, ow, f], equal to
 * reshape(im2col(x) @ reshape(w, [kh * kw * c, f])) but without forming im2col(x) (that matrix is kh * kw
 * times the image: 58 MB for the last layer of the Keras blog model at batch 128). The composed form is the
 * test oracle. Gradients: conv2dTranspose for x, conv2dFilter for w, and they are each other's, so the three
 * close under differentiation.
 */
export function conv2d(x: Tensor, w: Tensor, attrs: PatchAttrs): Tensor {
  const [n, h, wd, c] = nhwc(x, 'conv2d');
  const [, , ci, f] = kernelOf(w, attrs, 'conv2d');
  if (ci !== c) throw new Error(`conv2d: the kernel ${fmtShape(w.shape)} expects ${ci} input channels, the images ${fmtShape(x.shape)} have ${c}`);
  sameDtype(x, w);
  const g = patchGeometry(attrs, n, h, wd, c, 'conv2d');
  const out = allocOut(x, [n, g.oh, g.ow, f]);
  kernel('conv2d', x.backend)(denseData(x), denseData(w), out.data, g, f);
  return record(out, 'conv2d', [x, w], copyAttrs(attrs));
}

/**
 * Transposed convolution: the adjoint of conv2d in x. grad [n, oh, ow, f] and w [kh, kw, c, f] give images
 * [n, size[0], size[1], c] (Conv2DTranspose's forward pass, and conv2d's gradient for x).
 */
export function conv2dTranspose(grad: Tensor, w: Tensor, attrs: PatchAttrs & { size: readonly [number, number] }): Tensor {
  const [n, oh, ow, f] = nhwc(grad, 'conv2dTranspose');
  const [, , c, fo] = kernelOf(w, attrs, 'conv2dTranspose');
  if (fo !== f) throw new Error(`conv2dTranspose: the kernel ${fmtShape(w.shape)} has ${fo} output channels, the input ${fmtShape(grad.shape)} has ${f}`);
  sameDtype(grad, w);
  const [h, wd] = attrs.size;
  const g = patchGeometry(attrs, n, h, wd, c, 'conv2dTranspose');
  if (g.oh !== oh || g.ow !== ow) {
    throw new Error(`conv2dTranspose: a ${h}x${wd} output has a ${g.oh}x${g.ow} grid of windows, the input is ${oh}x${ow}`);
  }
  const out = allocOut(grad, [n, h, wd, c]);
  kernel('conv2dTranspose', grad.backend)(denseData(grad), denseData(w), out.data, g, f);
  return record(out, 'conv2dTranspose', [grad, w], { ...copyAttrs(attrs), size: [h, wd] });
}

/** conv2d's gradient for its kernel: x [n, h, w, c] and grad [n, oh, ow, f] give [kh, kw, c, f]. */
export function conv2dFilter(x: Tensor, grad: Tensor, attrs: PatchAttrs): Tensor {
  const [n, h, wd, c] = nhwc(x, 'conv2dFilter');
  const g = patchGeometry(attrs, n, h, wd, c, 'conv2dFilter');
  const [gn, oh, ow, f] = nhwc(grad, 'conv2dFilter');
  if (gn !== n || oh !== g.oh || ow !== g.ow) {
    throw new Error(`conv2dFilter: grad ${fmtShape(grad.shape)} must be [${n}, ${g.oh}, ${g.ow}, f], the windows of ${fmtShape(x.shape)}`);
  }
  sameDtype(x, grad);
  const out = allocOut(x, [g.kh, g.kw, c, f]);
  kernel('conv2dFilter', x.backend)(denseData(x), denseData(grad), out.data, g, f);
  return record(out, 'conv2dFilter', [x, grad], copyAttrs(attrs));
}
