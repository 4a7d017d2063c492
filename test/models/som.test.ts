/** SOM: organizes clustered data, follows its documented schedule, is deterministic; plus its two images. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SOM } from '../../src/models/som.js';
import { Rng } from '../../src/tensor/rng.js';
import { tensor } from '../../src/tensor/tensor.js';
import { encodePng } from '../../src/viz/png.js';
import { LABEL_PALETTE, labelMapImage, uMatrixImage } from '../../src/viz/som.js';
import { assertClose } from '../helpers.js';

/** 3 well-separated Gaussian clusters in 4-D (std 0.3, centres 6 apart), labels 0, 1, 2. */
function clusters(perCluster: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const centres = [[0, 0, 0, 0], [6, 0, 6, 0], [0, 6, 0, 6]];
  const x: number[][] = [], y: number[] = [];
  for (let i = 0; i < perCluster * 3; i++) {
    const c = i % 3;
    x.push(centres[c].map((m) => rng.normal(m, 0.3)));
    y.push(c);
  }
  return { x, y };
}

/** A map whose weights are set by hand: one value per node (dim 1). */
function handMap(rows: number, cols: number, values: number[]): SOM {
  const som = new SOM({ rows, cols, dim: 1 });
  som.weights.set(values);
  return som;
}

describe('SOM', () => {
  test('on 3 separated clusters: quantization error drops far, topology is kept, clusters get their own nodes', () => {
    const { x, y } = clusters(100, 1);
    const som = new SOM({ rows: 6, cols: 6, dim: 4, seed: 0 });
    som.initialize(x);
    const q0 = som.quantizationError(x);
    const r = som.fit(x, { epochs: 10 });
    assert.equal(r.iterations, 3000);
    assert.equal(som.iterations, 3000);
    const q = som.quantizationError(x);
    assert.ok(q < 0.2 * q0, `quantization error ${q0} -> ${q}`);
    assert.ok(som.topographicError(x) < 0.1, `topographic error ${som.topographicError(x)}`);
    const bmus = som.bmus(x);
    const nodesOf = [0, 1, 2].map((c) => new Set(Array.from(bmus).filter((_, i) => y[i] === c)));
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) {
      assert.ok([...nodesOf[a]].every((node) => !nodesOf[b].has(node)), `clusters ${a} and ${b} share a node`);
    }
    // Each node that wins samples is labelled with its cluster, and bmu() agrees with bmus().
    const labels = som.labelMap(x, y);
    x.forEach((s, i) => assert.equal(labels[bmus[i]], y[i]));
    assert.equal(som.bmu(x[5]), bmus[5]);
    assert.equal(som.hits(x).reduce((s, v) => s + v, 0), 300);
    // evaluate() gives all of it in one pass, and its BMUs can stand in for the data in labelMap.
    const ev = som.evaluate(x);
    assert.deepEqual([ev.quantizationError, ev.topographicError], [q, som.topographicError(x)]);
    assert.deepEqual(som.labelMap(ev.bmus, y), labels);
  });

  test('radius and learning rate follow the documented exponential and linear schedules', () => {
    const cfg = { rows: 5, cols: 8, dim: 2, sigmaEnd: 0.5, learningRate: 0.5, learningRateEnd: 0.02 };
    const expo = new SOM(cfg);
    assert.equal(expo.config.sigma, 4); // default max(rows, cols) / 2
    const T = 101;
    assert.deepEqual(expo.schedule(0, T), { sigma: 4, learningRate: 0.5 });
    assertClose([expo.schedule(100, T).sigma, expo.schedule(100, T).learningRate], [0.5, 0.02], 1e-12);
    // Halfway, an exponential decay sits at the geometric mean of its end points...
    assertClose([expo.schedule(50, T).sigma, expo.schedule(50, T).learningRate], [Math.sqrt(4 * 0.5), Math.sqrt(0.5 * 0.02)], 1e-12);
    // ...and at t it equals v0 exp(-t / tau) with tau = (T - 1) / ln(v0 / vEnd).
    const tau = 100 / Math.log(4 / 0.5);
    assertClose([expo.schedule(37, T).sigma], [4 * Math.exp(-37 / tau)], 1e-12);
    const lin = new SOM({ ...cfg, decay: 'linear' });
    assertClose([lin.schedule(50, T).sigma, lin.schedule(25, T).learningRate], [2.25, 0.5 + (0.02 - 0.5) * 0.25], 1e-12);
    assert.deepEqual(lin.schedule(0, 1), { sigma: 4, learningRate: 0.5 }); // a single iteration uses the start values
  });

  test('the same seed gives the same map; another seed a different one', () => {
    const { x } = clusters(30, 2);
    const train = (seed: number): Float64Array => {
      const som = new SOM({ rows: 4, cols: 4, dim: 4, seed });
      som.fit(x, { iterations: 500 });
      return som.weights;
    };
    assert.deepEqual(train(3), train(3));
    assert.notDeepEqual(train(3), train(4));
    const bySamples = new SOM({ rows: 4, cols: 4, dim: 4, seed: 3, init: 'samples' });
    bySamples.initialize(x);
    const rows = x.map((r) => r.join());
    for (let j = 0; j < 16; j++) assert.ok(rows.includes(Array.from(bySamples.weights.subarray(j * 4, j * 4 + 4)).join()), `node ${j} is not a sample`);
  });

  test('U-matrix, topographic error and label map on hand-set weights', () => {
    // 1x3 map with weights 0, 1, 3: node U-values are 1, (1 + 2) / 2, 2.
    assert.deepEqual(Array.from(handMap(1, 3, [0, 1, 3]).uMatrix()), [1, 1.5, 2]);
    // 2x2 map: every node has 3 neighbours (diagonals count).
    assertClose(handMap(2, 2, [0, 1, 2, 4]).uMatrix(), [(1 + 2 + 4) / 3, (1 + 3 + 1) / 3, (2 + 2 + 1) / 3, (4 + 3 + 2) / 3], 1e-12);
    // Weights 0, 10, 1: a sample at 0.4 has BMUs nodes 0 and 2, which are not neighbours.
    const som = handMap(1, 3, [0, 10, 1]);
    assert.equal(som.topographicError([[0.4]]), 1);
    assert.equal(som.topographicError([[9], [5.2]]), 0); // BMUs (1, 2) and (2, 1): neighbours
    assert.equal(som.quantizationError([[0.4], [11]]), (0.4 + 1) / 2);
    assert.deepEqual(Array.from(som.labelMap([[0.1], [0.2], [-1], [9], [0.9]], [7, 3, 3, 5, 2])), [3, 5, 2]);
    assert.deepEqual(Array.from(som.labelMap([[0.1], [0.2]], [4, 1])), [1, -1, -1]); // a tie goes to the smaller label
    assert.ok(Number.isNaN(handMap(1, 1, [0]).topographicError([[1]])));
  });

  test('accepts tensors; rejects bad configs and data with clear errors', () => {
    const som = new SOM({ rows: 2, cols: 2, dim: 3, seed: 1 });
    som.fit(tensor([[0, 0, 0], [1, 1, 1]]), { iterations: 10 });
    assert.equal(som.iterations, 10);
    assert.throws(() => new SOM({ rows: 0, cols: 2, dim: 3 }), /rows must be a positive integer, got 0/);
    assert.throws(() => new SOM({ rows: 2, cols: 2, dim: 3, sigmaEnd: 0 }), /sigma and sigmaEnd must be positive numbers/);
    assert.throws(() => new SOM({ rows: 2, cols: 2, dim: 3, decay: 'step' as 'linear' }), /decay must be 'exponential' or 'linear'/);
    assert.throws(() => som.fit([[1, 2]]), /2 values per sample, the map's weight vectors have 3/);
    assert.throws(() => som.fit([]), /no training samples/);
    assert.throws(() => som.fit([[1, 2, NaN]]), /sample 0, value 2 is NaN/);
    assert.throws(() => som.fit([[1, 2, 3]], { iterations: 5, epochs: 1 }), /iterations or epochs, not both/);
    assert.throws(() => som.bmu([1, 2]), /the sample has 2 values, the map expects 3/);
    assert.throws(() => som.labelMap([[1, 2, 3]], [1, 2]), /1 samples but 2 labels/);
  });
});

