using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using Microsoft.Coyote.SystematicTesting;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// Actors that act on a domain someone else makes (reapers, administrators, the claim toolstack) wait for one instead
/// of polling: a domain made late is still acted on, and where none can appear any more every waiter gives up, so no
/// run deadlocks whatever the schedule.
/// </summary>
public sealed class WaitingActorsTests
{
    /// <summary>Yields this many times before it creates its domain: longer than any poll the old workloads made (20).</summary>
    private const int LateYields = 30;

    [Fact]
    public void A_reaper_kills_a_domain_made_late_in_every_schedule()
    {
        var late = new Scenario("late-domain", "late-domain", "a domain created after many yields, and a reaper", new HostConfig(1, 8),
            w =>
            [
                async () =>
                {
                    for (var i = 0; i < LateYields; i++)
                    {
                        await Turn.PassAsync();
                    }

                    w.Do("maker", new CreateDomain(Caller.Control, 4));
                },
                () => Reaper.RunAsync(w, "reaper", DomainTarget.Any),
            ]);
        var worlds = Explore(Catalogue.Reference, late, 100);
        Assert.Equal(100, worlds.Count);
        Assert.All(worlds, w => Assert.Contains(w.History.Entries, e => e.Actor == "reaper" && e.Operation.StartsWith("kill", StringComparison.Ordinal)));
    }

    [Theory]
    // No one makes a domain: both administrators and the toolstack give up.
    [InlineData("""{"nodes":1,"pagesPerNode":4,"actors":[{"kind":"max-mem-admin","name":"a1","steps":2},{"kind":"max-mem-admin","name":"a2","steps":2},{"kind":"claim-toolstack","name":"t1","steps":2}]}""")]
    // The one domain is made, killed and destroyed while an administrator still has an act to make (a deadlock once).
    [InlineData("""{"nodes":2,"pagesPerNode":8,"actors":[{"kind":"builder","name":"b1","nodePages":[11],"maxPages":3,"mayDestroy":true},{"kind":"reaper","name":"r1"},{"kind":"sharer","name":"s1","steps":3},{"kind":"max-mem-admin","name":"m1","steps":2}]}""")]
    public void Waiters_give_up_when_no_domain_can_appear_and_no_schedule_deadlocks(string json)
    {
        var scenario = ScenarioCatalogue.Given(GeneratedConfig.Parse(json, Catalogue.Reference));
        var worlds = Explore(Catalogue.Reference, scenario, 300);
        Assert.Equal(300, worlds.Count);
        Assert.All(worlds, w => Assert.True(w.Completed, "a run did not reach its teardown"));
    }

    /// <summary>Explores and returns every run's world; fails on any bug (a deadlock is one) other than a property's.</summary>
    private static List<World> Explore(Profile profile, Scenario scenario, uint schedules)
    {
        Explorer.EnsureRewritten();
        var worlds = new List<World>();
        var gate = new object();
        var watch = RunWatch.Monitored with { Started = w => { lock (gate) { worlds.Add(w); } } };
        using var engine = TestingEngine.Create(Explorer.Configure(new ExplorationOptions(schedules)), () => scenario.RunAsync(profile, watch));
        engine.Run();
        var bug = engine.TestReport.BugReports.FirstOrDefault();
        Assert.True(bug is null || bug.StartsWith('['), $"not a property's violation: {bug}");
        Assert.Empty(engine.TestReport.UncontrolledInvocations);
        return bug is null ? worlds : throw new Xunit.Sdk.XunitException($"a property broke, the test needs a configuration that holds: {bug}");
    }
}
