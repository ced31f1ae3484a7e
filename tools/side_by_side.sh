#!/usr/bin/env bash
# jdino against the official DINO code on this machine, interleaved: the comparison every
# "side by side" section of BENCHMARKS.md makes (issue 14's targets are its ratios).
#
#   tools/side_by_side.sh DINO_CHECKOUT [ROUNDS] [OUT_DIR]
#
# Each round runs, one at a time: `jdino bench train --preset fmnist-small --steps 20 --warmup 5`
# in the processor's default arithmetic, the same with `--precision fp32` where that default is
# bf16, the official code in fp32 (tools/bench_official.sh), and the official code under bf16
# autocast where the processor has bf16 units. Interleaving matters: these machines' speed moves
# by 10 - 15 % within minutes, so only figures of the same round are paired. Every run's JSON goes
# to OUT_DIR (default bench-<UTC time>); the summary is printed as the Markdown table and ratios
# BENCHMARKS.md uses. About 2.5 minutes a round on a 2-core AMD EPYC Zen 4 (2026-12-03, four
# configurations) and 1.75 on a 2-core Intel Xeon with AMX (2026-12-04), longer where steps are
# slower; nothing else should run meanwhile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dino="${1:?usage: tools/side_by_side.sh DINO_CHECKOUT [ROUNDS] [OUT_DIR]}"
rounds="${2:-3}"
out="${3:-bench-$(date -u +%Y%m%d-%H%M%S)}"
[[ -f "$dino/main_dino.py" ]] || { echo "side_by_side: $dino has no main_dino.py; expected a checkout of facebookresearch/dino" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side: ROUNDS $rounds: expected a positive whole number" >&2; exit 2; }
[[ -e "$out" ]] && { echo "side_by_side: $out exists; give a new OUT_DIR" >&2; exit 2; }
mkdir -p "$out"
bf16=0
grep -qwE 'amx_bf16|avx512_bf16' /proc/cpuinfo && bf16=1
configs=(jdino-default)
((bf16)) && configs+=(jdino-fp32)
configs+=(official-fp32)
((bf16)) && configs+=(official-autocast)
grep -m1 'model name' /proc/cpuinfo | sed 's/^/machine: /'
echo "configurations: ${configs[*]}; $rounds rounds; JSON into $out"
for r in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    f="$out/$c-r$r.json"
    echo "round $r/$rounds: $c ($(date -u +%H:%M:%S) UTC)"
    case "$c" in
      jdino-default) "$here/../jdino" bench train --preset fmnist-small --steps 20 --warmup 5 --json "$f" > "$out/$c-r$r.log" 2>&1 ;;
      jdino-fp32) "$here/../jdino" bench train --preset fmnist-small --steps 20 --warmup 5 --precision fp32 --json "$f" > "$out/$c-r$r.log" 2>&1 ;;
      official-fp32) "$here/bench_official.sh" "$dino" > "$out/$c-r$r.log" 2>&1 && tail -1 "$out/$c-r$r.log" > "$f" ;;
      official-autocast) "$here/bench_official.sh" "$dino" --autocast > "$out/$c-r$r.log" 2>&1 && tail -1 "$out/$c-r$r.log" > "$f" ;;
    esac || { echo "side_by_side: $c failed; see $out/$c-r$r.log" >&2; exit 1; }
  done
done
/usr/bin/python3 - "$out" "$rounds" "${configs[@]}" <<'PY'
import json, statistics, sys
out, rounds, configs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
runs = {c: [json.load(open(f"{out}/{c}-r{r}.json")) for r in range(1, rounds + 1)] for c in configs}
ips = {c: [j["images_per_s"] for j in v] for c, v in runs.items()}
print("\n| | runs (source images/s) | median | peak RSS |\n|---|---|---|---|")
for c in configs:
    rss = [j["peak_rss_gib"] for j in runs[c]]
    print(f"| {c} | {', '.join(f'{x:.1f}' for x in ips[c])} | {statistics.median(ips[c]):.1f} "
          f"| {min(rss):.2f} - {max(rss):.2f} GiB |")
def ratios(a, b):
    rs = [x / y for x, y in zip(ips[a], ips[b])]
    print(f"- {a} / {b}, pair by pair: {', '.join(f'{x:.2f}' for x in rs)} (median {statistics.median(rs):.2f})")
for a in ("jdino-default", "jdino-fp32"):
    if a in ips:
        ratios(a, "official-fp32")
if "official-autocast" in ips:
    ratios("jdino-default", "official-autocast")
j = runs["jdino-default"][0]
print(f"- machine: {j['machine']}; jdino arithmetic: {j['arithmetic']}")
PY
