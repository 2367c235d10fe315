// Runs an ONNX model with ONNX Runtime (npm onnxruntime-node, installed by scripts/fetch-onnxruntime.sh
// into .onnxruntime/) for tests/onnx_export_test.cpp:
//   node tests/onnx/ort_run.js MODEL.onnx INPUTS.json OUTPUTS.json
// INPUTS.json: {"input_ids": {"dims": [b, t], "data": [...]}, ...} (int64 inputs); OUTPUTS.json gets
// every output the same way (float data). Exit status 1 with a message on any failure.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const [model, inputsFile, outputsFile] = process.argv.slice(2);
  if (!outputsFile) throw new Error('usage: node ort_run.js MODEL.onnx INPUTS.json OUTPUTS.json');
  const ort = require(path.join(__dirname, '..', '..', '.onnxruntime', 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1});
  const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  const feeds = {};
  for (const [name, t] of Object.entries(inputs)) {
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(t.data.map(BigInt)), t.dims);
  }
  const results = await session.run(feeds);
  const out = {};
  for (const [name, t] of Object.entries(results)) out[name] = {dims: t.dims, data: Array.from(t.data)};
  fs.writeFileSync(outputsFile, JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`ort_run: ${e.message}\n`);
  process.exit(1);
});
