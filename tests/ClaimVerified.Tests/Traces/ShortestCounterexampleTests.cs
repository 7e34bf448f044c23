using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Traces;

/// <summary>
/// The shortest of a violating cell's attempts: reusing the cell's own exploration for the attempt with its seed gives
/// the very counterexample that exploring again gives, and an exploration made with another seed is not reused.
/// </summary>
public sealed class ShortestCounterexampleTests
{
    [Fact]
    public void Reusing_the_cell_s_exploration_gives_the_same_shortest_counterexample()
    {
        var profile = Catalogue.Xen43;
        var scenario = ScenarioCatalogue.KillDuringClaim;
        var first = Explorer.Explore(profile, scenario, new ExplorationOptions(2000, Strategy.Portfolio, 17));
        Assert.True(first.BugFound);
        var explored = Counterexample.FindShortest(profile, scenario, 2000, 3);
        var reused = Counterexample.FindShortest(profile, scenario, 2000, 3, Strategy.Portfolio, (17, first));
        Assert.NotNull(explored);
        Assert.Equal(explored!.Result.ReproducibleTrace, reused!.Result.ReproducibleTrace);
        Assert.Equal(explored.History.Count, reused.History.Count);
    }

    [Fact]
    public void A_later_attempt_explores_no_longer_than_the_first_needed()
    {
        // no-claims x populate-during-build: seed 17 meets the free-check race at schedule 242, 1000020 only at 1,228 and
        // 2000023 not in 2,000. (xen-4.13 x tmem-balloon, the story before the audit at every point no lock is held,
        // now meets it at 30, 14 and 5.)
        var profile = Catalogue.NoClaims;
        var scenario = ScenarioCatalogue.PopulateDuringBuild;
        var first = Explorer.Explore(profile, scenario, new ExplorationOptions(2000, Strategy.Portfolio, 17));
        Assert.True(first.BugFound);
        var bound = Math.Max(first.Iterations, (int)Counterexample.LaterAttemptFloor);
        // Neither later seed meets it within the bound (explored only that far: each schedule builds 1,024 pages).
        Assert.All(new uint[] { 1000020, 2000023 }, seed =>
            Assert.False(Explorer.Explore(profile, scenario, new ExplorationOptions((uint)bound, Strategy.Portfolio, seed)).BugFound,
                $"seed {seed} meets it within {bound}: the story needs both later attempts beyond it"));

        var (shortest, schedules) = Counterexample.SearchShortest(profile, scenario, 2000, 3);
        // Negative space: each later attempt stopped at the bound, not at its violation far beyond it (or at 2,000).
        Assert.Equal(first.Iterations + bound + bound, schedules);
        Assert.NotNull(shortest);
    }

    [Fact]
    public void A_later_attempt_within_the_bound_is_weighed_and_the_shortest_kept()
    {
        // xen-4.13 x offline: seeds 17, 1000020 and 2000023 meet it at schedules 3, 3 and 2, all within 200, in 15, 19
        // and 11 operations (xen-4.13 x sharing, the story before the audit at every point no lock is held, now meets it
        // in 13, 14 and 13: the first is the shortest).
        var profile = Catalogue.Xen413;
        var scenario = ScenarioCatalogue.Offline;
        var results = Attempts(profile, scenario);
        var bound = Math.Max(results[0].Iterations, (int)Counterexample.LaterAttemptFloor);
        Assert.True(results.All(r => r.BugFound && r.Iterations <= bound), "the story needs every attempt within the bound");

        var (shortest, schedules) = Counterexample.SearchShortest(profile, scenario, 2000, 3);
        Assert.Equal(results.Sum(r => (long)r.Iterations), schedules);
        var histories = results.Select(r => Counterexample.Replay(profile, scenario, r).History.Count).ToArray();
        Assert.Equal(histories.Min(), shortest!.History.Count);
        // Negative space: the story weighs something, so keeping the first would be wrong.
        Assert.NotEqual(histories[0], histories.Min());
    }

    /// <summary>The three explorations the cell's attempts make, with the seeds SearchShortest gives them.</summary>
    private static ExplorationResult[] Attempts(Profile profile, Scenario scenario) =>
        [.. new uint[] { 17, 1000020, 2000023 }.Select(seed => Explorer.Explore(profile, scenario, new ExplorationOptions(2000, Strategy.Portfolio, seed)))];

    [Fact]
    public void An_exploration_made_with_another_seed_is_not_reused()
    {
        var profile = Catalogue.Xen43;
        var scenario = ScenarioCatalogue.KillDuringClaim;
        var holding = Explorer.Explore(Catalogue.Reference, scenario, new ExplorationOptions(5, Strategy.Portfolio, 99));
        // Offered for seed 99, which no attempt uses: every attempt explores, so violations are still found.
        Assert.NotNull(Counterexample.FindShortest(profile, scenario, 2000, 1, Strategy.Portfolio, (99, holding)));
        // Offered (wrongly) for seed 17, the holding result is taken as the first attempt's: none is found.
        Assert.Null(Counterexample.FindShortest(profile, scenario, 2000, 1, Strategy.Portfolio, (17, holding)));
    }
}
