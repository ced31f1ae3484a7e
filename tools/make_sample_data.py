#!/usr/bin/env python3
"""Builds data/fmnist-sample/: the first 5,000 training and 1,000 test images of Fashion-MNIST.

Why a sample: jdino must train and evaluate out of the box, without a 30 MB download, and tests
need real images. Source: Debian's dataset-fashion-mnist package (the upstream gzipped IDX files,
installed at /usr/share/datasets/fashion-mnist). Output: the same four file names, gzipped IDX,
written byte-reproducibly (gzip mtime 0, no file name in the gzip header, level 9), so rerunning
this script gives identical files and the checksums printed below can be compared.

Usage: /usr/bin/python3 tools/make_sample_data.py [SOURCE_DIR] [OUTPUT_DIR]
Only the Python standard library is used.
"""
import gzip
import hashlib
import os
import struct
import sys
from collections import Counter

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SPLITS = [("train", 5000), ("t10k", 1000)]


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    got, = struct.unpack(">I", data[:4])
    if got != magic:
        sys.exit(f"{path}: magic {got:#010x}, expected {magic:#010x}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def write_gz(path, payload):
    with open(path, "wb") as raw:
        # Empty filename and mtime 0 keep the output identical from run to run.
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
            gz.write(payload)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "data", "fmnist-sample")
    os.makedirs(out, exist_ok=True)
    for split, n in SPLITS:
        img_name = f"{split}-images-idx3-ubyte.gz"
        lab_name = f"{split}-labels-idx1-ubyte.gz"
        (total, h, w), pixels = read_idx(os.path.join(src, img_name), 0x00000803)
        (total_l,), labels = read_idx(os.path.join(src, lab_name), 0x00000801)
        if total != total_l or total < n:
            sys.exit(f"{split}: {total} images, {total_l} labels, need {n}")
        write_gz(os.path.join(out, img_name),
                 struct.pack(">IIII", 0x00000803, n, h, w) + pixels[:n * h * w])
        write_gz(os.path.join(out, lab_name), struct.pack(">II", 0x00000801, n) + labels[:n])
        counts = Counter(labels[:n])
        print(f"{split}: {n} images {h}x{w}; per class: "
              + ", ".join(f"{CLASSES[c]} {counts[c]}" for c in range(10)))
        for name in (img_name, lab_name):
            with open(os.path.join(out, name), "rb") as f:
                print(f"  sha256 {hashlib.sha256(f.read()).hexdigest()}  {name}")


if __name__ == "__main__":
    main()
