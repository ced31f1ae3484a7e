#!/usr/bin/python3
"""Reference values for jdino's numeric tests, computed with PyTorch (Debian's python3-torch).

This is an independent re-statement of the official DINO semantics (ViT, head, loss, AdamW step,
per-tensor clipping, EMA, pos-embed interpolation, schedules), written for these fixtures. Its
small outputs are committed under src/test/resources/fixtures/model/, so the Java tests and CI
never need Python. Regenerate with:

    /usr/bin/python3 tools/make_model_fixtures.py src/test/resources/fixtures/model
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)


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


# ---------------------------------------------------------------- model (official semantics)
class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x), attn


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * ratio))

    def forward(self, x, return_attention=False):
        y, attn = self.attn(self.norm1(x))
        if return_attention:
            return attn
        x = x + y
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, img, patch, dim, depth, heads, ratio=4.0):
        super().__init__()
        self.patch = patch
        self.patch_embed = PatchEmbed(patch, dim)
        n = (img // patch) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, dim))
        self.blocks = nn.ModuleList([Block(dim, heads, ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def interpolate_pos_encoding(self, x, w, h):
        npatch = x.shape[1] - 1
        N = self.pos_embed.shape[1] - 1
        if npatch == N and w == h:
            return self.pos_embed
        class_pos = self.pos_embed[:, 0]
        patch_pos = self.pos_embed[:, 1:]
        dim = x.shape[-1]
        w0 = w // self.patch + 0.1
        h0 = h // self.patch + 0.1
        patch_pos = F.interpolate(
            patch_pos.reshape(1, int(math.sqrt(N)), int(math.sqrt(N)), dim).permute(0, 3, 1, 2),
            scale_factor=(w0 / math.sqrt(N), h0 / math.sqrt(N)), mode="bicubic")
        patch_pos = patch_pos.permute(0, 2, 3, 1).view(1, -1, dim)
        return torch.cat((class_pos.unsqueeze(0), patch_pos), dim=1)

    def prepare_tokens(self, x):
        B, nc, w, h = x.shape
        t = self.patch_embed(x)
        t = torch.cat((self.cls_token.expand(B, -1, -1), t), dim=1)
        return t + self.interpolate_pos_encoding(t, w, h)

    def forward(self, x):
        x = self.prepare_tokens(x)
        for b in self.blocks:
            x = b(x)
        return self.norm(x)[:, 0]

    def last_attention(self, x):
        x = self.prepare_tokens(x)
        for i, b in enumerate(self.blocks):
            if i < len(self.blocks) - 1:
                x = b(x)
            else:
                return b(x, return_attention=True)

    def intermediate(self, x, n):
        x = self.prepare_tokens(x)
        out = []
        for i, b in enumerate(self.blocks):
            x = b(x)
            if len(self.blocks) - i <= n:
                out.append(self.norm(x))
        return out


class Head(nn.Module):
    def __init__(self, in_dim, out_dim, hidden, bottleneck, norm_last_layer):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden),
                                 nn.GELU(), nn.Linear(hidden, bottleneck))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        if norm_last_layer:
            self.last_layer.weight_g.requires_grad = False

    def forward(self, x):
        x = F.normalize(self.mlp(x), dim=-1, p=2)
        return self.last_layer(x)


class Net(nn.Module):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, crops):
        # crops: list of tensors; consecutive equal sizes run together (multi-crop wrapper)
        sizes = torch.cumsum(torch.unique_consecutive(torch.tensor([c.shape[-1] for c in crops]),
                                                      return_counts=True)[1], 0)
        start, outs = 0, []
        for end in sizes:
            outs.append(self.backbone(torch.cat(crops[start:end])))
            start = end
        return self.head(torch.cat(outs))


def randomise(module, gen, scale=0.3):
    """Weights large enough that every term matters (trunc-normal 0.02 would hide mistakes)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight_g"):
                p.copy_(1 + 0.5 * torch.rand(p.shape, generator=gen))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(scale * torch.randn(p.shape, generator=gen))


def named(module, prefix=""):
    return {prefix + n: p.detach().clone() for n, p in module.state_dict().items()}


