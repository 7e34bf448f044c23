#!/usr/bin/env bash
# Mutation score: is every deliberately wrong variant of the core caught by the test suite?
#
# A mutant is a patch, mutants/<Name>.patch: a small unified diff against the clean core (src/ClaimVerified is the Xen
# path and nothing else), whose header of comment lines says what is wrong (mutants/README.md). For the baseline and
# for each mutant the script
#   1. makes a scratch worktree of HEAD (git worktree add --detach) under out/mutants/work/<name>,
#   2. applies the patch there (git apply; the baseline has none),
#   3. builds tests/ClaimVerified.Tests there: one build per mutant, so a mutant is compiled like any other change
#      and the checkout you work in never holds mutant code,
#   4. runs dotnet test there with a trx logger, and records the failing tests, the fastest of them, the test classes
#      that caught it and the wall time of the suite,
#   5. removes the worktree (and git worktree prune).
# Before anything is built, every patch to run is checked against HEAD: one that does not apply stops the script. The
# baseline (HEAD with no patch) runs first and must pass, else a "kill" would mean nothing.
# The report: out/mutants/mutation-score.md (a Markdown table) and out/mutants/mutation-score.tsv.
#
# The worktrees are of HEAD, so uncommitted changes to the code are not scored (the script says so); the patches are
# read from this checkout's mutants/, so a patch can be tried before it is committed.
# MutantPatchesTests (does every patch apply to the tree?) is left out of every run: in a mutant's worktree its own
# patch is already applied, so that test would "kill" every mutant for the wrong reason.
#
# Usage: scripts/mutation-score.sh [MutantName ...]
#   With names, only those run; the report keeps the earlier results of the others.
#   JOBS=N            runs N mutants at once (timings then share the CPU; default 1)
#   TEST_FILTER=EXPR  a dotnet test --filter expression, for the baseline and every mutant
#   KEEP_WORK=1       keeps the scratch worktrees (to look at a mutant's build)
# Needs git, the .NET SDK and python3 (for reading the trx files).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 COYOTE_CLI_TELEMETRY_OPTOUT=1
jobs_max="${JOBS:-1}"
out="$root/out/mutants/results"
work="$root/out/mutants/work"
lock="$root/out/mutants/work.lock"
mkdir -p "$out" "$work"

die() { echo "mutation-score: $*" >&2; exit 1; }
git rev-parse --git-dir > /dev/null 2>&1 || die "$root is not a git checkout: the scratch copies are git worktrees"
head=$(git rev-parse HEAD)

# git worktree add/prune touch the shared .git: one at a time when JOBS > 1.
serial() { if command -v flock > /dev/null; then flock "$lock" "$@"; else "$@"; fi; }

# The description is the first header line: "# <one sentence>", before the first line of the diff.
describe() { sed -n -e '/^diff --git /q' -e '/^--- /q' -e 's/^# \(..*\)$/\1/p' "$1" | head -n 1; }

# Every mutant: the patch files, in name order. The report covers all of them.
mapfile -t all_mutants < <(find mutants -maxdepth 1 -name '*.patch' -printf '%f\n' | sed 's/\.patch$//' | LC_ALL=C sort)
[ "${#all_mutants[@]}" -gt 0 ] || die "no mutants/*.patch"
if [ "$#" -gt 0 ]; then mutants=("$@"); else mutants=("${all_mutants[@]}"); fi
for m in "${mutants[@]}"; do
  [ -f "mutants/$m.patch" ] || die "no mutant $m: mutants/$m.patch does not exist"
  [ -n "$(describe "mutants/$m.patch")" ] || die "mutants/$m.patch has no description: its first line must be '# <what is wrong>'"
done

if [ -n "$(git status --porcelain --untracked-files=no -- src model tests Directory.Build.props Directory.Build.targets)" ]; then
  echo "note: uncommitted changes to the code are not scored: every worktree is of HEAD ${head:0:12}" >&2
fi

