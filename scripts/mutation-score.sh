#!/usr/bin/env bash
# Mutation score: is every deliberately wrong variant of the core caught by the test suite?
#
# 1. Builds once with -p:ClaimVerifiedMutants=true. That defines CLAIMVERIFIED_MUTANTS, which compiles
#    src/ClaimVerified/Mutants.cs and the one-line hooks in the core, and sends every output to out/mutants/
#    (Directory.Build.props), so the normal bin/ and obj/ folders never hold mutant code.
# 2. Runs the whole test suite with no mutant active: it must pass (else a "kill" would mean nothing).
# 3. For each mutant (the names of the Mutant enum in Mutants.cs, or those given as arguments), runs the suite with
#    CLAIMVERIFIED_MUTANT=<name>, keeps the trx, and records the failing tests, the fastest of them and the wall time.
# 4. Writes out/mutants/mutation-score.md (a Markdown table) and out/mutants/mutation-score.tsv.
#
# Usage: scripts/mutation-score.sh [MutantName ...]      JOBS=2 runs two suites at once (timings then share the CPU).
# Needs the .NET SDK and python3 (for reading the trx files).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 COYOTE_CLI_TELEMETRY_OPTOUT=1
jobs_max="${JOBS:-1}"
out=out/mutants/results
mkdir -p "$out"

# Every mutant: the enum's members, in declaration order, without None. The report covers all of them; a run with
# arguments re-runs only those and keeps the earlier results of the others.
mapfile -t all_mutants < <(sed -n '/^internal enum Mutant/,/^}/p' src/ClaimVerified/Mutants.cs \
  | grep -E '^    [A-Z][A-Za-z0-9]*,$' | tr -d ' ,' | grep -v '^None$')
if [ "$#" -gt 0 ]; then mutants=("$@"); else mutants=("${all_mutants[@]}"); fi
for m in baseline "${mutants[@]}"; do rm -f "$out/$m".*; done

echo "building the mutant build into out/mutants/ ..."
dotnet build tests/ClaimVerified.Tests -p:ClaimVerifiedMutants=true -v:q -nologo > "$out/build.log" 2>&1 \
  || { cat "$out/build.log"; exit 1; }

run_suite() { # name -> $out/name.trx, $out/name.log, $out/name.seconds
  local name="$1" start end
  start=$(date +%s.%N)
  CLAIMVERIFIED_MUTANT="$([ "$name" = baseline ] && echo "" || echo "$name")" \
    dotnet test tests/ClaimVerified.Tests -p:ClaimVerifiedMutants=true --no-build -nologo \
      --logger "trx;LogFileName=$PWD/$out/$name.trx" > "$out/$name.log" 2>&1 || true
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.1f\n", $2 - $1}' > "$out/$name.seconds"
}

echo "baseline (no mutant active) ..."
run_suite baseline
if ! grep -q 'outcome="Failed"' "$out/baseline.trx" && grep -q 'outcome="Passed"' "$out/baseline.trx"; then
  echo "baseline passes ($(cat "$out/baseline.seconds") s)"
else
  echo "the suite fails with no mutant active: see $out/baseline.log" >&2; exit 1
fi

running=0
for m in "${mutants[@]}"; do
  echo "mutant $m ..."
  run_suite "$m" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs_max" ]; then wait -n; running=$((running - 1)); fi
done
wait

python3 - "$out" "${all_mutants[@]}" <<'PY'
import sys, re, xml.etree.ElementTree as ET
out, mutants = sys.argv[1], sys.argv[2:]
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
def secs(d):
    h, m, s = d.split(":"); return int(h) * 3600 + int(m) * 60 + float(s)
def short(name):
    name = re.sub(r"^ClaimVerified\.Tests\.", "", name)
    return name if len(name) <= 110 else name[:107] + "..."
def doc(text):
    src = open("src/ClaimVerified/Mutants.cs").read()
    m = re.search(r"/// <summary>(.*?)</summary>\s*\n\s*" + text + ",", src)
    return m.group(1).replace("&gt;", ">").replace("&lt;", "<") if m else ""
baseline = ET.parse(f"{out}/baseline.trx").getroot()
total = len(baseline.findall(".//t:UnitTestResult", ns))
rows, killed = [], 0
def when(t):  # trx times: 2026-11-28T04:27:01.1234567+00:00
    from datetime import datetime
    t = re.sub(r"(\.\d{6})\d*", r"\1", t)
    return datetime.fromisoformat(t).timestamp()
for m in mutants:
    try:
        root = ET.parse(f"{out}/{m}.trx").getroot()
    except Exception:
        rows.append((m, "not run", 0, "-", "-", "-", "-", "-")); continue
    results = root.findall(".//t:UnitTestResult", ns)
    start = min(when(r.get("startTime")) for r in results)
    failed = [(r.get("testName"), secs(r.get("duration", "0:0:0")), when(r.get("endTime")) - start)
              for r in results if r.get("outcome") == "Failed"]
    wall = open(f"{out}/{m}.seconds").read().strip()
    if failed:
        killed += 1
        name, d, _ = min(failed, key=lambda f: f[1])
        first = min(f[2] for f in failed)
        classes = sorted({re.sub(r"\(.*", "", f[0]).split(".")[-2] for f in failed})
        rows.append((m, "killed", len(failed), short(name), f"{d * 1000:.1f}", f"{first:.1f}", wall, ", ".join(classes)))
    else:
        rows.append((m, "SURVIVED", 0, "-", "-", "-", wall, "-"))
with open("out/mutants/mutation-score.tsv", "w") as f:
    for r in rows: f.write("\t".join(map(str, r)) + "\n")
with open("out/mutants/mutation-score.md", "w") as f:
    f.write(f"Mutation score: **{killed}/{len(mutants)}** mutants killed; the suite has {total} tests "
            f"(baseline {open(f'{out}/baseline.seconds').read().strip()} s, all passing).\n\n")
    f.write("| mutant | what is wrong | verdict | failing tests | caught by (test classes) | fastest failing test | its time (ms) | first failure after (s) | suite wall time (s) |\n")
    f.write("|---|---|---|---:|---|---|---:|---:|---:|\n")
    for m, v, n, name, d, first, wall, classes in rows:
        f.write(f"| {m} | {doc(m)} | {v} | {n} | {classes} | `{name}` | {d} | {first} | {wall} |\n")
print(open("out/mutants/mutation-score.md").read())
sys.exit(0 if killed == len(mutants) else 1)
PY
