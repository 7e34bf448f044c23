using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// The audit at every point no core lock is held (Locks/Quiescence.cs): a state an audit could see is judged whether or
/// not an observer looked there. The story: a toolstack stakes and changes a claim on a domain whose builder populates
/// it, and nobody watches. On xen-4.21.1 the builder's page, taken before the claim existed, lands in tot_pages after it,
/// and the claim outlives what it was for (expiry, claim-ignores-inflight-pages). The model without the quiescent audit,
/// kept beside it, never sees it: only the final audit looks, once every claim is gone.
/// </summary>
public sealed class QuiescentAuditTests
{
    private static readonly Profile Xen4211 = Catalogue.Xen4211;

    private static Scenario Story(Profile profile) => ScenarioCatalogue.Given(GeneratedConfig.Parse(SampleConfigs.ClaimOnABuildNobodyWatches, profile));

    [Fact]
    public void An_audit_where_no_lock_is_held_sees_the_in_flight_claim_that_no_observer_watched()
    {
        var result = Explorer.Explore(Xen4211, Story(Xen4211), new ExplorationOptions(3000, Only: "expiry"));

        Assert.True(result.BugFound, "3,000 schedules and the quiescent audit never saw the claim outlive its build");
        Assert.Contains("expiry", result.BugMessage, StringComparison.Ordinal);
        Assert.Contains($"seen by {World.QuiescentAuditor}", result.BugMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_it_the_same_schedules_never_see_it()
    {
        var observersOnly = RunWatch.Monitored with { AuditsWhenQuiescent = false };
        var result = Explorer.Explore(Xen4211, Story(Xen4211), new ExplorationOptions(3000, Only: "expiry"), observersOnly);

        Assert.False(result.BugFound, result.BugMessage);
        Assert.Equal(3000, result.Iterations);
    }

    [Fact]
    public void It_sees_nothing_on_reference_where_a_claim_counts_the_pages_in_flight()
    {
        var result = Explorer.Explore(Catalogue.Reference, Story(Catalogue.Reference), new ExplorationOptions(1000));

        Assert.False(result.BugFound, result.BugMessage);
    }
}
