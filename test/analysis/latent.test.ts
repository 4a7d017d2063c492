/**
 * Latent-space projection (2-D codes directly, PCA or seeded UMAP for wider ones), the scatter it feeds, and
 * the Embedding Projector TSV files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  codeMatrix, latentProjection, latentScatter, projectorMetadataTsv, projectorVectorsTsv, writeProjectorTsv,
} from '../../src/analysis/latent.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { decodePng } from '../../src/viz/png.js';
import { assertClose } from '../helpers.js';

/** n codes of width k in 3 well-separated clusters (cluster c shifted along axis c), labels 0..2. */
function clustered(n: number, k: number, seed = 1): { codes: Float64Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const codes = new Float64Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < k; j++) codes[i * k + j] = 0.3 * rng.normal() + (j === labels[i] ? 6 : 0);
  }
  return { codes, labels };
}

function distance(p: ArrayLike<number>, i: number, j: number, d: number): number {
  let s = 0;
  for (let q = 0; q < d; q++) s += (p[i * d + q] - p[j * d + q]) ** 2;
  return Math.sqrt(s);
}

describe('latentProjection', () => {
  test('codes of width 2 are plotted as they are, whatever the method', () => {
    const codes = [[1, 2], [3, -4], [0.5, 7]];
    for (const method of ['pca', 'umap'] as const) {
      const p = latentProjection(codes, { method });
      assert.equal(p.method, 'direct');
      assert.equal(p.n, 3);
      assert.equal(p.codeDim, 2);
      assert.deepEqual(p.axes, ['z1', 'z2']);
      assert.deepEqual([...p.points], [1, 2, 3, -4, 0.5, 7]);
    }
    // a Tensor [n, 2] too
    assert.deepEqual([...latentProjection(tensor([[1, 2], [3, 4]])).points], [1, 2, 3, 4]);
  });

  test('PCA: shape n x 2, axes name the variance share, and planar codes keep their distances (a rotation)', () => {
    const { codes } = clustered(60, 8);
    const p = latentProjection(codes, { dim: 8 });
    assert.equal(p.method, 'pca');
    assert.equal(p.points.length, 120);
    assert.equal(p.codeDim, 8);
    assert.match(p.axes[0], /^PC1 \(\d+\.\d %\)$/);
    const [r1, r2] = p.explainedVarianceRatio!;
    assert.ok(r1 >= r2 && r2 > 0 && r1 + r2 <= 1 + 1e-12, `ratios ${r1}, ${r2}`);

    // 3-D codes that all lie in the plane z = 0: PCA onto 2 components is an isometry of that plane.
    const rng = new Rng(3);
    const flat = new Float64Array(40 * 3);
    for (let i = 0; i < 40; i++) { flat[i * 3] = 3 * rng.normal(); flat[i * 3 + 1] = rng.normal(); }
    const q = latentProjection(flat, { dim: 3, method: 'pca' });
    for (const [i, j] of [[0, 1], [2, 17], [5, 39], [10, 11]]) {
      assertClose([distance(q.points, i, j, 2)], [distance(flat, i, j, 3)], 1e-9, 0, `distance ${i}-${j}`);
    }
    assertClose([q.explainedVarianceRatio![0] + q.explainedVarianceRatio![1]], [1], 1e-12);
  });

  test('UMAP: shape n x 2, the same seed gives the same points, another seed others; clusters stay apart', () => {
    const { codes, labels } = clustered(60, 6);
    const opts = { dim: 6, method: 'umap' as const, nEpochs: 60 };
    const a = latentProjection(codes, { ...opts, seed: 5 });
    const b = latentProjection(codes, { ...opts, seed: 5 });
    const c = latentProjection(codes, { ...opts, seed: 6 });
    assert.equal(a.method, 'umap');
    assert.equal(a.points.length, 120);
    assert.deepEqual(a.axes, ['UMAP 1', 'UMAP 2']);
    assert.ok(a.points.every(Number.isFinite));
    assert.deepEqual([...a.points], [...b.points]);
    assert.notDeepEqual([...a.points], [...c.points]);
    // Every point's nearest neighbour in the embedding is from its own cluster.
    for (let i = 0; i < 60; i++) {
      let best = -1;
      for (let j = 0; j < 60; j++) if (j !== i && (best < 0 || distance(a.points, i, j, 2) < distance(a.points, i, best, 2))) best = j;
      assert.equal(labels[best], labels[i], `point ${i}`);
    }
  });

  test('UMAP works on very few codes (neighbours capped at n - 1)', () => {
    const { codes } = clustered(5, 4);
    const p = latentProjection(codes, { dim: 4, method: 'umap', seed: 1, nEpochs: 20 });
    assert.equal(p.points.length, 10);
    assert.ok(p.points.every(Number.isFinite));
  });

  test('errors: 1-D codes, non-finite values, ragged rows, missing dim, unknown method, too few codes', () => {
    assert.throws(() => latentProjection([[1], [2]]), /1 value each/);
    assert.throws(() => latentProjection([[1, 2, NaN], [0, 0, 0]]), /code 0, value 2 is NaN/);
    assert.throws(() => latentProjection([[1, 2, 3], [1, 2]]), /code 1 has 2 values, expected 3/);
    assert.throws(() => latentProjection(new Float32Array(6)), /needs dim/);
    assert.throws(() => latentProjection(new Float32Array(7), { dim: 3 }), /not a whole number of codes/);
    assert.throws(() => latentProjection([[1, 2, 3]], { method: 'tsne' as 'pca' }), /'pca' or 'umap'/);
    assert.throws(() => latentProjection([[1, 2, 3]]), /at least 2/);
    assert.throws(() => latentProjection([[1, 2, 3], [3, 2, 1]], { method: 'umap' }), /at least 3/);
    assert.throws(() => latentProjection([]), /no codes/);
  });

  test('latentScatter draws a PNG and an SVG with a legend entry per label', async () => {
    const { codes, labels } = clustered(30, 2);
    const p = latentProjection(codes, { dim: 2 });
    const { svg, png } = await latentScatter(p, labels, { pngWidth: 400 });
    assert.equal(decodePng(png).width, 400);
    for (const l of ['0', '1', '2']) assert.match(svg, new RegExp(`>${l}</text>`));
    assert.match(svg, />digit</);
    await assert.rejects(latentScatter(p, labels.subarray(0, 5)), /30 points but 5 labels/);
  });
});

