#!/usr/bin/env bash
# The official DINO code on jdino's fmnist-small benchmark work (BENCHMARKS.md, "The official code
# on the same machine"): tools/bench_official.py with the environment the figures were measured in.
#
#   tools/bench_official.sh DINO_CHECKOUT [--autocast] [--steps N] [--warmup N] [--preset FILE]
#
# --preset FILE replaces fmnist-small with another configuration written out in full in jdino's
# preset format (every setting: the harness has no defaults), e.g. tools/reference-batch8.json,
# the official defaults (ViT-S/16 at 224 px) at batch 8 (it comes after this script's own
# --preset, and argparse keeps the last).
#
# DINO_CHECKOUT: facebookresearch/dino's files (the measured commit is 7c446df). Needs Debian's
# python3-torch and python3-torchvision, OpenBLAS (libopenblas0-pthread: the generic BLAS that
# python3-torch pulls in alone is ten times slower) and dataset-fashion-mnist.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dino="${1:?usage: tools/bench_official.sh DINO_CHECKOUT [--autocast] [--steps N] [--warmup N] [--preset FILE]}"
shift
[[ -f "$dino/main_dino.py" ]] || { echo "bench_official: $dino has no main_dino.py; expected a checkout of facebookresearch/dino" >&2; exit 2; }
# One BLAS thread under torch's two: nested OpenBLAS threads made the official step 25 % slower.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2
exec /usr/bin/python3 "$here/bench_official.py" --dino "$dino" \
  --preset "$here/../src/main/resources/presets/fmnist-small.json" "$@"
