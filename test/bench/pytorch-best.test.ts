/** bench/pytorch/best.ts: how PyTorch's row is chosen from the settings it was measured in, round after round. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pytorchRow, type WorkloadLine } from '../../bench/pytorch/best.js';

const line = (workload: string, threads: number, waitPolicy: string, train: number, infer: number): WorkloadLine => ({
  library: 'PyTorch 1.13', workload, trainSamplesPerSec: train, inferSamplesPerSec: infer,
  setting: { threads, waitPolicy, openblasThreads: 'default' },
});

test('PyTorch\'s row takes each setting\'s median over the rounds, then the setting with the best median', () => {
  // Three rounds of two settings. 1 thread has the single best training measurement (70) but the lower median
  // (50 against 60); 2 threads has the better inference median (300 against 200).
  const lines = [
    line('W1', 1, 'PASSIVE', 70, 200), line('W1', 2, 'PASSIVE', 60, 310),
    line('W1', 1, 'PASSIVE', 50, 190), line('W1', 2, 'PASSIVE', 58, 300),
    line('W1', 1, 'PASSIVE', 40, 210), line('W1', 2, 'PASSIVE', 61, 250),
    line('W2', 1, 'PASSIVE', 999, 999),
  ];
  const row = pytorchRow('W1', lines)!;
  assert.equal(row.trainSamplesPerSec, 60);
  assert.equal(row.inferSamplesPerSec, 300);
  assert.equal(row.library, 'PyTorch 1.13 (2 OpenMP threads, OMP_WAIT_POLICY=PASSIVE)');
  assert.deepEqual(row.tried, [
    { setting: '1 OpenMP thread, OMP_WAIT_POLICY=PASSIVE', trainSamplesPerSec: 50, inferSamplesPerSec: 200 },
    { setting: '2 OpenMP threads, OMP_WAIT_POLICY=PASSIVE', trainSamplesPerSec: 60, inferSamplesPerSec: 300 },
  ]);
});

test('PyTorch\'s row names both settings when train and inference are best in different ones; none without lines', () => {
  const lines = [line('W3', 1, 'default', 10, 90), line('W3', 2, 'default', 20, 80)];
  assert.equal(pytorchRow('W3', lines)!.library, 'PyTorch 1.13 (train: 2 OpenMP threads, default wait policy; infer: 1 OpenMP thread, default wait policy)');
  assert.equal(pytorchRow('W1', lines), null);
  // An even number of rounds takes the lower middle value, as every other library's median does.
  assert.equal(pytorchRow('W3', [...lines, line('W3', 2, 'default', 30, 80)])!.trainSamplesPerSec, 20);
});
