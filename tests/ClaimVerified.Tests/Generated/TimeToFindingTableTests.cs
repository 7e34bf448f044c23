using System.Globalization;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// Item 7's table of record and every place that quotes it. The tables are rendered by `bench findings` from their
/// ledgers, and their totals are repeated in prose (the README's known limits, RESULTS.md's headline, the table's own
/// README): these tests read the figures from the rendered tables and hold the ledgers and the prose to them, so that
/// a seed measured again, or a table rendered again, cannot leave a stale count behind. The manifest's generated rows
/// take their budgets from the same tables, by a rule these tests apply too.
/// </summary>
public sealed partial class TimeToFindingTableTests
{
    /// <summary>The folder of the table of record (when the generator or the model changes, its new table's folder).</summary>
    private const string OfRecord = "quiescent-audit";

    /// <summary>The table of record is rendered at this attribution limit; a line at another limit is a seed measured again beside it.</summary>
    private const int TableLimit = 60;

    private static readonly string Folder = Path.Combine(Repository.Root, "tests", "ClaimVerified.Benchmarks", "time-to-finding", OfRecord);

    [Fact]
    public void Each_table_says_its_own_count_of_cells()
    {
        foreach (var (profile, rows, summary) in Tables())
        {
            var (met, unknown, _) = Count(rows);
            var expected = unknown == 0
                ? $"{met} of {rows.Count} cells meet both targets."
                : $"{met} of {rows.Count} cells meet both targets; {unknown} unknown (seeds stopped at the attribution limit).";
            Assert.True(expected == summary, $"{profile}.md ends with \"{summary}\" where its rows count \"{expected}\"");
        }
    }

    [Fact]
    public void Each_seed_of_each_table_is_its_ledger_line()
    {
        var seedsChecked = 0;
        foreach (var (profile, rows, _) in Tables())
        {
            var ledger = SeedLedger.Open(Path.Combine(Folder, "ledgers", profile + ".jsonl")).Seeds;
            var atLimit = ledger.Where(s => s.MaxAttributions == TableLimit).ToList();
            Assert.Single(ledger.Select(s => s.Fingerprint).Distinct());
            Assert.All(ledger, s => Assert.Equal(profile, s.Profile));
            foreach (var row in rows)
            {
                Assert.True(row.PerSeed.Count == row.Seeds, $"{profile} {row.Finding}: {row.PerSeed.Count} seeds shown, {row.Seeds} counted");
                for (var k = 0; k < row.PerSeed.Count; k++)
                {
                    var seed = Assert.Single(atLimit, s => s.SeedIndex == k);
                    Assert.Contains(seed.Expected, e => e.StartsWith(row.Finding + ":", StringComparison.Ordinal));
                    var shown = seed.FirstMet.TryGetValue(row.Finding, out var at) ? at.ToString(CultureInfo.InvariantCulture)
                        : LedgerSeed.LimitStop(seed.Stop) is { } stopped ? $">{stopped}"
                        : "-";
                    Assert.True(shown == row.PerSeed[k], $"{profile}.md shows {row.PerSeed[k]} for seed {k + 1} of {row.Finding}; its ledger line says {shown}");
                    seedsChecked++;
                }

                Assert.Equal(row.PerSeed.Count(t => int.TryParse(t, CultureInfo.InvariantCulture, out _)), row.MetBy);
            }
        }

        Assert.True(seedsChecked > 0, "no table of record was read");
    }

