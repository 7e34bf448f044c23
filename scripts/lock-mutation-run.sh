#!/usr/bin/env bash
# The lock-mutant campaign: is every generated lock mutant (scripts/lock-mutants.py) killed, with a message that names a
# lock or a property?
#
# Usage: scripts/lock-mutation-run.sh [PATTERN]     (PATTERN: a glob on the patch names, default *)
#        scripts/lock-mutation-run.sh --merge       (a stopped run's verdicts into the ledger)
#   JOBS=N   N worktrees, each taking every N-th mutant (default 2)
#   RESUME=1 keeps the results of an earlier run (out/lock-mutants/results/*.tsv) and skips the mutants they judge,
#            and those the committed ledger judged on the same core (the same git tree of src/ClaimVerified)
# The ledger, tests/ClaimVerified.Benchmarks/lock-mutants.tsv, is committed: each verdict with the tree of the core it
# was judged on, so a campaign that takes longer than a session goes on in the next one, and a changed core re-judges.
# Unlike scripts/mutation-score.sh (a fresh worktree and a full build per mutant), each job keeps one scratch worktree
# of HEAD and builds it incrementally: apply the patch, build, test, undo. There are hundreds of lock mutants.
# The tests run in two stages, both without the trace tests, as the issue asks:
#   1. the core's tests (rules, error paths, CsCheck properties, the lockset tests): seconds; a missing lock fails here;
#   2. if none failed, the rest of the suite but the traces (Coyote scenarios, linearizability, races), and but the
#      exhaustive checker's tests (PackedSpecTests, SpecCheckerTests): they explore the specification, which has no
#      locks and does not load src/ClaimVerified, so a lock mutant cannot change them (40 s of a 2-minute stage saved).
# A kill counts only if a failing test's message names a lock ("lockset:", or the lock-order check's "lock order:") or a
# property ("[<property>]" or its id);
# a linearizability cell that merely stops meeting its expected history within its few executions does not.
# Report: out/lock-mutants/lock-mutants.tsv (name, verdict, stage, failing tests, first message).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs_max="${JOBS:-2}"
pattern="${1:-*}"
base="$root/out/lock-mutants"
patches="$base/patches"
results="$base/results"
ledger="$root/tests/ClaimVerified.Benchmarks/lock-mutants.tsv"
mkdir -p "$results"
core=$(git rev-parse HEAD:src/ClaimVerified)
[ -f "$ledger" ] || printf 'mutant\tverdict\tstage\tcore\tfirst message\n' > "$ledger"
merge() { # the fresh verdicts over the ledger's, one row per mutant, to the ledger and the report
  { printf 'mutant\tverdict\tstage\tcore\tfirst message\n'
    awk -F'\t' 'FILENAME == ARGV[1] { if (NF) { fresh[$1] = 1; print } next } FNR > 1 && !($1 in fresh)' \
      <(cat "$results"/*.tsv 2> /dev/null) "$ledger" 2> /dev/null | LC_ALL=C sort
  } > "$base/lock-mutants.tsv"
  cp "$base/lock-mutants.tsv" "$ledger"
  echo "report: $ledger (and $base/lock-mutants.tsv)"
  cut -f2 "$ledger" | tail -n +2 | sort | uniq -c
}
[ "$pattern" = --merge ] && { merge; exit; }  # after a stopped run: its verdicts so far into the ledger

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 COYOTE_CLI_TELEMETRY_OPTOUT=1
python3 scripts/lock-mutants.py "$patches"
head=$(git rev-parse HEAD)
mapfile -t all < <(find "$patches" -name "$pattern.patch" -printf '%f\n' | sed 's/\.patch$//' | LC_ALL=C sort)
if [ -n "${RESUME:-}" ]; then
  judged=$( (cat "$results"/*.tsv 2> /dev/null | cut -f1; awk -F'\t' -v core="$core" 'NR > 1 && $4 == core { print $1 }' "$ledger" 2> /dev/null) | sort -u)
  mapfile -t all < <(printf '%s\n' "${all[@]}" | grep -vxFf <(printf '%s\n' "$judged") || true)
else
  rm -f "$results"/*.tsv
fi
echo "${#all[@]} lock mutants to run"
stage1="FullyQualifiedName~ClaimVerified.Tests.Core|FullyQualifiedName~LocksetTests"
stage2="FullyQualifiedName!~ClaimVerified.Tests.Traces&FullyQualifiedName!~ClaimVerified.Tests.Core&FullyQualifiedName!~MutantPatchesTests&FullyQualifiedName!~PackedSpecTests&FullyQualifiedName!~SpecCheckerTests"
properties=$(sed -n 's/.*public const string [A-Za-z]* = "\([a-z-]*\)";.*/\1/p' model/ClaimVerified.Specification/Properties/PropertyIds.cs | paste -sd'|')

verdict() { # trx -> "killed|<message>" or "survived|"
  python3 - "$1" "$properties" <<'PY'
import re, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("aborted|no trx"); sys.exit()
named = re.compile(r"lockset:|lock order:|\[(%s)\]" % sys.argv[2])
messages = [" ".join((r.findtext(".//t:Message", "", ns) or "").split()) for r in root.findall(".//t:UnitTestResult", ns)
            if r.get("outcome") == "Failed"]
good = [m for m in messages if named.search(m)]
print(("killed|" + good[0][:160]) if good else ("failed-unnamed|" + messages[0][:160]) if messages else "survived|")
PY
}

run_job() { # job index
  local job="$1" dir="$base/work-$1" i=0 name stage v
  rm -rf "$dir"; git worktree prune
  git worktree add --detach --quiet "$dir" "$head"
  (cd "$dir" && dotnet build tests/ClaimVerified.Tests -nologo -v:q -nodeReuse:false > "$results/job$job.build.log" 2>&1)
  for name in "${all[@]}"; do
    i=$((i + 1)); [ $(( (i - 1) % jobs_max )) -eq "$job" ] || continue
    if ! git -C "$dir" apply "$patches/$name.patch" 2> "$results/$name.log"; then
      printf '%s\tdoes-not-apply\t-\t%s\t-\n' "$name" "$core" >> "$results/run$run_id-job$job.tsv"; continue
    fi
    if ! (cd "$dir" && dotnet build tests/ClaimVerified.Tests -nologo -v:q -nodeReuse:false >> "$results/$name.log" 2>&1); then
      printf '%s\tbuild-failed\t-\t%s\t-\n' "$name" "$core" >> "$results/run$run_id-job$job.tsv"
    else
      for stage in 1 2; do
        filter=$([ "$stage" = 1 ] && echo "$stage1" || echo "$stage2")
        (cd "$dir" && timeout 1200 dotnet test tests/ClaimVerified.Tests --no-build -nologo --filter "$filter" \
          --logger "trx;LogFileName=$results/$name.s$stage.trx" >> "$results/$name.log" 2>&1) || true
        v=$(verdict "$results/$name.s$stage.trx")
        [ "${v%%|*}" = survived ] || break
      done
      printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${v%%|*}" "$stage" "$core" "${v#*|}" >> "$results/run$run_id-job$job.tsv"
    fi
    git -C "$dir" checkout --quiet -- src
    echo "  $name: $(tail -n 1 "$results/run$run_id-job$job.tsv" | cut -f2-3)"
  done
  git worktree remove --force "$dir"
}

run_id=$(date +%s)
for ((j = 0; j < jobs_max; j++)); do run_job "$j" & done
wait
merge
