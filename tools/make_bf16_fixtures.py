#!/usr/bin/python3
"""Reference values for the bf16 bridge's linear (dev.jdino.engine.TorchBridge), from PyTorch.

What CPU autocast does for F.linear, stated independently of any bf16 kernel: round x, weight
and bias to bfloat16 (round to nearest even), form the products and sums exactly (float64 holds
them without error for these sizes), and round the result to bfloat16 once. A kernel that
accumulates in fp32 lands on this value or on a bf16 neighbour of it. The backward is the same
statement for the gradients autograd forms through the casts: the upstream gradient is rounded to
bf16 (backward of the output's cast), dx = g·W and dW = gᵀ·x from the rounded operands, db = the
column sums of the rounded g, each rounded to bf16 once.

The small outputs are committed under src/test/resources/fixtures/engine/, so the Java tests and
CI never need Python. Regenerate with Debian's python3-torch:

    /usr/bin/python3 tools/make_bf16_fixtures.py src/test/resources/fixtures/engine
"""
import json
import struct
import sys

import torch

torch.manual_seed(20261201)


def save_safetensors(path, tensors, meta=None):
    header, blobs, offset = {}, [], 0
    if meta:
        header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    for name, t in tensors.items():
        a = t.detach().contiguous().to(torch.float32).numpy().astype("<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def bf16(t):
    """Round to bfloat16 (nearest even) and back to float64. Through float32: for the float32
    inputs that is one rounding; for the exact float64 sums a rare double rounding can land on
    the bf16 neighbour, which the Java test allows (as it allows the kernel's own fp32 sums)."""
    return t.to(torch.float32).to(torch.bfloat16).to(torch.float64)


def main(out_dir):
    # (batch, tokens, in) input as the model's Linear sees it; a weight and bias of the ViT's scale.
    x = torch.randn(6, 2, 24) * 1.5
    w = torch.randn(10, 24) * 0.3
    b = torch.randn(10) * 0.5
    g = torch.randn(6, 2, 10)

    xr, wr, br, gr = bf16(x), bf16(w), bf16(b), bf16(g)
    y = bf16(xr @ wr.T + br)
    g2 = gr.reshape(-1, 10)
    dx = bf16(gr @ wr)
    dw = bf16(g2.T @ xr.reshape(-1, 24))
    db = bf16(g2.sum(0))

    save_safetensors(
        f"{out_dir}/linear_bf16.safetensors",
        {"in.x": x, "in.weight": w, "in.bias": b, "in.grad_out": g,
         "out.y": y, "out.grad_x": dx, "out.grad_weight": dw, "out.grad_bias": db},
        {"torch": torch.__version__, "generator": "tools/make_bf16_fixtures.py"},
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/engine")
