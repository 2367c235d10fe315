#!/usr/bin/python3
"""Writes the torch.save fixtures of tests/pytorch_checkpoint_test.cpp into
tests/data/torch_checkpoints/ (run with /usr/bin/python3, which has torch; CI never runs this).

  state.bin            an OrderedDict state dict: f32, f16, bf16, i32, i64, u8 and bool tensors, a
                       transposed (non-contiguous) view, a slice with a storage offset, a tensor
                       stored under two names, a second view of that storage, a 0-d tensor, an
                       expanded view (stride 0), an empty tensor, a Parameter, and the
                       `_metadata` attribute Module.state_dict() adds
  state.safetensors    the values each name must load as (contiguous copies; bool as U8)
  wrapped.bin          {"epoch": 3, "model": OrderedDict(...), "lr": 0.1}: a wrapper around one state dict
  wrapped.safetensors  the values of the wrapped state dict
  legacy.bin           the same state dict in torch's pre-1.6 format (not a zip)
  malicious.bin        a pickle whose object reduces to os.system: loading it must fail untouched
"""
import collections
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "torch_checkpoints")

SAFETENSORS_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int32: "I32",
    torch.int64: "I64",
    torch.uint8: "U8",
    torch.bool: "U8",
}


def raw_bytes(t):
    """The tensor's elements in row-major order, as its dtype stores them."""
    flat = t.contiguous().reshape(-1)
    if flat.dtype == torch.bool:
        flat = flat.to(torch.uint8)
    return flat.view(torch.uint8).numpy().tobytes()


def write_safetensors(path, tensors):
    """A minimal safetensors writer: header length, JSON header padded to 8 bytes, data."""
    header, data = {}, b""
    for name, t in tensors.items():
        payload = raw_bytes(t)
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def state_dict():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    base[0, 0], base[0, 1], base[0, 2] = float("nan"), float("inf"), -0.0
    tied = torch.randn(5, 3, generator=g)
    row = torch.arange(8, dtype=torch.int64)
    sd = collections.OrderedDict()
    sd["encoder.weight"] = base
    sd["encoder.weight_t"] = base.t()                       # non-contiguous view of base
    sd["encoder.tail"] = base[2:, 1:4]                      # storage offset and a row stride of 6
    sd["half"] = torch.randn(3, 5, generator=g).half()
    sd["bfloat"] = torch.randn(2, 7, generator=g).bfloat16()
    sd["ints"] = torch.tensor([[-2**31, 2**31 - 1], [0, -5]], dtype=torch.int32)
    sd["longs"] = torch.tensor([-2**62, 2**40 + 3, -1, 0], dtype=torch.int64)
    sd["bytes"] = torch.tensor([0, 1, 127, 128, 255], dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True])
    sd["embeddings.word"] = tied
    sd["decoder.weight"] = tied                             # the same tensor under a second name
    sd["embeddings.row2"] = tied[2]                         # another view of that storage
    sd["scalar"] = torch.tensor(2.5)                        # 0-d
    sd["position_ids"] = row.expand(2, -1)                  # stride 0 on the first axis
    sd["empty"] = torch.zeros(0, 4)
    sd["param"] = torch.nn.Parameter(torch.randn(3, generator=g))
    # As Module.state_dict() sets it: pickled as the OrderedDict's BUILD state.
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("encoder", {"version": 2})])
    return sd


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    torch.save(sd, os.path.join(OUT, "state.bin"))
    write_safetensors(os.path.join(OUT, "state.safetensors"), {k: v.detach() for k, v in sd.items()})

    inner = collections.OrderedDict((k, sd[k]) for k in ["encoder.weight_t", "longs", "scalar"])
    torch.save({"epoch": 3, "model": inner, "lr": 0.1}, os.path.join(OUT, "wrapped.bin"))
    write_safetensors(os.path.join(OUT, "wrapped.safetensors"), dict(inner))

    legacy = collections.OrderedDict((k, sd[k]) for k in ["longs", "scalar"])
    torch.save(legacy, os.path.join(OUT, "legacy.bin"), _use_new_zipfile_serialization=False)

    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned > /tmp/pare_pwned",))

    torch.save({"weight": torch.ones(2), "payload": Exploit()}, os.path.join(OUT, "malicious.bin"))


if __name__ == "__main__":
    main()
