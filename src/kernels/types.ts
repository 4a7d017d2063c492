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
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

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
}
