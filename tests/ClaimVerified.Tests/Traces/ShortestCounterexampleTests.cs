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
