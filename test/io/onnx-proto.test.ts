// The ONNX writer (src/io/onnx/proto.ts) against protobufjs's own generated encoder: the same bytes for
// hand-made messages covering every field kind it writes (negative and large int64, floats, strings, bytes,
// enums, nested and repeated messages) and for exported models (decoded by protobufjs, encoded again). And it
// generates no code: a child process with --disallow-code-generation-from-strings (what a strict CSP does to
// a page) exports every kind, where protobufjs's own Type.encode fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { encodeMessage, onnxType, type ProtoMessage } from '../../src/io/onnx/proto.js';
import { exportCases } from './onnx-cases.js';

const same = (a: Uint8Array, b: Uint8Array, what: string): void => {
  assert.equal(a.length, b.length, `${what}: length`);
  assert.ok(Buffer.from(a).equals(Buffer.from(b)), `${what}: bytes differ`);
};

test('hand-made messages: the same bytes as protobufjs Type.encode', () => {
  const node: ProtoMessage = {
    input: ['x', '', 'w'], output: ['y'], name: 'n', op_type: 'Softmax',
    attribute: [
      { name: 'axis', type: 2, i: -1 },
      { name: 'alpha', type: 1, f: 0.3 },
      { name: 'pads', type: 7, ints: [0, 1, 2, 3] },
      { name: 'mode', type: 3, s: new TextEncoder().encode('nearest') },
      { name: 'activations', type: 8, strings: [new TextEncoder().encode('Tanh')] },
      { name: 'scales', type: 6, floats: [1, 1.5, -2] },
    ],
  };
  const tensor: ProtoMessage = { dims: [2, 3, 2 ** 40], data_type: 11, name: 't', raw_data: new Uint8Array(Float64Array.of(1, -2.5, 1e300).buffer) };
  const model: ProtoMessage = {
    ir_version: 8, opset_import: [{ domain: '', version: 17 }], producer_name: 'aekit', doc_string: 'd',
    graph: {
      node: [node], name: 'g', initializer: [tensor],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'batch' }, { dim_value: 0 }, { dim_value: 784 }] } } } }],
    },
    metadata_props: [{ key: 'k', value: 'v' }],
  };
  for (const [name, msg] of [['NodeProto', node], ['TensorProto', tensor], ['ModelProto', model]] as const) {
    same(encodeMessage(name, msg), onnxType(name).encode(msg).finish(), name);
  }
});

test('exported models: decoded and encoded again by protobufjs, the same bytes', async () => {
  const T = onnxType('ModelProto');
  for (const c of await exportCases()) {
    for (const part of Object.keys(c.parts)) {
      const bytes = exportOnnx(c.model, { part: part as 'full', extras: { preprocessing: c.prep } });
      same(T.encode(T.decode(bytes)).finish(), bytes, `${c.name} ${part}`);
    }
  }
});

test('the writer generates no code (--disallow-code-generation-from-strings), protobufjs encode does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aekit-onnx-nocodegen-'));
  const src = (p: string): string => pathToFileURL(resolve(import.meta.dirname, p)).href;
  const script = join(dir, 'run.mts');
  writeFileSync(script, [
    `import { exportOnnx } from '${src('../../src/io/onnx/export.ts')}';`,
    `import { onnxType } from '${src('../../src/io/onnx/proto.ts')}';`,
    `import { exportCases } from '${src('./onnx-cases.ts')}';`,
    'let n = 0;',
    'for (const c of await exportCases()) for (const part of Object.keys(c.parts)) n += exportOnnx(c.model, { part, extras: { preprocessing: c.prep } }).length > 0 ? 1 : 0;',
    "let refused = 'no';",
    "try { onnxType('ModelProto').encode({ ir_version: 8 }); } catch (e) { refused = e.name; }",
    'console.log(JSON.stringify({ n, refused }));',
  ].join('\n'));
  try {
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', script], { encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..') });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number; refused: string };
    assert.ok(out.n > 40, `${out.n} models exported`);
    assert.equal(out.refused, 'EvalError', 'the flag is in force: protobufjs encode is refused');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