# ---------------------------------------------------------------- DINO training step pieces
def dino_loss(student, teacher, center, ncrops, student_temp, teacher_temp, center_m):
    s = (student / student_temp).chunk(ncrops)
    t = F.softmax((teacher - center) / teacher_temp, dim=-1).detach().chunk(2)
    total, n = 0, 0
    for iq, q in enumerate(t):
        for v in range(len(s)):
            if v == iq:
                continue
            total += torch.sum(-q * F.log_softmax(s[v], dim=-1), dim=-1).mean()
            n += 1
    total = total / n
    new_center = center * center_m + teacher.mean(dim=0, keepdim=True) * (1 - center_m)
    return total, new_center


def clip_gradients(model, clip):
    norms = []
    for p in model.parameters():
        if p.grad is not None:
            n = p.grad.data.norm(2)
            norms.append(n.item())
            c = clip / (n + 1e-6)
            if c < 1:
                p.grad.data.mul_(c)
    return norms


def cosine_scheduler(base, final, epochs, niter, warmup_epochs=0, start_warmup=0):
    warm = np.array([])
    wi = warmup_epochs * niter
    if warmup_epochs > 0:
        warm = np.linspace(start_warmup, base, wi)
    iters = np.arange(epochs * niter - wi)
    sched = final + 0.5 * (base - final) * (1 + np.cos(np.pi * iters / len(iters)))
    return np.concatenate((warm, sched))


