using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Coyote.SystematicTesting;
using ClaimVerified.Locks;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>What <see cref="CheckerPower.TimeToFirstBug"/> measures. Empty lists mean "all".</summary>
public sealed record TimeToFirstBugOptions
{
    /// <summary>Profiles to include (names); empty: every profile with an expected violation.</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];

    /// <summary>Scenarios to include (names); empty: every scenario.</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    /// <summary>Strategies to compare; empty: all six.</summary>
    public IReadOnlyList<Strategy> Strategies { get; init; } = [];

    /// <summary>Seeds per cell and strategy: seed_k = 1000003 k + 17, k = 0 .. Seeds-1 (k = 0 is the manifest's 17).</summary>
    public int Seeds { get; init; } = 20;

    /// <summary>Iterations per run; null: the manifest's budget for the cell.</summary>
    public uint? Budget { get; init; }

    public uint MaxSteps { get; init; } = 2000;
}

/// <summary>One expected violation, one strategy, over every seed.</summary>
/// <param name="Found">Seeds whose run found a bug within the budget.</param>
/// <param name="Judged">Seeds whose finding is the one the manifest expects (property, profile, scenario).</param>
/// <param name="MedianIterations">Iterations to the first bug, median over all seeds; null when more than half found none.</param>
/// <param name="WorstIterations">The largest; null when some seed found none within the budget.</param>
/// <param name="Properties">The properties the first bugs named, most frequent first.</param>
public sealed record TimeToFirstBugRow(
    string Profile,
    string Scenario,
    Strategy Strategy,
    uint Budget,
    int Seeds,
    int Found,
    int Judged,
    double? MedianIterations,
    int? WorstIterations,
    double? MedianSeconds,
    double? WorstSeconds,
    double TotalSeconds,
    IReadOnlyList<string> Properties);

/// <summary>What <see cref="CheckerPower.ExplorationSpeed"/> measures.</summary>
public sealed record ExplorationSpeedOptions
{
    /// <summary>Profiles (names); empty: xen-4.22 and reference.</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];

    /// <summary>Scenarios (names); empty: every scenario.</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    public Strategy Strategy { get; init; } = Strategy.Portfolio;

    /// <summary>Schedules per run. A run does not stop at a bug: every one is explored.</summary>
    public uint Iterations { get; init; } = 500;

    public uint Seed { get; init; } = 17;

    public uint MaxSteps { get; init; } = 2000;
}

/// <summary>One scenario on one profile: how fast Coyote explores it, and how much of that time is our property checks.</summary>
/// <param name="AverageSteps">Scheduling decisions per schedule (Coyote's explored fair steps).</param>
/// <param name="PropertySeconds">Time inside our property checks, from a <see cref="TimedPropertyJudge"/>.</param>
/// <param name="BuggySchedules">Schedules that violated a property (the run goes on after each).</param>
/// <param name="LocksetSeconds">Time inside the woven lockset checks (<see cref="LocksetMeter"/>).</param>
/// <param name="LocksetChecks">Accesses and lock acquisitions the woven checks judged.</param>
/// <param name="UnlockedReadPoints">Scheduling points the declared unlocked reads added (part of <paramref name="AverageSteps"/>).</param>
public sealed record ExplorationSpeedRow(
    string Profile,
    string Scenario,
    Strategy Strategy,
    int Schedules,
    double Seconds,
    double SchedulesPerSecond,
    double AverageSteps,
    double PropertySeconds,
    long PropertyChecks,
    int BuggySchedules,
    double LocksetSeconds = 0,
    long LocksetChecks = 0,
    long UnlockedReadPoints = 0)
{
    /// <summary>The share of the run spent in our property checks; the rest is Coyote, the workloads and the core.</summary>
    public double PropertyShare => Seconds > 0 ? PropertySeconds / Seconds : 0;

    /// <summary>The share of the run spent in the woven lockset checks.</summary>
    public double LocksetShare => Seconds > 0 ? LocksetSeconds / Seconds : 0;

    /// <summary>The declared unlocked reads' scheduling points per schedule.</summary>
    public double UnlockedReadPointsPerSchedule => Schedules > 0 ? UnlockedReadPoints / (double)Schedules : 0;
}

