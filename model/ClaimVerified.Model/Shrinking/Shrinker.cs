using System.Globalization;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Shrinking;

/// <summary>A counterexample made smaller: its configuration, the violation met on it, and how the shrinking went.</summary>
public sealed record Shrunk(GeneratedConfig Config, Scenario Scenario, MetViolation Violation, Attributed Attributed, int Tried, int Steps)
{
    /// <summary>One line for a trace's README.</summary>
    public string Describe(GeneratedConfig original) =>
        $"shrunk from {Size(original)} to {Size(Config)} ({Steps} smaller configurations kept of {Tried} tried), "
        + "then the shortest of its violating schedules kept";

    private static string Size(GeneratedConfig c) =>
        $"{c.Actors.Count} actors, {c.Actors.Sum(a => a.Calls?.Count ?? a.Steps)} calls, {c.Nodes}x{c.NodePages} pages";
}

/// <summary>
/// Minimises a failing generated configuration before it is recorded (issue "Generated exploration", item 3): drop
/// actors, domains and calls, then lower steps, sizes and the host, keeping each change while the same property still
/// breaks and the violation is still attributed to the same finding (so a smaller configuration never trades one
/// finding for another); then, of the smallest configuration's violating schedules, keep the shortest. Greedy, first
/// improvement first, with a limit on everything: a candidate is explored for <see cref="CandidateBudget"/> schedules,
/// at most <see cref="MaxTries"/> candidates are tried, and at most <see cref="MaxFallbacks"/> of the kept ones
/// attributed in full. The explorations use Coyote's portfolio strategy at the default seed (17), whatever the run's.
/// </summary>
public static partial class Shrinker
{
    public const uint CandidateBudget = 100;

    public const int MaxTries = 40;

    /// <summary>At most this many configurations of the chain, smallest first, are attributed in full before giving up.</summary>
    public const int MaxFallbacks = 3;

    /// <summary>Of the smallest configuration's violations of the property, at most this many are replayed to find the shortest.</summary>
    public const int MaxShortestCandidates = 8;

    /// <summary>The smaller counterexample, or null when no smaller configuration keeps the property broken by the same finding.</summary>
    /// <param name="calibrationBudget">What every attribution of the shrinking gives its calibration (the run's).</param>
    public static Shrunk? Shrink(Profile profile, GeneratedConfig config, MetViolation violation, Attributed attributed,
        uint calibrationBudget = Attributor.CalibrationBudget)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(violation);
        ArgumentNullException.ThrowIfNull(attributed);
        var property = violation.Property;
        var chain = new List<GeneratedConfig> { config };
        var seen = new HashSet<string>(StringComparer.Ordinal) { config.ToJson() };
        var tried = 0;
        for (var improved = true; improved && tried < MaxTries;)
        {
            improved = false;
            foreach (var candidate in Candidates(chain[^1]).Where(c => seen.Add(c.ToJson()) && c.Validate(profile) is null))
            {
                if (++tried > MaxTries)
                {
                    break;
                }

                if (StillBreaks(profile, candidate, property, attributed, calibrationBudget))
                {
                    chain.Add(candidate);
                    improved = true;
                    break;
                }
            }
        }

