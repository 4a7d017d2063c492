/**
 * The kernel layer: typed arrays in, typed arrays out. No Tensor, no autograd here.
 *
 * Every backend implements (a subset of) `Kernels`; a missing kernel falls back to the reference one
 * (see registry.ts). Arrays handed to a kernel may be subarray views: a backend whose storage lives in
 * WebAssembly memory recognises its own buffer and uses `byteOffset` as the pointer, so no copy is made.
 */
export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'abs' | 'sign' | 'sigmoid';
/** Activations a Dense layer's forward pass can fuse into its GEMM (Kernels.linear). */
export type LinearAct = 'linear' | 'sigmoid' | 'relu' | 'tanh';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

/**
 * Geometry of patch extraction from NHWC images (dilation 1): images [n, h, w, c], a kh x kw window moved by
 * (sh, sw), pt rows of zero padding on top and pl columns on the left, giving oh x ow windows. The padding at
 * the bottom and right is whatever oh and ow imply. A patch is laid out (ky, kx, c), c fastest, so a patch row
 * [kh * kw * c] is the row of im2col's matrix that multiplies a [kh, kw, c, out] (Keras HWIO) kernel.
 */
export interface PatchGeometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; sh: number; sw: number;
  pt: number; pl: number; oh: number; ow: number;
}

/** A strided operand: element (i0, i1, ...) lives at data[offset + sum(i_d * strides[d])]. */
export interface Strided {
  data: FloatArray;
  offset: number;
  strides: readonly number[];
}

