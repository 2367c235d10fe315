// Times ONNX Runtime (npm onnxruntime-node in .onnxruntime/) on an exported model, as
// bench/onnx/compare_onnxruntime.sh asks: inference on random ids, all graph optimisations, the given
// intra-op threads; prints {"ms_per_step": median} as JSON.
//   node bench/onnx/ort_bench.js MODEL.onnx BATCH SEQ THREADS STEPS VOCAB
'use strict';
const path = require('path');

async function main() {
  const [model, batch, seq, threads, steps, vocab] = process.argv.slice(2);
  if (!vocab) throw new Error('usage: node ort_bench.js MODEL.onnx BATCH SEQ THREADS STEPS VOCAB');
  const ort = require(path.join(__dirname, '..', '..', '.onnxruntime', 'node_modules', 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const n = Number(batch) * Number(seq);
  const ids = new BigInt64Array(n);
  let state = 12345;
  for (let i = 0; i < n; ++i) {
    state = (state * 1103515245 + 12345) % 2147483648;
    ids[i] = BigInt(1 + (state % (Number(vocab) - 1)));
  }
  const dims = [Number(batch), Number(seq)];
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), dims),
  };
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(steps); ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ms_per_step: times[Math.floor(times.length / 2)]}) + '\n');
}

main().catch((e) => {
  process.stderr.write(`ort_bench: ${e.message}\n`);
  process.exit(1);
});
