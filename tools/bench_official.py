#!/usr/bin/python3
"""Throughput of the official DINO code on jdino's benchmark work (`fmnist-small`, or a preset given in full).

The yardstick of BENCHMARKS.md ("The official code on the same machine"): the official modules
(facebookresearch/dino, `vision_transformer.py`, `utils.py`, `main_dino.py`'s `DINOLoss`),
imported unmodified from a checkout given with --dino, driven by the body of main_dino.py's
`train_one_epoch` without `.cuda()` (the official entry point needs a GPU). The augmentations are
`DataAugmentationDINO`'s operations at the preset's sizes, scales, blur range and normalisation
(the official class hard-codes 224/96 px and ImageNet's statistics). Optionally the forward passes
and the loss run under `torch.autocast("cpu", dtype=torch.bfloat16)`, where main_dino.py puts
`torch.cuda.amp.autocast` (bf16 needs no gradient scaler).

Run it through tools/bench_official.sh, which sets the thread environment; it prints one line of
JSON: source images/s over the measured steps and the main process's peak resident memory.
"""

import argparse
import gzip
import json
import math
import resource
import sys
import time
from functools import partial

import numpy as np


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = np.frombuffer(data[:16], dtype=">u4")
    if magic != 2051:
        sys.exit(f"{path}: not an IDX image file (magic {magic}, expected 2051)")
    return np.frombuffer(data[16:], dtype=np.uint8).reshape(n, rows, cols)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dino", required=True, help="a checkout of facebookresearch/dino")
    ap.add_argument("--preset", required=True,
                    help="a jdino preset with every setting: fmnist-small.json, tools/reference-batch8.json")
    ap.add_argument("--images", default="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--autocast", action="store_true", help="bf16 autocast around forward and loss")
    a = ap.parse_args()

    sys.path.insert(0, a.dino)
    import torch
    import torch.distributed as dist
    import torch.nn as nn
    from PIL import Image
    from torchvision import transforms

    import utils
    import vision_transformer as vits
    from main_dino import DINOLoss

    torch.set_num_threads(a.threads)
    cfg = json.load(open(a.preset))["config"]
    vit, head, aug, loss_c, tr = (cfg[k] for k in ("vit", "head", "augment", "loss", "train"))

    # DINOLoss.update_center all-reduces the batch centre over the world. Here the world is one
    # process, whose all-reduce is the identity; a gloo group of one would do the same in fp32 but
    # refuses the bf16 centre that autocast gives (NCCL, on the GPU, takes it).
    dist.all_reduce = lambda tensor, *args, **kwargs: None
    dist.get_world_size = lambda *args, **kwargs: 1
    utils.fix_random_seeds(tr["seed"])

    norm = aug["normalize"]
    jitter = aug["colorJitter"]
    flip_and_color_jitter = transforms.Compose([
        transforms.RandomHorizontalFlip(p=aug["hflipP"]),
        transforms.RandomApply([transforms.ColorJitter(
            brightness=jitter["brightness"], contrast=jitter["contrast"],
            saturation=jitter["saturation"], hue=jitter["hue"])], p=jitter["p"]),
        transforms.RandomGrayscale(p=aug["grayscaleP"]),
    ])
    normalize = transforms.Compose([
        transforms.ToTensor(), transforms.Normalize(tuple(norm["mean"]), tuple(norm["std"]))])
    blur = aug["blur"]
    sig = (blur["sigma"]["min"], blur["sigma"]["max"])
    ratio = (aug["ratio"]["min"], aug["ratio"]["max"])
    g, l = aug["globalCrops"], aug["localCrops"]

    def rrc(c):
        return transforms.RandomResizedCrop(
            c["size"], scale=(c["scale"]["min"], c["scale"]["max"]), ratio=ratio,
            interpolation=Image.BICUBIC)

    global1 = transforms.Compose([rrc(g), flip_and_color_jitter,
                                  utils.GaussianBlur(blur["pGlobal1"], *sig), normalize])
    global2 = transforms.Compose([rrc(g), flip_and_color_jitter,
                                  utils.GaussianBlur(blur["pGlobal2"], *sig),
                                  utils.Solarization(aug["solarizeP"]), normalize])
    local = transforms.Compose([rrc(l), flip_and_color_jitter,
                                utils.GaussianBlur(blur["pLocal"], *sig), normalize])

    images = read_idx_images(a.images)

    class Crops(torch.utils.data.Dataset):
        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            im = Image.fromarray(images[i], mode="L").convert("RGB")
            return [global1(im), global2(im)] + [local(im) for _ in range(l["number"])], 0

    batch = tr["batchSize"]
    loader = torch.utils.data.DataLoader(
        Crops(), batch_size=batch, shuffle=True, num_workers=a.workers, drop_last=True)

    def backbone(drop_path):
        return vits.VisionTransformer(
            img_size=[vit["imgSize"]], patch_size=vit["patchSize"], embed_dim=vit["embedDim"],
            depth=vit["depth"], num_heads=vit["numHeads"], mlp_ratio=vit["mlpRatio"],
            qkv_bias=vit["qkvBias"], norm_layer=partial(nn.LayerNorm, eps=1e-6),
            drop_path_rate=drop_path)

    def dino_head(norm_last_layer):
        return vits.DINOHead(vit["embedDim"], head["outDim"], use_bn=False,
                             norm_last_layer=norm_last_layer, nlayers=head["nlayers"],
                             hidden_dim=head["hiddenDim"], bottleneck_dim=head["bottleneckDim"])

    student = utils.MultiCropWrapper(backbone(vit["dropPathRate"]), dino_head(head["normLastLayer"]))
    teacher = utils.MultiCropWrapper(backbone(0.0), dino_head(True))
    teacher.load_state_dict(student.state_dict())
    for p in teacher.parameters():
        p.requires_grad = False
    ncrops = g["number"] + l["number"]
    epochs = tr["epochs"]
    dino_loss = DINOLoss(head["outDim"], ncrops, loss_c["warmupTeacherTemp"], loss_c["teacherTemp"],
                         loss_c["warmupTeacherTempEpochs"], epochs, loss_c["studentTemp"],
                         loss_c["centerMomentum"])
    optimizer = torch.optim.AdamW(utils.get_params_groups(student))
    per_epoch = len(loader)
    lr_schedule = utils.cosine_scheduler(tr["lr"] * batch / 256.0, tr["minLr"], epochs, per_epoch,
                                         warmup_epochs=tr["warmupEpochs"])
    wd_schedule = utils.cosine_scheduler(tr["weightDecay"], tr["weightDecayEnd"], epochs, per_epoch)
    momentum_schedule = utils.cosine_scheduler(tr["momentumTeacher"], 1, epochs, per_epoch)

    total = a.warmup + a.steps
    epoch, t0, losses = 0, None, []
    for it, (crops, _) in enumerate(loader):
        if it == a.warmup:
            t0 = time.perf_counter()
        if it == total:
            break
        for i, group in enumerate(optimizer.param_groups):
            group["lr"] = lr_schedule[it]
            if i == 0:
                group["weight_decay"] = wd_schedule[it]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.autocast):
            teacher_output = teacher(crops[:2])
            student_output = student(crops)
            loss = dino_loss(student_output, teacher_output, epoch)
        if not math.isfinite(loss.item()):
            sys.exit(f"loss is {loss.item()} at step {it}")
        optimizer.zero_grad()
        loss.backward()
        utils.clip_gradients(student, tr["clipGrad"])
        utils.cancel_gradients_last_layer(epoch, student, tr["freezeLastLayer"])
        optimizer.step()
        with torch.no_grad():
            m = momentum_schedule[it]
            for q, k in zip(student.parameters(), teacher.parameters()):
                k.data.mul_(m).add_((1 - m) * q.detach().data)
        losses.append(loss.item())
    if t0 is None or it < total:
        sys.exit(f"only {it} steps in an epoch of {per_epoch}: fewer --steps or --warmup")
    secs = time.perf_counter() - t0
    print(json.dumps({
        "code": "facebookresearch/dino", "torch": torch.__version__,
        "autocast_bf16": a.autocast, "threads": a.threads, "workers": a.workers,
        "steps": a.steps, "warmup": a.warmup, "seconds": round(secs, 3),
        "images_per_s": round(a.steps * batch / secs, 3),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3),
        "first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4)}))


if __name__ == "__main__":
    main()
