#!/usr/bin/python3
"""Loads what jdino's converter wrote (tools/check_pth_writer.sh) with PyTorch and compares it
with the torch-written originals; writes writer_digests.json on success.

For each fixture F: jdino's F.safetensors (parsed here: an 8-byte header length, JSON, raw
little-endian data) must hold every tensor of F under its dotted name with F's dtype and values,
and F.roundtrip.pth must torch.load to an object equal to F's: same nesting and container types
(dict, OrderedDict, tuple, list, argparse.Namespace), same scalars, tensors equal in dtype, shape
and value. Files without a Namespace are loaded with weights_only=True: torch's own restricted
unpickler accepts what jdino writes. official.pth (a jdino checkpoint in the official layout)
must load with weights_only=True (its args are a plain dict of integers and booleans) and
strictly into a DINO network of the run's shape, the student through the DDP-style module.
prefix as main_dino.py's restart_from_checkpoint does.
"""
import argparse
import collections
import hashlib
import json
import os
import sys

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64,
          "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def flat(obj, prefix=""):
    """Dotted names of every tensor, as jdino flattens a checkpoint."""
    out = {}
    if isinstance(obj, torch.Tensor):
        out[prefix or "tensor"] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flat(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, argparse.Namespace):
        out.update(flat(vars(obj), prefix))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out.update(flat(v, f"{prefix}.{i}" if prefix else str(i)))
    return out


def read_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(data[a:b], dtype=np.int16).astype(np.int32) << 16
            t = torch.from_numpy(raw.view(np.float32).copy()).to(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(data[a:b], dtype=DTYPES[info["dtype"]]).copy())
        out[name] = t.reshape(info["shape"])
    return out, header.get("__metadata__", {})


def same(a, b, where):
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, \
            f"{where}: {a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}"
        assert torch.equal(a, b), f"{where}: values differ"
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), f"{where}: keys {list(a)[:5]} vs {list(b)[:5]}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, argparse.Namespace):
        same(vars(a), vars(b), where)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}.{i}")
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def main(fixtures, work):
    digests = {}
    for n in ("vit_flat", "vit_full", "vit_timm", "dtypes"):
        original = torch.load(f"{fixtures}/{n}.pth")
        tensors, meta = read_safetensors(f"{work}/{n}.safetensors")
        expected = flat(original)
        assert list(tensors) == list(expected), f"{n}.safetensors: names {list(tensors)[:4]}"
        for k, t in expected.items():
            same(t.contiguous(), tensors[k], f"{n}.safetensors:{k}")
        assert "pth_structure" in meta
        has_namespace = "args" in (original if isinstance(original, dict) else {})
        back = torch.load(f"{work}/{n}.roundtrip.pth", weights_only=not has_namespace)
        same(original, back, n)
        with open(f"{work}/{n}.roundtrip.pth", "rb") as f:
            digests[f"{n}.roundtrip.pth"] = hashlib.sha256(f.read()).hexdigest()
        print(f"{n}: {len(expected)} tensors, safetensors and .pth round trip equal"
              + ("" if has_namespace else " (weights_only=True)"))

    official = torch.load(f"{work}/official.pth", weights_only=True)
    assert list(official) == ["student", "teacher", "dino_loss", "epoch", "args"], list(official)
    assert official["args"]["num_heads"] == 2 and official["args"]["embed_dim"] == 32
    sys.path.insert(0, os.path.dirname(__file__))
    import make_pth_fixtures as m
    m.IMG, m.PATCH, m.DIM, m.DEPTH, m.HEADS, m.RATIO = 28, 4, 32, 2, 2, 4.0
    m.OUT_DIM, m.HIDDEN, m.BOTTLENECK = 64, 48, 16
    student = torch.nn.DataParallel(m.MultiCropWrapper())
    student.load_state_dict(official["student"], strict=True)
    teacher = m.MultiCropWrapper()
    teacher.load_state_dict(official["teacher"], strict=True)
    assert official["dino_loss"]["center"].shape == (1, 64)
    print("official.pth: student and teacher load strictly into a DINO network; epoch",
          official["epoch"])

    with open(f"{fixtures}/writer_digests.json", "w") as f:
        json.dump({"checked_with": f"torch {torch.__version__} (tools/check_pth_writer.py)",
                   "sha256": digests}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
