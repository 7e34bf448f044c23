using System.Diagnostics;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Shrinking;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Matrix;

/// <summary>What a generated exploration met of one (property, finding): the first time and how often.</summary>
public sealed record MetFinding(string Property, string Label, int FirstSchedule, int Count, string Why);

/// <summary>
/// A cell of the generated family: the whole budget is explored (it does not stop at the first violation), every
/// violation is attributed to a finding by its fix (or reported new or compound), and each distinct (property,
/// finding) gets a trace folder from the first execution that met it.
/// </summary>
public static class GeneratedCell
{
    public static (CellReport Cell, IReadOnlyList<Counterexample> Examples, IReadOnlyList<MetFinding> Met) Explore(
        ExpectedResults manifest, Profile profile, Scenario scenario, MatrixOptions options)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        var row = manifest.Find(profile.Name, scenario.Name);
        var budget = options.Iterations ?? options.DrawnBudget ?? row?.Budget ?? MatrixOptions.UnlistedBudget;
        var stopwatch = Stopwatch.StartNew();
        var (whole, distinct) = Meet(profile, scenario, new ExplorationOptions(budget, options.Strategy, options.Seed));
        var findings = distinct.Select(d => d.Met).ToArray();
        var examples = new List<Counterexample>();
        string? folder = null;
        foreach (var (violation, attributed, _) in distinct.Where(d => d.Attributed != NotAttributed))
        {
            var example = Counterexample.Replay(profile, scenario, violation.Result);
            var written = options.Shrink && example.Configuration is { } config
                ? WriteShrunk(options.TracesRoot, manifest, profile, scenario.Name, config, violation, attributed, ref example)
                : TraceFolder.Write(options.TracesRoot, example, manifest, attributed);
            examples.Add(example);
            folder ??= written;
        }

        stopwatch.Stop();
        var judged = row?.JudgeFindings([.. distinct.Select(d => (d.Attributed.Label, d.Attributed.Findings))], whole.Schedules) ?? Judged.NoExpectation;
        var verdict = findings.Length == 0 ? "holds" : "violates " + string.Join(", ", findings.Select(f => $"{f.Property} ({f.Label})"));
        var notYet = (row?.Findings ?? []).Where(f => findings.All(m => m.Label != f)).ToArray();
        if (row is not null && whole.Schedules < row.Budget && notYet.Length > 0)
        {
            // Below the row's budget a finding not met yet is not counted against the cell (JudgeFindings); say so.
            verdict += $"; not met yet in {whole.Schedules} of the manifest's {row.Budget} schedules: {string.Join(", ", notYet)}";
        }

        var cell = new CellReport(profile.Name, scenario.Name, verdict, row?.Describe() ?? "no expectation", judged.Judgement,
            judged.Deviation, whole.Schedules, findings.Length == 0 ? null : findings[0].FirstSchedule,
            Math.Round(stopwatch.Elapsed.TotalSeconds, 2), findings.Length == 0 ? null : distinct[0].Violation.Result.BugMessage, folder,
            row?.Finding);
        return (cell, examples, findings);
    }

    /// <summary>
    /// Shrinks the counterexample's configuration (<see cref="Shrinker"/>) and writes the smaller one's shortest
    /// violating schedule, in the folder the drawn one would have had: it is a given configuration now, so its replay
    /// does not draw; the README says what it was shrunk from. Nothing smaller: <paramref name="example"/>, the drawn
    /// counterexample, is written as it is.
    /// </summary>
    private static string WriteShrunk(string root, ExpectedResults manifest, Profile profile, string family, GeneratedConfig config,
        MetViolation violation, Attributed attributed, ref Counterexample example)
    {
        if (Shrinker.Shrink(profile, config, violation, attributed) is not { } shrunk)
        {
            return TraceFolder.Write(root, example, manifest, attributed);
        }

        example = Counterexample.Replay(profile, shrunk.Scenario, shrunk.Violation.Result);
        return TraceFolder.Write(root, example, manifest, shrunk.Attributed, new ShrinkNote(family, shrunk.Describe(config)));
    }

    /// <summary>
    /// A limit on the attribution's cost: the first this many violations of each property are attributed; the later
    /// ones are counted under <see cref="ExpectedResult.NotAttributedLabel"/>, in the open (a row is judged on the attributed ones).
    /// Attributing one can take thousands of schedules where a fix moves a critical section, and a profile with many
    /// findings meets dozens of violations in a few hundred schedules.
    /// </summary>
    public const int MaxAttributedPerProperty = 2;

    private static readonly Attributed NotAttributed = new(ExpectedResult.NotAttributedLabel, [],
        $"the first {MaxAttributedPerProperty} violations of this property were attributed; this one was only counted");

    /// <summary>
    /// Explores the whole budget, attributes the violations (the first few of each property), and returns the first violation of each distinct
    /// (property, finding) in the order they were met, with how often each was met.
    /// </summary>
    public static (WholeBudgetResult Whole, IReadOnlyList<(MetViolation Violation, Attributed Attributed, MetFinding Met)> Distinct) Meet(
        Profile profile, Scenario scenario, ExplorationOptions options)
    {
        var whole = WholeBudget.Explore(profile, scenario, options);
        var met = whole.Violations
            .Select((v, i) => (Violation: v, Attributed: whole.Violations.Take(i).Count(o => o.Property == v.Property) < MaxAttributedPerProperty
                ? Attributor.Attribute(profile, scenario, v)
                : NotAttributed))
            .ToArray();
        var distinct = met.GroupBy(m => (m.Violation.Property, m.Attributed.Label))
            .Select(g => (g.First().Violation, g.First().Attributed,
                new MetFinding(g.Key.Property, g.Key.Label, g.First().Violation.ScheduleIndex, g.Count(), g.First().Attributed.Why)))
            .OrderBy(d => d.Item3.FirstSchedule).ToArray();
        return (whole, distinct);
    }
}
