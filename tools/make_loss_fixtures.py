#!/usr/bin/python3
"""Reference values for the DINOv2 additions to the loss (KoLeo, Sinkhorn-Knopp centring).

An independent re-statement, written for these fixtures, of DINOv2's `KoLeoLoss` and
`SinkhornKnoppTeacher.sinkhorn_knopp_teacher` (facebookresearch/dinov2, dinov2/loss/), and of
DINO's cross-entropy over views with those targets. Small outputs, committed under
src/test/resources/fixtures/model/; regenerate with

    /usr/bin/python3 tools/make_loss_fixtures.py src/test/resources/fixtures/model
"""
import sys

import torch
import torch.nn.functional as F

from make_model_fixtures import save_safetensors

torch.set_num_threads(1)


def koleo(x, eps=1e-8):
    """-mean log of each row's distance to its nearest other row, on the unit sphere."""
    u = F.normalize(x, p=2, dim=-1, eps=eps)
    with torch.no_grad():
        dots = u @ u.t()
        n = u.shape[0]
        dots.view(-1)[:: n + 1].fill_(-1)  # a row is never its own neighbour
        nn_index = dots.max(dim=1).indices
    d = torch.nn.PairwiseDistance(p=2, eps=eps)(u, u[nn_index])
    return -torch.log(d + eps).mean(), nn_index


def sinkhorn_knopp(teacher, temp, iterations=3):
    q = torch.exp(teacher / temp).t()  # K x B
    b, k = q.shape[1], q.shape[0]
    q = q / q.sum()
    for _ in range(iterations):
        q = q / q.sum(dim=1, keepdim=True) / k
        q = q / q.sum(dim=0, keepdim=True) / b
    return (q * b).t()


def cross_entropy_over_views(student, targets, views, student_temp):
    """DINO's loss: each of the 2 teacher views against every other student view, averaged."""
    b = targets.shape[0] // 2
    log_p = F.log_softmax(student / student_temp, dim=-1).chunk(views)
    q = targets.chunk(2)
    total, terms = 0, 0
    for iq in range(2):
        for v in range(views):
            if v == iq:
                continue
            total = total + torch.sum(-q[iq] * log_p[v], dim=-1).mean()
            terms += 1
    return total / terms


def main(out):
    gen = torch.Generator().manual_seed(7)
    # KoLeo on 6 rows of 5 features (two near-duplicates make one neighbour obvious).
    x = torch.randn(6, 5, generator=gen)
    x[4] = x[1] + 0.01 * torch.randn(5, generator=gen)
    x.requires_grad_(True)
    loss, nn_index = koleo(x)
    loss.backward()
    save_safetensors(f"{out}/koleo.safetensors",
                     {"x": x.detach(), "loss": loss.detach().reshape(1),
                      "neighbour": nn_index.to(torch.float32), "grad": x.grad})

    # Sinkhorn-Knopp targets and the loss on them: V = 4 views, B = 3, K = 10.
    v, b, k = 4, 3, 10
    teacher = torch.randn(2 * b, k, generator=gen)
    student = torch.randn(v * b, k, generator=gen, requires_grad=True)
    q = sinkhorn_knopp(teacher, 0.04)
    loss = cross_entropy_over_views(student, q, v, 0.1)
    loss.backward()
    entropy = -(q * torch.log(q)).sum(-1).mean()
    save_safetensors(f"{out}/sinkhorn.safetensors",
                     {"teacher": teacher, "student": student.detach(), "targets": q,
                      "loss": loss.detach().reshape(1), "grad_student": student.grad,
                      "entropy": entropy.reshape(1)},
                     {"views": v, "batch": b, "teacher_temp": 0.04, "student_temp": 0.1})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/model")
