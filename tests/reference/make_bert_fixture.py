#!/usr/bin/python3
"""Writes tests/data/bert_tiny/: small BERT models in Hugging Face's layout and what PyTorch computes
for them, for tests/bert_parity_test.cpp and tests/bert_checkpoint_test.cpp.

BERT is written here in plain torch (no transformers) from HF's definition, with HF's parameter
names. The reference runs in float64 so the fixture holds the exact answer for the f32 weights.

  seqcls/   BertForSequenceClassification, hidden 36, 3 heads of 12, 2 layers, FFN 50, vocab 60,
            16 positions, gelu: forward, loss, every gradient and the losses of 20 AdamW steps.
  pruned/   seqcls with pruned_heads {"0": [1], "1": [0, 1, 2]} in HF's form (fewer Q/K/V rows; layer
            1 keeps only attention.output.dense.bias): forward outputs.
  token/    BertForTokenClassification, hidden 12, 2 heads, 1 layer, relu: forward, loss, gradients.
  token_sharded/  token's weights in two shards, legacy LayerNorm.gamma/beta names, no "bert." prefix.
  token_bin/      token's weights as pytorch_model.bin (torch.save of the state dict).
  qa/       BertForQuestionAnswering, hidden 12, 2 heads, 1 layer: forward (start and end logits), loss
            with an end position past the sequence (ignored), gradients.
  mlm/      BertForMaskedLM, gelu_new, decoder tied to the word embeddings (the tied copy is in the
            file as older checkpoints have it): forward, loss, gradients.

Run: /usr/bin/python3 tests/reference/make_bert_fixture.py  (from the repository root)
"""
import json
import math
import os
import struct

import torch
from torch import nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "bert_tiny")

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.float16: "F16"}


def write_safetensors(path, tensors):
    """The safetensors format (8-byte header length, JSON header, data), written by hand."""
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def activation(name):
    if name == "gelu":
        return F.gelu
    if name == "gelu_new":
        return lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    if name == "relu":
        return F.relu
    raise ValueError(name)


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, ids, types):
        x = self.word_embeddings(ids) + self.token_type_embeddings(types)
        x = x + self.position_embeddings(torch.arange(ids.shape[1]))
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c, heads, head_dim):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        self.query = nn.Linear(c["hidden_size"], heads * head_dim)
        self.key = nn.Linear(c["hidden_size"], heads * head_dim)
        self.value = nn.Linear(c["hidden_size"], heads * head_dim)

    def forward(self, x, mask):
        b, t, _ = x.shape
        split = lambda y: y.view(b, t, self.heads, self.head_dim).permute(0, 2, 1, 3)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim) + mask
        ctx = torch.softmax(scores, dim=-1) @ v
        return ctx.permute(0, 2, 1, 3).reshape(b, t, self.heads * self.head_dim)


class Dense(nn.Module):
    def __init__(self, c, inputs):
        super().__init__()
        self.dense = nn.Linear(inputs, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Attention(nn.Module):
    def __init__(self, c, heads, head_dim):
        super().__init__()
        if heads > 0:
            self.self = SelfAttention(c, heads, head_dim)
        self.output = Dense(c, heads * head_dim)
        self.heads = heads

    def forward(self, x, mask):
        if self.heads > 0:
            projected = self.output.dense(self.self(x, mask))
        else:  # every head pruned: the projection of an empty context is its bias
            projected = self.output.dense.bias.expand_as(x)
        return self.output.LayerNorm(projected + x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])


class Layer(nn.Module):
    def __init__(self, c, heads, head_dim):
        super().__init__()
        self.attention = Attention(c, heads, head_dim)
        self.intermediate = Intermediate(c)
        self.output = Dense(c, c["intermediate_size"])
        self.act = activation(c["hidden_act"])

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output.LayerNorm(self.output.dense(self.act(self.intermediate.dense(a))) + a)


