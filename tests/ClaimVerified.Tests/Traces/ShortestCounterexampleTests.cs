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
    public void A_later_attempt_explores_no_longer_than_the_first_needed_and_still_takes_a_violation_within_that()
    {
        // xen-4.21.0 x tmem-balloon: seed 17 meets the split window at schedule 50, 1000020 only at 781, 2000023 at 34.
        var profile = Catalogue.Xen4210;
        var scenario = ScenarioCatalogue.TmemBalloon;
        var attempts = new uint[] { 17, 1000020, 2000023 }
            .Select(seed => Explorer.Explore(profile, scenario, new ExplorationOptions(2000, Strategy.Portfolio, seed))).ToArray();
        var (first, second, third) = (attempts[0].Iterations, attempts[1].Iterations, attempts[2].Iterations);
        var bound = Math.Max(first, (int)Counterexample.LaterAttemptFloor);
        Assert.True(attempts.All(a => a.BugFound) && second > bound && third <= bound,
            $"attempts met it at {first}, {second}, {third}: the story needs the second beyond {bound}, the third within");

        var (shortest, schedules) = Counterexample.SearchShortest(profile, scenario, 2000, 3);
        // Negative space: the second attempt stopped at the bound, not at its violation far beyond it.
        Assert.Equal(first + bound + third, schedules);
        // Positive space: the third, within the bound, was weighed against the first; the shorter one is kept.
        var within = new[] { attempts[0], attempts[2] }.Select(a => Counterexample.Replay(profile, scenario, a).History.Count).Min();
        Assert.Equal(within, shortest!.History.Count);
    }

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
