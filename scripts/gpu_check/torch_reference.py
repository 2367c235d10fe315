"""PyTorch's times for the cases scripts/gpu-check.sh times with `pare bench`, on the same GPU.

The same models (BERT named sizes, freshly initialised, sequence classification with two labels), the
same batch and sequence length, random ids with every token attended; eager mode with fp32 matmuls
(no TF32, as pare's f32 path), AdamW, dropout on in training. Steps are timed with CUDA events after
warm-up; the median is reported. bf16 autocast rows give the mixed-precision anchor. Writes
torch_<case>.json into --out, one per case, each {"ms_per_step", "seq_per_s", ...}.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

# The named sizes of models/bert_sizes.cpp that the check uses.
SIZES = {
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "mini": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024),
}

# name -> (size, layers or None, mode, batch, seq, autocast dtype or None); names match gpu-check.sh.
CASES = {
    "layer_train": ("base", 1, "train", 32, 128, None),
    "base_train": ("base", None, "train", 32, 128, None),
    "base_infer": ("base", None, "infer", 32, 128, None),
    "mini_train": ("mini", None, "train", 32, 128, None),
    "base_train_bf16": ("base", None, "train", 32, 128, torch.bfloat16),
}


def make_config(size, layers):
    fields = dict(SIZES[size])
    if layers is not None:
        fields["num_hidden_layers"] = layers
    return BertConfig(vocab_size=30522, num_labels=2, attn_implementation="eager", **fields)


def time_case(size, layers, mode, batch, seq, autocast, steps, warmup):
    torch.manual_seed(0)
    device = torch.device("cuda")
    config = make_config(size, layers)
    training = mode == "train"
    model = (BertForSequenceClassification(config) if training else BertModel(config)).to(device)
    model.train(training)
    ids = torch.randint(0, config.vocab_size, (batch, seq), device=device)
    mask = torch.ones_like(ids)
    labels = torch.randint(0, 2, (batch,), device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01) if training else None

    def step():
        with torch.autocast("cuda", dtype=autocast, enabled=autocast is not None):
            if not training:
                with torch.no_grad():
                    model(input_ids=ids, attention_mask=mask)
                return
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    ms = statistics.median(times)
    return {
        "ms_per_step": ms,
        "seq_per_s": batch * 1000.0 / ms,
        "step_ms": times,
        "peak_memory_bytes": torch.cuda.max_memory_allocated(),
        "parameters": sum(p.numel() for p in model.parameters()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}", flush=True)
    for name, (size, layers, mode, batch, seq, autocast) in CASES.items():
        result = time_case(size, layers, mode, batch, seq, autocast, args.steps, args.warmup)
        if name == "base_train":
            # The fused-attention row of pare compares against the same eager step.
            (args.out / "torch_base_train_fused.json").write_text(json.dumps(dict(result, case=name), indent=2))
        result.update(case=name, torch=torch.__version__, batch=batch, seq=seq)
        (args.out / f"torch_{name}.json").write_text(json.dumps(result, indent=2))
        print(f"{name}: {result['ms_per_step']:.2f} ms/step, {result['seq_per_s']:.1f} seq/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
