#!/usr/bin/env bash
# Renders the explore report's HTML page in headless Chromium and saves a screenshot, to check that the
# self-contained page (inline SVG, no scripts, no fonts to fetch) shows each counterexample as a picture.
# Needs Debian's chromium (apt-get install chromium). Usage: scripts/screenshot-report.sh [REPORT.html] [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
report="${1:-claimverify-out/report.html}"
out="${2:-docs/report-screenshot.png}"
if [ ! -f "$report" ]; then
  dotnet run --project src/ClaimVerified.Cli -- explore --profile xen-4.22 --profile xen-4.3 --scenario kill-during-claim --scenario sharing --out "$(dirname "$report")" >/dev/null || true
fi
profile_dir="$(mktemp -d)"
trap 'rm -rf "$profile_dir"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile_dir" --hide-scrollbars \
  --window-size=1400,1800 --screenshot="$PWD/$out" "file://$PWD/$report" 2>/dev/null
test -s "$out"
echo "wrote $out"
