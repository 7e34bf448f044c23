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
            Assert.True(row[1] is not "killed" and not "aborted", $"{argued[0]} is argued, but the ledger says {row[1]}");
            Assert.True(row[3] == argued[1], $"{argued[0]} is argued for core {argued[1]}, but judged on {row[3]}");
        }
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

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CoreHash();

    /// <summary>The campaign's rule (scripts/lock-mutation-run.sh, verdict()): a lock by name, the lock-order check, or a property.</summary>
    [GeneratedRegex(@"lockset:|lock order:|stale value:|torn update:|\b(heap_lock|page_alloc_lock|domctl_lock)\b|\[[a-z-]+\]")]
    private static partial Regex NamesALockOrAProperty();
}
