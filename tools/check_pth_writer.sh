#!/bin/sh
# Checks jdino's .pth writer with PyTorch itself (Debian's python3-torch), then records the
# digests of the files it checked in src/test/resources/fixtures/pth/writer_digests.json, which
# PthRoundTripTest compares byte for byte: CI (no Python) thereby knows that the writer still
# produces files torch.load read correctly.
#
#   1. jdino convert each torch-written fixture to safetensors and back to .pth;
#   2. a 2-step jdino training run, its checkpoint converted to the official layout;
#   3. tools/check_pth_writer.py loads everything with torch and compares.
#
# Usage: tools/check_pth_writer.sh   (from the repository root; builds with Maven offline)
set -eu
cd "$(dirname "$0")/.."
mvn -q -o compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
CP="target/classes:$(cat target/cp.txt)"
FX=src/test/resources/fixtures/pth
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
jdino() { java -Dai.djl.offline=true -cp "$CP" dev.jdino.cli.Main "$@"; }
for n in vit_flat vit_full vit_timm dtypes; do
  jdino convert "$FX/$n.pth" "$T/$n.safetensors" >/dev/null
  jdino convert "$T/$n.safetensors" "$T/$n.roundtrip.pth" >/dev/null
done
jdino train --preset fmnist-small --data fmnist-sample --embed-dim 32 --depth 2 --num-heads 2 \
  --out-dim 64 --hidden-dim 48 --bottleneck-dim 16 --batch-size 16 --local-crops-number 2 \
  --max-steps 2 --output-dir "$T/run" >/dev/null 2>&1
jdino convert "$T/run/checkpoint.safetensors" "$T/official.pth"
/usr/bin/python3 tools/check_pth_writer.py "$FX" "$T"
