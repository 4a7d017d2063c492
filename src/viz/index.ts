/** Figures: raster images and PNG files, image grids, and Vega-Lite charts rendered to SVG/PNG. */
export { checkRasterImage, decodePng, encodePng, toGray01, writePng } from './png.js';
export type { Channels, DecodedImage, RasterImage } from './png.js';
export { GRID_DEFAULTS, imageGrid, reconstructionFigure, splitBatch } from './grid.js';
export type { GridOptions, GridStyle, ImageData } from './grid.js';
export {
  chartFontInfo,
  lineChartSvg,
  lossChart,
  scatterSvg,
  strokeTextPath,
  svgToPng,
  textToPaths,
  vegaLiteToSvg,
} from './chart.js';
export type {
  FontInfo,
  FontSource,
  LineChartSpec,
  LineSeries,
  LossChartOptions,
  LossHistory,
  ScatterOptions,
  ScatterPoint,
  SvgToPngOptions,
} from './chart.js';
export { LABEL_PALETTE, labelMapImage, uMatrixImage } from './som.js';
export type { SomImageOptions } from './som.js';
