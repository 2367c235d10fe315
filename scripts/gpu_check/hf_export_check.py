"""Loads model directories saved by pare with Hugging Face transformers and compares logits with pare's.

pare writes two models with `pare speedup` from the committed tiny BERT fixture
(tests/data/bert_tiny/seqcls): a dense one (a masks file that removes nothing) and a pruned one whose
layers keep different numbers of heads and FFN units (config.json's pare_layer_shapes). transformers
loads the dense one unchanged; for the pruned one each layer's projections are resized to the
shapes pare_layer_shapes gives before the weights load (transformers has one intermediate_size).
Both must load with no missing or unexpected weight, and their logits must equal `pare forward`'s,
on the CPU and on cuda:0, within 1e-4. Writes hf_check.json into --out.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import BertConfig, BertForSequenceClassification

SOURCE = Path("tests/data/bert_tiny/seqcls")
TOLERANCE = 1e-4


def masks_for(config, pruned):
    """Masks named and shaped as parameters; the pruned set zeroes whole heads and FFN units."""
    hidden, heads, ffn = config["hidden_size"], config["num_attention_heads"], config["intermediate_size"]
    head_dim = hidden // heads
    prefix = "bert.encoder.layer"
    masks = {}
    if not pruned:
        masks[f"{prefix}.0.output.dense.weight"] = torch.ones(hidden, ffn)
        return masks
    # Layer 0 keeps heads 0 and 2 and drops 10 FFN units; layer 1 keeps head 1 and drops 25 units.
    dropped_heads = {0: [1], 1: [0, 2]}
    dropped_units = {0: range(0, 10), 1: range(20, 45)}
    for layer in range(config["num_hidden_layers"]):
        attention = torch.ones(hidden, hidden)
        for head in dropped_heads.get(layer, []):
            attention[:, head * head_dim:(head + 1) * head_dim] = 0
        masks[f"{prefix}.{layer}.attention.output.dense.weight"] = attention
        units = torch.ones(hidden, ffn)
        units[:, list(dropped_units.get(layer, []))] = 0
        masks[f"{prefix}.{layer}.output.dense.weight"] = units
    return masks


def hf_model(model_dir):
    """transformers' model of a pare directory, resized to pare_layer_shapes where present."""
    fields = json.loads((model_dir / "config.json").read_text())
    shapes = fields.pop("pare_layer_shapes", None)
    if "pare_layer_norm_size" in fields:
        raise SystemExit(f"{model_dir}: hidden-pruned models (pare_layer_norm_size) have no transformers equivalent")
    fields.pop("pruned_heads", None)  # the shapes below say the same per layer
    config = BertConfig(**fields, attn_implementation="eager")
    model = BertForSequenceClassification(config)
    hidden = config.hidden_size
    for layer, shape in zip(model.bert.encoder.layer, shapes or []):
        width = shape["heads"] * shape["head_dim"]
        attention = layer.attention.self
        attention.query = nn.Linear(hidden, width)
        attention.key = nn.Linear(hidden, width)
        attention.value = nn.Linear(hidden, width)
        attention.num_attention_heads = shape["heads"]
        attention.attention_head_size = shape["head_dim"]
        attention.all_head_size = width
        layer.attention.output.dense = nn.Linear(width, hidden)
        layer.intermediate.dense = nn.Linear(hidden, shape["ffn_dim"])
        layer.output.dense = nn.Linear(shape["ffn_dim"], hidden)
    weights = load_file(str(model_dir / "model.safetensors"))
    result = model.load_state_dict(weights, strict=False)
    missing = [n for n in result.missing_keys if not n.endswith("position_ids")]
    if missing or result.unexpected_keys:
        raise SystemExit(f"{model_dir}: missing {missing}, unexpected {result.unexpected_keys}")
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pare", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    config = json.loads((SOURCE / "config.json").read_text())
    torch.manual_seed(0)
    batch, seq = 4, config["max_position_embeddings"]
    ids = torch.randint(1, config["vocab_size"], (batch, seq))
    mask = torch.ones(batch, seq, dtype=torch.int64)
    mask[1, seq // 2:] = 0
    mask[3, 3:] = 0
    inputs = args.work / "inputs.safetensors"
    save_file({"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}, str(inputs))
    report = {}
    failed = False
    for name, pruned in (("dense", False), ("pruned", True)):
        masks = args.work / f"{name}_masks.safetensors"
        save_file(masks_for(config, pruned), str(masks))
        model_dir = args.work / name
        subprocess.run([args.pare, "speedup", "--model", str(SOURCE), "--masks", str(masks), "--out", str(model_dir)],
                       check=True)
        with torch.no_grad():
            want = hf_model(model_dir)(input_ids=ids, attention_mask=mask).logits
        for device in ("cpu", "cuda:0"):
            output = args.work / f"{name}_{device.replace(':', '')}.safetensors"
            subprocess.run([args.pare, "forward", "--model", str(model_dir), "--input", str(inputs), "--output",
                            str(output), "--device", device], check=True)
            got = load_file(str(output))["logits"]
            error = (got - want).abs().max().item()
            ok = error <= TOLERANCE
            failed |= not ok
            report[f"{name}/{device}"] = {"max_abs_error": error, "ok": ok,
                                          "layer_shapes": json.loads((model_dir / "config.json").read_text())
                                          .get("pare_layer_shapes")}
            print(f"{name} on {device}: max |pare - transformers| = {error:.2e} {'ok' if ok else 'FAIL'}", flush=True)
    (args.out / "hf_check.json").write_text(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
