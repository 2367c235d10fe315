"""The table scripts/gpu-check.sh prints: tests, then each timed case (ours, PyTorch, ratio), then
the kernel benchmarks and the Hugging Face export check, from the files in --out."""

import argparse
import json
import re
import sys
from pathlib import Path

# Cases of gpu-check.sh's bench_cases and torch_reference.py's CASES, with the shape they run.
CASES = [
    ("layer_train", "BERT-base, 1 layer + embeddings, train step, f32", "b32 s128"),
    ("base_train", "BERT-base train step, f32", "b32 s128"),
    ("base_infer", "BERT-base inference, f32", "b32 s128"),
    ("mini_train", "BERT-mini train step, f32", "b32 s128"),
    ("base_train_bf16", "BERT-base train step, bf16 products (PyTorch: AMP autocast)", "b32 s128"),
    ("base_train_fused", "BERT-base train step, f32, fused attention (PyTorch: eager)", "b32 s128"),
]


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    out = parser.parse_args().out
    lines = []
    gpu = (out / "gpu.csv").read_text().strip().splitlines()[-1] if (out / "gpu.csv").exists() else "?"
    lines.append(f"GPU: {gpu}")
    ctest = (out / "ctest.log").read_text() if (out / "ctest.log").exists() else ""
    verdict = re.findall(r"\d+% tests passed.*", ctest)
    lines.append(f"ctest: {verdict[-1] if verdict else 'no result'}")
    failed = re.findall(r"\d+ - (\S+) \(Failed\)", ctest)
    if failed:
        lines.append("failed: " + ", ".join(failed))
    lines += ["", "| case | shape | ours ms/step | PyTorch ms/step | PyTorch / ours |", "| --- | --- | --- | --- | --- |"]
    for name, what, shape in CASES:
        ours, torch = load(out / f"pare_{name}.json"), load(out / f"torch_{name}.json")
        ours_ms = f"{ours['ms_per_step']:.2f}" if ours else "-"
        torch_ms = f"{torch['ms_per_step']:.2f}" if torch else "-"
        ratio = f"{torch['ms_per_step'] / ours['ms_per_step']:.2f}x" if ours and torch else "-"
        lines.append(f"| {what} | {shape} | {ours_ms} | {torch_ms} | {ratio} |")
    kernels = load(out / "kernels.json")
    if kernels:
        lines += ["", "| kernel benchmark | time | rate |", "| --- | --- | --- |"]
        for b in kernels.get("benchmarks", []):
            rate = b.get("bytes_per_second") or b.get("items_per_second")
            unit = "GB/s" if "bytes_per_second" in b else "G/s"
            shown = f"{rate / 1e9:.1f} {unit}" if rate else "-"
            for key in ("TFLOP/s", "GB/s"):
                if key in b:
                    shown = f"{b[key]:.1f} {key}"
            lines.append(f"| {b['name']} | {b['real_time']:.1f} {b['time_unit']} | {shown} |")
    hf = load(out / "hf_check.json")
    if hf:
        lines += ["", "| HF export check | max abs logit error | ok |", "| --- | --- | --- |"]
        for name, r in hf.items():
            lines.append(f"| {name} | {r['max_abs_error']:.2e} | {'yes' if r['ok'] else 'NO'} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
