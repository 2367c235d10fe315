// Runs an ONNX model with ONNX Runtime for Node.js (npm onnxruntime-node): the independent check of
// pare's ONNX exports, by tests/onnx_export_test.cpp and by `pare run` (pipeline/onnx_step.cpp).
//   node export/onnxruntime_run.js MODEL.onnx INPUTS.json OUTPUTS.json
// INPUTS.json: {"input_ids": {"dims": [b, t], "data": [...]}, ...} (int64 inputs). OUTPUTS.json:
// {"onnxruntime": "<version>", "outputs": {"<name>": {"dims": [...], "data": [...]}, ...}} (float).
// onnxruntime-node is taken from .onnxruntime/ at the repository root (scripts/fetch-onnxruntime.sh),
// else wherever Node.js finds it. Exit status 3 when it is nowhere, 1 with a message on any other failure.
'use strict';
const fs = require('fs');
const path = require('path');

function loadOnnxRuntime() {
  const candidates = [path.join(__dirname, '..', '.onnxruntime', 'node_modules', 'onnxruntime-node'), 'onnxruntime-node'];
  for (const where of candidates) {
    try {
      return {ort: require(where), version: require(path.join(where, 'package.json')).version};
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  process.stderr.write('onnxruntime-node is not installed (scripts/fetch-onnxruntime.sh puts it in .onnxruntime/)\n');
  process.exit(3);
}

async function main() {
  const [model, inputsFile, outputsFile] = process.argv.slice(2);
  if (!outputsFile) throw new Error('usage: node onnxruntime_run.js MODEL.onnx INPUTS.json OUTPUTS.json');
  const {ort, version} = loadOnnxRuntime();
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1});
  const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  const feeds = {};
  for (const [name, t] of Object.entries(inputs)) {
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(t.data.map(BigInt)), t.dims);
  }
  const results = await session.run(feeds);
  const outputs = {};
  for (const [name, t] of Object.entries(results)) outputs[name] = {dims: t.dims, data: Array.from(t.data)};
  fs.writeFileSync(outputsFile, JSON.stringify({onnxruntime: version, outputs}));
}

main().catch((e) => {
  process.stderr.write(`onnxruntime_run: ${e.message}\n`);
  process.exit(1);
});
