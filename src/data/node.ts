/** The data layer's Node-only surface: data sets and files on disk. */
export { loadMnist, mnistDir, MNIST_FILES } from './mnist.js';
export type { MnistOptions, MnistSplit } from './mnist.js';
export { parseIdx, readIdxFile } from './idx.js';
export type { IdxArray } from './idx.js';
export { CHECKPOINT, loadCsv, openCsvFile, readCsvTable } from './csv-file.js';
export { openNpyFile, readNpyFile, readNpzFile } from './npy-file.js';
export type { NpyFile } from './npy-file.js';
export { openParquetFile, readParquetFile } from './parquet-file.js';
export { decodeImage, listImageFolder, loadImageFolder } from './image-folder.js';
export type { ImageFolderListing, ImageFolderOptions, ImageSet, SourceImage } from './image-folder.js';
export { checkSameData, openData, randomSplit, readData, READERS, readerFor } from './open.js';
export type { DataOptions, OpenedData, OpenOptions } from './open.js';
export { openCsvStream, openNpyStream, openParquetStream } from './stream-files.js';
