export { Dataset, batchIndices, splitValidation } from './dataset.js';
export type { SampleStore } from './dataset.js';
export { parseIdx, readIdxFile } from './idx.js';
export type { IdxArray } from './idx.js';
export { loadMnist, mnistDir, MNIST_FILES } from './mnist.js';
export type { MnistOptions, MnistSplit } from './mnist.js';
export { loadCsv, parseCsv } from './csv.js';
export type { CsvOptions } from './csv.js';