filter="FullyQualifiedName!~ClaimVerified.Tests.Mutants.MutantPatchesTests"
[ -z "${TEST_FILTER:-}" ] || filter="($filter)&(${TEST_FILTER})"

remove_worktree() { # dir
  rm -rf "$1"
  serial git worktree prune
}

add_worktree() { # name -> prints its directory
  local dir="$work/$1"
  [ ! -e "$dir" ] || remove_worktree "$dir" # left over from an interrupted run
  serial git worktree add --detach --quiet "$dir" "$head" > /dev/null
  echo "$dir"
}

# Job control: each mutant runs in a process group of its own, so that an interrupted run can stop its builds and
# test hosts with it (kill -- -<group>), and nothing but the script's own jobs.
set -m
cleanup() {
  local pid
  for pid in $(jobs -pr); do kill -- "-$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  if [ -z "${KEEP_WORK:-}" ]; then
    rm -rf "$work"
    git worktree prune
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One mutant (or the baseline): worktree, patch, build, test. Leaves $out/name.{build.log,log,trx,rc,seconds}.
run_one() { # name
  local name="$1" dir start end rc=0
  dir=$(add_worktree "$name")
  if [ "$name" != baseline ] && ! git -C "$dir" apply "$root/mutants/$name.patch" 2> "$out/$name.build.log"; then
    echo "mutants/$name.patch does not apply to HEAD ${head:0:12}" >> "$out/$name.build.log"
    echo apply > "$out/$name.rc"
  elif ! (cd "$dir" && dotnet build tests/ClaimVerified.Tests -nologo -v:q -nodeReuse:false) >> "$out/$name.build.log" 2>&1; then
    echo build > "$out/$name.rc"
  else
    start=$(date +%s.%N)
    (cd "$dir" && dotnet test tests/ClaimVerified.Tests --no-build -nologo --filter "$filter" \
        --logger "trx;LogFileName=$out/$name.trx") > "$out/$name.log" 2>&1 || rc=$?
    end=$(date +%s.%N)
    echo "$start $end" | awk '{printf "%.1f\n", $2 - $1}' > "$out/$name.seconds"
    echo "$rc" > "$out/$name.rc"
  fi
  [ -n "${KEEP_WORK:-}" ] || remove_worktree "$dir"
  echo "  $name: $(summary "$name")"
}

summary() { # name -> one line for the console
  local name="$1" rc
  rc=$(cat "$out/$1.rc")
  case "$rc" in
    apply) echo "PATCH DOES NOT APPLY (see $out/$name.build.log)" ;;
    build) echo "BUILD FAILED (see $out/$name.build.log)" ;;
    *) echo "$(grep -o '<UnitTestResult [^>]*outcome="Failed"' "$out/$name.trx" 2> /dev/null | wc -l) failing tests, suite $(cat "$out/$name.seconds") s, exit $rc" ;;
  esac
}

for m in baseline "${mutants[@]}"; do rm -f "$out/$m".*; done

# Every patch to run must apply to HEAD before a single mutant is built.
check=$(add_worktree patch-check)
not_applying=()
for m in "${mutants[@]}"; do
  git -C "$check" apply --check "$root/mutants/$m.patch" 2> "$out/$m.build.log" || not_applying+=("$m")
done
remove_worktree "$check"
if [ "${#not_applying[@]}" -gt 0 ]; then
  for m in "${not_applying[@]}"; do echo "mutants/$m.patch does not apply to HEAD ${head:0:12}:" >&2; cat "$out/$m.build.log" >&2; done
  die "${#not_applying[@]} patch(es) do not apply: remake them against the current core (mutants/README.md)"
fi

echo "baseline: HEAD ${head:0:12} with no patch ..."
run_one baseline
if [ "$(cat "$out/baseline.rc")" = 0 ] && ! grep -q 'outcome="Failed"' "$out/baseline.trx" && grep -q 'outcome="Passed"' "$out/baseline.trx"; then
  echo "baseline passes ($(cat "$out/baseline.seconds") s)"
else
  die "the suite fails with no mutant: see $out/baseline.build.log and $out/baseline.log"
