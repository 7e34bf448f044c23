using System.Globalization;
using System.Text;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>What <see cref="MeetingRates.Measure"/> measures (profiles: empty for every one whose drawn row expects findings), and its limits.</summary>
public sealed record MeetingRatesOptions : DrawnSeedsOptions
{
    public MeetingRatesOptions()
        : base(seeds: 3, schedules: 2000)
    {
    }

    /// <summary>
    /// A limit on everything: a seed's run attributes at most this many violations, then stops; its rates are over the
    /// schedules it explored up to there (the stop depends on how many violations were attributed, not on which
    /// findings they met, so the rates stay those of the schedules explored).
    /// </summary>
    public int MaxAttributions { get; init; } = 200;
}

/// <summary>
/// One (profile, finding) a drawn row expects: how many violations met it as the row expects it (alone where the row lists
/// it alone), over how many schedules, per seed and in all.
/// </summary>
public sealed record MeetingRateRow(string Profile, string Finding, Expectation Expectation, IReadOnlyList<int> MeetingsPerSeed,
    IReadOnlyList<int> SchedulesPerSeed, int LimitStops)
{
    public int Meetings => MeetingsPerSeed.Sum();

    public long Schedules => SchedulesPerSeed.Sum(s => (long)s);

    public double PerThousand => Schedules == 0 ? 0 : 1000.0 * Meetings / Schedules;

    /// <summary>
    /// The median schedules to a first meeting that this rate implies, were each schedule an independent draw that meets
    /// the finding with probability p = meetings / schedules (geometric: ln 2 / -ln(1 - p)); null where none met it.
    /// </summary>
    public double? ImpliedMedian => Implied(0.5);

    /// <summary>
    /// The worst of 20 seeds' first meetings that the rate implies, as its median: the x at which 20 draws all meet it by
    /// x with probability 1/2, ln(1 - 2^(-1/20)) / ln(1 - p), about 3.4 / p; the table's worst is a worst of 20.
    /// </summary>
    public double? ImpliedWorstOf20 => Implied(1 - Math.Pow(0.5, 1.0 / 20));

    private double? Implied(double missedBy) =>
        Meetings == 0 || Schedules == 0 ? null
        : Meetings >= Schedules ? 1
        : Math.Log(missedBy) / Math.Log(1 - (double)Meetings / Schedules);
}

