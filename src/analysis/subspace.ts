/**
 * Principal angles between two subspaces of R^d (Björck & Golub 1973): orthonormalize a basis of each with QR
 * (Q1: d x p, Q2: d x q), take the singular values s_i of Q1^T Q2, and theta_i = acos(s_i), s_i clipped to
 * [0, 1] because round-off can push a cosine of 1 slightly above it. min(p, q) angles, smallest first; all
 * zero when one subspace contains the other.
 *
 * This is how the test that a linear autoencoder "spans the same subspace as PCA" is phrased: the decoder's
 * weight columns and the top-k principal components need not be equal (any invertible mix of them gives the
 * same reconstructions), only the spans can match, and principal angles measure exactly that.
 * acos is flat near 1, so angles below ~1e-7 rad are not resolved; that is far below anything tested here.
 */
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { Tensor } from '../tensor/tensor.js';

/**
 * A basis of a subspace of R^d. A Matrix, number[][] or 2-D Tensor is d x p, one basis vector per COLUMN
 * (as a Dense weight [units, inputDim] holds the decoder's directions). The `{ data, rows, cols }` form is
 * row-major and says where its vectors are: `vectors: 'rows'` reads a [k x d] array such as
 * `PCA.components` (default 'columns').
 */
export type BasisInput =
  | Matrix
  | number[][]
  | Tensor
  | { data: ArrayLike<number>; rows: number; cols: number; vectors?: 'columns' | 'rows' };

/** The basis as a d x p Matrix, vectors in columns. */
function toMatrix(b: BasisInput, what: string): Matrix {
  let m: Matrix;
  if (b instanceof Matrix) m = b;
  else if (b instanceof Tensor) {
    if (b.ndim !== 2) throw new Error(`${what}: a tensor basis must be 2-D [d, p], got rank ${b.ndim}`);
    m = Matrix.from1DArray(b.shape[0], b.shape[1], Array.from(b.toTypedArray()));
  } else if (Array.isArray(b)) {
    if (b.length === 0 || !Array.isArray(b[0]) || b[0].length === 0) throw new Error(`${what}: basis must be a non-empty d x p array`);
    const p = b[0].length;
    b.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== p) throw new Error(`${what}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${p}`);
    });
    m = new Matrix(b);
  } else if (typeof b === 'object' && b !== null && 'data' in b) {
    const { data, rows, cols } = b;
    if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows <= 0 || cols <= 0 || data.length !== rows * cols) {
      throw new Error(`${what}: { data, rows, cols } needs positive rows and cols with data.length = rows * cols, got ${rows} x ${cols} and ${data.length} values`);
    }
    m = Matrix.from1DArray(rows, cols, Array.from(data));
    if (b.vectors === 'rows') m = m.transpose();
    else if (b.vectors !== undefined && b.vectors !== 'columns') throw new Error(`${what}: vectors must be 'rows' or 'columns', got '${String(b.vectors)}'`);
  } else throw new Error(`${what}: expected a Matrix, a d x p array, a 2-D Tensor or { data, rows, cols }`);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.columns; j++) {
      if (!Number.isFinite(m.get(i, j))) throw new Error(`${what}: entry (${i}, ${j}) is ${m.get(i, j)}`);
    }
  }
  return m;
}

/**
 * An orthonormal basis (d x p, columns) of the span of `b`'s vectors, by Householder QR. Throws if the vectors
 * are (numerically) linearly dependent: the span would then have fewer than p dimensions and the extra Q
 * columns would be arbitrary. ml-matrix's own isFullRank() tests R_ii === 0 exactly, too strict for floats.
 */
export function orthonormalBasis(b: BasisInput, what = 'orthonormalBasis'): Matrix {
  const m = toMatrix(b, what);
  if (m.columns > m.rows) throw new Error(`${what}: ${m.columns} vectors in R^${m.rows} cannot be independent`);
  const qr = new QrDecomposition(m);
  const r = qr.upperTriangularMatrix;
  let scale = 0;
  for (let j = 0; j < m.columns; j++) scale = Math.max(scale, m.getColumnVector(j).norm());
  for (let j = 0; j < m.columns; j++) {
    if (!(Math.abs(r.get(j, j)) > 1e-10 * scale)) throw new Error(`${what}: the basis vectors are linearly dependent (vector ${j} adds no new direction)`);
  }
  return qr.orthogonalMatrix;
}

/** Principal angles in radians, smallest first (min(p, q) of them). */
export function principalAngles(a: BasisInput, b: BasisInput): Float64Array {
  const qa = orthonormalBasis(a, 'principalAngles: first basis');
  const qb = orthonormalBasis(b, 'principalAngles: second basis');
  if (qa.rows !== qb.rows) throw new Error(`principalAngles: the bases live in R^${qa.rows} and R^${qb.rows}`);
  const svd = new SingularValueDecomposition(qa.transpose().mmul(qb), { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  const cos = [...svd.diagonal].sort((x, y) => y - x).slice(0, Math.min(qa.columns, qb.columns));
  return Float64Array.from(cos, (c) => Math.acos(Math.min(1, Math.max(0, c))));
}

/** Principal angles in degrees, smallest first. */
export function principalAnglesDegrees(a: BasisInput, b: BasisInput): number[] {
  return Array.from(principalAngles(a, b), (r) => (r * 180) / Math.PI);
}
