/** Figures: raster images and PNG files, image grids, and Vega-Lite charts rendered to SVG/PNG. */
export { checkRasterImage, decodePng, encodePng, toGray01, writePng } from './png.js';
export type { Channels, DecodedImage, RasterImage } from './png.js';
export { GRID_DEFAULTS, imageGrid, reconstructionFigure, splitBatch } from './grid.js';
export type { GridOptions, GridStyle, ImageData } from './grid.js';
export { lineChartSvg, lossChart, scatterSvg, vegaLiteToSvg } from './chart.js';
export type { LineChartSpec, LineSeries, LossChartOptions, LossHistory, ScatterOptions, ScatterPoint } from './chart.js';
export { chartFontInfo, svgToPng } from './svg-png.js';
export type { FontInfo, FontSource, SvgToPngOptions } from './svg-png.js';
export { strokeTextPath, textToPaths } from './stroke-font.js';
export { LABEL_PALETTE, labelMapImage, uMatrixImage } from './som.js';
export type { SomImageOptions } from './som.js';