describe('SOM images', () => {
  test('uMatrixImage: grey, scaled, dark where nodes are far from their neighbours', () => {
    const img = uMatrixImage([1, 1.5, 2, 1, 1, 1], 2, 3, { scale: 4 });
    assert.deepEqual([img.width, img.height, img.channels], [12, 8, 1]);
    const at = (x: number, y: number): number => img.data[y * img.width + x];
    assert.equal(at(0, 0), 255); // the smallest value is white
    assert.equal(at(11, 3), 0); // the largest is black (node (0, 2), any pixel of its 4x4 square)
    assert.equal(at(5, 1), 128); // 1.5, halfway
    assert.ok(encodePng(img).length > 0);
    assert.equal(uMatrixImage([2, 2], 1, 2, { scale: 1 }).data[0], 128); // flat: mid grey
    assert.throws(() => uMatrixImage([1, 2, 3], 2, 2), /got 3 values for a 2x2 map/);
    assert.throws(() => uMatrixImage([1, NaN], 1, 2), /node 1 has U-value NaN/);
  });

  test('labelMapImage: palette colour per label, a digit drawn on it, grey for empty nodes', () => {
    const img = labelMapImage([0, 7, -1, 3], 2, 2, { scale: 16 });
    assert.deepEqual([img.width, img.height, img.channels], [32, 32, 3]);
    const px = (x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    assert.deepEqual(px(0, 0), [...LABEL_PALETTE[0]]); // a corner of node 0 is its fill
    assert.deepEqual(px(16, 0), [...LABEL_PALETTE[7]]);
    assert.deepEqual(px(0, 16), [235, 235, 235]); // empty node
    assert.deepEqual(px(15, 0), [255, 255, 255]); // the border line between cells
    // The digit's ink: white on the dark blue of 0, black on the light pink of 7 (glyph pixel size 2, centred).
    const inkPixels = (x0: number, y0: number, ink: number[]): number => {
      let k = 0;
      for (let y = y0; y < y0 + 15; y++) for (let x = x0; x < x0 + 15; x++) if (px(x, y).join() === ink.join()) k++;
      return k;
    };
    assert.equal(inkPixels(0, 0, [255, 255, 255]), 12 * 4); // '0' has 12 lit cells of its 3x5 glyph
    assert.equal(inkPixels(16, 0, [0, 0, 0]), 7 * 4); // '7' has 7
    assert.throws(() => labelMapImage([0, 1.5], 1, 2), /node 1 has label 1.5/);
  });
});