describe('Embedding Projector TSV', () => {
  test('vectors.tsv: one code per line, tab-separated, no header, float32 values written exactly', () => {
    const v = projectorVectorsTsv(new Float32Array([0.1, -2, 3.5, 1e-7]), 2);
    assert.equal(v, `${Number(Math.fround(0.1).toPrecision(9))}\t-2\n3.5\t${Number(Math.fround(1e-7).toPrecision(9))}\n`);
    assert.equal(v, '0.100000001\t-2\n3.5\t1.00000001e-7\n');
    assert.equal(projectorVectorsTsv([[1, 2, 3]]), '1\t2\t3\n');
    // each value parses back to the stored float32
    const codes = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 10 ** (i % 5 - 2));
    const back = projectorVectorsTsv(codes, 4).trimEnd().split('\n').flatMap((l) => l.split('\t').map(Number));
    assert.deepEqual(Float32Array.from(back), codes);
  });

  test('metadata.tsv: header label<TAB>index (a tab, so the projector reads it as a header), one row per code', () => {
    assert.equal(projectorMetadataTsv([7, 2, 1]), 'label\tindex\n7\t0\n2\t1\n1\t2\n');
    assert.equal(projectorMetadataTsv(['a b']), 'label\tindex\na b\t0\n');
    assert.throws(() => projectorMetadataTsv(['x\ty']), /tab or a line break/);
  });

  test('writeProjectorTsv writes both files; vectors and metadata rows pair up; mismatched labels fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aekit-latent-'));
    try {
      const codes = tensor([[1, 2, 3], [4, 5, 6]]);
      const files = writeProjectorTsv(dir, codes, [3, 9]);
      assert.deepEqual(files, { vectors: join(dir, 'vectors.tsv'), metadata: join(dir, 'metadata.tsv') });
      assert.equal(readFileSync(files.vectors, 'utf8'), '1\t2\t3\n4\t5\t6\n');
      assert.equal(readFileSync(files.metadata, 'utf8'), 'label\tindex\n3\t0\n9\t1\n');
      assert.throws(() => writeProjectorTsv(dir, codes, [1]), /2 codes but 1 labels/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('codeMatrix accepts tensors, rows and flat arrays alike', () => {
    const want = [1, 2, 3, 4, 5, 6];
    assert.deepEqual([...codeMatrix(tensor([[1, 2, 3], [4, 5, 6]])).data], want);
    assert.deepEqual([...codeMatrix([[1, 2, 3], [4, 5, 6]]).data], want);
    const m = codeMatrix(new Float64Array(want), 3);
    assert.deepEqual([m.n, m.dim], [2, 3]);
    assert.throws(() => codeMatrix(tensor([1, 2, 3])), /2-D tensor/);
  });
});
