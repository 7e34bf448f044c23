using System.Text.RegularExpressions;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Mutants;

/// <summary>
/// The lock-mutant campaign (scripts/lock-mutation-run.sh) takes hours and stays out of CI, but what it leaves is
/// committed and read by people: the ledger of verdicts, the arguments for the survivors, and the table in RESULTS.md
/// that the script renders from both. These checks keep them readable and honest: a kill must name a lock or a
/// property (the issue's rule), an argument must be about a mutant that was really not killed, on the core it was judged
/// on, and the table must be there for the script to refresh.
/// </summary>
public sealed partial class LockMutantLedgerTests
{
    private static readonly string Benchmarks = Path.Combine(Repository.Root, "tests", "ClaimVerified.Benchmarks");

    private static readonly string[] Verdicts = ["killed", "survived", "failed-unnamed", "aborted", "build-failed", "does-not-apply"];

    /// <summary>The stages of today's script, and the numbers of the rows judged before they were named.</summary>
    private static readonly string[] Stages = ["core", "explore", "generated", "rest", "1", "2", "3", "-"];

    [Fact]
    public void Every_ledger_row_is_a_mutant_a_verdict_a_stage_a_core_and_a_message()
    {
        var rows = Ledger();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.True(row.Length == 5, $"{string.Join(" | ", row)}: 5 columns expected");
            Assert.Matches(MutantName(), row[0]);
            Assert.Contains(row[1], Verdicts);
            Assert.Contains(row[2], Stages);
            Assert.Matches(CoreHash(), row[3]);
        }

