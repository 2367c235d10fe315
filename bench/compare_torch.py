#!/usr/bin/python3
"""pare against PyTorch on the same BERT shapes, thread count and machine, in one table.

Each round runs every case once in PyTorch and once in pare, alternately and each in a fresh process
(so the peak resident set is the step's own and neither warms the other's caches); a case's figure is
the median over rounds of each run's median step. Needs Debian's python3-torch (`/usr/bin/python3`);
never a test dependency.

    /usr/bin/python3 bench/compare_torch.py --pare build/cli/pare [--rounds 3] [--precision bf16]
    /usr/bin/python3 bench/compare_torch.py --precision int8   # inference cases only

PyTorch runs at its best settings: inference under torch.inference_mode() with
nn.TransformerEncoderLayer's fused fast path (its BERT-style post-LayerNorm, GELU layer), training
with the same layers under autograd and torch.optim.AdamW(foreach=True). `--torch-precision bf16`
runs PyTorch under CPU autocast to bf16; by default PyTorch runs f32, the baseline the issue sets.

`--precision int8` compares int8 inference: pare quantizes its model at load (`pare bench --precision
int8`, as `pare quantize` writes one) and PyTorch runs torch.ao.quantization.quantize_dynamic (int8
weights per output channel, activations quantized per tensor as they arrive) on a BERT built from
nn.Linear layers as Hugging Face's is (query, key, value, output, FFN in and out, pooler), since
nn.TransformerEncoderLayer's fused projections are not nn.Linear and would stay f32. The table then
adds both sides' f32 time for each case, from the same rounds.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

SIZES = {  # name: (layers, hidden); heads = hidden / 64, FFN = 4 * hidden, as models/bert_sizes.cpp
    "tiny": (2, 128),
    "mini": (4, 256),
    "small": (4, 512),
    "medium": (8, 512),
    "base": (12, 768),
}
DEFAULT_CASES = "mini:infer:1,mini:infer:32,mini:train:32,base:infer:1,base:infer:32,base:train:8"
INT8_CASES = "mini:infer:1,mini:infer:32,base:infer:1,base:infer:32"
VOCAB = 30522
MAX_POSITIONS = 512


def step_flops(size, mode, batch, seq):
    """Multiply-adds x 2 of the encoder's products (and the pooler's) per step; training counts the
    backward as twice the forward."""
    layers, hidden = SIZES[size]
    per_token_layer = 2 * (4 * hidden * hidden + 2 * hidden * 4 * hidden) + 2 * 2 * seq * hidden
    forward = batch * seq * layers * per_token_layer + batch * 2 * hidden * hidden
    return forward * (3 if mode == "train" else 1)


def nominal_peak_gflops():
    """Cores x FMA lanes x 2 FMA pipes x 2 x the clock /proc/cpuinfo reports; a VM often reports its
    base clock, so pass --peak-gflops with the real figure where known."""
    flags, mhz = "", 0.0
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags") and not flags:
                flags = line
            if line.startswith("cpu MHz") and not mhz:
                mhz = float(line.split(":")[1])
    lanes = 16 if " avx512f " in flags else 8
    return os.cpu_count() * lanes * 2 * 2 * mhz / 1000.0


# ---------------------------------------------------------------- PyTorch side (a worker process)

def torch_worker(args):
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    layers, hidden = SIZES[args.size]
    heads, ffn = hidden // 64, 4 * hidden

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.words = nn.Embedding(VOCAB, hidden)
            self.positions = nn.Embedding(MAX_POSITIONS, hidden)
            self.token_types = nn.Embedding(2, hidden)
            self.norm = nn.LayerNorm(hidden, eps=1e-12)
            self.dropout = nn.Dropout(0.1)
            layer = nn.TransformerEncoderLayer(hidden, heads, ffn, 0.1, activation="gelu", layer_norm_eps=1e-12,
                                               batch_first=True, norm_first=False)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.pooler = nn.Linear(hidden, hidden)
            self.classifier = nn.Linear(hidden, 2)

        def forward(self, ids, types):
            positions = torch.arange(ids.shape[1]).unsqueeze(0)
            x = self.dropout(self.norm(self.words(ids) + self.positions(positions) + self.token_types(types)))
            x = self.encoder(x)
            return torch.tanh(self.pooler(x[:, 0]))

    class LinearLayer(nn.Module):
        """Hugging Face's BertLayer: every projection an nn.Linear, so quantize_dynamic reaches them all."""

        def __init__(self):
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))
            self.output = nn.Linear(hidden, hidden)
            self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
            self.intermediate = nn.Linear(hidden, ffn)
            self.ffn_output = nn.Linear(ffn, hidden)
            self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

        def forward(self, x):
            b, t, _ = x.shape
            split = lambda y: y.view(b, t, heads, hidden // heads).transpose(1, 2)
            # PyTorch 1.13 has no scaled_dot_product_attention: HF's eager attention.
            scores = split(self.query(x)) @ split(self.key(x)).transpose(-1, -2) / (hidden // heads) ** 0.5
            context = scores.softmax(-1) @ split(self.value(x))
            x = self.norm1(x + self.output(context.transpose(1, 2).reshape(b, t, hidden)))
            return self.norm2(x + self.ffn_output(nn.functional.gelu(self.intermediate(x))))

    model = Bert()
    if args.torch_precision in ("int8", "f32-linear"):
        model.encoder = nn.Sequential(*(LinearLayer() for _ in range(layers)))
    if args.torch_precision == "int8":
        torch.backends.quantized.engine = args.engine
        model = torch.ao.quantization.quantize_dynamic(model.eval(), {nn.Linear}, dtype=torch.qint8)
    ids = torch.randint(1, VOCAB, (args.batch, args.seq))
    types = torch.zeros_like(ids)
    labels = torch.randint(0, 2, (args.batch,))
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.torch_precision == "bf16")
    if args.mode == "infer":
        model.eval()

        def step():
            with torch.inference_mode(), autocast:
                model(ids, types)
    else:
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01, foreach=True)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            with autocast:
                loss = loss_fn(model.classifier(model(ids, types)).float(), labels)
            loss.backward()
            optimizer.step()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000.0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"ms_per_step": statistics.median(times), "max_rss_bytes": rss}))


