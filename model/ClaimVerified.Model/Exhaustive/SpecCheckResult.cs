using System.Globalization;
using System.Text;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>One step of a counterexample: the operation, its result, and the host's counters after it.</summary>
public sealed record SpecTraceStep(int Step, string Operation, string Result, string Counters);

/// <summary>The shortest operation sequence (from a fresh host) that reaches a state violating <see cref="Property"/>.</summary>
public sealed record SpecCounterexample(string Property, string Detail, IReadOnlyList<SpecTraceStep> Steps)
{
    public int Length => Steps.Count;

    /// <summary>A timeline: one line per operation with its result and the counters after it, then the violation.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{ViolationMessage.Tag(Property)} after {Length} operation(s): {Detail}");
        var width = Steps.Count == 0 ? 0 : Steps.Max(s => s.Operation.Length + s.Result.Length + 4);
        foreach (var step in Steps)
        {
            var left = $"{step.Operation} -> {step.Result}";
            text.AppendLine(CultureInfo.InvariantCulture, $"  {step.Step,3}. {left.PadRight(width)} | {step.Counters}");
        }

        return text.ToString().TrimEnd();
    }
}

public enum SpecCheckStatus
{
    /// <summary>Every reachable state within the bound was explored and satisfies every property.</summary>
    Holds,

    /// <summary>Every reachable state was explored; some violate a property (see the counterexamples).</summary>
    Violates,

    /// <summary>A limit (states, time or depth) stopped the exploration; the counts are a lower bound.</summary>
    Incomplete,
}

/// <summary>The outcome of an exhaustive check of the specification within a bound.</summary>
public sealed record SpecCheckResult(
    string Profile,
    SpecBound Bound,
    SpecCheckStatus Status,
    long States,
    long Transitions,
    int Depth,
    TimeSpan Elapsed,
    IReadOnlyList<SpecCounterexample> Violations,
    string? IncompleteReason)
{
    /// <summary>
    /// With symmetry reduction, the states of the bound with it off: the sizes of the orbits found, added up
    /// (<see cref="States"/> is then the orbits). Null without symmetry.
    /// </summary>
    public long? StatesWithSymmetryOff { get; init; }

    /// <summary>Distinct states found a second.</summary>
    public double StatesPerSecond => States / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Transitions (every operation tried on every state, TLC's "states generated") a second.</summary>
    public double TransitionsPerSecond => Transitions / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>The violated properties, in <see cref="SpecProperties.Ids"/> order.</summary>
    public IReadOnlyList<string> ViolatedProperties => Violations.Select(v => v.Property).ToArray();

    /// <summary><c>holds</c>, <c>violates claims-backed(3), admin-view(3)</c>, or <c>incomplete: ...</c>.</summary>
    public string Verdict
    {
        get
        {
            var violations = string.Join(", ", Violations.Select(v => $"{v.Property}({v.Length})"));
            return Status switch
            {
                SpecCheckStatus.Holds => "holds",
                SpecCheckStatus.Violates => $"violates {violations}",
                _ => $"incomplete ({IncompleteReason}){(Violations.Count > 0 ? $"; violates {violations}" : "")}",
            };
        }
    }

    public string Render()
    {
        var text = new StringBuilder();
        var states = StatesWithSymmetryOff is { } off
            ? string.Create(CultureInfo.InvariantCulture, $"{States} orbits of domain symmetry ({off} states with it off)")
            : string.Create(CultureInfo.InvariantCulture, $"{States} states");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"spec check {Profile}, bound {Bound.Render()}: {states}, {Transitions} transitions, depth {Depth}, "
            + $"{Elapsed.TotalSeconds:0.00} s ({StatesPerSecond / 1e6:0.00} M states/s, {TransitionsPerSecond / 1e6:0.00} M transitions/s): {Verdict}");
        foreach (var violation in Violations)
        {
            text.AppendLine(violation.Render());
        }

        return text.ToString().TrimEnd();
    }
}
