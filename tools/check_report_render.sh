#!/usr/bin/env bash
# Checks that a jdino report renders offline in a real browser: opens it in headless Chromium
# (Debian's package: apt-get install -y chromium) with the network disabled and saves a
# screenshot to look at. Fails if the page refers to anything outside itself, or if Chromium
# does not produce the screenshot.
#
# usage: tools/check_report_render.sh RUN_DIR_OR_REPORT.html [SCREENSHOT.png]
#   e.g. ./jdino report --run runs/demo && tools/check_report_render.sh runs/demo
set -euo pipefail

target="${1:?usage: $0 RUN_DIR_OR_REPORT.html [SCREENSHOT.png]}"
[[ -d "$target" ]] && target="$target/report.html"
html="$(readlink -f "$target")"
[[ -f "$html" ]] || { echo "check_report_render: $target: no such report" >&2; exit 2; }
png="$(readlink -f "${2:-${html%.html}-screenshot.png}")"
chromium="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || { echo "check_report_render: needs Chromium: apt-get install -y chromium" >&2; exit 2; }

# Self-contained: every picture a data: URI, no external scripts, styles, frames or links.
if grep -Eqi '(src|href)="(https?:|//|file:)|<link |<script [^>]*src=|@import|url\((https?:)?//' "$html"; then
  echo "check_report_render: $html refers to external resources" >&2
  exit 1
fi
n_img=$(grep -o '<img ' "$html" | wc -l)
n_data=$(grep -o '<img [^>]*src="data:image/' "$html" | wc -l)
if [[ "$n_img" -ne "$n_data" ]]; then
  echo "check_report_render: $((n_img - n_data)) of $n_img pictures are not embedded" >&2
  exit 1
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
rm -f "$png"
# Root needs --no-sandbox; the networking flags keep Chromium from calling home (the machine's
# network is closed), and the resolver rule makes any stray request fail instead of hang.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --disable-quic \
  --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" \
  --hide-scrollbars --window-size=1280,2000 --virtual-time-budget=5000 \
  --screenshot="$png" "file://$html" >"$profile/log" 2>&1 || true
if [[ ! -s "$png" ]]; then
  echo "check_report_render: Chromium wrote no screenshot; its log:" >&2
  cat "$profile/log" >&2
  exit 1
fi
echo "ok: $html renders ($n_img embedded pictures); screenshot: $png"