fi

running=0
for m in "${mutants[@]}"; do
  echo "mutant $m ..."
  run_one "$m" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs_max" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

python3 - "$out" "${all_mutants[@]}" <<'PY'
import sys, re, os, xml.etree.ElementTree as ET
out, mutants = sys.argv[1], sys.argv[2:]
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
def secs(d):
    h, m, s = d.split(":"); return int(h) * 3600 + int(m) * 60 + float(s)
def short(name):
    name = re.sub(r"^ClaimVerified\.Tests\.", "", name)
    return name if len(name) <= 110 else name[:107] + "..."
def doc(mutant):  # the patch header's first line, as describe() in the script reads it
    for line in open(f"mutants/{mutant}.patch"):
        if line.startswith("diff --git ") or line.startswith("--- "):
            break
        if line.startswith("# ") and line[2:].strip():
            return line[2:].strip()
    return ""
def read(path):
    return open(path).read().strip() if os.path.exists(path) else ""
baseline = ET.parse(f"{out}/baseline.trx").getroot()
total = len(baseline.findall(".//t:UnitTestResult", ns))
rows, killed = [], 0
def when(t):  # trx times: 2026-11-28T04:27:01.1234567+00:00
    from datetime import datetime
    t = re.sub(r"(\.\d{6})\d*", r"\1", t)
    return datetime.fromisoformat(t).timestamp()
for m in mutants:
    rc = read(f"{out}/{m}.rc")
    if rc in ("apply", "build"):
        verdict = "PATCH DOES NOT APPLY" if rc == "apply" else "BUILD FAILED"
        rows.append((m, verdict, 0, "-", "-", "-", "-", "-")); continue
    try:
        root = ET.parse(f"{out}/{m}.trx").getroot()
    except Exception:
        rows.append((m, "not run" if rc == "" else "ABORTED", 0, "-", "-", "-", read(f"{out}/{m}.seconds") or "-", "-")); continue
    results = root.findall(".//t:UnitTestResult", ns)
    start = min((when(r.get("startTime")) for r in results), default=0)
    failed = [(r.get("testName"), secs(r.get("duration", "0:0:0")), when(r.get("endTime")) - start)
              for r in results if r.get("outcome") == "Failed"]
    wall = read(f"{out}/{m}.seconds")
    if failed:
        killed += 1
        name, d, _ = min(failed, key=lambda f: f[1])
        first = min(f[2] for f in failed)
        classes = sorted({re.sub(r"\(.*", "", f[0]).split(".")[-2] for f in failed})
        rows.append((m, "killed", len(failed), short(name), f"{d * 1000:.1f}", f"{first:.1f}", wall, ", ".join(classes)))
    elif rc not in ("", "0"):
        # No test failed, yet dotnet test did not succeed (a crashed test host, say): a human must look.
        rows.append((m, "ABORTED", 0, "-", "-", "-", wall, "-"))
    else:
        rows.append((m, "SURVIVED", 0, "-", "-", "-", wall, "-"))
with open("out/mutants/mutation-score.tsv", "w") as f:
    for r in rows: f.write("\t".join(map(str, r)) + "\n")
with open("out/mutants/mutation-score.md", "w") as f:
    f.write(f"Mutation score: **{killed}/{len(mutants)}** mutants killed; the suite has {total} tests "
            f"(baseline {read(f'{out}/baseline.seconds')} s, all passing).\n\n")
    f.write("| mutant | what is wrong | verdict | failing tests | caught by (test classes) | fastest failing test | its time (ms) | first failure after (s) | suite wall time (s) |\n")
    f.write("|---|---|---|---:|---|---|---:|---:|---:|\n")
    for m, v, n, name, d, first, wall, classes in rows:
        f.write(f"| {m} | {doc(m)} | {v} | {n} | {classes} | `{name}` | {d} | {first} | {wall} |\n")
print(open("out/mutants/mutation-score.md").read())
sys.exit(0 if killed == len(mutants) else 1)
PY