export interface Kernels {
  /**
   * out[m,n] = op(a)[m,k] @ op(b)[k,n], overwriting out. op(a) = a^T when transA (then `a` is stored [k,m]).
   * All three arrays are dense row-major starting at index 0 of the given (sub)array.
   */
  matmul(a: FloatArray, b: FloatArray, out: FloatArray, m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  /** Elementwise unary over a dense array. */
  unary(op: UnaryOp, x: FloatArray, out: FloatArray): void;
  /** Elementwise binary with broadcasting expressed as strides (0 on broadcast axes); out is dense, shape `shape`. */
  binary(op: BinaryOp, a: Strided, b: Strided, out: FloatArray, shape: readonly number[]): void;
  /** out = cond != 0 ? a : b, all strided like `binary`. */
  where(cond: Strided, a: Strided, b: Strided, out: FloatArray, shape: readonly number[]): void;
  /** Copies a strided view into a dense array of shape `shape`. */
  copy(x: Strided, out: FloatArray, shape: readonly number[]): void;
  /**
   * Reduces a dense [outer, n, inner] array along the middle axis into dense [outer, inner].
   * Any set of contiguous reduced axes maps onto this form; ops/reduce.ts transposes the rest.
   */
  reduce(op: 'sum' | 'max', x: FloatArray, outer: number, n: number, inner: number, out: FloatArray): void;
  /** Patches of `x` [n, h, w, c] into dense `out` [n, oh, ow, kh * kw * c]; positions in the padding read 0. */
  im2col(x: FloatArray, out: FloatArray, g: PatchGeometry): void;
  /**
   * The adjoint of im2col: `out` [n, h, w, c] is overwritten with the sum of every patch value of `cols`
   * [n, oh, ow, kh * kw * c] that reads that pixel; values that fall in the padding are dropped. Each pixel
   * sums its contributions in (oy, ox, ky, kx) order, in the output's precision, so fast kernels can match
   * the reference bit for bit.
   */
  col2im(cols: FloatArray, out: FloatArray, g: PatchGeometry): void;
  /**
   * Convolution of NHWC images x [n, h, w, c] with a kernel w [kh, kw, c, f] (Keras's layout) over the
   * geometry's windows: out [n, oh, ow, f] = im2col(x) @ w, without forming im2col(x).
   */
  conv2d(x: FloatArray, w: FloatArray, out: FloatArray, g: PatchGeometry, f: number): void;
  /**
   * The transposed convolution, i.e. conv2d's gradient with respect to x: out [n, h, w, c] =
   * col2im(grad @ w^T) for grad [n, oh, ow, f] (`g` is the geometry of the forward conv2d).
   */
  conv2dTranspose(grad: FloatArray, w: FloatArray, out: FloatArray, g: PatchGeometry, f: number): void;
  /** conv2d's gradient with respect to the kernel: out [kh, kw, c, f] = im2col(x)^T @ grad. */
  conv2dFilter(x: FloatArray, grad: FloatArray, out: FloatArray, g: PatchGeometry, f: number): void;
  /**
   * out [n, oh, ow, c] = `v` at the first maximum of `x` over each window, per channel (x and v both
   * [n, h, w, c]). Max pooling is maxPool(x, x). Positions in the padding are skipped (as if -Infinity); the
   * window is scanned row-major and keeps its first maximal value, but a NaN wins and stays (as reduce 'max').
   * A window with no pixel in the image gives 0 (ops never create one).
   */
  maxPool(x: FloatArray, v: FloatArray, out: FloatArray, g: PatchGeometry): void;
  /**
   * The adjoint of maxPool in `v`: `out` [n, h, w, c] is overwritten with zeros plus each window's `grad`
   * [n, oh, ow, c] added at the first maximum of `x`; windows are visited in (oy, ox) order.
   */
  maxUnpool(x: FloatArray, grad: FloatArray, out: FloatArray, g: PatchGeometry): void;
  /**
   * A Dense layer's forward pass in one call: out[m,n] = act(x[m,k] @ w[n,k]^T + bias[n]) (bias may be null),
   * each step rounded to float32 exactly as the matmul, binary 'add' and unary (or 'maximum' with 0 for relu)
   * kernels would, so it gives the same bits as those calls; a backend fuses the bias and the activation into
   * the GEMM's last pass over each tile of out, while it is in cache. Optional: without it ops.linear makes the
   * separate calls. All arrays dense, k > 0.
   */
  linear?(x: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray, m: number, n: number, k: number, act: LinearAct): void;
  /**
   * An activation's gradient from its output, for the linear rule: out = g * act'(z) with y = act(z), i.e.
   * sigmoid g * (y * (1 - y)), tanh g * (1 - y * y), relu g * (y > 0 ? 1 : 0), each operation rounded to the
   * arrays' precision in that order, so it gives the same bits as the binary kernels the rule would otherwise
   * call (one pass over memory instead of three). Optional: without it ops.activationGrad makes those calls.
   * g, y and out dense and of one length.
   */
  activationGrad?(act: Exclude<LinearAct, 'linear'>, g: FloatArray, y: FloatArray, out: FloatArray): void;
  /** In-place optimizer updates over one parameter's flat data. See src/optim for the formulas. */
  sgdUpdate(p: FloatArray, g: FloatArray, lr: number, weightDecay: number): void;
  momentumUpdate(p: FloatArray, g: FloatArray, v: FloatArray, lr: number, momentum: number, nesterov: boolean, weightDecay: number): void;
  rmspropUpdate(p: FloatArray, g: FloatArray, s: FloatArray, lr: number, rho: number, eps: number, weightDecay: number, epsInsideSqrt: boolean): void;
  adamUpdate(
    p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray,
    lr: number, beta1: number, beta2: number, eps: number, step: number, weightDecay: number, decoupled: boolean,
  ): void;
}

export type KernelName = keyof Kernels;

/** A backend allocates storage and provides kernels. */
export interface Backend {
  readonly name: string;
  /** Zero-filled storage for n elements. */
  alloc(dtype: DType, n: number): FloatArray;
  /**
   * Storage whose contents are unspecified, for kernel outputs that the kernel overwrites entirely: clearing
   * it first was a fifth of a W2 training step on the wasm backend. Backends without it use `alloc`.
   */
  allocUninit?(dtype: DType, n: number): FloatArray;
  /** Kernels this backend implements; the rest fall back to the reference backend. */
  readonly kernels: Partial<Kernels>;
  /** Worker threads this backend uses for large kernels (1 for single-threaded backends). */
  readonly threads: number;
  /**
   * Runs `fn` with a step arena: storage allocated during `fn` is released when it returns, so a training
   * step's intermediates cost no garbage collection and memory stays flat. Tensors created inside must not
   * outlive `fn` (read values out first); parameters and optimizer state are created outside. Optional: a
   * backend without it (ref) just calls `fn` — use `backend.withArena?.(fn) ?? fn()`.
   */
  withArena?<T>(fn: () => T): T;
  /**
   * Threaded backends: what their pool did about other processes taking the cores. `holds` counts the spells in
   * which large kernels ran on the calling thread alone because the workers did not pay, `serialRuns` the kernel
   * calls those spells kept alone (native/pool.c, src/kernels/threads/contention.ts). Counts since creation.
   */
  contention?(): { holds: number; serialRuns: number };
}
