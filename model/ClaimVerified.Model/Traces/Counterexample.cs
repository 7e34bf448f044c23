
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
namespace ClaimVerified.Model.Traces;

/// <summary>A violation found by exploration, with the history of its execution (from a replay of its trace).</summary>
public sealed record Counterexample(ExplorationResult Result, IReadOnlyList<HistoryEntry> History)
{
    public Timeline Timeline => new(Result.ProfileName, Result.ScenarioName, Result.BugMessage, History);

    /// <summary>
    /// Explores <paramref name="attempts"/> times with widely spaced seeds (consecutive seeds are not independent
    /// under Coyote's random strategies) and keeps the violation whose execution has the fewest operations: the
    /// shortest counterexample is the one a person can read. Null when no attempt finds a violation.
    /// </summary>
    public static Counterexample? FindShortest(Profile profile, Scenario scenario, uint budget, int attempts, Strategy strategy = Strategy.Portfolio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        Counterexample? best = null;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var seed = (uint)(1000003L * attempt + 17);
            var result = Explorer.Explore(profile, scenario, new ExplorationOptions(budget, strategy, seed));
            if (!result.BugFound)
            {
                continue;
            }

            var history = ReplayHistory(profile, scenario, result.ReproducibleTrace!);
            if (best is null || history.Count < best.History.Count)
            {
                best = new Counterexample(result, history);
            }
        }

        return best;
    }

    /// <summary>Replays a trace and returns the history of the replayed execution.</summary>
    public static IReadOnlyList<HistoryEntry> ReplayHistory(Profile profile, Scenario scenario, string trace)
    {
        var (_, world) = Explorer.Replay(profile, scenario, trace);
        return world?.History.Entries.ToArray() ?? [];
    }
}