/// <summary>
/// How often each finding a drawn row expects is met, a thousand schedules, with every violation that could meet one
/// attributed: the measure to compare weight tables by. The time to each finding (<see cref="TimeToFinding"/>, the figures
/// of record) takes one first meeting a seed, and a median of 8 or 10 heavy-tailed first meetings moves by up to twice
/// between seed sets (time-to-finding/experiments/, December 7), so two tables a factor of two apart could not be told
/// apart in a day. A rate counts every meeting in its schedules: a count of k says its own precision (about k +- 2 sqrt k),
/// and it implies the median and worst of 20 seeds the table would show, were schedules independent draws.
/// <see cref="ViolationRates"/> (no attribution, minutes) cannot stand in: on xen-4.22 its rates barely moved between
/// tables whose attributed figures moved fourfold.
/// </summary>
public static class MeetingRates
{
    public static IReadOnlyList<MeetingRateRow> Measure(MeetingRatesOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Seeds < 1 || options.Schedules < 1 || options.MaxAttributions is < 1 or > TimeToFindingOptions.MaxAttributionLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"at least one seed, one schedule and 1..{TimeToFindingOptions.MaxAttributionLimit} attributions");
        }

        Explorer.EnsureRewritten();
        var manifest = ExpectedResults.Load();
        var rows = new List<MeetingRateRow>();
        foreach (var cell in TimeToFinding.Select(options.Profiles, [options.Scenario]))
        {
            var profile = Catalogue.Get(cell.Profile);
            var scenario = ScenarioCatalogue.Get(cell.Scenario);
            var expected = AwaitedFindings.Of(manifest, cell);
            var meetings = expected.ToDictionary(e => e.Finding, _ => new int[options.Seeds], StringComparer.Ordinal);
            var schedules = new int[options.Seeds];
            var limitStops = 0;
            for (var k = 0; k < options.Seeds; k++)
            {
                var (met, explored, stopped) = Seed(profile, scenario, expected, CheckerPower.SeedFor(k), options, progress);
                foreach (var (finding, count) in met)
                {
                    meetings[finding][k] = count;
                }

                schedules[k] = explored;
                limitStops += stopped ? 1 : 0;
                progress?.Invoke($"{cell.Profile} x {cell.Scenario} seed {CheckerPower.SeedFor(k)}: "
                    + string.Join(", ", expected.Select(e => $"{e.Finding} {meetings[e.Finding][k]}"))
                    + $" in {explored} schedules{(stopped ? $" (stopped at the attribution limit, {options.MaxAttributions})" : "")}");
            }

            rows.AddRange(expected.Select(e => new MeetingRateRow(cell.Profile, e.Finding, e.Expectation, meetings[e.Finding], schedules, limitStops)));
        }

        return rows;
    }

    /// <summary>
    /// One seed's run: how many violations met each expected finding, the schedules explored, and whether it stopped at
    /// the attribution limit. Every expected finding stays awaited all run, so a violation is attributed unless no
    /// expected finding could be what it meets (the same cheap test as the time to each finding's).
    /// </summary>
    private static (Dictionary<string, int> Met, int Schedules, bool Stopped) Seed(Profile profile, Scenario scenario,
        IReadOnlyList<(string Finding, Expectation Expectation)> expected, uint seed, MeetingRatesOptions options, Action<string>? progress)
    {
        var met = expected.ToDictionary(e => e.Finding, _ => 0, StringComparer.Ordinal);
        var (schedules, attributions) = AttributedRun.Explore(profile, scenario, options.Schedules, seed, new AwaitedFindings(expected), options.MaxAttributions,
            (_, attributed) =>
            {
                foreach (var (finding, expectation) in expected.Where(e => AwaitedFindings.Meets(attributed, e.Expectation, e.Finding)))
                {
                    met[finding]++;
                }

                return false;
            }, progress);
        return (met, schedules, attributions >= options.MaxAttributions);
    }

    /// <summary>Markdown: one row per (profile, finding), then how to read it.</summary>
    public static string Render(IReadOnlyList<MeetingRateRow> rows, MeetingRatesOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Meetings of each expected finding a thousand schedules of {options.Scenario}, every violation that could meet one attributed, ")
            + string.Create(CultureInfo.InvariantCulture, $"{options.Seeds} seed(s) of up to {options.Schedules} schedules (attribution limit {options.MaxAttributions} a seed), default strategy. ")
            + "Implied: the median, and the worst of 20 seeds, of the schedules to a first meeting were schedules independent draws at this rate "
            + "(targets: median <= 100, worst <= 2,000).");
        text.AppendLine();
        text.AppendLine("| profile | finding | met | schedules | per 1,000 | implied median | implied worst of 20 | per seed |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var finding = r.Expectation == Expectation.Alone ? r.Finding : $"{r.Finding} (named by any attribution)";
            var perSeed = string.Join(" ", r.MeetingsPerSeed.Zip(r.SchedulesPerSeed, (m, s) => string.Create(CultureInfo.InvariantCulture, $"{m}/{s}")));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Profile} | {finding} | {r.Meetings} | {r.Schedules} | {r.PerThousand:F1} | {Show(r.ImpliedMedian)} | {Show(r.ImpliedWorstOf20)} | {perSeed} |");
        }

        var stops = rows.GroupBy(r => r.Profile).Sum(g => g.First().LimitStops);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{stops} seed(s) stopped at the attribution limit; their rates are over the schedules they explored.");
        return text.ToString();
    }

    private static string Show(double? schedules) => schedules is { } s ? Math.Ceiling(s).ToString("F0", CultureInfo.InvariantCulture) : "-";
}
