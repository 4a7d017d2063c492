/**
 * The one error type of aekit's readers: every file or byte reader (model file, safetensors, PCA file, .aekc,
 * IDX, CSV, NPY/NPZ, Parquet, PNG/JPEG) throws an AekitError for bad input, whatever the input, so a library
 * user catches what they expect and tells the cases apart by `code`, never by parsing the message:
 *
 *   try { loadModel(path) } catch (e) { if (e instanceof AekitError && e.code === 'E_CHECKSUM') ... }
 *
 * The codes (stable: new ones may be added, these keep their meaning):
 *   E_IO           the file cannot be read at all (missing, a directory, no permission)
 *   E_FORMAT       not this format, or malformed: bad magic, invalid JSON, a missing or ill-typed field,
 *                  inconsistent sizes, trailing bytes, a weight of the wrong shape
 *   E_TRUNCATED    the input ends before what its header announces
 *   E_CHECKSUM     the bytes do not match the checksum stored with them (a flipped bit, a damaged copy)
 *   E_DTYPE        an element type aekit does not read (float16 weights or config, an IDX of int16, an object array)
 *   E_UNSUPPORTED  a valid file of a variant aekit does not read (a newer format version, progressive JPEG,
 *                  Fortran order, a compression method)
 *   E_TOO_LARGE    a declared size over a limit, or more than the input could hold: refused before allocating
 *   E_VALUE        well-formed, but a value is out of range (a NaN weight, a label of 12, an int64 beyond 2^53)
 *
 * Messages stay what they were (one line, naming the file and the offending item); subclasses such as
 * SafetensorsError, NpyError and AekcError keep their names for code that already catches them.
 */
export const AEKIT_ERROR_CODES = [
  'E_IO', 'E_FORMAT', 'E_TRUNCATED', 'E_CHECKSUM', 'E_DTYPE', 'E_UNSUPPORTED', 'E_TOO_LARGE', 'E_VALUE',
] as const;

export type AekitErrorCode = (typeof AEKIT_ERROR_CODES)[number];

export class AekitError extends Error {
  readonly code: AekitErrorCode;
  constructor(message: string, code: AekitErrorCode = 'E_FORMAT', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AekitError';
    this.code = code;
  }
}

/**
 * Runs `fn`, turning a plain Error it throws (the validation errors of code that is not a reader: a model's
 * constructor, the data info check, a table's column check) into an AekitError with `code` and the same message.
 * Other error classes (RangeError, TypeError: bugs, or allocations a guard missed) go through untouched, so
 * fuzzing still sees them.
 */
export function asAekitError<T>(code: AekitErrorCode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toAekitError(e, code);
  }
}

/** `e` itself when it is an AekitError or not a plain Error; else an AekitError of `code` with its message. */
export function toAekitError(e: unknown, code: AekitErrorCode): unknown {
  if (e instanceof AekitError || !(e instanceof Error) || e.constructor !== Error) return e;
  return new AekitError(e.message, code, { cause: e });
}