def main(out):
    gen = torch.Generator().manual_seed(1234)

    # 1. Backbone forward, attention, intermediate layers, non-square input.
    vit = ViT(img=16, patch=4, dim=32, depth=2, heads=4)
    randomise(vit, gen)
    x1 = torch.randn(2, 3, 16, 16, generator=gen)
    x2 = torch.randn(2, 3, 12, 21, generator=gen)   # 3x5 grid, width not a multiple of 4
    x3 = torch.randn(1, 3, 8, 8, generator=gen)
    x4 = torch.randn(1, 3, 16, 20, generator=gen)   # 4x5 grid (square pixel test off)
    with torch.no_grad():
        t = named(vit)
        t.update({
            "in.x1": x1, "in.x2": x2, "in.x3": x3, "in.x4": x4,
            "out.cls.x1": vit(x1), "out.cls.x2": vit(x2), "out.cls.x3": vit(x3), "out.cls.x4": vit(x4),
            "out.attn.x1": vit.last_attention(x1), "out.attn.x2": vit.last_attention(x2),
        })
        for i, y in enumerate(vit.intermediate(x1, 2)):
            t[f"out.inter{i}.x1"] = y
        tok = vit.prepare_tokens(x2)
        t["out.pos.x2"] = vit.interpolate_pos_encoding(tok, 12, 21)
    save_safetensors(f"{out}/vit_forward.safetensors", t,
                     {"img": 16, "patch": 4, "dim": 32, "depth": 2, "heads": 4})

    # 2. Position-embedding interpolation of a 4x4 grid to 6x5 (reference: max diff 0.30 if wrong).
    grid = torch.randn(1, 3, 4, 4, generator=gen) * 2
    with torch.no_grad():
        r = F.interpolate(grid, scale_factor=(6.1 / 4, 5.1 / 4), mode="bicubic")
        r_size = F.interpolate(grid, size=(6, 5), mode="bicubic", align_corners=False)
    save_safetensors(f"{out}/pos_interp.safetensors", {"grid": grid, "scaled": r, "sized": r_size})

    # 3. Head alone (norm_last_layer off so g matters) and the multi-crop network.
    head = Head(32, 40, 24, 12, norm_last_layer=False)
    randomise(head, gen)
    feats = torch.randn(5, 32, generator=gen)
    with torch.no_grad():
        h = named(head)
        h.update({"in.feats": feats, "out.logits": head(feats)})
    save_safetensors(f"{out}/head.safetensors", h)

    # 4. Loss with centre: V = 2 + 3 local crops, B = 4, K = 40.
    B, V, K = 4, 5, 40
    s = torch.randn(V * B, K, generator=gen) * 2
    te = torch.randn(2 * B, K, generator=gen) * 2
    c = torch.randn(1, K, generator=gen) * 0.5
    s.requires_grad_(True)
    loss, new_c = dino_loss(s, te, c, V, 0.1, 0.04, 0.9)
    loss.backward()
    q = F.softmax((te - c) / 0.04, dim=-1)
    entropy = -(q * F.log_softmax((te - c) / 0.04, dim=-1)).sum(-1).mean()
    save_safetensors(f"{out}/loss.safetensors",
                     {"student": s.detach(), "teacher": te, "center": c, "loss": loss.detach().reshape(1),
                      "new_center": new_c, "grad_student": s.grad, "entropy": entropy.reshape(1)},
                     {"views": V, "batch": B, "student_temp": 0.1, "teacher_temp": 0.04, "center_momentum": 0.9})

    # 5. Two full DINO training steps on a tiny network: teacher forward, student multi-crop
    #    forward, loss + centre, backward, per-tensor clip, last layer frozen on step 1 only,
    #    AdamW (DINO param groups), EMA. No drop path (it is random; tested separately).
    vit_s = ViT(img=8, patch=4, dim=16, depth=2, heads=2)
    head_s = Head(16, 24, 20, 8, norm_last_layer=True)
    student = Net(vit_s, head_s)
    randomise(student, gen, scale=0.2)
    with torch.no_grad():
        student.head.last_layer.weight_g.fill_(1)
    teacher = Net(ViT(img=8, patch=4, dim=16, depth=2, heads=2), Head(16, 24, 20, 8, True))
    teacher.load_state_dict(student.state_dict())
    for p in teacher.parameters():
        p.requires_grad = False
    init = named(student, "init.")
    regularized, not_regularized = [], []
    for n, p in student.named_parameters():
        if not p.requires_grad:
            continue
        (not_regularized if n.endswith(".bias") or len(p.shape) == 1 else regularized).append(p)
    opt = torch.optim.AdamW([{"params": regularized}, {"params": not_regularized, "weight_decay": 0.0}])
    center = torch.zeros(1, 24)
    steps = [dict(lr=1e-2, wd=0.04, m=0.9, temp=0.04, freeze=True, clip=0.3),
             dict(lr=5e-3, wd=0.1, m=0.95, temp=0.05, freeze=False, clip=0.3)]
    tensors = dict(init)
    B = 3
    for i, st in enumerate(steps):
        g = [torch.randn(B, 3, 8, 8, generator=gen) for _ in range(2)]
        l = [torch.randn(B, 3, 4, 4, generator=gen) for _ in range(2)]
        tensors[f"step{i}.global"] = torch.cat(g)
        tensors[f"step{i}.local"] = torch.cat(l)
        for pg_i, pg in enumerate(opt.param_groups):
            pg["lr"] = st["lr"]
            if pg_i == 0:
                pg["weight_decay"] = st["wd"]
        t_out = teacher(g)
        s_out = student(g + l)
        loss, center = dino_loss(s_out, t_out, center, 4, 0.1, st["temp"], 0.9)
        opt.zero_grad()
        loss.backward()
        norms = clip_gradients(student, st["clip"])
        if st["freeze"]:
            for n, p in student.named_parameters():
                if "last_layer" in n:
                    p.grad = None
        opt.step()
        with torch.no_grad():
            for ps, pt in zip(student.parameters(), teacher.parameters()):
                pt.data.mul_(st["m"]).add_((1 - st["m"]) * ps.detach().data)
        tensors[f"step{i}.loss"] = loss.detach().reshape(1)
        tensors[f"step{i}.grad_norms"] = torch.tensor(norms)
    tensors.update(named(student, "student."))
    tensors.update(named(teacher, "teacher."))
    tensors["center"] = center
    name_of = {id(p): n for n, p in student.named_parameters()}
    for p, state in opt.state.items():
        tensors["exp_avg." + name_of[id(p)]] = state["exp_avg"]
        tensors["exp_avg_sq." + name_of[id(p)]] = state["exp_avg_sq"]
    save_safetensors(f"{out}/train_step.safetensors", tensors,
                     {"steps": json.dumps(steps), "batch": B, "out_dim": 24})

    # 6. Schedules (official cosine_scheduler with numpy).
    sched = {
        "lr": cosine_scheduler(0.0005 * 128 / 256, 1e-6, 3, 7, warmup_epochs=1).tolist(),
        "wd": cosine_scheduler(0.04, 0.4, 3, 7).tolist(),
        "momentum": cosine_scheduler(0.996, 1, 3, 7).tolist(),
        "teacher_temp": np.concatenate((np.linspace(0.04, 0.07, 4), np.ones(6) * 0.07)).tolist(),
    }
    with open(f"{out}/schedules.json", "w") as f:
        json.dump(sched, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/model")
