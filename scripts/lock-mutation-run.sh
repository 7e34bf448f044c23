#!/usr/bin/env bash
# The lock-mutant campaign: is every generated lock mutant (scripts/lock-mutants.py) killed, with a message that names a
# lock or a property?
#
# Usage: scripts/lock-mutation-run.sh [PATTERN...]  (PATTERN: a glob on the patch names, default *; several: any of them)
#        scripts/lock-mutation-run.sh --merge       (a stopped run's verdicts into the ledger)
#   JOBS=N   N worktrees, each taking every N-th mutant (default 2)
#   STAGES="core ..." runs only these stages (a first pass: a mutant none of them kills is recorded as aborted, "later
#            stages not run", which the table shows as to run and RESUME=1 runs again with every stage)
#   RESUME=1 keeps the results of an earlier run (out/lock-mutants/results/*.tsv) and skips the mutants they judge,
#            and those the committed ledger judged on the same core (the same C# sources of src/ClaimVerified); an
#            aborted one (a stage cut by the timeout) runs again
# The ledger, tests/ClaimVerified.Benchmarks/lock-mutants.tsv, is committed: each verdict with a hash of the core's sources it
# was judged on, so a campaign that takes longer than a session goes on in the next one, and a changed core re-judges.
# Unlike scripts/mutation-score.sh (a fresh worktree and a full build per mutant), each job keeps one scratch worktree
# of HEAD and builds it incrementally: apply the patch, build, test, undo. There are hundreds of lock mutants.
# The tests run in four stages, all without the trace tests, as the issue asks; each runs only if the ones before
# killed nothing, and the ledger names the stage that killed:
#   core       the core's tests (rules, error paths, CsCheck properties, the lockset tests): seconds; a missing lock
#              fails here;
#   explore    the tests that explore the core under Coyote or drive it concurrently: the staged scenarios' manifest
#              rows, the random-operations mode, linearizability, the kill-race mutant tests, check-impl against serve,
#              the differential and script tests, attribution (about 4 minutes of test time: where the kills outside
#              the core's tests were found in the first 79 verdicts);
#   generated  the generated family's manifest rows (GeneratedManifestTests): two thirds of the suite's time; a row
#              counts when it meets a *new* violation, whose message names the property ("met new [claims-backed]"),
#              not when a moved scheduling point merely shifts which known findings its 200 schedules meet;
#   rest       the rest of the suite but the exhaustive checker's tests (PackedSpecTests, SpecCheckerTests, CrossCheck:
#              they explore the specification, which has no locks and does not load src/ClaimVerified, so a lock
#              mutant cannot change them): the CLI's commands (packaging, --config, --jobs, shards, bench), shrinking,
#              the C implementation and the Xen runner. Last because slow for what it can see, but run: a survivor
#              has passed the whole suite without the traces.
#   A ledger row judged before the stages were named keeps its number: 1 = core, 2 = explore and rest together,
#   3 = generated.
# Mutants run in order of kind: fresh objects, removed locks and order swaps first, then the splits.
# A kill counts only if a failing test's message names a lock ("lockset:", the lock-order check's "lock order:", the
# split-section checks' "stale value:" and "torn update:") or a property ("[<property>]" or its id);
# a linearizability cell that merely stops meeting its expected history within its few executions does not.
# Report: out/lock-mutants/lock-mutants.tsv (name, verdict, stage, failing tests, first message).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs_max="${JOBS:-2}"
patterns=("${@:-*}")
base="$root/out/lock-mutants"
patches="$base/patches"
results="$base/results"
ledger="$root/tests/ClaimVerified.Benchmarks/lock-mutants.tsv"
mkdir -p "$results"
# The core a verdict holds for: its C# sources (a project file's packaging metadata changes no mutant's verdict).
core=$(python3 scripts/lock-mutants.py --core-hash)
[ -f "$ledger" ] || printf 'mutant\tverdict\tstage\tcore\tfirst message\n' > "$ledger"
merge() { # the fresh verdicts over the ledger's, one row per mutant, to the ledger and the report
  { printf 'mutant\tverdict\tstage\tcore\tfirst message\n'
    awk -F'\t' 'FILENAME == ARGV[1] { if (NF) { fresh[$1] = 1; print } next } FNR > 1 && !($1 in fresh)' \
      <(cat "$results"/*.tsv 2> /dev/null) "$ledger" 2> /dev/null | LC_ALL=C sort
  } > "$base/lock-mutants.tsv"
  cp "$base/lock-mutants.tsv" "$ledger"
  echo "report: $ledger (and $base/lock-mutants.tsv)"
  cut -f2 "$ledger" | tail -n +2 | sort | uniq -c
  python3 scripts/lock-mutants.py --table "$root/tests/ClaimVerified.Benchmarks/RESULTS.md"  # its table in RESULTS §8
}
properties=$(sed -n 's/.*public const string [A-Za-z]* = "\([a-z-]*\)";.*/\1/p' model/ClaimVerified.Specification/Properties/PropertyIds.cs | paste -sd'|')

verdict() { # trx -> "killed|<message>" or "survived|"
  python3 - "$1" "$properties" <<'PY'
import re, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("aborted|no trx"); sys.exit()
# A lock named by the woven checks or the lock-order check, by the core's own assertions ("... under the same
# page_alloc_lock"), or a property by its id.
named = re.compile(r"lockset:|lock order:|stale value:|torn update:|\b(heap_lock|page_alloc_lock|domctl_lock)\b|\[(%s)\]" % sys.argv[2])
messages = [" ".join((r.findtext(".//t:Message", "", ns) or "").split()) for r in root.findall(".//t:UnitTestResult", ns)
            if r.get("outcome") == "Failed"]
# The message that names one soonest, quoted from a little before the name (a CsCheck or Coyote preamble comes first).
good = sorted(((named.search(m).start(), m) for m in messages if named.search(m)), key=lambda g: g[0])
quote = lambda g: ("..." if g[0] > 60 else "") + g[1][max(0, g[0] - 60):g[0] + 140]
print(("killed|" + quote(good[0])) if good else ("failed-unnamed|" + messages[0][:160]) if messages else "survived|")
PY
}

rejudge() { # every fresh verdict judged again from its stages' trx, with the current rule (a stage cut by the timeout has none)
  local file name verdict stage rest s v
  for file in "$results"/*.tsv; do
    [ -e "$file" ] || continue
    while IFS=$'\t' read -r name verdict stage rest; do
      if [ "$verdict" != build-failed ] && [ "$verdict" != does-not-apply ]; then
        for s in core explore generated rest; do
          [ -e "$results/$name.$s.trx" ] || continue
          v=$(verdict "$results/$name.$s.trx")
          if [ "${v%%|*}" = killed ]; then
            printf '%s\tkilled\t%s\t%s\t%s\n' "$name" "$s" "${rest%%$'\t'*}" "${v#*|}"
            continue 2
          fi
        done
      fi
      printf '%s\t%s\t%s\t%s\n' "$name" "$verdict" "$stage" "$rest"
    done < "$file" > "$file.new"
    mv "$file.new" "$file"
  done
}

# After a stopped run: its verdicts so far, judged again, into the ledger (before anything below can touch the results).
[ "${patterns[0]}" = --merge ] && { rejudge; merge; exit; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 COYOTE_CLI_TELEMETRY_OPTOUT=1
python3 scripts/lock-mutants.py "$patches"
head=$(git rev-parse HEAD)
names=(); for p in "${patterns[@]}"; do names+=(-o -name "$p.patch"); done
mapfile -t all < <(find "$patches" \( "${names[@]:1}" \) -printf '%f\n' | sed 's/\.patch$//' \
  | awk '{ print (/-split[0-9]+$/ ? 1 : 0) "\t" $0 }' | LC_ALL=C sort | cut -f2)
if [ -n "${RESUME:-}" ]; then
  judged=$( (awk -F'\t' '$2 != "aborted" { print $1 }' "$results"/*.tsv 2> /dev/null; awk -F'\t' -v core="$core" 'NR > 1 && $4 == core && $2 != "aborted" { print $1 }' "$ledger" 2> /dev/null) | sort -u)
  mapfile -t all < <(printf '%s\n' "${all[@]}" | grep -vxFf <(printf '%s\n' "$judged") || true)
else
  rm -f "$results"/*.tsv
fi
echo "${#all[@]} lock mutants to run"
not_spec="FullyQualifiedName!~ClaimVerified.Tests.Traces&FullyQualifiedName!~MutantPatchesTests&FullyQualifiedName!~PackedSpecTests&FullyQualifiedName!~SpecCheckerTests&FullyQualifiedName!~ClaimVerified.Tests.CrossCheck"
explore_classes="Model.ManifestTests Mutants.ClaimMemoryKillRaceTests Generated.RandomOperationsTests Reference.LinearizabilityTests Protocol.CheckImplTests Spec.DifferentialTests Reference.ScriptTests Generated.AttributionTests Model.CoyoteControlTests Model.CheckerPowerTests"
all_stages=(core explore generated rest)
read -r -a stages <<< "${STAGES:-${all_stages[*]}}"
for stage in "${stages[@]}"; do
  [[ " ${all_stages[*]} " == *" $stage "* ]] || { echo "unknown stage '$stage' in STAGES (the stages: ${all_stages[*]})" >&2; exit 2; }
done
declare -A filter_of=(
  [core]="FullyQualifiedName~ClaimVerified.Tests.Core|FullyQualifiedName~LocksetTests"
  [explore]=$(for c in $explore_classes; do printf '|FullyQualifiedName~ClaimVerified.Tests.%s.' "$c"; done | cut -c2-)
  [generated]="FullyQualifiedName~GeneratedManifestTests"
  [rest]="$not_spec&FullyQualifiedName!~ClaimVerified.Tests.Core&FullyQualifiedName!~LocksetTests&FullyQualifiedName!~GeneratedManifestTests$(for c in $explore_classes; do printf '&FullyQualifiedName!~ClaimVerified.Tests.%s.' "$c"; done)"
)

prepare() { # job index: its scratch worktree of HEAD, built (one at a time: two first builds race in dotnet tool restore)
  local dir="$base/work-$1"
  rm -rf "$dir"; git worktree prune
  git worktree add --detach --quiet "$dir" "$head"
  (cd "$dir" && dotnet build tests/ClaimVerified.Tests -nologo -v:q -nodeReuse:false > "$results/job$1.build.log" 2>&1) \
    || { echo "the unmutated build of job $1 failed: $results/job$1.build.log" >&2; exit 1; }
}

run_job() { # job index
  local job="$1" dir="$base/work-$1" i=0 name stage v
  for name in "${all[@]}"; do
    i=$((i + 1)); [ $(( (i - 1) % jobs_max )) -eq "$job" ] || continue
    if ! git -C "$dir" apply "$patches/$name.patch" 2> "$results/$name.log"; then
      printf '%s\tdoes-not-apply\t-\t%s\t-\n' "$name" "$core" >> "$results/run$run_id-job$job.tsv"; continue
    fi
    if ! (cd "$dir" && dotnet build tests/ClaimVerified.Tests -nologo -v:q -nodeReuse:false >> "$results/$name.log" 2>&1); then
      printf '%s\tbuild-failed\t-\t%s\t-\n' "$name" "$core" >> "$results/run$run_id-job$job.tsv"
    else
      best="survived|" best_stage=rest
      for stage in "${stages[@]}"; do  # on to the next stage unless killed: a later stage may name what an earlier one did not
        (cd "$dir" && timeout 3600 dotnet test tests/ClaimVerified.Tests --no-build -nologo --filter "${filter_of[$stage]}" \
          --logger "trx;LogFileName=$results/$name.$stage.trx" >> "$results/$name.log" 2>&1) || true
        v=$(verdict "$results/$name.$stage.trx")
        case "${v%%|*}" in
          killed) best=$v best_stage=$stage; break ;;
          survived) ;;
          *) [ "${best%%|*}" = survived ] && { best=$v; best_stage=$stage; } ;;
        esac
      done
      if [ "${best%%|*}" != killed ] && [ "${#stages[@]}" -lt "${#all_stages[@]}" ]; then
        best="aborted|not killed in: ${stages[*]}; later stages not run (${best#*|})" best_stage=${stages[-1]}
      fi
      printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${best%%|*}" "$best_stage" "$core" "${best#*|}" >> "$results/run$run_id-job$job.tsv"
    fi
    git -C "$dir" checkout --quiet -- src
    echo "  $name: $(tail -n 1 "$results/run$run_id-job$job.tsv" | cut -f2-3)"
  done
  git worktree remove --force "$dir"
}

run_id=$(date +%s)
for ((j = 0; j < jobs_max; j++)); do prepare "$j"; done
for ((j = 0; j < jobs_max; j++)); do run_job "$j" & done
wait
merge
