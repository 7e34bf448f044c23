using System.Globalization;
using System.Text;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>What <see cref="TimeToFinding.Measure"/> measures, and its limits.</summary>
public sealed record TimeToFindingOptions
{
    /// <summary>Profiles (empty: every one whose drawn row expects findings).</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];

    /// <summary>Drawn scenarios (empty: generated).</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    /// <summary>Seeds per cell: <see cref="CheckerPower.SeedFor"/> k, k = FirstSeed .. FirstSeed+Seeds-1 (k = 0 is the manifest's 17).</summary>
    public int Seeds { get; init; } = 20;

    /// <summary>
    /// The first seed's k: a table's later seeds measured apart from its first ones (each seed's figures depend on the
    /// seed alone, so they add up to what one run over all of them gives).
    /// </summary>
    public int FirstSeed { get; init; }

    /// <summary>A limit on everything: a seed's run stops after this many schedules, met or not.</summary>
    public uint Cap { get; init; } = 4000;

    /// <summary>A limit on everything: a seed's run attributes at most this many violations, then stops.</summary>
    public int MaxAttributions { get; init; } = 60;

    /// <summary>A limit on everything: the most <see cref="MaxAttributions"/> may be (a seed of 10,000 attributions is days).</summary>
    public const int MaxAttributionLimit = 10_000;

    /// <summary>
    /// Findings to time besides the row's and the staged ones (`--finding`): one a profile is known to have that no row
    /// of it lists at its budget, such as the in-flight claim on xen-4.22 once the seed's draws stopped meeting it.
    /// </summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>
    /// Where each measured seed is kept as it ends, and whence seeds this build measured for the same question are
    /// reused (`--ledger`): a stopped run resumes instead of starting over (null: none).
    /// </summary>
    public SeedLedger? Ledger { get; init; }

    /// <summary>
    /// Whether each schedule goes on past its violations (`--continue`, <see cref="ExplorationOptions.Continue"/>): the
    /// same schedules, each counting every property it breaks, not only its first. A measurement of the lever against
    /// masking; the manifest's rows stop at a schedule's first violation.
    /// </summary>
    public bool Continue { get; init; }
}

/// <summary>
/// One (profile, drawn scenario, finding) the manifest expects: the schedule at which each seed's run first met it
/// (null: not within the cap or the attribution limit), and the median and worst of those (a seed that did not meet it
/// counted as never). <paramref name="StoppedAt"/>, per seed: the schedule at which a seed that did not meet it stopped
/// at the attribution limit, short of the cap (null: it met it, or explored up to the cap without); such a seed is
/// unmeasured past that schedule, not a miss of the cap, so it can leave the targets unknown rather than missed.
/// </summary>
public sealed record TimeToFindingRow(string Profile, string Scenario, string Finding, Expectation Expectation, IReadOnlyList<int?> FirstMet,
    double? Median, int? Worst, uint Cap, IReadOnlyList<int?>? StoppedAt = null)
{
    /// <summary>Item 7's targets: a median of at most 100 schedules and a worst of at most 2,000.</summary>
    public const int MedianTarget = 100;

    public const int WorstTarget = 2000;

    /// <summary>Met: every seed counted as never where it did not meet it, and still within both.</summary>
    public bool MeetsTargets => Median is <= MedianTarget && Worst is <= WorstTarget;

    /// <summary>Seeds that stopped at the attribution limit without meeting it.</summary>
    public int LimitStops => StoppedAt?.Count(s => s is not null) ?? 0;

    /// <summary>
    /// The least each seed could have needed: what it met it at, the schedule after the one where it stopped at the
    /// attribution limit, or never (null: it explored up to the cap without meeting it).
    /// </summary>
    private IEnumerable<int?> LeastPerSeed => FirstMet.Select((f, i) => f ?? (StoppedAt?[i] is { } at ? at + 1 : null));

    /// <summary>The least the median could be, had each seed stopped at the limit met it at the next schedule.</summary>
    public double? LeastMedian => CheckerPower.Median(LeastPerSeed.Select(f => (double?)f));

    /// <summary>The least the worst could be (null: some seed explored up to the cap without meeting it).</summary>
    public int? LeastWorst => LeastPerSeed.Any(f => f is null) ? null : LeastPerSeed.Max();

    /// <summary>Missed whatever the seeds stopped at the limit would have shown: even at their least, a target is exceeded.</summary>
    public bool MissesTargets => !(LeastMedian is <= MedianTarget && LeastWorst is <= WorstTarget);
}

