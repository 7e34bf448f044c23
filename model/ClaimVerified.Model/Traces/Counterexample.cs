
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
    /// shortest counterexample is the one a person can read. Null when no attempt finds a violation. Once one attempt
    /// has found a violation, each later one explores at most as many schedules as it needed (and at least
    /// <see cref="LaterAttemptFloor"/>): they look for a shorter reading of a violation in hand, not for a rare one
    /// again (claim-window's split window, met about once in a thousand schedules, cost three times its first meeting).
    /// </summary>
    /// <param name="explored">An exploration already made with these options at <c>Seed</c>: an attempt with that seed
    /// reuses it instead of exploring the same schedules again (an exploration is a function of its options, and one
    /// with fewer schedules explores a prefix of them).</param>
    public static Counterexample? FindShortest(Profile profile, Scenario scenario, uint budget, int attempts, Strategy strategy = Strategy.Portfolio,
        (uint Seed, ExplorationResult Result)? explored = null) =>
        SearchShortest(profile, scenario, budget, attempts, strategy, explored).Shortest;

    /// <summary><see cref="FindShortest"/>, with the schedules its attempts explored (a reused exploration counts as none).</summary>
    public static (Counterexample? Shortest, long Schedules) SearchShortest(Profile profile, Scenario scenario, uint budget, int attempts,
        Strategy strategy = Strategy.Portfolio, (uint Seed, ExplorationResult Result)? explored = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        Counterexample? best = null;
        var schedules = 0L;
        var limit = budget;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var seed = (uint)(1000003L * attempt + 17);
            var known = explored is { } given && given.Seed == seed ? given.Result : null;
            var result = known is null ? Explorer.Explore(profile, scenario, new ExplorationOptions(limit, strategy, seed))
                : !known.BugFound || known.Iterations <= limit ? known : null;
            schedules += known is null ? result!.Iterations : 0;
            if (result is not { BugFound: true })
            {
                continue;
            }

            limit = Math.Min(limit, Math.Max((uint)result.Iterations, LaterAttemptFloor));
            var replayed = Replay(profile, scenario, result);
            if (best is null || replayed.History.Count < best.History.Count)
            {
                best = replayed;
            }
        }

        return (best, schedules);
    }

    /// <summary>
    /// The fewest schedules a later attempt of <see cref="FindShortest"/> gets: a violation found in the first schedule
    /// or two says nothing of how long a shorter one takes to find.
    /// </summary>
    public const uint LaterAttemptFloor = 200;

    /// <summary>
    /// Replays the trace of <paramref name="result"/> and returns the counterexample: its history and configuration. The
    /// replay judges the violation's property alone (<see cref="Explorer.Replay"/>), so the history ends at its break:
    /// <paramref name="property"/>'s, one the schedule recorded past its first (default: the bug's).
    /// </summary>
    public static Counterexample Replay(Profile profile, Scenario scenario, ExplorationResult result, string? property = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (_, world) = Explorer.Replay(profile, scenario, result.ReproducibleTrace!, only: property ?? result.PropertyId);
        return new Counterexample(result, world?.History.Entries.ToArray() ?? [], world?.ConfigurationJson, world?.History.Pending ?? []);
    }
}
