#!/usr/bin/env bash
# The time-to-finding table of the generated family (issue 13, item 7; tests/ClaimVerified.Benchmarks/time-to-finding/):
# `claimverify bench findings` on every profile whose generated row expects findings, default strategy, cap 2,000
# schedules, one bench per CPU, each pinned to its CPU (--cpu) and working through its own list of profiles, every
# seed kept in a ledger as it ends. A stopped run resumes: run the same command again (a seed measured by another
# build of the model is measured again, never reused).
#
#   scripts/time-to-finding.sh OUT [FIRST_SEED [SEEDS [LIMIT]]]   e.g. OUT 1 20 (the whole table), OUT 11 10 (seeds 11-20),
#                                                                  OUT 1 20 300 (attribution limit 300: of the seeds a ledger
#                                                                  holds at 60, only those that stopped at it are measured again)
#
# OUT gets, per profile P: ledger-P.jsonl (one line a seed), P.md (the table) and log-P.txt (each seed as it ended).
# The profiles go to the CPUs longest first, by the seconds their first 10 seeds took on December 5 (RESULTS.md), so
# that the benches end close together. The tool is copied to OUT/tool first: a rebuild during the run (hours) does not
# change what is measured.
set -euo pipefail
out=${1:?usage: scripts/time-to-finding.sh OUT [FIRST_SEED [SEEDS [LIMIT]]]}
first=${2:-1}
seeds=${3:-20}
limit=${4:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

dotnet build -c Release "$root/src/ClaimVerified.Cli" -nologo -v q
rm -rf "$out/tool"
cp -r "$root/src/ClaimVerified.Cli/bin/Release/net10.0" "$out/tool"

# Seconds the first 10 seeds of each profile took (December 5, two unpinned benches on the 2 cores).
weights="xen-4.21.0 4780
no-claims 4455
xen-4.21.1 4262
xen-4.6 3993
claim-sets 2889
xen-4.3 2720
xen-4.22 1964
seed-2012 1733
xen-4.13 1573"

# The CPUs this shell may use (Cpus_allowed_list: "0-1", "2,4-5", ...), one bench each.
allowed=()
IFS=, read -ra ranges <<< "$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)"
for range in "${ranges[@]}"; do
  for ((c = ${range%-*}; c <= ${range#*-}; c++)); do allowed+=("$c"); done
done
cpus=${#allowed[@]}
declare -a lists loads
for ((i = 0; i < cpus; i++)); do lists[i]=""; loads[i]=0; done
while read -r profile weight; do
  least=0
  for ((i = 1; i < cpus; i++)); do
    if ((loads[i] < loads[least])); then least=$i; fi
  done
  lists[least]="${lists[least]} $profile"
  loads[least]=$((loads[least] + weight))
done <<< "$weights"

run_list() {
  local cpu=$1; shift
  for profile in "$@"; do
    "$out/tool/claimverify" bench findings --profile "$profile" --scenario generated --first-seed "$first" --seeds "$seeds" \
      --cap 2000 --attribution-limit "$limit" --ledger "$out/ledger-$profile.jsonl" --cpu "$cpu" --out "$out/$profile.md" > "$out/log-$profile.txt" 2>&1 \
      || echo "bench findings on $profile failed: see $out/log-$profile.txt" >&2
  done
}

for ((i = 0; i < cpus; i++)); do
  echo "CPU ${allowed[i]}:${lists[i]}"
  # shellcheck disable=SC2086 # one word a profile
  run_list "${allowed[i]}" ${lists[i]} &
done
wait
echo "tables: $out/*.md"
