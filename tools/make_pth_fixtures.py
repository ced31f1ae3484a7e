#!/usr/bin/python3
"""PyTorch .pth fixtures for jdino's checkpoint reader, written by torch.save itself.

Debian's python3-torch (1.13) saves a small DINO ViT (depth 2, embed dim 16, 2 heads, patch 4,
16 px; MLP ratio 4) in the layouts people download:

  vit_flat.pth    the teacher backbone alone, as the released dino_*_pretrain.pth files are
  vit_full.pth    a full training checkpoint as main_dino.py saves it: student (wrapped, so its
                  names start with module.), teacher, optimizer (AdamW after one step), epoch,
                  args (argparse.Namespace), dino_loss (its center), fp16_scaler
  vit_timm.pth    the same backbone as timm's training script saves a ViT: the state dict under
                  state_dict, with a timm classifier (head.weight, head.bias); timm's ViT uses
                  DINO's parameter names (timm/models/vision_transformer.py)

and the model's outputs on a square input and on a non-square one that needs the position
embedding interpolated (reference.safetensors): features, last-block attention, head logits.
The model is this file's own statement of the official vision_transformer.py (nn.Modules named
as the official ones, so torch itself produces the state-dict names); the interpolation follows
the official interpolate_pos_encoding (bicubic, scale factor (n + 0.1) / sqrt(N)).

Also: dtypes.pth (every element type, views with offsets and strides, shared storage, scalars,
an empty tensor) with its expected values in dtypes.json; expanded.pth (a stride-0 view, which
jdino refuses); legacy.pth (the pre-1.6 format) and torchscript.pt (torch.jit.save), which jdino
names and refuses. CI reads the committed outputs and needs no Python. Regenerate with

    /usr/bin/python3 tools/make_pth_fixtures.py src/test/resources/fixtures/pth
"""
import argparse
import collections
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