# ---------------------------------------------------------------- the driver

def run_torch(args, size, mode, batch, precision=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--size", size, "--mode", mode, "--batch",
           str(batch), "--seq", str(args.seq), "--steps", str(args.steps), "--warmup", str(args.warmup),
           "--threads", str(args.threads), "--torch-precision", precision or args.torch_precision,
           "--engine", args.engine]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def run_pare(args, size, mode, batch, precision=None):
    cmd = [args.pare, "bench", "--size", size, "--mode", mode, "--batch", str(batch), "--seq", str(args.seq),
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--threads", str(args.threads),
           "--precision", precision or args.precision]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return {"ms_per_step": out["ms_per_step"], "max_rss_bytes": out["max_rss_bytes"], "blas": out.get("blas", "")}


def fmt_rate(mode, batch, ms):
    return f"{ms:.1f} ms" if batch == 1 else f"{batch * 1000.0 / ms:.1f} seq/s"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pare", default="build/cli/pare", help="the pare executable")
    p.add_argument("--cases", default=DEFAULT_CASES, help="size:mode:batch, comma-separated")
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=0, help="timed steps per run (0: 20 at batch 1, else 5)")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--precision", choices=["f32", "bf16", "int8"], default="f32",
                   help="pare's matrix products (int8: PyTorch's too, and both sides' f32 beside)")
    p.add_argument("--torch-precision", choices=["f32", "bf16", "int8", "f32-linear"], default="f32",
                   help="PyTorch's (autocast for bf16; f32-linear: the nn.Linear BERT int8 quantizes, in f32)")
    p.add_argument("--engine", default="onednn", help="PyTorch's quantized engine (Debian's x86 build: onednn)")
    p.add_argument("--peak-gflops", type=float, default=0.0,
                   help="the machine's f32 limit (default: nominal); doubled for --precision bf16")
    p.add_argument("--json", help="also write the rows here")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--size", help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        torch_worker(args)
        return

    if args.precision == "int8":
        return compare_int8(args)
    # bf16 dot products (AVX512_BF16, AMX) run at twice the f32 FMA rate.
    peak = (args.peak_gflops or nominal_peak_gflops()) * (2 if args.precision == "bf16" else 1)
    cases = []
    for spec in args.cases.split(","):
        size, mode, batch = spec.split(":")
        if size not in SIZES or mode not in ("infer", "train"):
            sys.exit(f"compare_torch: bad case {spec!r} (size in {sorted(SIZES)}, mode infer or train)")
        cases.append((size, mode, int(batch)))
    results = {case: {"torch": [], "pare": []} for case in cases}
    blas = ""
    for r in range(args.rounds):
        for case in cases:
            size, mode, batch = case
            saved = args.steps
            args.steps = args.steps or (20 if batch == 1 else 5)
            results[case]["torch"].append(run_torch(args, size, mode, batch))
            pare = run_pare(args, size, mode, batch)
            blas = pare["blas"]
            results[case]["pare"].append(pare)
            args.steps = saved
            print(f"round {r + 1}/{args.rounds} {size} {mode} b{batch}: torch "
                  f"{results[case]['torch'][-1]['ms_per_step']:.1f} ms, pare {pare['ms_per_step']:.1f} ms",
                  file=sys.stderr)

    env = os.environ.get("OPENBLAS_CORETYPE", "unset")
    print(f"seq {args.seq}, {args.threads} threads, OPENBLAS_CORETYPE={env}, pare {args.precision} on {blas}, "
          f"PyTorch {args.torch_precision}; median of {args.rounds} rounds; limit {peak:.0f} GFLOP/s\n")
    print("| case | PyTorch | pare | pare/PyTorch | pare GFLOP/s | of limit | peak RSS PyTorch | peak RSS pare |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for case in cases:
        size, mode, batch = case
        torch_ms = statistics.median(x["ms_per_step"] for x in results[case]["torch"])
        pare_ms = statistics.median(x["ms_per_step"] for x in results[case]["pare"])
        torch_rss = max(x["max_rss_bytes"] for x in results[case]["torch"])
        pare_rss = max(x["max_rss_bytes"] for x in results[case]["pare"])
        gflops = step_flops(size, mode, batch, args.seq) / pare_ms / 1e6
        speedup = torch_ms / pare_ms  # above 1: pare is faster
        print(f"| {size} {mode} b{batch} | {fmt_rate(mode, batch, torch_ms)} | {fmt_rate(mode, batch, pare_ms)} | "
              f"{speedup:.2f}x | {gflops:.0f} | {gflops / peak:.0%} | {torch_rss / 2**20:.0f} MiB | "
              f"{pare_rss / 2**20:.0f} MiB |")
        rows.append({"size": size, "mode": mode, "batch": batch, "torch_ms": torch_ms, "pare_ms": pare_ms,
                     "speedup": speedup, "pare_gflops": gflops, "torch_max_rss": torch_rss, "pare_max_rss": pare_rss})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seq": args.seq, "threads": args.threads, "openblas_coretype": env, "blas": blas,
                       "precision": args.precision, "torch_precision": args.torch_precision,
                       "peak_gflops": peak, "rows": rows}, f, indent=2)


