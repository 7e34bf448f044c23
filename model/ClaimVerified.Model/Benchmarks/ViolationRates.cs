using System.Globalization;
using System.Text;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>What <see cref="ViolationRates.Measure"/> measures (profiles: empty for every profile), and its limits.</summary>
public sealed record ViolationRatesOptions : DrawnSeedsOptions
{
    public ViolationRatesOptions()
        : base(seeds: 5, schedules: 1000)
    {
    }

    /// <summary>Coyote's strategy (default: the portfolio every exploration uses).</summary>
    public Strategy Strategy { get; init; } = Strategy.Portfolio;
}

/// <summary>One (profile, property): violations a thousand schedules, each seed's, and their median.</summary>
public sealed record ViolationRateRow(string Profile, string Property, IReadOnlyList<double> PerThousand)
{
    public double Median => CheckerPower.Median(PerThousand.Select(r => (double?)r).ToList()) ?? 0;
}

/// <summary>
/// How often a drawn family's schedules break each property, without attributing anything: the quick measure of what
/// the one weight table (<see cref="Generation.GenerationWeights"/>) makes likely, to compare two tables in minutes
/// where the time to each finding (<see cref="TimeToFinding"/>, which attributes) takes hours. A proxy only: a property
/// may be broken by several findings, and a rate says nothing of which. The figures of record stay those of
/// <c>bench findings</c>.
/// </summary>
public static class ViolationRates
{
    public static IReadOnlyList<ViolationRateRow> Measure(ViolationRatesOptions options, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var scenario = ScenarioCatalogue.Get(options.Scenario);
        if (scenario.Configure is null)
        {
            throw new ArgumentException($"{scenario.Name} is a staged scenario; rates are of the drawn ones", nameof(options));
        }

        Explorer.EnsureRewritten();
        var profiles = options.Profiles.Count == 0 ? Catalogue.All : options.Profiles.Select(Catalogue.Get).ToList();
        var rows = new List<ViolationRateRow>();
        foreach (var profile in profiles)
        {
            var counts = new Dictionary<string, double[]>(StringComparer.Ordinal);
            for (var k = 0; k < options.Seeds; k++)
            {
                var run = WholeBudget.Explore(profile, scenario, new ExplorationOptions(options.Schedules, options.Strategy, CheckerPower.SeedFor(k)));
                foreach (var violation in run.Violations)
                {
                    counts.TryAdd(violation.Property, new double[options.Seeds]);
                    counts[violation.Property][k] += 1000.0 / Math.Max(1, run.Schedules);
                }

                progress?.Invoke($"{profile.Name} x {scenario.Name} seed {CheckerPower.SeedFor(k)}: {run.Violations.Count} violations in {run.Schedules} schedules ({run.Elapsed.TotalSeconds:F0} s)");
            }

            rows.AddRange(counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new ViolationRateRow(profile.Name, c.Key, c.Value)));
        }

        return rows;
    }

    /// <summary>Markdown: one row per (profile, property) met.</summary>
    public static string Render(IReadOnlyList<ViolationRateRow> rows, ViolationRatesOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Violations a thousand schedules of {options.Scenario}, by property (no attribution), {options.Seeds} seeds of {options.Schedules} schedules, strategy {options.Strategy.ToString().ToLowerInvariant()}:");
        text.AppendLine();
        text.AppendLine("| profile | property | median | per seed |");
        text.AppendLine("|---|---|---:|---|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Profile} | {r.Property} | {r.Median:F1} | {string.Join(" ", r.PerThousand.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))} |");
        }

        return text.ToString();
    }
}