/// <summary>
/// Time to each finding in the drawn families: for every (profile, finding) a drawn row of the manifest expects, the
/// schedules a whole-budget exploration (default strategy) takes to first meet it, over widely spaced seeds. Each seed's
/// run explores until every expected finding is met, attributing each violation by its fix (<see cref="Attributor"/>), up
/// to the cap; a finding expected only in compounds counts as met by the first compound that names it.
/// </summary>
public static class TimeToFinding
{
    public static IReadOnlyList<TimeToFindingRow> Measure(TimeToFindingOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Seeds < 1 || options.FirstSeed < 0 || options.Cap < 1 || options.MaxAttributions is < 1 or > TimeToFindingOptions.MaxAttributionLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"at least one seed, one schedule and 1..{TimeToFindingOptions.MaxAttributionLimit} attributions");
        }

        Explorer.EnsureRewritten();
        var rows = new List<TimeToFindingRow>();
        foreach (var cell in Select(options))
        {
            var profile = Catalogue.Get(cell.Profile);
            var scenario = ScenarioCatalogue.Get(cell.Scenario);
            var expected = AwaitedFindings.Of(ExpectedResults.Load(), cell, options.Findings);
            var described = SeedLedger.Describe(expected);
            if (options.Ledger?.Foreign(cell.Profile, cell.Scenario, options.Cap, options.MaxAttributions, described, options.Continue) is > 0 and var foreign)
            {
                progress?.Invoke($"{cell.Profile} x {cell.Scenario}: {foreign} seed(s) in the ledger were measured by another build, cap, "
                    + "attribution limit or set of expected findings; each is measured again");
            }

            var perSeed = Enumerable.Range(options.FirstSeed, options.Seeds).Select(k =>
            {
                // A cell can take many minutes (each violation is attributed by exploring its fixes): say how each
                // seed went as it ends, so a long run shows its progress, and keep it in the ledger, so a stopped one
                // resumes from it.
                if (options.Ledger?.Find(cell.Profile, cell.Scenario, k, options.Cap, options.MaxAttributions, described, options.Continue) is { } kept)
                {
                    progress?.Invoke(SeedLine(cell, expected, kept.Seed, kept.FirstMet, $"{kept.Seconds:F0} s; {kept.Stop}; from the ledger"));
                    return (Met: new Dictionary<string, int>(kept.FirstMet), kept.Stop);
                }

                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (met, stop) = FirstMet(profile, scenario, expected, CheckerPower.SeedFor(k), options, progress);
                var seconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
                options.Ledger?.Append(new LedgerSeed(Traces.Fingerprint.Current, cell.Profile, cell.Scenario, k, CheckerPower.SeedFor(k), options.Cap,
                    options.MaxAttributions, described, met, stop, seconds, options.Continue));
                progress?.Invoke(SeedLine(cell, expected, CheckerPower.SeedFor(k), met, $"{seconds:F0} s; {stop}"));
                return (Met: met, Stop: stop);
            }).ToArray();
            foreach (var (finding, expectation) in expected)
            {
                var firsts = perSeed.Select(seed => seed.Met.TryGetValue(finding, out var at) ? at : (int?)null).ToArray();
                var stopped = perSeed.Select(seed => seed.Met.ContainsKey(finding) ? null : LedgerSeed.LimitStop(seed.Stop)).ToArray();
                var row = new TimeToFindingRow(cell.Profile, cell.Scenario, finding, expectation, firsts,
                    CheckerPower.Median(firsts.Select(f => (double?)f)), firsts.Any(f => f is null) ? null : firsts.Max(), options.Cap, stopped);
                rows.Add(row);
                progress?.Invoke($"{row.Profile} x {row.Scenario} {finding}: median {Show(row.Median, row.Cap)}, worst {Show(row.Worst, row.Cap)}");
            }
        }

        return rows;
    }

    private static string SeedLine(ExpectedResult cell, IReadOnlyList<(string Finding, Expectation Expectation)> expected, uint seed,
        IReadOnlyDictionary<string, int> met, string how) =>
        $"{cell.Profile} x {cell.Scenario} seed {seed}: "
        + string.Join(", ", expected.Select(e => $"{e.Finding} {(met.TryGetValue(e.Finding, out var at) ? at.ToString(CultureInfo.InvariantCulture) : "-")}"))
        + $" ({how})";

    /// <summary>The drawn rows that expect findings, in manifest order, as the options select them.</summary>
    public static IReadOnlyList<ExpectedResult> Select(TimeToFindingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Select(options.Profiles, options.Scenarios);
    }

    /// <summary>
    /// The drawn rows that expect findings, in manifest order, of <paramref name="profiles"/> (empty: every profile) and
    /// <paramref name="scenarios"/> (empty: generated).
    /// </summary>
    public static IReadOnlyList<ExpectedResult> Select(IReadOnlyCollection<string> profiles, IReadOnlyCollection<string> scenarios)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(scenarios);
        IReadOnlyCollection<string> drawn = scenarios.Count > 0 ? scenarios : [ScenarioCatalogue.Generated.Name];
        return ExpectedResults.Load().Results
            .Where(r => r.ExpectsFindings && drawn.Contains(r.Scenario, StringComparer.OrdinalIgnoreCase))
            .Where(r => profiles.Count == 0 || profiles.Contains(r.Profile, StringComparer.OrdinalIgnoreCase))
            .ToArray();
    }

    /// <summary>
    /// One seed's run: the schedule at which each expected finding was first met, and why the run stopped (a "-" of a
    /// seed that hit the attribution limit is not one that explored up to the cap).
    /// </summary>
    private static (Dictionary<string, int> First, string Stop) FirstMet(Profile profile, Scenario scenario, IReadOnlyList<(string Finding, Expectation Expectation)> expected,
        uint seed, TimeToFindingOptions options, Action<string>? progress)
    {
        // A violation whose attribution can meet no expected finding not yet met cannot move a figure, and is not
        // attributed: the figures are those of attributing every violation.
        var awaited = new AwaitedFindings(expected);
        var (schedules, attributions) = AttributedRun.Explore(profile, scenario, options.Cap, seed, awaited, options.MaxAttributions, (violation, attribution) =>
        {
            awaited.Record(attribution, violation.ScheduleIndex);
            return awaited.AllMet;
        }, progress, options.Continue);
        var stop = awaited.AllMet ? $"every finding met by schedule {schedules}"
            : attributions >= options.MaxAttributions ? LedgerSeed.AtLimit(options.MaxAttributions, schedules)
            : $"explored up to the cap ({schedules} schedules)";
        return (new Dictionary<string, int>(awaited.First), stop);
    }

    /// <summary>
    /// Markdown: one row per (profile, finding), with the targets checked, then a summary; <paramref name="continued"/>:
    /// measured by schedules that went on past their violations, which the table says first.
    /// </summary>
    public static string Render(IReadOnlyList<TimeToFindingRow> rows, bool continued = false)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        var seeds = rows.Count == 0 ? 0 : rows[0].FirstMet.Count;
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Schedules to first meet each expected finding, over {seeds} seeds (default strategy")
            + (continued ? "; each schedule went on past its violations, counting every property it broke" : "")
            + "): median and worst; per seed, `-` = not "
            + "met within the cap, `>N` = the seed stopped at the attribution limit at schedule N without meeting it (not measured "
            + string.Create(CultureInfo.InvariantCulture,
                $"past N); `>C` = more than the cap C. Targets: median <= {TimeToFindingRow.MedianTarget}, worst <= {TimeToFindingRow.WorstTarget}; ")
            + "*unknown* where only the seeds stopped at the limit could still bring the cell within them.");
        text.AppendLine();
        text.AppendLine("| profile | scenario | finding | met by | median | worst | targets | per seed |");
        text.AppendLine("|---|---|---|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            var finding = r.Expectation switch
            {
                Expectation.InCompound => $"{r.Finding} (in a compound)",
                Expectation.Staged => $"{r.Finding} (staged; alone or in a compound)",
                Expectation.RandomOps => $"{r.Finding} (random-ops row; alone or in a compound)",
                Expectation.Asked => $"{r.Finding} (asked for; alone or in a compound)",
                _ => r.Finding,
            };
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Profile} | {r.Scenario} | {finding} | {r.FirstMet.Count(f => f is not null)}/{r.FirstMet.Count} | {ShowMedian(r)} | "
                + $"{ShowWorst(r)} | {Targets(r)} | {string.Join(" ", r.FirstMet.Select((f, i) => ShowSeed(f, r.StoppedAt?[i])))} |");
        }

        text.AppendLine();
        var unknown = rows.Count(r => !r.MeetsTargets && !r.MissesTargets);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{rows.Count(r => r.MeetsTargets)} of {rows.Count} cells meet both targets");
        text.AppendLine(summary + (unknown == 0 ? "." : string.Create(CultureInfo.InvariantCulture, $"; {unknown} unknown (seeds stopped at the attribution limit).")));
        return text.ToString();
    }

    private static string Targets(TimeToFindingRow r) =>
        r.MeetsTargets ? "met" : r.MissesTargets ? "**missed**" : $"unknown ({r.LimitStops} at the limit)";

    private static string ShowSeed(int? met, int? stoppedAt) =>
        met?.ToString(CultureInfo.InvariantCulture) ?? (stoppedAt is { } at ? $">{at.ToString(CultureInfo.InvariantCulture)}" : "-");

    /// <summary>The median, or the range it lies in where seeds stopped at the limit could move it.</summary>
    private static string ShowMedian(TimeToFindingRow r) =>
        r.LimitStops == 0 || r.LeastMedian == r.Median ? Show(r.Median, r.Cap)
        : r.Median is null ? $">={Show(r.LeastMedian, r.Cap)}" : $"{Show(r.LeastMedian, r.Cap)}-{Show(r.Median, r.Cap)}";

    /// <summary>The worst; where seeds stopped at the limit and none explored the cap without meeting it, the least it can be.</summary>
    private static string ShowWorst(TimeToFindingRow r) =>
        r.LimitStops > 0 && r.LeastWorst is { } least ? $">={least.ToString(CultureInfo.InvariantCulture)}" : Show(r.Worst, r.Cap);

    private static string Show(double? value, uint cap) =>
        value is { } v ? v.ToString(v % 1 == 0 ? "F0" : "F1", CultureInfo.InvariantCulture) : $">{cap}";
}