IMG, PATCH, DIM, DEPTH, HEADS, RATIO = 16, 4, 16, 2, 2, 4.0
OUT_DIM, HIDDEN, BOTTLENECK = 20, 24, 12


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ------------------------------------------------------------------- DINO's ViT, restated
class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, DIM, kernel_size=PATCH, stride=PATCH)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(DIM, 3 * DIM, bias=True)
        self.proj = nn.Linear(DIM, DIM)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, HEADS, c // HEADS).permute(2, 0, 3, 1, 4)
        attn = (qkv[0] @ qkv[1].transpose(-2, -1)) * (c // HEADS) ** -0.5
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ qkv[2]).transpose(1, 2).reshape(b, n, c)), attn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(DIM, int(DIM * RATIO))
        self.fc2 = nn.Linear(int(DIM * RATIO), DIM)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(DIM, eps=1e-6)
        self.attn = Attention()
        self.norm2 = nn.LayerNorm(DIM, eps=1e-6)
        self.mlp = Mlp()

    def forward(self, x, return_attention=False):
        y, attn = self.attn(self.norm1(x))
        if return_attention:
            return attn
        x = x + y
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, DIM))
        self.pos_embed = nn.Parameter(torch.zeros(1, (IMG // PATCH) ** 2 + 1, DIM))
        self.blocks = nn.ModuleList([Block() for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(DIM, eps=1e-6)

    def interpolate_pos_encoding(self, npatch, h, w):
        n = self.pos_embed.shape[1] - 1
        if npatch == n and h == w:
            return self.pos_embed
        side = int(math.sqrt(n))
        grid = self.pos_embed[:, 1:].reshape(1, side, side, DIM).permute(0, 3, 1, 2)
        h0, w0 = h // PATCH + 0.1, w // PATCH + 0.1
        grid = F.interpolate(grid, scale_factor=(h0 / side, w0 / side), mode="bicubic")
        grid = grid.permute(0, 2, 3, 1).reshape(1, -1, DIM)
        return torch.cat((self.pos_embed[:, :1], grid), dim=1)

    def prepare_tokens(self, x):
        b, _, h, w = x.shape
        t = self.patch_embed(x)
        t = torch.cat((self.cls_token.expand(b, -1, -1), t), dim=1)
        return t + self.interpolate_pos_encoding(t.shape[1] - 1, h, w)

    def forward(self, x):
        x = self.prepare_tokens(x)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)[:, 0]

    def last_attention(self, x):
        x = self.prepare_tokens(x)
        for blk in self.blocks[:-1]:
            x = blk(x)
        return self.blocks[-1](x, return_attention=True)


class DINOHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(DIM, HIDDEN), nn.GELU(), nn.Linear(HIDDEN, HIDDEN),
                                 nn.GELU(), nn.Linear(HIDDEN, BOTTLENECK))
        self.last_layer = nn.utils.weight_norm(nn.Linear(BOTTLENECK, OUT_DIM, bias=False))
        self.last_layer.weight_g.data.fill_(1)

    def forward(self, x):
        return self.last_layer(F.normalize(self.mlp(x), dim=-1, p=2))


class MultiCropWrapper(nn.Module):
    """One crop size only: the fixtures need the network, not the multi-crop batching."""

    def __init__(self):
        super().__init__()
        self.backbone = VisionTransformer()
        self.head = DINOHead()

    def forward(self, x):
        return self.head(self.backbone(x))


def randomise(module, gen, scale):
    """Values far from the init, so that a swapped or misplaced tensor changes every output."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight_g"):
                p.copy_(0.5 + torch.rand(p.shape, generator=gen))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(scale * torch.randn(p.shape, generator=gen))


def official_args():
    """main_dino.py's arguments (get_args_parser) for this model; num_heads as a fork adds it."""
    return argparse.Namespace(
        arch="vit_custom", patch_size=PATCH, out_dim=OUT_DIM, norm_last_layer=False,
        momentum_teacher=0.996, use_bn_in_head=False, warmup_teacher_temp=0.04,
        teacher_temp=0.04, warmup_teacher_temp_epochs=0, use_fp16=True, weight_decay=0.04,
        weight_decay_end=0.4, clip_grad=3.0, batch_size_per_gpu=64, epochs=100,
        freeze_last_layer=1, lr=0.0005, warmup_epochs=10, min_lr=1e-06, optimizer="adamw",
        drop_path_rate=0.1, global_crops_scale=(0.4, 1.0), local_crops_number=8,
        local_crops_scale=(0.05, 0.4), data_path="/path/to/imagenet/train/", output_dir=".",
        saveckp_freq=20, seed=0, num_workers=10, dist_url="env://", local_rank=0, rank=0,
        world_size=1, gpu=0, num_heads=HEADS)


def main(out):
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(2024)
    student = MultiCropWrapper()
    teacher = MultiCropWrapper()
    randomise(student, gen, 0.3)
    randomise(teacher, gen, 0.3)
    for m in (student, teacher):
        m.eval()

    # 1. The released layout: the teacher backbone's state dict (an OrderedDict with _metadata).
    torch.save(teacher.backbone.state_dict(), f"{out}/vit_flat.pth")

    # 2. main_dino.py's save_dict. The student is wrapped as DistributedDataParallel wraps it
    #    (DataParallel produces the same module. prefix without a process group).
    wrapped = nn.DataParallel(student)
    # main_dino.py's get_params_groups: no weight decay for biases and 1-D tensors.
    named = list(student.named_parameters())
    regularized = [p for n, p in named if not n.endswith(".bias") and p.ndim > 1]
    not_regularized = [p for n, p in named if n.endswith(".bias") or p.ndim == 1]
    opt = torch.optim.AdamW([{"params": regularized},
                             {"params": not_regularized, "weight_decay": 0.}])
    x_opt = torch.randn(2, 3, IMG, IMG, generator=gen)
    opt.zero_grad()
    student(x_opt).sum().backward()
    with torch.no_grad():
        snapshot = {k: v.clone() for k, v in student.state_dict().items()}
    opt.step()  # fills exp_avg, exp_avg_sq, step; weights are restored below
    with torch.no_grad():
        student.load_state_dict(snapshot)
    center = collections.OrderedDict(center=0.1 * torch.randn(1, OUT_DIM, generator=gen))
    save_dict = {
        "student": wrapped.state_dict(),
        "teacher": teacher.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "args": official_args(),
        "dino_loss": center,
        "fp16_scaler": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                        "growth_interval": 2000, "_growth_tracker": 0},
    }
    torch.save(save_dict, f"{out}/vit_full.pth")

    # 3. timm's train.py checkpoint of the same backbone with a 10-class classifier.
    timm_sd = collections.OrderedDict(teacher.backbone.state_dict())
    timm_sd["head.weight"] = 0.1 * torch.randn(10, DIM, generator=gen)
    timm_sd["head.bias"] = torch.zeros(10)
    torch.save({"epoch": 7, "arch": "custom_vit", "state_dict": timm_sd, "version": 2,
                "args": argparse.Namespace(model="custom_vit", num_classes=10, lr=0.001)},
               f"{out}/vit_timm.pth")

    # 4. Reference outputs; 12x20 px is a 3x5 grid, so the 4x4 position grid is interpolated.
    x_sq = torch.randn(2, 3, IMG, IMG, generator=gen)
    x_rect = torch.randn(1, 3, 12, 20, generator=gen)
    ref = {"in.square": x_sq, "in.rect": x_rect}
    with torch.no_grad():
        for name, net in (("teacher", teacher), ("student", student)):
            for xn, x in (("square", x_sq), ("rect", x_rect)):
                ref[f"{name}.features.{xn}"] = net.backbone(x)
                ref[f"{name}.attn.{xn}"] = net.backbone.last_attention(x)
                ref[f"{name}.logits.{xn}"] = net(x)
    save_safetensors(f"{out}/reference.safetensors", ref)

    # 5. Element types and views.
    base = torch.tensor([[1.5, -2.25, 3.0], [0.1, 1e-30, -0.0]])
    d = collections.OrderedDict()
    d["f32"] = base
    d["f32_t"] = base.t()              # shares base's storage; strides (1, 3)
    d["f32_col"] = base[:, 1]          # offset 1, stride (3,)
    d["f32_tail"] = base[1, 1:]        # offset 4, contiguous
    d["f64"] = torch.tensor([1 / 3, -2.5e-3, 1e20], dtype=torch.float64)
    d["f16"] = torch.tensor([1.0, -2.5, 65504.0, 6e-8, 0.1], dtype=torch.float16)
    d["bf16"] = torch.tensor([1.0, -3.140625, 1e38, 0.1], dtype=torch.bfloat16)
    d["i64"] = torch.tensor([0, -1, 2 ** 40, -2 ** 62], dtype=torch.int64)
    d["i32"] = torch.tensor([7, -2 ** 31], dtype=torch.int32)
    d["i16"] = torch.tensor([-300], dtype=torch.int16)
    d["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    d["u8"] = torch.tensor([0, 255], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True])
    d["scalar"] = torch.tensor(7.5)
    d["empty"] = torch.zeros(0, 3)
    d["cube_permuted"] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).permute(2, 0, 1)
    torch.save(d, f"{out}/dtypes.pth")
    expected = {}
    for k, t in d.items():
        integral = t.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8,
                               torch.bool)
        vals = (t if integral else t.to(torch.float32)).flatten().tolist()
        expected[k] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                       "values": [int(v) if isinstance(v, bool) else v for v in vals]}
    with open(f"{out}/dtypes.json", "w") as f:
        json.dump(expected, f, indent=1)

    # 6. Files jdino refuses, each with its own message.
    torch.save({"row": torch.ones(1, 3).expand(4, 3)}, f"{out}/expanded.pth")
    torch.save({"x": torch.ones(2)}, f"{out}/legacy.pth", _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), f"{out}/torchscript.pt")

    with open(f"{out}/README.md", "w") as f:
        f.write("Written by tools/make_pth_fixtures.py with torch " + torch.__version__
                + "; see that file. writer_digests.json: tools/check_pth_writer.sh.\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/pth")