def compare_int8(args):
    """int8 inference, pare against quantize_dynamic, each beside its own f32 (PyTorch's f32 on the same
    nn.Linear BERT it quantizes), all four alternated in each round."""
    spec = INT8_CASES if args.cases == DEFAULT_CASES else args.cases
    cases = []
    for case in spec.split(","):
        size, mode, batch = case.split(":")
        if size not in SIZES or mode != "infer":
            sys.exit(f"compare_torch: bad int8 case {case!r} (size in {sorted(SIZES)}, mode infer)")
        cases.append((size, int(batch)))
    runs = {"torch f32": ("torch", "f32-linear"), "torch int8": ("torch", "int8"), "pare f32": ("pare", "f32"),
            "pare int8": ("pare", "int8")}
    results = {case: {name: [] for name in runs} for case in cases}
    for r in range(args.rounds):
        for case in cases:
            size, batch = case
            saved = args.steps
            args.steps = args.steps or (20 if batch == 1 else 5)
            for name, (side, precision) in runs.items():
                run = run_torch if side == "torch" else run_pare
                results[case][name].append(run(args, size, "infer", batch, precision)["ms_per_step"])
            args.steps = saved
            print(f"round {r + 1}/{args.rounds} {size} b{batch}: " +
                  ", ".join(f"{n} {results[case][n][-1]:.1f} ms" for n in runs), file=sys.stderr)
    env = os.environ.get("OPENBLAS_CORETYPE", "unset")
    print(f"seq {args.seq}, {args.threads} threads, OPENBLAS_CORETYPE={env}, PyTorch quantized engine {args.engine}; "
          f"median of {args.rounds} rounds\n")
    print("| case | PyTorch f32 | PyTorch int8 | pare f32 | pare int8 | pare int8 / pare f32 | "
          "pare int8 / PyTorch int8 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for case in cases:
        size, batch = case
        ms = {name: statistics.median(v) for name, v in results[case].items()}
        cells = " | ".join(fmt_rate("infer", batch, ms[n]) for n in runs)
        own, other = ms["pare f32"] / ms["pare int8"], ms["torch int8"] / ms["pare int8"]
        print(f"| {size} infer b{batch} | {cells} | {own:.2f}x | {other:.2f}x |")
        rows.append({"size": size, "batch": batch, **{k.replace(" ", "_") + "_ms": v for k, v in ms.items()},
                     "int8_over_f32": own, "over_torch_int8": other})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seq": args.seq, "threads": args.threads, "engine": args.engine, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
