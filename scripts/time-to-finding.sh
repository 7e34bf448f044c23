#!/usr/bin/env bash
# The time-to-finding table of the generated family (issue 13, item 7; tests/ClaimVerified.Benchmarks/time-to-finding/):
# `claimverify bench findings` on every profile whose generated row expects findings, default strategy, cap 2,000
# schedules, one bench per CPU at a time, each pinned to its CPU (--cpu). The work is cut into units of one
# (profile, seed) and every CPU takes the next unit no other has taken, so the CPUs end close together whatever each
# seed costs (a seed takes 5 s to 20 minutes). Every seed is kept in a ledger as it ends; a stopped run resumes: run
# the same command again (a seed measured by another build of the model is measured again, never reused).
#
#   scripts/time-to-finding.sh OUT [FIRST_SEED [SEEDS [LIMIT]]]   e.g. OUT 1 20 (the whole table), OUT 11 10 (seeds 11-20),
#                                                                  OUT 1 20 300 (attribution limit 300: of the seeds a ledger
#                                                                  holds at 60, only those that stopped at it are measured again)
#   PROFILES="xen-4.13 xen-4.22" scripts/time-to-finding.sh OUT    only these profiles
#   CONTINUE=1 scripts/time-to-finding.sh OUT                       each schedule goes on past its violations
#                                                                  (bench findings --continue; its ledger lines say so)
#
# OUT gets, per profile P: ledger-P.jsonl (one line a seed and limit, in seed order), P.md (the table of the seeds
# asked for) and log-P.txt (each seed as it ended). While it runs, each unit keeps its own ledger in OUT/seeds/P/
# (K.jsonl for seed K), so that two benches never write one file; ledger-P.jsonl is made from them at the end, and a
# ledger-P.jsonl already in OUT (a committed table's, to resume it) is cut into them first. The tool is copied to
# OUT/tool first: a rebuild during the run (hours) does not change what is measured.
set -euo pipefail
out=${1:?usage: scripts/time-to-finding.sh OUT [FIRST_SEED [SEEDS [LIMIT]]]}
first=${2:-1}
seeds=${3:-20}
limit=${4:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/seeds"
out=$(cd "$out" && pwd)

dotnet build -c Release "$root/src/ClaimVerified.Cli" -nologo -v q
rm -rf "$out/tool"
cp -r "$root/src/ClaimVerified.Cli/bin/Release/net10.0" "$out/tool"

# Profiles longest first, by the mean seconds a seed took on the quiescent-audit table (December 7, fourteenth to
# sixteenth sessions), so that the last units to start are short ones.
profiles=${PROFILES:-"claim-sets xen-4.21.0 xen-4.22 xen-4.21.1 xen-4.6 xen-4.3 seed-2012 xen-4.13 no-claims"}

# A ledger already in OUT is cut into one ledger a seed (its lines in their order; a seed's file already there wins).
for profile in $profiles; do
  ledger="$out/ledger-$profile.jsonl"
  [[ -s "$ledger" ]] || continue
  mkdir -p "$out/seeds/$profile"
  python3 - "$ledger" "$out/seeds/$profile" <<'PY'
import json, os, sys
ledger, folder = sys.argv[1:]
lines = {}
for line in open(ledger):
    if line.strip():
        lines.setdefault(json.loads(line)["seedIndex"] + 1, []).append(line if line.endswith("\n") else line + "\n")
for seed, kept in lines.items():
    path = os.path.join(folder, f"{seed}.jsonl")
    if not os.path.exists(path):
        open(path, "w").writelines(kept)
PY
done

# The units, in the order they are taken: each profile's seeds, profiles longest first.
units=()
for profile in $profiles; do
  for ((k = first; k < first + seeds; k++)); do units+=("$profile $k"); done
done

# The CPUs this shell may use (Cpus_allowed_list: "0-1", "2,4-5", ...), one bench each at a time.
allowed=()
IFS=, read -ra ranges <<< "$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)"
for range in "${ranges[@]}"; do
  for ((c = ${range%-*}; c <= ${range#*-}; c++)); do allowed+=("$c"); done
done

# A unit is taken by making its claim folder (mkdir is atomic); the claims are this run's alone.
claims=$(mktemp -d "$out/.claims.XXXXXX")
trap 'rm -rf "$claims"' EXIT

# One bench findings of a profile on the generated family at the cap and limit, with the options given after it.
findings() {
  local profile=$1; shift
  "$out/tool/claimverify" bench findings --profile "$profile" --scenario generated --cap 2000 --attribution-limit "$limit" \
    $([[ ${CONTINUE:-0} == 1 ]] && echo --continue) "$@"
}

work() {
  local cpu=$1 unit profile k
  for unit in "${units[@]}"; do
    profile=${unit% *}; k=${unit#* }
    mkdir "$claims/$profile.$k" 2> /dev/null || continue
    mkdir -p "$out/seeds/$profile"
    findings "$profile" --first-seed "$k" --seeds 1 --ledger "$out/seeds/$profile/$k.jsonl" --cpu "$cpu" >> "$out/log-$profile.txt" 2>&1 \
      || echo "bench findings on $profile, seed $k failed: see $out/log-$profile.txt" >&2
  done
}

for cpu in "${allowed[@]}"; do
  echo "CPU $cpu: takes the next unit of ${#units[@]}"
  work "$cpu" &
done
wait

# Each profile's ledger from its seeds' ledgers, in seed order; then its table of the seeds asked for, from that
# ledger alone (every seed is in it, so nothing is measured again).
for profile in $profiles; do
  compgen -G "$out/seeds/$profile/*.jsonl" > /dev/null || continue
  while read -r name; do cat "$out/seeds/$profile/$name"; done < <(ls "$out/seeds/$profile" | sort -n) > "$out/ledger-$profile.jsonl"
  findings "$profile" --first-seed "$first" --seeds "$seeds" --ledger "$out/ledger-$profile.jsonl" --out "$out/$profile.md" > /dev/null \
    || echo "rendering $profile failed" >&2
done
echo "tables: $out/*.md"