        // The quick check keeps each step on the finding's fix; the full attribution of the smallest configuration decides.
        // Should another fix explain it there too (a compound, another finding), the next larger one is tried.
        for (var i = chain.Count - 1; i > 0 && i >= chain.Count - MaxFallbacks; i--)
        {
            var scenario = ScenarioCatalogue.Given(chain[i]);
            if (Shortest(profile, scenario, property, attributed, calibrationBudget) is { } found)
            {
                return new Shrunk(chain[i], scenario, found.Violation, found.Attributed, Math.Min(tried, MaxTries), i);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the configuration still breaks the property, in a way the finding's fixes remove (the same schedule
    /// replayed with them, else the configuration explored with them); for a new or inconclusive violation, one no known
    /// finding explains still (a smaller configuration that meets it more readily may turn inconclusive into new).
    /// </summary>
    private static bool StillBreaks(Profile profile, GeneratedConfig config, string property, Attributed attributed, uint calibrationBudget)
    {
        var scenario = ScenarioCatalogue.Given(config);
        var met = WholeBudget.Explore(profile, scenario, new ExplorationOptions(CandidateBudget), v => v.Property == property)
            .Violations.FirstOrDefault(v => v.Property == property);
        return met is not null && (attributed.IsUnexplained
            ? Keeps(attributed, Attributor.Attribute(profile, scenario, met, calibrationBudget: calibrationBudget))
            : Attributor.Removes(profile, scenario, met, attributed.Findings, CandidateBudget));
    }

    /// <summary>
    /// Whether a smaller configuration's attribution keeps the original one: the same label, or both explained by no
    /// known finding (new or inconclusive: a configuration that meets the property more readily may turn one into the
    /// other). A model failure is kept only by a model failure: a crash of the model shrunk into a "new" finding, or a
    /// new finding into a crash, would record a counterexample of something else.
    /// </summary>
    public static bool Keeps(Attributed original, Attributed smaller)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(smaller);
        return original.Label == smaller.Label
            || (original.IsUnexplained && smaller.IsUnexplained && !original.IsModelFailure && !smaller.IsModelFailure);
    }

    /// <summary>The violation of the property with the fewest operations, among the first few met, attributed as the original.</summary>
    private static (MetViolation Violation, Attributed Attributed)? Shortest(Profile profile, Scenario scenario, string property, Attributed original,
        uint calibrationBudget)
    {
        var met = WholeBudget.Explore(profile, scenario, new ExplorationOptions(CandidateBudget))
            .Violations.Where(v => v.Property == property).Take(MaxShortestCandidates)
            .OrderBy(v => Counterexample.Replay(profile, scenario, v.Result, v.Property).History.Count).ThenBy(v => v.ScheduleIndex);
        foreach (var violation in met)
        {
            var attributed = Attributor.Attribute(profile, scenario, violation, calibrationBudget: calibrationBudget);
            if (Keeps(original, attributed))
            {
                return (violation, attributed);
            }
        }

        return null;
    }

    /// <summary>
    /// Smaller configurations, the largest cuts first: actors, half the host's few pages, an extent, domains, calls; then
    /// steps, sizes (by whole extents where they are that large), a page less.
    /// </summary>
    public static IEnumerable<GeneratedConfig> Candidates(GeneratedConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        for (var i = 0; i < c.Actors.Count && c.Actors.Count > 1; i++)
        {
            yield return c with { Actors = [.. c.Actors.Where((_, j) => j != i)] };
        }

        if (c.PagesPerNode > 1)
        {
            yield return c with { PagesPerNode = (c.PagesPerNode + 1) / 2 };
        }

        if (c.ExtentsPerNode > 0)
        {
            yield return c with { ExtentsPerNode = c.ExtentsPerNode - 1 };
        }

        for (var k = 0; k < (c.Domains?.Count ?? 0) && c.Domains!.Count > 1; k++)
        {
            if (WithoutDomain(c, k) is { } smaller)
            {
                yield return smaller;
            }
        }

        foreach (var (i, calls) in Callers(c))
        {
            for (var j = 0; j < calls.Count && calls.Count > 1; j++)
            {
                yield return WithCalls(c, i, [.. calls.Where((_, k) => k != j)]);
            }
        }

        for (var i = 0; i < c.Actors.Count; i++)
        {
            foreach (var actor in SmallerActor(c.Actors[i]))
            {
                yield return c with { Actors = [.. c.Actors.Select((a, j) => j == i ? actor : a)] };
            }
        }

        foreach (var (i, calls) in Callers(c))
        {
            for (var j = 0; j < calls.Count; j++)
            {
                foreach (var call in SmallerCall(calls[j]))
                {
                    yield return WithCalls(c, i, [.. calls.Select((old, k) => k == j ? call : old)]);
                }
            }
        }

        for (var k = 0; k < (c.Domains?.Count ?? 0); k++)
        {
            if (c.Domains![k] > 0)
            {
                yield return c with { Domains = [.. c.Domains.Select((max, j) => j == k ? max - 1 : max)] };
            }
        }

        if (c.PagesPerNode > 2)
        {
            yield return c with { PagesPerNode = c.PagesPerNode - 1 };
        }
    }

    private static IEnumerable<(int Index, IReadOnlyList<string> Calls)> Callers(GeneratedConfig c) =>
        c.Actors.Select((a, i) => (i, a.Calls)).Where(x => x.Calls is { Count: > 0 }).Select(x => (x.i, x.Calls!));

    private static GeneratedConfig WithCalls(GeneratedConfig c, int actor, IReadOnlyList<string> calls) =>
        c with { Actors = [.. c.Actors.Select((a, j) => j == actor ? a with { Calls = calls } : a)] };

    private static IEnumerable<ActorSpec> SmallerActor(ActorSpec a)
    {
        if (a.Steps > 1)
        {
            yield return a with { Steps = a.Steps - 1 };
        }

        if (a.MaxPages > 0)
        {
            yield return a with { MaxPages = a.MaxPages - Step(a.MaxPages) };
        }

        if (a.StartPages > 0)
        {
            yield return a with { StartPages = a.StartPages - 1 };
        }

        for (var n = 0; n < (a.NodePages?.Count ?? 0); n++)
        {
            if (a.NodePages![n] > 0)
            {
                yield return a with { NodePages = [.. a.NodePages.Select((p, j) => j == n ? p - Step(p) : p)] };
            }
        }
    }

    /// <summary>
    /// A build of whole 2 MiB extents shrinks by a whole extent: a page less would leave an extent of 511 pages, which
    /// libxenguest populates as 511 calls of one page (a schedule hundreds of steps longer, not a smaller counterexample).
    /// Any other size shrinks by a page.
    /// </summary>
    private static long Step(long pages) => pages > 0 && pages % GeneratedConfig.ExtentPages == 0 ? GeneratedConfig.ExtentPages : 1;

    /// <summary>A call with one number lowered (a size, a claim-set entry) or its node choice left to the allocator.</summary>
    private static IEnumerable<string> SmallerCall(string call)
    {
        foreach (Match number in Number().Matches(call))
        {
            var value = long.Parse(number.Value, CultureInfo.InvariantCulture);
            // A node is a name, not a size; an order has only a few values (0, 9, 18), so neither is lowered.
            var before = call[..number.Index];
            var isNodeOrOrder = before.EndsWith("node=", StringComparison.Ordinal) || before.EndsWith("@node", StringComparison.Ordinal)
                || before.EndsWith("order=", StringComparison.Ordinal);
            if (value > 0 && !isNodeOrOrder)
            {
                yield return call[..number.Index] + (value - 1).ToString(CultureInfo.InvariantCulture) + call[(number.Index + number.Length)..];
            }
        }

        if (NodeOption().IsMatch(call))
        {
            yield return NodeOption().Replace(call, "");
        }
    }

    /// <summary>
    /// The configuration without domain <paramref name="index"/>: calls on it go (a caller left with none goes too),
    /// and the later domains' names move down by one. Null when nothing would be left.
    /// </summary>
    private static GeneratedConfig? WithoutDomain(GeneratedConfig c, int index)
    {
        var gone = index + 1;
        var actors = new List<ActorSpec>();
        foreach (var actor in c.Actors)
        {
            if (actor.Calls is null)
            {
                actors.Add(actor);
                continue;
            }

            var calls = actor.Calls.Where(call => !DomainName().Matches(call).Any(m => Number(m) == gone))
                .Select(call => DomainName().Replace(call, m => Number(m) > gone ? $"d{Number(m) - 1}" : m.Value)).ToArray();
            if (calls.Length > 0)
            {
                actors.Add(actor with { Calls = calls });
            }
        }

        return actors.Count == 0 ? null : c with { Actors = actors, Domains = [.. c.Domains!.Where((_, j) => j != index)] };
    }

    private static int Number(Match domain) => int.Parse(domain.Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])d(\d+)(?![A-Za-z0-9_-])")]
    private static partial Regex DomainName();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])\d+(?![A-Za-z0-9_])")]
    private static partial Regex Number();

    [GeneratedRegex(@" node=\d+")]
    private static partial Regex NodeOption();
}
