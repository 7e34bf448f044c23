#!/usr/bin/env python3
"""Generate the lock mutants of the core: for every `lock (...)` statement in src/ClaimVerified,
  fresh   the lock taken on a fresh object (the scheduling point stays, the exclusion goes),
  gone    the lock removed, its body kept,
  split   the section released and re-taken between two of its top-level statements (one mutant per point),
and, where a page_alloc_lock section opens with a heap_lock section, the two swapped (order).
Each is written as a patch (a '# what is wrong' header, then a git diff) to the output folder, which
scripts/mutation-score.sh runs with MUTANTS_DIR set to it:

  python3 scripts/lock-mutants.py out/lock-mutants/patches
  MUTANTS_DIR=out/lock-mutants/patches REPORT_DIR=out/lock-mutants JOBS=2 \
      TEST_FILTER='FullyQualifiedName!~Traces' scripts/mutation-score.sh

The patches are not committed: they are made from the core as it is, so they always apply.

  python3 scripts/lock-mutants.py --table [RESULTS.md]

renders the campaign's ledger (tests/ClaimVerified.Benchmarks/lock-mutants.tsv) against the mutants of the core as it
is, one row per `lock` statement, with the survivors argued in lock-mutants-argued.tsv beside it; given RESULTS.md, it
replaces the table between its `<!-- lock-mutant-table -->` markers instead of printing it.
"""
import difflib
import hashlib
import pathlib
import re
import subprocess
import sys
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCK = re.compile(r"^(?P<indent>\s*)lock \((?P<expr>.+)\)\s*$")
NO_SPLIT_AFTER = re.compile(r"^\s*(return|throw|continue|break)\b")


def block_end(lines, open_index, indent):
    """The index of the line closing the block opened at open_index ('{' at indent)."""
    for i in range(open_index + 1, len(lines)):
        if lines[i].rstrip() == indent + "}":
            return i
    raise ValueError(f"no closing brace for the block at line {open_index + 1}")


def split_points(lines, open_index, close_index, indent):
    """Line indexes after which a top-level statement of the block ends and another begins (not after a return or
    throw, whose next line would be unreachable, and not before an else, catch or finally)."""
    inner = indent + "    "

    def top(line):
        return line.startswith(inner) and not line.startswith(inner + " ") and line.strip() not in ("", "{")

    points, start = [], None
    for i in range(open_index + 1, close_index):
        line = lines[i]
        if top(line) and line.strip() != "}" and start is None:
            start = i
        if not (top(line) and line.rstrip().endswith((";", "}"))):
            continue
        following = next((j for j in range(i + 1, close_index) if lines[j].strip()), None)
        if following is None:
            break
        nxt = lines[following]
        if top(nxt) and nxt.strip() != "}" and not re.match(r"^\s*(else|catch|finally)\b", nxt):
            if start is not None and not NO_SPLIT_AFTER.match(lines[start]):
                points.append(i)
            start = None
    return points


def patch(path, before, after, header):
    rel = path.relative_to(ROOT).as_posix()
    diff = difflib.unified_diff(before, after, f"a/{rel}", f"b/{rel}", n=3)
    return f"# {header}\n\ndiff --git a/{rel} b/{rel}\n" + "".join(diff)


def mutants_of(path):
    lines = path.read_text().splitlines(keepends=True)
    stem = path.stem
    for index, line in enumerate(lines):
        match = LOCK.match(line)
        if not match or lines[index + 1].rstrip() != match["indent"] + "{":
            continue
        indent, expr, number = match["indent"], match["expr"], index + 1
        where = f"{path.relative_to(ROOT).as_posix()}:{number} lock ({expr})"
        close = block_end(lines, index + 1, indent)

        # A lock expression that asserts non-null (d!.PageAllocLock) is what tells the compiler the body's d is not
        # null; the mutant still evaluates it, as a plain read (no scheduling point), or it would not compile.
        keep = [f"{indent}_ = {expr};\n"] if "!" in expr else []
        fresh = lines.copy()
        fresh[index:index + 1] = keep + [f"{indent}lock (new object())\n"]
        yield f"Lock-{stem}-{number}-fresh", patch(path, lines, fresh, f"{where} taken on a fresh object: no exclusion, same scheduling point.")

        gone = lines.copy()
        gone[index:index + 1] = keep
        yield f"Lock-{stem}-{number}-gone", patch(path, lines, gone, f"{where} removed; its body runs with no lock.")

        for point in split_points(lines, index + 1, close, indent):
            split = lines.copy()
            split.insert(point + 1, f"{indent}    System.Threading.Monitor.Exit({expr}); System.Threading.Monitor.Enter({expr});\n")
            yield (f"Lock-{stem}-{number}-split{point + 1}",
                   patch(path, lines, split, f"{where} released and taken again after line {point + 1}: the section is split in two."))

        nested = LOCK.match(lines[index + 2]) if index + 2 < len(lines) else None
        if "PageAllocLock" in expr and nested and "heapLock" in nested["expr"]:
            swapped = lines.copy()
            swapped[index] = f"{indent}lock ({nested['expr']})\n"
            swapped[index + 2] = f"{nested['indent']}lock ({expr})\n"
            yield f"Lock-{stem}-{number}-order", patch(path, lines, swapped, f"{where}: heap_lock taken before page_alloc_lock (the order swapped).")


