#!/usr/bin/python3
"""Reference outputs for the jdino augmentation tests (dev.jdino.augment).

Run with the system interpreter, which has Pillow, numpy, torch and torchvision:

    /usr/bin/python3 tools/augment_fixtures.py

It writes src/test/resources/fixtures/augment/augment_fixtures.json with small deterministic
float images and what Pillow (bicubic resampling, mode "F") and torchvision 0.14 (tensor colour
ops, gaussian_blur, Resize + CenterCrop) make of them. The Java tests compare within 1e-5.
"""

import json
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "src", "test", "resources", "fixtures", "augment", "augment_fixtures.json")


def f32list(a):
    """Shortest decimal strings that round-trip float32, as JSON numbers."""
    return [float("%.9g" % v) for v in np.asarray(a, dtype=np.float32).ravel()]


def rand_image(seed, *shape):
    return np.random.RandomState(seed).rand(*shape).astype(np.float32)


def pil_plane(plane):
    return Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")


def resample_cases():
    """Pillow BICUBIC on single mode-F planes; unclamped, as Pillow leaves mode F."""
    cases = []

    def add(name, seed, h, w, out_h, out_w, box=None, crop=None):
        src = rand_image(seed, h, w)
        im = pil_plane(src)
        if crop is not None:
            top, left, ch, cw = crop
            res = im.crop((left, top, left + cw, top + ch)).resize((out_w, out_h), Image.BICUBIC)
        else:
            res = im.resize((out_w, out_h), Image.BICUBIC, box=box)
        case = {"name": name, "h": h, "w": w, "outH": out_h, "outW": out_w,
                "input": f32list(src), "expected": f32list(np.asarray(res, dtype=np.float32))}
        if crop is not None:
            case["crop"] = list(crop)
        else:
            case["box"] = list(box) if box is not None else [0, 0, w, h]
        cases.append(case)

    add("downscale non-square", 1, 9, 11, 5, 4)
    add("upscale non-square", 2, 7, 6, 13, 17)
    add("identity size", 3, 5, 6, 5, 6)
    add("fractional box", 4, 12, 10, 6, 5, box=(1.5, 2.25, 8.75, 11.0))
    add("integer box upscale", 5, 12, 10, 11, 9, box=(2, 1, 7, 6))
    add("box at the border", 6, 8, 8, 3, 5, box=(0, 3, 8, 8))
    add("strong downscale", 7, 40, 37, 7, 9)
    add("crop then downscale", 8, 12, 10, 4, 5, crop=(2, 1, 7, 6))
    add("crop then upscale", 9, 10, 9, 9, 8, crop=(3, 2, 5, 4))
    add("one pixel crop", 10, 4, 4, 3, 2, crop=(1, 2, 1, 1))
    add("one pixel wide image", 11, 6, 1, 4, 3)
    return cases


def eval_cases():
    """torchvision Resize(size, BICUBIC) + CenterCrop(crop) on PIL mode-F channels, clipped."""
    cases = []

    def add(name, seed, h, w, resize, crop, gray=False):
        src = rand_image(seed, 1 if gray else 3, h, w)
        tf = T.Compose([T.Resize(resize, interpolation=T.InterpolationMode.BICUBIC),
                        T.CenterCrop(crop)])
        out = np.stack([np.asarray(tf(pil_plane(src[c])), dtype=np.float32)
                        for c in range(src.shape[0])])
        cases.append({"name": name, "h": h, "w": w, "resize": resize, "crop": crop,
                      "gray": gray, "input": f32list(src),
                      "expected": f32list(np.clip(out, 0.0, 1.0))})

    add("fmnist 28 -> 32 -> 28", 21, 28, 28, 32, 28, gray=True)
    # 10x15 -> 12x18: left = round(3.5) = 4 (half to even).
    add("landscape", 22, 10, 15, 12, 11)
    # 13x9 -> 11x8: top = round(2.0) = 2, left = round(0.5) = 0 (half to even).
    add("portrait", 23, 13, 9, 8, 7)
    # Shorter side already at the target: Resize leaves the image alone.
    add("no resize needed", 24, 9, 12, 9, 7)
    return cases


def jitter_image():
    img = rand_image(31, 3, 5, 6)
    special = [(0.5, 0.5, 0.5), (0, 0, 0), (1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    for x, rgb in enumerate(special):
        img[:, 0, x] = rgb
    img[:, 1, 0] = (0.9, 0.9, 0.2)   # max shared by r and g
    img[:, 1, 1] = (0.3, 0.8, 0.8)   # max shared by g and b
    img[:, 1, 2] = (0.7, 0.1, 0.7)   # max shared by r and b
    return img


def jitter_cases():
    img = jitter_image()
    t = torch.from_numpy(img)
    cases = []

    def add(op, factor, out):
        cases.append({"op": op, "factor": factor, "expected": f32list(out.numpy())})

    for f in (0.7, 1.3):
        add("brightness", f, F.adjust_brightness(t, f))
    for f in (0.6, 1.4):
        add("contrast", f, F.adjust_contrast(t, f))
    for f in (0.0, 0.8, 1.2):
        add("saturation", f, F.adjust_saturation(t, f))
    for f in (-0.5, -0.1, 0.0, 0.05, 0.5):
        add("hue", f, F.adjust_hue(t, f))
    add("grayscale", 0.0, F.rgb_to_grayscale(t, num_output_channels=3))

    # ColorJitter.forward with fixed parameters: ops in fn_idx order.
    order, b, c, s, h = [2, 0, 3, 1], 1.2, 0.7, 1.1, -0.07
    out = t
    for fn in order:
        out = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue][fn](
            out, [b, c, s, h][fn])
    composed = {"order": order, "brightness": b, "contrast": c, "saturation": s, "hue": h,
                "expected": f32list(out.numpy())}
    return {"h": 5, "w": 6, "input": f32list(img), "cases": cases, "composed": composed}


def blur_cases():
    """torchvision gaussian_blur (reflect padding) with the radii jdino picks."""
    cases = []

    def add(seed, h, w, sigma):
        img = rand_image(seed, 3, h, w)
        r = int(np.ceil(3 * sigma))
        rx, ry = min(r, w - 1), min(r, h - 1)
        out = F.gaussian_blur(torch.from_numpy(img), [2 * rx + 1, 2 * ry + 1], [sigma, sigma])
        cases.append({"h": h, "w": w, "sigma": sigma, "input": f32list(img),
                      "expected": f32list(out.numpy())})

    add(41, 9, 11, 0.5)
    add(42, 9, 11, 1.0)
    add(43, 9, 11, 1.7)
    # Radius 5 capped to 3 vertically by the 4-pixel height.
    add(44, 4, 9, 1.5)
    return cases


def main():
    fixtures = {
        "generator": "tools/augment_fixtures.py",
        "versions": {"pillow": PIL.__version__, "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
        "resample": resample_cases(),
        "eval": eval_cases(),
        "jitter": jitter_cases(),
        "blur": blur_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s (%d bytes)" % (os.path.normpath(OUT), os.path.getsize(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