    [Fact]
    public void The_readme_and_results_quote_the_tables_totals()
    {
        var all = Tables().SelectMany(t => t.Rows).ToList();
        var (met, unknown, missed) = Count(all);
        var readme = Prose(File.ReadAllText(Path.Combine(Repository.Root, "README.md")));
        var results = Prose(File.ReadAllText(Path.Combine(Repository.Root, "tests", "ClaimVerified.Benchmarks", "RESULTS.md")));
        var own = Prose(File.ReadAllText(Path.Combine(Folder, "README.md")));
        Assert.Contains($"**{met} of {all.Count} cells meet both targets, {unknown} unknown**", readme, StringComparison.Ordinal);
        Assert.Contains($"**{met} of {all.Count} cells meet median <= 100 and worst <= 2,000 schedules, {unknown} unknown**, {missed} missed", results, StringComparison.Ordinal);
        Assert.Contains($"**{met} of the {all.Count} cells meet both targets**", own, StringComparison.Ordinal);
        Assert.Contains($"{unknown} unknown", own, StringComparison.Ordinal);
        Assert.Contains($"{missed} missed", own, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tables_readme_summarises_every_row_as_rendered()
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, "README.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| profile (seeds) | finding |", StringComparison.Ordinal));
        Assert.True(header >= 0, $"{OfRecord}/README.md has no summary table");
        var summary = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();
        var rendered = Tables().SelectMany(t => t.Rows).Select(r => $"| {r.Profile} ({r.Seeds}) | {r.Cells[2]} | {r.Cells[3]} | {r.Cells[4]} | {r.Cells[5]} | {r.Cells[6]} |");
        Assert.Equal(rendered, summary);
    }

    [Fact]
    public void Each_generated_rows_budget_is_the_rule_applied_to_the_table()
    {
        // The rule (README, the generated rows' budgets): worst x 1.5 over a profile's cells when every seed met each,
        // else the cap x 1.5; a row without a table (reference) takes the largest, so its "holds" is said over as many.
        var manifest = ClaimVerified.Model.Manifest.ExpectedResults.Load();
        var tables = Tables();
        var rows = manifest.Results.Where(r => r.Scenario == ScenarioCatalogue.Generated.Name).ToList();
        Assert.All(tables, t => Assert.True(rows.Any(r => r.Profile == t.Profile), $"{OfRecord}/{t.Profile}.md is the table of a profile without a generated row"));
        foreach (var row in rows)
        {
            var table = tables.SingleOrDefault(t => t.Profile == row.Profile);
            var expected = table.Rows is null ? CapBudget : Budget(table.Rows);
            Assert.True(expected == row.Budget, $"{row.Profile} x generated has budget {row.Budget}; its table ({OfRecord}/{row.Profile}.md) gives {expected}");
        }
    }

    [Fact]
    public void The_budget_rule_sees_a_seed_that_missed()
    {
        // Negative space: one seed short of every seed, or a worst that is not a number, takes the cap's budget.
        Assert.Equal(221u, Budget([Row(metBy: "20/20", worst: "147"), Row(metBy: "20/20", worst: "82")]));
        Assert.Equal(1506u, Budget([Row(metBy: "20/20", worst: "1004")]));
        Assert.Equal(CapBudget, Budget([Row(metBy: "20/20", worst: "620"), Row(metBy: "19/20", worst: ">=1428")]));
        Assert.Equal(CapBudget, Budget([Row(metBy: "10/10", worst: "100")]));
    }

    /// <summary>The seeds a cell of the table of record holds, and the schedules a seed may take (`--cap`).</summary>
    private const int SeedsPerCell = 20;

    private const uint CapSchedules = 2000;

    /// <summary>The budget of a row whose table some seed did not meet within the cap: the cap x 1.5.</summary>
    private const uint CapBudget = CapSchedules * 3 / 2;

    private static uint Budget(IReadOnlyList<TableRow> rows) =>
        rows.All(r => r.Seeds == SeedsPerCell && r.MetBy == r.Seeds && r.Worst is not null)
            ? (uint)Math.Ceiling(rows.Max(r => r.Worst!.Value) * 1.5)
            : CapBudget;

    [Fact]
    public void A_stale_count_is_seen()
    {
        // Negative space: the checks above fail on prose that says another count, and on a seed shown otherwise.
        var rows = Tables().SelectMany(t => t.Rows).ToList();
        var (met, unknown, _) = Count(rows);
        var stale = $"**{met + 1} of {rows.Count} cells meet both targets, {unknown} unknown**";
        Assert.DoesNotContain(stale, Prose(File.ReadAllText(Path.Combine(Repository.Root, "README.md"))), StringComparison.Ordinal);
        Assert.Equal((1, 1, 1), Count([Row("met"), Row("unknown (2 at the limit)"), Row("**missed**")]));
        Assert.Throws<InvalidDataException>(() => Count([Row("maybe")]));
    }

    private static TableRow Row(string targets = "met", string metBy = "1/1", string worst = "1") =>
        new(["p", "generated", "f", metBy, "1", worst, targets, "1"]);

    private static (int Met, int Unknown, int Missed) Count(IReadOnlyList<TableRow> rows)
    {
        var unknownOrMissed = rows.Where(r => r.Targets != "met").ToList();
        var unknown = unknownOrMissed.Count(r => r.Targets.StartsWith("unknown (", StringComparison.Ordinal));
        var missed = unknownOrMissed.Count(r => r.Targets == "**missed**");
        if (unknown + missed != unknownOrMissed.Count)
        {
            throw new InvalidDataException("a table's targets column says neither met, unknown nor missed: " + string.Join(", ", unknownOrMissed.Select(r => r.Targets)));
        }

        return (rows.Count - unknownOrMissed.Count, unknown, missed);
    }

    /// <summary>The prose as a reader sees it: a figure may be wrapped onto the next line.</summary>
    private static string Prose(string markdown) => Whitespace().Replace(markdown, " ");

    /// <summary>A rendered row: profile, scenario, finding, met by, median, worst, targets, per seed.</summary>
    private sealed record TableRow(string[] Cells)
    {
        public string Profile => Cells[0];

        public string Finding => Cells[2].Split(" (")[0];

        public int MetBy => int.Parse(Cells[3].Split('/')[0], CultureInfo.InvariantCulture);

        public int Seeds => int.Parse(Cells[3].Split('/')[1], CultureInfo.InvariantCulture);

        /// <summary>The worst seed's schedules, or null where it is not a number (a seed past the cap or stopped at the limit).</summary>
        public int? Worst => int.TryParse(Cells[5], CultureInfo.InvariantCulture, out var worst) ? worst : null;

        public string Targets => Cells[6];

        public IReadOnlyList<string> PerSeed => Cells[7].Split(' ');
    }

    private static List<(string Profile, List<TableRow> Rows, string Summary)> Tables()
    {
        var tables = new List<(string, List<TableRow>, string)>();
        foreach (var file in Directory.GetFiles(Folder, "*.md").Where(f => Path.GetFileName(f) != "README.md").Order(StringComparer.Ordinal))
        {
            var profile = Path.GetFileNameWithoutExtension(file);
            var lines = File.ReadAllLines(file);
            var rows = lines.Where(l => l.StartsWith($"| {profile} | generated |", StringComparison.Ordinal))
                .Select(l => new TableRow(MarkdownTable.Cells(l))).ToList();
            Assert.True(rows.Count > 0, $"{profile}.md has no row");
            tables.Add((profile, rows, lines.Last(l => l.Length > 0)));
        }

        Assert.True(tables.Count >= 9, $"{OfRecord} holds {tables.Count} tables; every profile with findings has one");
        // In the catalogue's order, as every table of profiles is (a table of an unknown profile fails here).
        var order = ClaimVerified.Profiles.Catalogue.All.Select(p => p.Name).ToList();
        Assert.All(tables, t => Assert.Contains(t.Item1, order));
        return [.. tables.OrderBy(t => order.IndexOf(t.Item1))];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