        Assert.Equal(rows.Length, rows.Select(r => r[0]).Distinct().Count());
    }

    [Fact]
    public void A_kill_names_a_lock_or_a_property_as_the_issue_asks()
    {
        foreach (var row in Ledger().Where(r => r[1] == "killed"))
        {
            Assert.True(NamesALockOrAProperty().IsMatch(row[4]), $"{row[0]} counts as killed, but its message names no lock or property: {row[4]}");
        }
    }

    [Fact]
    public void An_argument_is_about_a_mutant_judged_not_killed_on_the_same_core()
    {
        var ledger = Ledger().ToDictionary(r => r[0]);
        foreach (var argued in Read("lock-mutants-argued.tsv", "mutant\tcore\targument"))
        {
            Assert.True(argued.Length == 3 && argued[2].Length > 40, $"{argued[0]}: an argument is a written reason, not a word");
            Assert.True(ledger.TryGetValue(argued[0], out var row), $"{argued[0]} is argued but not in the ledger");
            Assert.True(row[3] == argued[1], $"{argued[0]} is argued for core {argued[1]}, but judged on {row[3]}");
            if (row[1] == "killed")
            {
                // Only a drawn row's meeting of a violation no finding explains may be discounted: one the unmutated
                // model meets too at a larger budget, which the mutant's moved scheduling point merely brought forward.
                Assert.True(row[2] == "generated" && ScheduleShiftKill().IsMatch(row[4]) && argued[2].StartsWith("Not a kill: ", StringComparison.Ordinal),
                    $"{argued[0]} is argued, but the ledger says it was killed ({row[2]}: {row[4]})");
            }

            if (row[1] == "aborted")
            {
                // Not every stage ran: only a mutant that no test can tell from the core may stop there.
                Assert.True(argued[2].StartsWith("Equivalent: ", StringComparison.Ordinal),
                    $"{argued[0]} passed only some stages ({row[4]}): an argument for it must show it equivalent");
                var tail = SplitTail(argued[0], argued[1]);
                Assert.True(tail is not null, $"{argued[0]} passed only some stages; only a split before the section's last "
                    + "statement, a lone return that reads nothing a lock guards, is equivalent by its shape");
            }
        }
    }

    [Fact]
    public void A_split_tail_is_a_lone_return_that_reads_no_guarded_field()
    {
        // The mutants' names number lines of the core they were judged on (bf42b95's), not of today's.
        const string Judged = "98173162dbc5b190ac49bf102869f3b93085386c";
        Assert.Equal("return Outcome.Ok(1);", SplitTail("Lock-Tmem-43-split62", Judged));
        Assert.Null(SplitTail("Lock-Tmem-43-split48", Judged)); // the rest of a tmem put follows
        Assert.Null(SplitTail("Lock-Populate-109-split120", Judged)); // a write of GhostHeapSidePages follows
        Assert.Null(SplitTail("Lock-Tmem-43-fresh", Judged));
    }

    [Fact]
    public void The_core_a_verdict_names_is_found_in_the_history()
    {
        Assert.Contains("lock (heapLock)", JudgedSource("98173162dbc5b190ac49bf102869f3b93085386c", "Tmem")[42], StringComparison.Ordinal);
        var unknown = Assert.Throws<InvalidOperationException>(() => JudgedSource(new string('0', 40), "Tmem"));
        Assert.Contains("no commit", unknown.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The statements after a split mutant's split point up to the end of its lock block, when they are one return
    /// statement that names no guarded field (null otherwise): the mutant then only releases the lock and takes it again
    /// to evaluate an expression of locals, which no interleaving can tell from releasing it once.
    /// </summary>
    private static string? SplitTail(string mutant, string core)
    {
        var name = SplitName().Match(mutant);
        if (!name.Success)
        {
            return null;
        }

        var rest = JudgedSource(core, name.Groups["file"].Value).Skip(int.Parse(name.Groups["line"].Value))
            .Select(l => l.Trim()).Where(l => l.Length > 0).TakeWhile(l => l != "}").ToArray();
        var tail = string.Join(" ", rest);
        var guarded = ClaimVerified.Locks.GuardTable.Guards.Select(g => g.Field.Split('.')[1]);
        return tail.StartsWith("return ", StringComparison.Ordinal) && tail.EndsWith(';') && tail.Count(c => c == ';') == 1
            && !guarded.Any(field => Regex.IsMatch(tail, $@"\b{field}\b")) ? tail : null;
    }

    /// <summary>
    /// The lines of src/ClaimVerified's FILE.cs on the core a verdict was judged on. The ledger keys a verdict by a hash
    /// of the core's sources (scripts/lock-mutants.py, core_hash: the sha1 of `git ls-tree -r` over the core's .cs
    /// files), so that core is the newest commit whose listing hashes to it, and a mutant's line numbers are its lines.
    /// </summary>
    private static string[] JudgedSource(string core, string file)
    {
        var commit = JudgedCommits.GetOrAdd(core, FindCommit);
        var path = Git("ls-tree", "-r", "--name-only", commit, "--", "src/ClaimVerified").Split('\n')
            .Single(p => p.EndsWith("/" + file + ".cs", StringComparison.Ordinal));
        return Git("show", $"{commit}:{path}").Split('\n');
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> JudgedCommits = new();

    private static string FindCommit(string core)
    {
        foreach (var commit in Git("log", "--format=%H", "--", "src/ClaimVerified").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var listing = Git("ls-tree", "-r", commit, "--", "src/ClaimVerified").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var kept = string.Concat(listing.Where(l => l.EndsWith(".cs", StringComparison.Ordinal)).Select(l => l + "\n"));
            if (Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(kept))) == core)
            {
                return commit;
            }
        }

        throw new InvalidOperationException($"no commit of this repository's history has the core {core}: was the ledger judged elsewhere?");
    }

    private static string Git(params string[] args)
    {
        var result = Repository.Git(args);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', args)}: {result.Output}");
        return result.Stdout;
    }

    [Fact]
    public void Results_holds_the_table_the_script_refreshes()
    {
        var results = File.ReadAllText(Path.Combine(Benchmarks, "RESULTS.md"));
        var parts = results.Split("<!-- lock-mutant-table -->");
        Assert.Equal(3, parts.Length);
        Assert.Contains("| lock statement | lock | fresh | gone | order | splits |", parts[1], StringComparison.Ordinal);
        Assert.Matches(@"\d+ lock mutants of \d+ `lock` statements on core `[0-9a-f]{12}`", parts[1]);
    }

    private static string[][] Ledger() => Read("lock-mutants.tsv", "mutant\tverdict\tstage\tcore\tfirst message");

    private static string[][] Read(string file, string header)
    {
        var lines = File.ReadAllLines(Path.Combine(Benchmarks, file));
        Assert.Equal(header, lines[0]);
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'))];
    }

    [GeneratedRegex(@"^Lock-[A-Za-z]+-\d+-(fresh|gone|order|split\d+)$")]
    private static partial Regex MutantName();

    [GeneratedRegex(@"^Lock-(?<file>[A-Za-z]+)-\d+-split(?<line>\d+)$")]
    private static partial Regex SplitName();

    [GeneratedRegex(@"met (new|inconclusive) \[[a-z-]+\], which the manifest does not expect")]
    private static partial Regex ScheduleShiftKill();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CoreHash();

    /// <summary>The campaign's rule (scripts/lock-mutation-run.sh, verdict()): a lock by name, the lock-order check, or a property.</summary>
    [GeneratedRegex(@"lockset:|lock order:|stale value:|torn update:|\b(heap_lock|page_alloc_lock|domctl_lock)\b|\[[a-z-]+\]")]
    private static partial Regex NamesALockOrAProperty();
}
