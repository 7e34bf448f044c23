using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Exploration;

/// <summary>One violation met by a whole-budget exploration: the result of the exploration that met it.</summary>
/// <param name="SchedulesBefore">Schedules explored before the exploration that met it began.</param>
public sealed record MetViolation(ExplorationResult Result, int SchedulesBefore)
{
    public string Property => Result.PropertyId ?? "unknown";

    /// <summary>Schedules from the start of the whole exploration to this violation (1-based).</summary>
    public int ScheduleIndex => SchedulesBefore + Result.Iterations;
}

/// <summary>What a whole-budget exploration met.</summary>
public sealed record WholeBudgetResult(string ProfileName, string ScenarioName, int Schedules, IReadOnlyList<MetViolation> Violations, TimeSpan Elapsed);

/// <summary>
/// Explores a scenario's whole budget instead of stopping at the first violation: Coyote's engine stops an exploration
/// at its first bug, so after each one the exploration goes on from the next schedule with a seed derived from the
/// first and from how far it got. The same options give the same violations, in the same order.
/// </summary>
public static class WholeBudget
{
    /// <summary>A limit on everything: at most this many violations are kept (the exploration stops there).</summary>
    public const int MaxViolations = 1000;

    /// <summary>
    /// Explores the whole budget; <paramref name="met"/> is told of each violation and may end the exploration early by
    /// returning true (attribution stops as soon as the property it looks for is met).
    /// </summary>
    public static WholeBudgetResult Explore(Profile profile, Scenario scenario, ExplorationOptions options, Func<MetViolation, bool>? met = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var violations = new List<MetViolation>();
        var spent = 0;
        var seed = options.Seed;
        while (spent < options.Iterations && violations.Count < MaxViolations)
        {
            var result = Explorer.Explore(profile, scenario, options with { Iterations = options.Iterations - (uint)spent, Seed = seed });
            if (result.UncontrolledInvocations.Count > 0)
            {
                throw new InvalidOperationException($"uncontrolled invocations: {string.Join(", ", result.UncontrolledInvocations)}");
            }

            if (!result.BugFound)
            {
                spent += result.Iterations;
                break;
            }

            var violation = new MetViolation(result, spent);
            violations.Add(violation);
            spent += Math.Max(1, result.Iterations);
            if (met?.Invoke(violation) == true)
            {
                break;
            }

            seed = unchecked(seed * 2654435761u + (uint)spent);
        }

        return new WholeBudgetResult(profile.Name, scenario.Name, spent, violations, stopwatch.Elapsed);
    }
}