class Encoder(nn.Module):
    def __init__(self, c, shapes):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c, h, d) for h, d in shapes])


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])


class BertModel(nn.Module):
    def __init__(self, c, shapes, pooler):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c, shapes)
        if pooler:
            self.pooler = Pooler(c)

    def forward(self, ids, mask, types):
        ext = (1.0 - mask[:, None, None, :].to(torch.float64)) * torch.finfo(torch.float32).min
        states = [self.embeddings(ids, types)]
        for layer in self.encoder.layer:
            states.append(layer(states[-1], ext))
        pooled = torch.tanh(self.pooler.dense(states[-1][:, 0])) if hasattr(self, "pooler") else None
        return states, pooled


class SeqCls(nn.Module):
    def __init__(self, c, shapes):
        super().__init__()
        self.bert = BertModel(c, shapes, True)
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, ids, mask, types, labels):
        states, pooled = self.bert(ids, mask, types)
        logits = self.classifier(pooled)
        return states, pooled, logits, F.cross_entropy(logits, labels)


class TokenCls(nn.Module):
    def __init__(self, c, shapes):
        super().__init__()
        self.bert = BertModel(c, shapes, False)
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))

    def forward(self, ids, mask, types, labels):
        states, pooled = self.bert(ids, mask, types)
        logits = self.classifier(states[-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
        return states, pooled, logits, loss


class Transform(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])


class Predictions(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transform = Transform(c)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))


