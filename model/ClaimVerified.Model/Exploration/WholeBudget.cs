using ClaimVerified.Model.Monitors;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Exploration;

/// <summary>One violation met by a whole-budget exploration: the result of the exploration that met it.</summary>
/// <param name="SchedulesBefore">Schedules explored before the exploration that met it began.</param>
/// <param name="Recorded">
/// In a run that went on past violations, which of its schedule's violations this is (null: the schedule's bug itself).
/// Its trace is the whole schedule's; replayed judged by its property alone it ends at this violation.
/// </param>
public sealed record MetViolation(ExplorationResult Result, int SchedulesBefore, RecordedViolation? Recorded = null)
{
    public string Property => Recorded?.Property ?? Result.PropertyId ?? "unknown";

    /// <summary>The violation's message: the recorded one's, else the bug's.</summary>
    public string? Message => Recorded?.Message ?? Result.BugMessage;

    /// <summary>The model itself failed (an exception, a deadlock): no property broke, so there is nothing to attribute.</summary>
    public bool IsModelFailure => Recorded is null && Result.PropertyId is null;

    /// <summary>
    /// The violations of one explored schedule, in the order they broke: each one recorded by a run that went on, then
    /// the bug itself when it was none of them (the model failed after them); else the bug alone.
    /// </summary>
    public static IReadOnlyList<MetViolation> Of(ExplorationResult result, int schedulesBefore)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Violations.Count == 0)
        {
            return [new MetViolation(result, schedulesBefore)];
        }

        var recorded = result.Violations.Select(v => new MetViolation(result, schedulesBefore, v)).ToList();
        if (result.BugMessage != result.Violations[0].Message)
        {
            recorded.Add(new MetViolation(result, schedulesBefore));
        }

        return recorded;
    }

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

            var schedule = MetViolation.Of(result, spent);
            spent += Math.Max(1, result.Iterations);
            var enough = false;
            foreach (var violation in schedule.Take(MaxViolations - violations.Count))
            {
                violations.Add(violation);
                if (met?.Invoke(violation) == true)
                {
                    enough = true;
                    break;
                }
            }

            if (enough)
            {
                break;
            }

            seed = unchecked(seed * 2654435761u + (uint)spent);
        }

        return new WholeBudgetResult(profile.Name, scenario.Name, spent, violations, stopwatch.Elapsed);
    }
}
