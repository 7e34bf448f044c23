
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
namespace ClaimVerified.Model.Traces;

/// <summary>A violation found by exploration, with the history of its execution (from a replay of its trace).</summary>
/// <param name="ConfigurationJson">The generated configuration the execution followed (null: a staged scenario).</param>
public sealed record Counterexample(ExplorationResult Result, IReadOnlyList<HistoryEntry> History, string? ConfigurationJson = null,
    IReadOnlyList<PendingCall>? InFlight = null)
{
    public Timeline Timeline => new(Result.ProfileName, Result.ScenarioName, Result.BugMessage, History, Configuration?.Describe(), InFlight);

    /// <summary>The configuration, read back (null: a staged scenario).</summary>
    public GeneratedConfig? Configuration => ConfigurationJson is null ? null : GeneratedConfig.FromRecord(ConfigurationJson);

    /// <summary>
    /// Explores <paramref name="attempts"/> times with widely spaced seeds (consecutive seeds are not independent
    /// under Coyote's random strategies) and keeps the violation whose execution has the fewest operations: the
    /// shortest counterexample is the one a person can read. Null when no attempt finds a violation.
    /// </summary>
    /// <param name="explored">An exploration already made with these options at <c>Seed</c>: an attempt with that seed
    /// reuses it instead of exploring the same schedules again (an exploration is a function of its options).</param>
    public static Counterexample? FindShortest(Profile profile, Scenario scenario, uint budget, int attempts, Strategy strategy = Strategy.Portfolio,
        (uint Seed, ExplorationResult Result)? explored = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        Counterexample? best = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var seed = (uint)(1000003L * attempt + 17);
            var result = explored is { } known && known.Seed == seed ? known.Result
                : Explorer.Explore(profile, scenario, new ExplorationOptions(budget, strategy, seed));
            if (!result.BugFound)
            {
                continue;
            }

            var replayed = Replay(profile, scenario, result);
            if (best is null || replayed.History.Count < best.History.Count)
            {
                best = replayed;
            }
        }

        return best;
    }

    /// <summary>Replays the trace of <paramref name="result"/> and returns the counterexample: its history and configuration.</summary>
    public static Counterexample Replay(Profile profile, Scenario scenario, ExplorationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (_, world) = Explorer.Replay(profile, scenario, result.ReproducibleTrace!);
        return new Counterexample(result, world?.History.Entries.ToArray() ?? [], world?.ConfigurationJson, world?.History.Pending ?? []);
    }
}