class Cls(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.predictions = Predictions(c)


class MaskedLM(nn.Module):
    def __init__(self, c, shapes):
        super().__init__()
        self.bert = BertModel(c, shapes, False)
        self.cls = Cls(c)
        self.act = activation(c["hidden_act"])

    def forward(self, ids, mask, types, labels):
        states, pooled = self.bert(ids, mask, types)
        t = self.cls.predictions.transform
        h = t.LayerNorm(self.act(t.dense(states[-1])))
        logits = h @ self.bert.embeddings.word_embeddings.weight.t() + self.cls.predictions.bias
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
        return states, pooled, logits, loss


class QuestionAnswering(nn.Module):
    """HF's BertForQuestionAnswering: qa_outputs [2, hidden] on every token; labels [B, 2] are the start
    and end positions, clamped to [0, T] with T ignored; the loss is the mean of the two cross-entropies."""

    def __init__(self, c, shapes):
        super().__init__()
        self.bert = BertModel(c, shapes, False)
        self.qa_outputs = nn.Linear(c["hidden_size"], 2)

    def forward(self, ids, mask, types, labels):
        states, pooled = self.bert(ids, mask, types)
        logits = self.qa_outputs(states[-1])
        t = ids.shape[1]
        start = labels[:, 0].clamp(0, t)
        end = labels[:, 1].clamp(0, t)
        loss = (F.cross_entropy(logits[..., 0], start, ignore_index=t)
                + F.cross_entropy(logits[..., 1], end, ignore_index=t)) / 2
        return states, pooled, logits, loss


def config(vocab, hidden, layers, heads, ffn, act, labels, arch):
    return {
        "architectures": [arch], "model_type": "bert", "vocab_size": vocab, "hidden_size": hidden,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ffn, "hidden_act": act,
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "max_position_embeddings": 16,
        "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "position_embedding_type": "absolute", "id2label": {str(i): "LABEL_%d" % i for i in range(labels)},
        "label2id": {"LABEL_%d" % i: i for i in range(labels)}, "torch_dtype": "float32",
    }


def randomise(model, gen):
    """Weights far from HF's small init so every nonlinearity is exercised; LayerNorm not the identity."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))


def inputs(gen, vocab, lengths, seq):
    b = len(lengths)
    ids = torch.randint(1, vocab, (b, seq), generator=gen)
    mask = torch.zeros(b, seq, dtype=torch.int64)
    types = torch.zeros(b, seq, dtype=torch.int64)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
        ids[i, n:] = 0
        types[i, n // 2:n] = 1
    return ids, mask, types


def run(model, ids, mask, types, labels):
    """Forward and backward in float64 on a copy; returns the outputs and gradients as float32."""
    model64 = model.double()
    model64.zero_grad()
    states, pooled, logits, loss = model64(ids, mask, types, labels)
    loss.backward()
    out = {"hidden_states.%d" % i: s for i, s in enumerate(states)}
    out["last_hidden_state"] = states[-1]
    if pooled is not None:
        out["pooler_output"] = pooled
    out["logits"], out["loss"] = logits, loss.reshape(1)
    for name, p in model64.named_parameters():
        if p.numel() > 0:
            out["grad." + name] = p.grad
    model.float()
    return {k: v.detach().float() for k, v in out.items()}


def adamw_losses(model, ids, mask, types, labels, steps=20):
    model = model.double()
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    other = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}], lr=1e-3)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = model(ids, mask, types, labels)[3]
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return torch.tensor(losses, dtype=torch.float32)


def state(model):
    return {n: p.detach().float().clone() for n, p in model.state_dict().items()}


def save_model(folder, cfg, tensors):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    write_safetensors(os.path.join(folder, "model.safetensors"), tensors)


def prune_heads(tensors, layer, heads, n_heads, head_dim):
    """HF's BertAttention.prune_heads: drop those heads' Q/K/V rows and output-projection columns."""
    keep = [i for h in range(n_heads) if h not in heads for i in range(h * head_dim, (h + 1) * head_dim)]
    p = "bert.encoder.layer.%d.attention." % layer
    for part in ("query", "key", "value"):
        tensors[p + "self.%s.weight" % part] = tensors[p + "self.%s.weight" % part][keep]
        tensors[p + "self.%s.bias" % part] = tensors[p + "self.%s.bias" % part][keep]
    tensors[p + "output.dense.weight"] = tensors[p + "output.dense.weight"][:, keep]
    if not keep:  # HF keeps zero-sized Q/K/V; they carry nothing
        for name in [n for n in tensors if n.startswith(p + "self.")]:
            del tensors[name]
        del tensors[p + "output.dense.weight"]


def main():
    gen = torch.Generator().manual_seed(1234)
    ids, mask, types = inputs(gen, 60, [7, 5, 3], 7)
    ids[0, 3] = 0  # a pad token id inside the text: attended to, but no gradient to its row
    labels = torch.tensor([2, 0, 1])
    batch = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "labels": labels}

    # Sequence classification: forward, gradients, AdamW trajectory.
    cfg = config(60, 36, 2, 3, 50, "gelu", 3, "BertForSequenceClassification")
    model = SeqCls(cfg, [(3, 12), (3, 12)])
    randomise(model, gen)
    weights = state(model)
    save_model(os.path.join(OUT, "seqcls"), cfg, weights)
    expected = dict(batch, **run(model, ids, mask, types, labels))
    fresh = SeqCls(cfg, [(3, 12), (3, 12)])
    fresh.load_state_dict(weights)
    expected["adamw_losses"] = adamw_losses(fresh, ids, mask, types, labels)
    write_safetensors(os.path.join(OUT, "seqcls", "expected.safetensors"), expected)

    # HF-pruned heads: layer 0 loses head 1, layer 1 loses all three.
    pruned = dict(weights)
    prune_heads(pruned, 0, [1], 3, 12)
    prune_heads(pruned, 1, [0, 1, 2], 3, 12)
    pruned_cfg = dict(cfg, pruned_heads={"0": [1], "1": [0, 1, 2]})
    pruned_model = SeqCls(cfg, [(2, 12), (0, 12)])
    missing, unexpected = pruned_model.load_state_dict(pruned, strict=False)
    assert missing == ["bert.encoder.layer.1.attention.output.dense.weight"] and not unexpected  # [36, 0]
    save_model(os.path.join(OUT, "pruned"), pruned_cfg, pruned)
    out = run(pruned_model, ids, mask, types, labels)
    write_safetensors(os.path.join(OUT, "pruned", "expected.safetensors"),
                      {k: out[k] for k in ("last_hidden_state", "pooler_output", "logits", "loss")})

    # Token classification (relu), and the same weights sharded with legacy names and as .bin.
    small_ids, small_mask, small_types = inputs(gen, 30, [6, 4], 6)
    token_labels = torch.randint(0, 4, (2, 6), generator=gen)
    token_labels[small_mask == 0] = -100
    token_labels[0, 2] = -100
    cfg = config(30, 12, 1, 2, 20, "relu", 4, "BertForTokenClassification")
    model = TokenCls(cfg, [(2, 6)])
    randomise(model, gen)
    weights = state(model)
    save_model(os.path.join(OUT, "token"), cfg, weights)
    expected = {"input_ids": small_ids, "attention_mask": small_mask, "token_type_ids": small_types,
                "labels": token_labels}
    expected.update(run(model, small_ids, small_mask, small_types, token_labels))
    write_safetensors(os.path.join(OUT, "token", "expected.safetensors"), expected)

    legacy = {}
    for name, t in weights.items():
        name = name[len("bert."):] if name.startswith("bert.") else name
        name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        legacy[name] = t
    names = list(legacy)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    folder = os.path.join(OUT, "token_sharded")
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    for file, part in shards.items():
        write_safetensors(os.path.join(folder, file), {n: legacy[n] for n in part})
    write_json(os.path.join(folder, "model.safetensors.index.json"),
               {"metadata": {"total_size": sum(t.numel() * 4 for t in legacy.values())},
                "weight_map": {n: f for f, part in shards.items() for n in part}})

    folder = os.path.join(OUT, "token_bin")
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), cfg)
    torch.save(weights, os.path.join(folder, "pytorch_model.bin"))

    # Masked LM (gelu_new) with the tied decoder weight also present, as older checkpoints have it.
    cfg = config(30, 12, 1, 2, 20, "gelu_new", 2, "BertForMaskedLM")
    model = MaskedLM(cfg, [(2, 6)])
    randomise(model, gen)
    weights = state(model)
    weights["cls.predictions.decoder.weight"] = weights["bert.embeddings.word_embeddings.weight"]
    save_model(os.path.join(OUT, "mlm"), cfg, weights)
    mlm_labels = torch.full((2, 6), -100, dtype=torch.int64)
    mlm_labels[0, 1], mlm_labels[0, 4], mlm_labels[1, 0] = 7, 0, 29
    expected = {"input_ids": small_ids, "attention_mask": small_mask, "token_type_ids": small_types,
                "labels": mlm_labels}
    expected.update(run(model, small_ids, small_mask, small_types, mlm_labels))
    write_safetensors(os.path.join(OUT, "mlm", "expected.safetensors"), expected)

    # Question answering (gelu): the second example's end lies past the sequence, so it is ignored.
    cfg = config(30, 12, 1, 2, 20, "gelu", 2, "BertForQuestionAnswering")
    model = QuestionAnswering(cfg, [(2, 6)])
    randomise(model, gen)
    save_model(os.path.join(OUT, "qa"), cfg, state(model))
    qa_labels = torch.tensor([[2, 4], [1, 9]])
    expected = {"input_ids": small_ids, "attention_mask": small_mask, "token_type_ids": small_types,
                "labels": qa_labels}
    expected.update(run(model, small_ids, small_mask, small_types, qa_labels))
    expected["start_logits"] = expected["logits"][..., 0].contiguous()
    expected["end_logits"] = expected["logits"][..., 1].contiguous()
    write_safetensors(os.path.join(OUT, "qa", "expected.safetensors"), expected)


if __name__ == "__main__":
    main()
