using System.Globalization;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Shrinking;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// Shrinking: every candidate is a smaller configuration (fewer actors, domains or calls, or smaller numbers), domains
/// are renamed when one goes, and a real counterexample comes out smaller, still breaking the same property for the
/// same finding.
/// </summary>
public sealed partial class ShrinkingTests
{
    private static int Size(GeneratedConfig c) =>
        c.Actors.Count + (c.Domains?.Count ?? 0) + c.Actors.Sum(a => (a.Calls?.Count ?? 0) + a.Steps)
        + (int)c.NodePages + (int)(c.Domains?.Sum() ?? 0) + (int)c.Actors.Sum(a => a.MaxPages + a.StartPages + (a.NodePages?.Sum() ?? 0))
        + c.Actors.Sum(a => (a.Calls ?? []).Sum(call => call.Length + Numbers().Matches(call).Sum(m => int.Parse(m.Value, CultureInfo.InvariantCulture))));

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();

    [Fact]
    public void Every_candidate_is_smaller_and_they_cut_the_largest_pieces_first()
    {
        var config = GeneratedConfig.FromRecord(SampleConfigs.TwoCallers);
        var candidates = Shrinker.Candidates(config).ToArray();
        Assert.NotEmpty(candidates);
        Assert.All(candidates, c => Assert.True(Size(c) < Size(config), string.Join("; ", c.Describe())));
        Assert.Equal(config.Actors.Count - 1, candidates[0].Actors.Count);
        Assert.Contains(candidates, c => c.Actors[0].Calls!.Contains("claim d1 2"));
        Assert.Contains(candidates, c => c.Actors[0].Calls!.Contains("populate d1 order=0") && c.Actors[0].Calls!.Count == 2);
        Assert.Contains(candidates, c => c.PagesPerNode == config.PagesPerNode - 1);
    }

    [Fact]
    public void A_build_of_extents_shrinks_by_whole_extents_and_an_extent_host_by_an_extent()
    {
        var config = GeneratedConfig.FromRecord("""
            {"nodes":2,"pagesPerNode":4,"extentsPerNode":2,"actors":[
              {"kind":"builder","name":"builder1","nodePages":[1024,512],"maxPages":1536},
              {"kind":"device-model","name":"device-model1","steps":2}]}
            """);
        var candidates = Shrinker.Candidates(config).ToArray();
        Assert.All(candidates, c => Assert.True(Size(c) < Size(config), string.Join("; ", c.Describe())));
        Assert.Contains(candidates, c => c.ExtentsPerNode == 1 && c.Actors.Count == 2);
        var builds = candidates.Select(c => c.Actors[0]).Where(a => a.Kind == ActorKind.Builder).ToArray();
        Assert.Contains(builds, a => a.NodePages!.SequenceEqual([512L, 512L]));
        Assert.Contains(builds, a => a.NodePages!.SequenceEqual([1024L, 0L]));
        Assert.Contains(builds, a => a.MaxPages == 1024);
        // Never an extent less a page: libxenguest would populate the 511 pages left one call each.
        Assert.DoesNotContain(builds, a => a.NodePages!.Any(p => p % GeneratedConfig.ExtentPages != 0) || a.MaxPages % GeneratedConfig.ExtentPages != 0);
    }

    [Fact]
    public void A_smaller_configuration_keeps_the_attribution_only_of_the_same_kind()
    {
        var inflight = Attributed.Single("claim-ignores-inflight-pages", "only its fix removes it");
        var newOne = new Attributed(Attributed.New, [], "no fix removes it");
        var inconclusive = new Attributed(Attributed.Inconclusive, [], "not met again");
        var crash = new Attributed(Attributed.ModelFailure, [], "the model failed: assign_pages refused");

        Assert.True(Shrinker.Keeps(inflight, inflight));
        Assert.True(Shrinker.Keeps(newOne, inconclusive));
        Assert.True(Shrinker.Keeps(inconclusive, newOne));
        Assert.True(Shrinker.Keeps(crash, crash));
        // Negative space: a crash of the model is never shrunk into a new finding, nor a new finding into a crash, nor
        // a finding into another one or into none.
        Assert.False(Shrinker.Keeps(newOne, crash));
        Assert.False(Shrinker.Keeps(crash, newOne));
        Assert.False(Shrinker.Keeps(inconclusive, crash));
        Assert.False(Shrinker.Keeps(inflight, newOne));
        Assert.False(Shrinker.Keeps(inflight, Attributed.Single("max-pages-ignores-claim", "only its fix removes it")));
    }

    [Fact]
    public void Dropping_a_domain_drops_the_calls_on_it_and_renames_the_later_ones()
    {
        var config = new GeneratedConfig(1, 4,
            [new ActorSpec(ActorKind.Caller, "c1", Calls: ["claim d1 2", "kill d2", "tmem-put d3 ephemeral as=d3", "domaininfo d3"])],
            Domains: [2, 3, 4]);
        var withoutD2 = Shrinker.Candidates(config).Single(c => c.Domains is [2, 4]);
        Assert.Equal(["claim d1 2", "tmem-put d2 ephemeral as=d2", "domaininfo d2"], withoutD2.Actors[0].Calls);
    }

    [Fact]
    public void A_real_counterexample_shrinks_and_keeps_its_property_and_finding()
    {
        // Two callers on xen-4.22: a claim and a destroy race (the unlocked dying check), amid a physinfo, a domaininfo
        // and a populate on a second domain that have nothing to do with it.
        var profile = Catalogue.Get("xen-4.22");
        var config = new GeneratedConfig(2, 2,
        [
            new ActorSpec(ActorKind.Caller, "caller1", Calls: ["physinfo", "claim d1 1", "domaininfo d2"]),
            new ActorSpec(ActorKind.Caller, "caller2", Calls: ["populate d2 order=0", "destroy d1"]),
        ], Domains: [1, 2]);
        var scenario = ScenarioCatalogue.Given(config);
        // Finding the drawn counterexample is the exploration's job, not the shrinker's: its own budget, not a candidate's
        // (seed 17 meets the race at schedule 104 since actors start as counted tasks; it met it within 100 before).
        var violation = WholeBudget.Explore(profile, scenario, new ExplorationOptions(1000), v => v.Property == "release")
            .Violations.First(v => v.Property == "release");
        var attributed = Attributor.Attribute(profile, scenario, violation);
        Assert.Equal("unlocked-dying-check", attributed.Label);

        var shrunk = Shrinker.Shrink(profile, config, violation, attributed)!;
        Assert.NotNull(shrunk);
        Assert.Equal("unlocked-dying-check", shrunk.Attributed.Label);
        Assert.Equal("release", shrunk.Violation.Property);
        Assert.True(Size(shrunk.Config) < Size(config), string.Join("; ", shrunk.Config.Describe()));
        Assert.Equal(["claim d1 1", "destroy d1"], shrunk.Config.Actors.SelectMany(a => a.Calls!).Order(StringComparer.Ordinal));
        Assert.Equal("release", Explorer.Replay(profile, shrunk.Scenario, shrunk.Violation.Result.ReproducibleTrace!).Result.PropertyId);
    }
}