/// <summary>
/// The checker's power, measured: how fast Coyote explores each scenario, and how many schedules and seconds it needs
/// to find each violation the manifest expects, per strategy, over widely spaced seeds. The CLI's
/// <c>claimverify bench</c> calls these and prints <see cref="Render(IReadOnlyList{TimeToFirstBugRow})"/>.
/// </summary>
public static class CheckerPower
{
    /// <summary>The k-th seed: consecutive Coyote seeds replay shifted copies of one schedule stream, so they are spaced.</summary>
    public static uint SeedFor(int k) => checked((uint)(1_000_003L * k + 17));

    /// <summary>Every expected violation in the manifest that the options select, in manifest order.</summary>
    public static IReadOnlyList<ExpectedResult> SelectViolations(TimeToFirstBugOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ExpectedResults.Load().Results
            .Where(r => r.ExpectsViolation)
            .Where(r => options.Profiles.Count == 0 || options.Profiles.Contains(r.Profile, StringComparer.OrdinalIgnoreCase))
            .Where(r => options.Scenarios.Count == 0 || options.Scenarios.Contains(r.Scenario, StringComparer.OrdinalIgnoreCase))
            .ToArray();
    }

    /// <summary>
    /// For every selected expected violation and strategy, explores once per seed until the first bug or the budget,
    /// and reports the median and worst iterations and seconds to the first bug.
    /// </summary>
    public static IReadOnlyList<TimeToFirstBugRow> TimeToFirstBug(TimeToFirstBugOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Seeds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "at least one seed");
        }

        Explorer.EnsureRewritten();
        var strategies = options.Strategies.Count > 0 ? options.Strategies : Enum.GetValues<Strategy>();
        var rows = new List<TimeToFirstBugRow>();
        foreach (var cell in SelectViolations(options))
        {
            var profile = Catalogue.Get(cell.Profile);
            var scenario = ScenarioCatalogue.Get(cell.Scenario);
            var budget = options.Budget ?? cell.Budget;
            foreach (var strategy in strategies)
            {
                var iterations = new List<int?>();
                var seconds = new List<double?>();
                var properties = new List<string>();
                var judged = 0;
                double total = 0;
                for (var k = 0; k < options.Seeds; k++)
                {
                    var result = Explorer.Explore(profile, scenario, new ExplorationOptions(budget, strategy, SeedFor(k), options.MaxSteps));
                    total += result.Elapsed.TotalSeconds;
                    iterations.Add(result.BugFound ? result.Iterations : null);
                    seconds.Add(result.BugFound ? result.Elapsed.TotalSeconds : null);
                    if (result.PropertyId is { } id)
                    {
                        properties.Add(id);
                    }

                    judged += cell.Judge(result).Judgement == Judgement.AsExpected ? 1 : 0;
                }

                var row = new TimeToFirstBugRow(cell.Profile, cell.Scenario, strategy, budget, options.Seeds,
                    iterations.Count(i => i is not null), judged,
                    Median(iterations.Select(i => (double?)i)), iterations.Any(i => i is null) ? null : iterations.Max(),
                    Median(seconds), seconds.Any(s => s is null) ? null : seconds.Max(), total,
                    properties.GroupBy(p => p).OrderByDescending(g => g.Count()).Select(g => g.Key).ToArray());
                rows.Add(row);
                progress?.Invoke($"{row.Profile} x {row.Scenario} {Name(strategy)}: found {row.Found}/{row.Seeds}, "
                    + $"median {Iterations(row.MedianIterations, budget)}, worst {Iterations(row.WorstIterations, budget)}, {total:F1} s");
            }
        }

        return rows;
    }

    /// <summary>
    /// Explores every selected scenario on every selected profile for a fixed number of schedules (not stopping at
    /// bugs), judged by a <see cref="TimedPropertyJudge"/>, and reports schedules per second and the share of time our
    /// property checks took.
    /// </summary>
    public static IReadOnlyList<ExplorationSpeedRow> ExplorationSpeed(ExplorationSpeedOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Explorer.EnsureRewritten();
        var profiles = (options.Profiles.Count > 0 ? options.Profiles : [Catalogue.Xen422.Name, Catalogue.Reference.Name])
            .Select(Catalogue.Get).ToArray();
        var scenarios = options.Scenarios.Count > 0
            ? options.Scenarios.Select(ScenarioCatalogue.Get).ToArray()
            : ScenarioCatalogue.All;
        var rows = new List<ExplorationSpeedRow>();
        foreach (var profile in profiles)
        {
            foreach (var scenario in scenarios)
            {
                var configuration = Explorer.Configure(new ExplorationOptions(options.Iterations, options.Strategy, options.Seed, options.MaxSteps))
                    .WithTestIterationsRunToCompletion(true);
                var judge = new TimedPropertyJudge();
                var watch = RunWatch.Monitored with { Judge = judge };
                var stopwatch = Stopwatch.StartNew();
                // Disposed, else it stays subscribed to AppDomain.UnhandledException, and so alive (see Explorer.Explore).
                using var engine = TestingEngine.Create(configuration, () => scenario.RunAsync(profile, watch));
                var schedules = 0;
                engine.RegisterEndIterationCallBack(_ => schedules++);
                using (LocksetMeter.Start())
                {
                    Explorer.RunQuietly(engine);
                }

                stopwatch.Stop();
                var report = engine.TestReport;
                if (report.UncontrolledInvocations.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"{profile.Name} x {scenario.Name}: uncontrolled invocations: {string.Join(", ", report.UncontrolledInvocations)}");
                }

                var seconds = stopwatch.Elapsed.TotalSeconds;
                var row = new ExplorationSpeedRow(profile.Name, scenario.Name, options.Strategy, schedules, seconds,
                    schedules / Math.Max(seconds, 1e-9), report.TotalExploredFairSteps / (double)Math.Max(schedules, 1),
                    judge.Elapsed.TotalSeconds, judge.Checks, report.NumOfFoundBugs,
                    LocksetMeter.Elapsed.TotalSeconds, LocksetMeter.Checks, LocksetMeter.UnlockedReadPoints);
                rows.Add(row);
                progress?.Invoke($"{row.Profile} x {row.Scenario}: {row.SchedulesPerSecond:F0} schedules/s, "
                    + $"{row.AverageSteps:F0} steps, properties {row.PropertyShare:P1}, lockset checks {row.LocksetShare:P1}");
            }
        }

        return rows;
    }

    /// <summary>
    /// Markdown: one row per expected violation, one column per strategy ("median / worst iterations (median s)"),
    /// then a summary per strategy.
    /// </summary>
    public static string Render(IReadOnlyList<TimeToFirstBugRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var strategies = rows.Select(r => r.Strategy).Distinct().ToArray();
        var text = new StringBuilder();
        text.AppendLine("Iterations to the first bug: median / worst over the seeds (median seconds); "
            + "`>B` = not found within the budget B by more than half the seeds (median) or by at least one (worst); "
            + "`k/n` = seeds that found it, when not all did; `[k other: ...]` = k runs whose first bug is not what the "
            + "manifest expects for the cell, and the properties seen.");
        text.AppendLine();
        text.Append("| profile | scenario | budget |");
        foreach (var strategy in strategies)
        {
            text.Append(CultureInfo.InvariantCulture, $" {Name(strategy)} |");
        }

        text.AppendLine();
        text.Append("|---|---|---:|").AppendLine(string.Concat(strategies.Select(_ => "---:|")));
        foreach (var cell in rows.GroupBy(r => (r.Profile, r.Scenario)))
        {
            var budget = cell.First().Budget;
            text.Append(CultureInfo.InvariantCulture, $"| {cell.Key.Profile} | {cell.Key.Scenario} | {budget} |");
            foreach (var strategy in strategies)
            {
                var row = cell.FirstOrDefault(r => r.Strategy == strategy);
                text.Append(' ').Append(row is null ? "" : Cell(row)).Append(" |");
            }

            text.AppendLine();
        }

        text.AppendLine();
        text.AppendLine("Per strategy, over every expected violation above:");
        text.AppendLine();
        text.AppendLine("| strategy | runs | found | judged as expected | cells found by every seed | median of the medians (iterations) | worst median (iterations) | total seconds |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var strategy in strategies)
        {
            var mine = rows.Where(r => r.Strategy == strategy).ToArray();
            var runs = mine.Sum(r => r.Seeds);
            var medians = mine.Select(r => r.MedianIterations ?? double.PositiveInfinity).ToArray();
            var worstMedian = medians.Length == 0 ? 0 : medians.Max();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Name(strategy)} | {runs} | {mine.Sum(r => r.Found)} ({Percent(mine.Sum(r => r.Found), runs)}) | "
                + $"{mine.Sum(r => r.Judged)} | {mine.Count(r => r.Found == r.Seeds)}/{mine.Length} | "
                + $"{Format(Median(medians.Select(m => (double?)m)) ?? double.PositiveInfinity)} | {Format(worstMedian)} | "
                + $"{mine.Sum(r => r.TotalSeconds):F1} |");
        }

        return text.ToString();
    }

    /// <summary>Markdown: one row per profile and scenario.</summary>
    public static string Render(IReadOnlyList<ExplorationSpeedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.AppendLine("| profile | scenario | strategy | schedules | seconds | schedules/s | steps/schedule | buggy schedules | property checks | time in property checks "
            + "| lockset checks | time in lockset checks | unlocked-read points/schedule |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Profile} | {r.Scenario} | {Name(r.Strategy)} | {r.Schedules} | {r.Seconds:F2} | {r.SchedulesPerSecond:F0} | "
                + $"{r.AverageSteps:F0} | {r.BuggySchedules} | {r.PropertyChecks} | {r.PropertyShare:P1} | {r.LocksetChecks} | {r.LocksetShare:P1} | "
                + $"{r.UnlockedReadPointsPerSchedule:F1} |");
        }

        var totalSeconds = rows.Sum(r => r.Seconds);
        var propertySeconds = rows.Sum(r => r.PropertySeconds);
        var locksetSeconds = rows.Sum(r => r.LocksetSeconds);
        var schedules = rows.Sum(r => r.Schedules);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| all | | | {schedules} | {totalSeconds:F2} | {schedules / Math.Max(totalSeconds, 1e-9):F0} | "
            + $"| {rows.Sum(r => r.BuggySchedules)} | {rows.Sum(r => r.PropertyChecks)} | {(totalSeconds > 0 ? propertySeconds / totalSeconds : 0):P1} | "
            + $"{rows.Sum(r => r.LocksetChecks)} | {(totalSeconds > 0 ? locksetSeconds / totalSeconds : 0):P1} | "
            + $"{rows.Sum(r => r.UnlockedReadPoints) / (double)Math.Max(schedules, 1):F1} |");
        return text.ToString();
    }

    /// <summary>The strategy's name as the manifest and the CLI write it.</summary>
    public static string Name(Strategy strategy) => strategy switch
    {
        Strategy.DelayBounding => "delay-bounding",
        Strategy.QLearning => "q-learning",
        _ => strategy.ToString().ToLowerInvariant(),
    };

    private static string Cell(TimeToFirstBugRow row)
    {
        var found = row.Found == row.Seeds ? "" : $" {row.Found}/{row.Seeds}";
        var seconds = row.MedianSeconds is { } s ? $" ({s:F2} s)" : "";
        var other = row.Judged == row.Found ? "" : $" [{row.Found - row.Judged} other: {string.Join(", ", row.Properties)}]";
        return $"{Iterations(row.MedianIterations, row.Budget)} / {Iterations(row.WorstIterations, row.Budget)}{seconds}{found}{other}";
    }

    private static string Iterations(double? value, uint budget) => value is { } v ? Format(v) : $">{budget}";

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "∞" : value.ToString(value % 1 == 0 ? "F0" : "F1", CultureInfo.InvariantCulture);

    private static string Percent(int part, int whole) => whole == 0 ? "-" : (part / (double)whole).ToString("P0", CultureInfo.InvariantCulture);

    /// <summary>The median, counting null as larger than everything (a run that found nothing); null if the median is.</summary>
    internal static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.OrderBy(v => v ?? double.PositiveInfinity).ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var mid = sorted.Length / 2;
        var upper = sorted[mid];
        if (sorted.Length % 2 == 1)
        {
            return upper;
        }

        var lower = sorted[mid - 1];
        return lower is null || upper is null ? null : (lower + upper) / 2;
    }
}
