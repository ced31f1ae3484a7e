#!/usr/bin/env bash
# Where a training step's time goes, by sampling: Linux perf over the measured steps of
# `jdino bench train` (perf is switched on and off through `bench train --perf-control`, so the
# JVM's start, data loading and warm-up are not in it), then tools/sampling_profile.py's tables.
#
#   tools/sampling_profile.sh OUT_DIR [bench train flags...]
#   e.g. tools/sampling_profile.sh prof-bf16 --preset fmnist-small --steps 20 --warmup 5
#
# Unlike `bench train --profile` (libtorch's operator profiler, which slows each operator by its
# own factor: on a Zen 4 it showed GELU at 23 % of the step, sampling at most 6 %), sampling costs a
# few percent evenly. What it cannot give is operator names: libtorch has no frame pointers, so
# samples are attributed to the kernel they land in (MKL's GEMM, oneDNN's JIT code, a cast, an
# OpenMP barrier), and the second table shows what the main thread runs while the other compute
# thread waits. Needs perf (Debian: linux-perf) and kernel.perf_event_paranoid <= 1 for a
# process of one's own (as root: sysctl kernel.perf_event_paranoid=1). About a minute with the
# default flags on a 2-core AMD EPYC Zen 4 (2026-12-03); longer where steps are slower.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: tools/sampling_profile.sh OUT_DIR [bench train flags...]}"
shift
command -v perf >/dev/null || { echo "sampling_profile: perf not found; install linux-perf" >&2; exit 2; }
[[ -e "$out" ]] && { echo "sampling_profile: $out exists; give a new OUT_DIR" >&2; exit 2; }
mkdir -p "$out"
mkfifo "$out/perf.ctl"
args=("$@")
((${#args[@]})) || args=(--preset fmnist-small --steps 20 --warmup 5)
grep -m1 'model name' /proc/cpuinfo | sed 's/^/machine: /'
# 499 Hz per thread: about 10,000 samples per compute thread over 20 steps, a few % overhead.
perf record -F 499 -o "$out/perf.data" --control "fifo:$out/perf.ctl" -D -1 -- \
  "$here/../jdino" bench train "${args[@]}" --perf-control "$out/perf.ctl" \
  --json "$out/bench.json" > "$out/bench.log" 2> "$out/stderr.log" \
  || { echo "sampling_profile: the run failed; see $out/bench.log and $out/stderr.log (perf's and jdino's messages)" >&2; exit 1; }
grep -E '^(arithmetic|throughput|achieved|bf16 matrix)' "$out/bench.log" || true
perf script --no-inline -i "$out/perf.data" -F tid,comm,time,ip,sym,dso > "$out/samples.txt" 2>/dev/null
/usr/bin/python3 "$here/sampling_profile.py" "$out/samples.txt" "$out/bench.json" | tee "$out/profile.md"
