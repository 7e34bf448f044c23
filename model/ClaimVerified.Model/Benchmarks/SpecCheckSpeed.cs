using System.Globalization;
using System.Text;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>One engine's run of a bound: what it found and how fast (the median of the repeats).</summary>
public sealed record SpecCheckSpeedRow(string Engine, int Threads, long States, long Transitions, string Verdict, double MedianSeconds)
{
    public double TransitionsPerSecond => Transitions / MedianSeconds;

    public double StatesPerSecond => States / MedianSeconds;
}

/// <summary>
/// How fast the exhaustive checker is, as ratios within one run: the record engine (the baseline), the packed engine
/// on one thread, and on every core, each run <c>repeats</c> times on one bound, median time. The engines must agree
/// on states, transitions and verdict, or nothing is reported.
/// </summary>
public static class SpecCheckSpeed
{
    public static IReadOnlyList<SpecCheckSpeedRow> Measure(Profile profile, SpecBound bound, int repeats, int threads, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repeats, 100);
        var configurations = new List<(SpecEngine Engine, int Threads)> { (SpecEngine.Records, 1), (SpecEngine.Packed, 1) };
        if (threads > 1)
        {
            configurations.Add((SpecEngine.Packed, threads));
        }

        var rows = new List<SpecCheckSpeedRow>();
        foreach (var (engine, count) in configurations)
        {
            var limits = new SpecCheckLimits(MaxStates: 200_000_000, MaxSeconds: 3600, Threads: count);
            SpecChecker.Check(profile, bound, limits with { MaxStates = 1000 }, engine); // Warm-up: JIT and tiering.
            var runs = Enumerable.Range(0, repeats).Select(_ => SpecChecker.Check(profile, bound, limits, engine)).ToArray();
            var first = runs[0];
            if (first.Status == SpecCheckStatus.Incomplete)
            {
                throw new ArgumentException($"the bound is too large to measure: {first.Verdict}");
            }

            var seconds = runs.Select(r => r.Elapsed.TotalSeconds).Order().ElementAt(repeats / 2);
            var row = new SpecCheckSpeedRow(engine.ToString().ToLowerInvariant(), count, first.States, first.Transitions, first.Verdict, seconds);
            progress?.Invoke($"{row.Engine} x{row.Threads}: {row.States} states in {seconds:0.00} s");
            if (rows.Count > 0 && (rows[0].States, rows[0].Transitions, rows[0].Verdict) != (row.States, row.Transitions, row.Verdict))
            {
                throw new InvalidOperationException(
                    $"the engines disagree: {rows[0].Engine} found {rows[0].States}/{rows[0].Transitions} ({rows[0].Verdict}), "
                    + $"{row.Engine} x{row.Threads} {row.States}/{row.Transitions} ({row.Verdict})");
            }

            rows.Add(row);
        }

        return rows;
    }

    public static string Render(Profile profile, SpecBound bound, IReadOnlyList<SpecCheckSpeedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var baseline = rows[0].MedianSeconds;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"spec-check {profile.Name}, bound {bound.Render()}: {rows[0].States} states, {rows[0].Transitions} transitions, {rows[0].Verdict}");
        text.AppendLine();
        text.AppendLine("| engine | threads | seconds (median) | M transitions/s | M states/s | speed-up vs records |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Engine} | {row.Threads} | {row.MedianSeconds:0.00} | {row.TransitionsPerSecond / 1e6:0.00} | {row.StatesPerSecond / 1e6:0.000} | {baseline / row.MedianSeconds:0.0}x |");
        }

        return text.ToString().TrimEnd();
    }
}

/// <summary>
/// spec-check, Spin and rumur on one bound, back to back, each in its fastest exhaustive mode on the threads given
/// (Spin on one: its parallel modes refuse the model's hidden variables) (bench spec --vs): states, transitions, seconds, distinct states a second and peak memory, with the ratios of
/// spec-check's states a second to each. All three must find the same number of distinct states, or nothing is
/// reported.
/// </summary>
public static class SideBySide
{
    public static IReadOnlyList<ExternalRun> Measure(Profile profile, SpecBound bound, int threads, IReadOnlyCollection<string> against, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(against);
        ExternalCheckers.Parameters(profile.Name, bound); // The models cover this bound, or say why not, before anything runs.
        var limits = new SpecCheckLimits(MaxStates: 200_000_000, MaxSeconds: ExternalCheckers.Timeout.TotalSeconds, Threads: threads);
        SpecChecker.Check(profile, bound, limits with { MaxStates = 1000 }); // Warm-up: JIT and tiering.
        var ours = SpecChecker.Check(profile, bound, limits);
        if (ours.Status == SpecCheckStatus.Incomplete)
        {
            throw new ArgumentException($"the bound is too large to measure: {ours.Verdict}");
        }

        var runs = new List<ExternalRun>
        {
            new("spec-check", threads, ours.States, ours.Transitions, ours.Elapsed.TotalSeconds, PeakOfThisProcess()),
        };
        progress?.Invoke($"spec-check x{threads}: {ours.States} states in {ours.Elapsed.TotalSeconds:0.00} s");
        var holding = SpecProperties.Ids.Where(p => !ours.ViolatedProperties.Contains(p)).ToArray();
        foreach (var checker in against)
        {
            var run = checker switch
            {
                "spin" => ExternalCheckers.Spin(profile.Name, bound, ours.States),
                "rumur" => ExternalCheckers.Rumur(profile.Name, bound, threads, holding),
                _ => throw new ArgumentException($"unknown checker '{checker}' (spin, rumur)", nameof(against)),
            };
            progress?.Invoke($"{run.Checker} x{run.Threads}: {run.States} states in {run.Seconds:0.00} s");
            if (run.States != ours.States)
            {
                throw new InvalidOperationException($"the checkers disagree: spec-check found {ours.States} states, {run.Checker} {run.States}");
            }

            runs.Add(run);
        }

        return runs;
    }

    private static long PeakOfThisProcess()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    public static string Render(Profile profile, SpecBound bound, IReadOnlyList<ExternalRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var ours = runs[0];
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {profile.Name}, `{bound.ToArguments()}`: spec-check against {string.Join(" and ", runs.Skip(1).Select(r => r.Checker))}");
        text.AppendLine();
        text.AppendLine("| checker | threads | distinct states | transitions | seconds | distinct states/s | peak memory | spec-check's states/s ÷ this |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in runs)
        {
            var memory = run.PeakMemoryBytes is { } bytes ? $"{bytes / (1 << 20):N0} MiB" : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Checker} | {run.Threads} | {run.States:N0} | {run.Transitions:N0} | {run.Seconds:0.000} | {run.StatesPerSecond:N0} | {memory} | {(run.StatesPerSecond > 0 ? ours.StatesPerSecond / run.StatesPerSecond : 0):0.00} |");
        }

        text.AppendLine();
        text.AppendLine("Transitions are each checker's own count (spec-check: every operation tried on every state; Spin: stored + matched; rumur: rules fired), so only the distinct states compare. spec-check's peak memory is its whole process's.");
        return text.ToString();
    }
}
