#!/usr/bin/python3
"""Writes tests/data/libpare/: a small sequence classifier with a WordPiece vocabulary, texts, and what
PyTorch computes for them, for tests/c_api_test.cpp and the installed-library check
(scripts/libpare-check.sh runs examples/classify.c on lines.txt and compares with expected.tsv).

  classifier/       BertForSequenceClassification (hidden 36, 2 layers of 3 heads, FFN 50, 16
                    positions, gelu), labels negative/neutral/positive, vocab.txt of
                    tests/data/tokenizers/wordpiece (lower-cased, accents stripped).
  texts.json        the texts and pairs, as the C API is given them.
  lines.txt         the same, one per line, a pair after a tab (examples/classify.c's input).
  expected.safetensors  ids.N (the ids BERT's tokenizer gives text N, truncated to 16 longest first),
                    logits [N, 3], embedding_mean and embedding_cls [N, 36] (last layer, mean over
                    the tokens / the [CLS] token, of the first text alone), computed in float64.
  expected.tsv      examples/classify.c's output for lines.txt: label, then softmax probabilities.

Tokens come from an independent WordPiece written here (lower-case, split punctuation, greedy longest
match with ##), enough for the ASCII texts used. Run: /usr/bin/python3 tests/reference/make_libpare_fixture.py
"""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_bert_fixture as bert  # noqa: E402

DATA = os.path.join(HERE, "..", "data")
OUT = os.path.join(DATA, "libpare")
VOCAB = os.path.join(DATA, "tokenizers", "wordpiece", "vocab.txt")
LABELS = ["negative", "neutral", "positive"]
MAX_TOKENS = 16

TEXTS = [
    ("hello world !", None),
    ("The cat.", None),
    ("Hello, the cat?", None),
    ("unaffable cat", None),
    ("hello world", "the cat ?"),
    (" ".join(["the cat"] * 10), None),                      # 20 words: truncated to 14
    (" ".join(["hello world"] * 6), "a cat , the cat ."),  # 12 + 6 words: longest first to 13
    ("a", "b"),
]


def wordpiece(text, vocab):
    pieces = []
    words = []
    for word in text.lower().split():
        current = ""
        for ch in word:
            if ch in "!?,.[]$":
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    for word in words:
        start, out = 0, []
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in vocab:
                    out.append(vocab[piece])
                    break
                end -= 1
            if end == start:
                out = [vocab["[UNK]"]]
                break
            start = end
        pieces.extend(out)
    return pieces


def encode(text, pair, vocab):
    a = wordpiece(text, vocab)
    if pair is None:
        a = a[:MAX_TOKENS - 2]
        return [vocab["[CLS]"]] + a + [vocab["[SEP]"]], [0] * (len(a) + 2)
    b = wordpiece(pair, vocab)
    while len(a) + len(b) > MAX_TOKENS - 3:  # Hugging Face's longest_first: the second on a tie
        if len(a) > len(b):
            a.pop()
        else:
            b.pop()
    ids = [vocab["[CLS]"]] + a + [vocab["[SEP]"]] + b + [vocab["[SEP]"]]
    return ids, [0] * (len(a) + 2) + [1] * (len(b) + 1)


def main():
    with open(VOCAB) as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    cfg = bert.config(len(vocab), 36, 2, 3, 50, "gelu", len(LABELS), "BertForSequenceClassification")
    cfg["id2label"] = {str(i): name for i, name in enumerate(LABELS)}
    cfg["label2id"] = {name: i for i, name in enumerate(LABELS)}
    gen = torch.Generator().manual_seed(26)
    shapes = [(3, 12)] * 2
    model = bert.SeqCls(cfg, shapes)
    bert.randomise(model, gen)
    with torch.no_grad():
        model.bert.embeddings.word_embeddings.weight[0].zero_()
    folder = os.path.join(OUT, "classifier")
    bert.save_model(folder, cfg, bert.state(model))
    shutil.copy(VOCAB, os.path.join(folder, "vocab.txt"))

    model64 = model.double().eval()
    expected, logits, means, firsts = {}, [], [], []
    with torch.no_grad():
        for i, (text, pair) in enumerate(TEXTS):
            ids, types = encode(text, pair, vocab)
            expected["ids.%d" % i] = torch.tensor(ids, dtype=torch.int64)
            t_ids = torch.tensor([ids])
            mask = torch.ones_like(t_ids)
            states, pooled = model64.bert(t_ids, mask, torch.tensor([types]))
            logits.append(model64.classifier(pooled)[0])
            # pare_embed takes texts alone: the first text without its pair.
            ids, types = encode(text, None, vocab)
            states, _ = model64.bert(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.int64),
                                     torch.tensor([types]))
            means.append(states[-1][0].mean(0))
            firsts.append(states[-1][0, 0])
    expected["logits"] = torch.stack(logits).float()
    expected["embedding_mean"] = torch.stack(means).float()
    expected["embedding_cls"] = torch.stack(firsts).float()
    bert.write_safetensors(os.path.join(OUT, "expected.safetensors"), expected)
    bert.write_json(os.path.join(OUT, "texts.json"), [{"text": t, "pair": p} for t, p in TEXTS])
    with open(os.path.join(OUT, "lines.txt"), "w") as f:
        for text, pair in TEXTS:
            f.write(text + ("\t" + pair if pair is not None else "") + "\n")
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("label\t" + "\t".join(LABELS) + "\n")
        for row in logits:
            p = torch.softmax(row, 0)
            f.write(LABELS[int(torch.argmax(row))] + "".join("\t%.6f" % v for v in p.tolist()) + "\n")


if __name__ == "__main__":
    main()
