/** The reference backend: plain TypeScript over Float32Array/Float64Array. The oracle for every other backend. */
import type { Backend, DType, FloatArray } from '../types.js';
import { activationGrad } from './activation-grad.js';
import { col2im, conv2d, conv2dFilter, conv2dTranspose, im2col, maxPool, maxUnpool } from './conv.js';
import { binary, copy, unary, where } from './elementwise.js';
import { linear } from './linear.js';
import { matmul } from './matmul.js';
import { adamUpdate, momentumUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { reduce } from './reduce.js';

export const refBackend: Backend = {
  name: 'ref',
  threads: 1,
  alloc(dtype: DType, n: number): FloatArray {
    return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  },
  kernels: { matmul, linear, activationGrad, unary, binary, where, copy, reduce, im2col, col2im, conv2d, conv2dTranspose, conv2dFilter, maxPool, maxUnpool, sgdUpdate, momentumUpdate, rmspropUpdate, adamUpdate },
};