LEDGER = ROOT / "tests" / "ClaimVerified.Benchmarks" / "lock-mutants.tsv"
ARGUED = ROOT / "tests" / "ClaimVerified.Benchmarks" / "lock-mutants-argued.tsv"
MARKER = "<!-- lock-mutant-table -->"
# A ledger row judged before the stages were named: 1 = core, 2 = explore and rest together, 3 = generated.
OLD_STAGES = {"1": "core", "2": "explore/rest", "3": "generated"}


def core_sources():
    """The core's C# sources, in a stable order (build output left out)."""
    for path in sorted((ROOT / "src" / "ClaimVerified").rglob("*.cs")):
        if "/obj/" not in path.as_posix() and "/bin/" not in path.as_posix():
            yield path


def core_hash():
    """What a verdict is keyed on (lock-mutation-run.sh asks with --core-hash): the committed C# sources of
    src/ClaimVerified, as git lists them."""
    listing = subprocess.run(["git", "ls-tree", "-r", "HEAD", "--", "src/ClaimVerified"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    kept = "".join(line + "\n" for line in listing.splitlines() if line.endswith(".cs"))
    return hashlib.sha1(kept.encode()).hexdigest()


def rows_of(path):
    if not path.exists():
        return {}
    lines = path.read_text().splitlines()[1:]
    return {cells[0]: cells for cells in (line.split("\t") for line in lines if line.strip())}


NOT_KILLED = ("to run", "argued", "survived", "failed-unnamed", "build-failed", "does-not-apply")
HEADER = re.compile(r"^# (?P<where>\S+) lock \((?P<expr>.+?)\)")


def table():
    """The ledger against the mutants of the core as it is: one row per lock statement, then the totals."""
    core = core_hash()
    ledger, argued = rows_of(LEDGER), rows_of(ARGUED)

    def verdict(name):  # the ledger test keeps the arguments honest: which rows may have one, and what it must show
        row = ledger.get(name)
        if row is None or row[3] != core:
            return "to run"
        if name in argued and argued[name][1] == core:
            return "argued"
        if row[1] == "killed":
            return OLD_STAGES.get(row[2], row[2])
        return "to run" if row[1] == "aborted" else row[1]

    statements = {}  # (where, lock expression) -> {kind: [verdict, ...]}
    for path in core_sources():
        for name, text in mutants_of(path):
            header = HEADER.match(text)
            kind = name.rsplit("-", 1)[1]
            kinds = statements.setdefault((header["where"], header["expr"]), {})
            kinds.setdefault("split" if kind.startswith("split") else kind, []).append(verdict(name))

    def show(kind, verdicts):  # one fresh, gone or order mutant a statement; its splits counted by verdict
        if kind != "split":
            return verdicts[0] if verdicts else "-"
        return ", ".join(f"{n} {v}" for v, n in sorted(Counter(verdicts).items())) or "-"

    out = ["| lock statement | lock | fresh | gone | order | splits |", "|---|---|---|---|---|---|"]
    for (where, expr), kinds in statements.items():
        cells = " | ".join(show(kind, kinds.get(kind, [])) for kind in ("fresh", "gone", "order", "split"))
        out.append(f"| `{where}` | `{expr}` | {cells} |")
    totals = Counter(v if v in NOT_KILLED else "killed" for kinds in statements.values() for vs in kinds.values() for v in vs)
    summary = ", ".join(f"{n} {v}" for v, n in sorted(totals.items()))
    out.append("")
    out.append(f"{sum(totals.values())} lock mutants of {len(statements)} `lock` statements on core `{core[:12]}`: {summary}. "
               "A stage names where a mutant was killed (core, explore, generated, rest; explore/rest: judged before the "
               "stages were named); *to run*: not judged on this core yet.")
    shown = sorted(name for name in argued if verdict(name) == "argued")
    if shown:
        out.append("")
        out.append("The survivors, each with its argument (tests/ClaimVerified.Benchmarks/lock-mutants-argued.tsv), the stages it "
                   "passed in brackets:")
        out.append("")
        for name in shown:
            row = ledger[name]
            passed = ("every stage" if row[1] == "survived"
                      else f"its {row[2]} kill discounted" if row[1] == "killed"
                      else row[4].split(";")[0].replace("not killed in: ", ""))
            out.append(f"- `{name}` ({passed}): {argued[name][2]}")
    return "\n".join(out)


def splice(results):
    text = results.read_text()
    parts = text.split(MARKER)
    if len(parts) != 3:
        sys.exit(f"{results} needs exactly two {MARKER} markers around the table")
    results.write_text(parts[0] + MARKER + "\n" + table() + "\n" + MARKER + parts[2])
    print(f"table written to {results}")


def main():
    if sys.argv[1:] == ["--core-hash"]:
        print(core_hash())
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "--table":
        splice(pathlib.Path(sys.argv[2])) if len(sys.argv) == 3 else print(table())
        return
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: lock-mutants.py <output folder for the patches> | --table [RESULTS.md] | --core-hash")
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.patch"):
        old.unlink()
    count = 0
    for path in core_sources():
        for name, text in mutants_of(path):
            (out / f"{name}.patch").write_text(text)
            count += 1
    print(f"{count} lock mutants written to {out}")


if __name__ == "__main__":
    main()
