#!/usr/bin/python3
"""Writes tests/data/distill/losses.safetensors, the PyTorch reference of tests/distillation_losses_test.cpp
(run with /usr/bin/python3, which has torch; CI never runs this).

Inputs are random; for each loss the file holds its value and the gradients of its inputs:
  cls_*     prediction-layer KL(softmax(t/T) || softmax(s/T)) * T^2, batch mean over rows, T = 2, logits [4, 3]
  tok_*     the same for token logits [2, 5, 3] over the rows whose attention_mask is 1
  reg_*     MSE of regression logits [4, 1]
  proj_*    hidden-state MSE over real tokens of linear(student [2, 5, 6], W [8, 6], b [8]) against teacher [2, 5, 8]
  same_*    hidden-state MSE over real tokens, student and teacher both [2, 5, 8]
  mask      the attention mask [2, 5] both token losses use (int64, with padding in the second row)
"""
import os

import torch
import torch.nn.functional as F

from make_torch_checkpoint_fixtures import write_safetensors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "distill", "losses.safetensors")
T = 2.0


def kl_rows(student, teacher):
    return F.kl_div(F.log_softmax(student / T, dim=-1), F.softmax(teacher / T, dim=-1), reduction="batchmean") * T * T


def masked_mse(student, teacher, mask):
    m = mask.to(student.dtype).unsqueeze(-1)
    return ((student - teacher) ** 2 * m).sum() / (m.sum() * student.shape[-1])


def leaf(shape, g, std=1.0):
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * std).requires_grad_()


def main():
    g = torch.Generator().manual_seed(11)
    out = {}
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.int64)
    out["mask"] = mask

    s, t = leaf((4, 3), g, 2.0), leaf((4, 3), g, 2.0)
    loss = kl_rows(s, t)
    loss.backward()
    out.update(cls_student=s, cls_teacher=t, cls_loss=loss, cls_grad=s.grad)

    s, t = leaf((2, 5, 3), g, 2.0), leaf((2, 5, 3), g, 2.0)
    rows = mask.reshape(-1).nonzero().squeeze(1)
    loss = kl_rows(s.reshape(-1, 3)[rows], t.reshape(-1, 3)[rows])
    loss.backward()
    out.update(tok_student=s, tok_teacher=t, tok_loss=loss, tok_grad=s.grad)

    s, t = leaf((4, 1), g), leaf((4, 1), g)
    loss = F.mse_loss(s, t)
    loss.backward()
    out.update(reg_student=s, reg_teacher=t, reg_loss=loss, reg_grad=s.grad)

    s, t = leaf((2, 5, 6), g), leaf((2, 5, 8), g)
    w, b = leaf((8, 6), g, 0.5), leaf((8,), g, 0.1)
    loss = masked_mse(F.linear(s, w, b), t, mask)
    loss.backward()
    out.update(proj_student=s, proj_teacher=t, proj_weight=w, proj_bias=b, proj_loss=loss, proj_grad_student=s.grad,
               proj_grad_weight=w.grad, proj_grad_bias=b.grad)

    s, t = leaf((2, 5, 8), g), leaf((2, 5, 8), g)
    loss = masked_mse(s, t, mask)
    loss.backward()
    out.update(same_student=s, same_teacher=t, same_loss=loss, same_grad=s.grad)

    tensors = {k: (v.detach().to(torch.float32) if v.dtype == torch.float64 else v) for k, v in out.items()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    write_safetensors(OUT, tensors)


if __name__ == "__main__":
    main()
