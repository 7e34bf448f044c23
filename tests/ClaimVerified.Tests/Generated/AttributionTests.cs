using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// Whole-budget exploration and attribution, as stories: two builders race on 4.3 and the split consumption window
/// shows; the offliner takes claimed pages on 4.22; take the right fix out of the table and the same violation is new.
/// </summary>
public sealed class AttributionTests
{
    private static GeneratedConfig Config(string json, Profile profile) => GeneratedConfig.Parse(json, profile);

    private const string TwoBuilders = """
        {"nodes":1,"pagesPerNode":8,"actors":[
          {"kind":"builder","name":"builder1","nodePages":[5],"maxPages":5},
          {"kind":"builder","name":"builder2","nodePages":[3],"maxPages":3},
          {"kind":"observer","name":"admin","steps":2}]}
        """;

    private const string BuilderAndOffliner = SampleConfigs.BuilderAndOffliner;

    [Fact]
    public void A_whole_budget_exploration_goes_on_after_the_first_violation_and_repeats_itself()
    {
        var scenario = ScenarioCatalogue.Given(Config(TwoBuilders, Catalogue.Xen43));
        var first = WholeBudget.Explore(Catalogue.Xen43, scenario, new ExplorationOptions(150));
        var again = WholeBudget.Explore(Catalogue.Xen43, scenario, new ExplorationOptions(150));
        Assert.Equal(150, first.Schedules);
        Assert.True(first.Violations.Count > 1, $"{first.Violations.Count} violations");
        Assert.Equal(first.Violations.Select(v => (v.ScheduleIndex, v.Result.BugMessage)), again.Violations.Select(v => (v.ScheduleIndex, v.Result.BugMessage)));
        Assert.Empty(WholeBudget.Explore(Catalogue.Reference, ScenarioCatalogue.Given(Config(TwoBuilders, Catalogue.Reference)), new ExplorationOptions(150)).Violations);
    }

    [Theory]
    [InlineData("xen-4.3", TwoBuilders, "split-consumption-window")]
    [InlineData("xen-4.22", BuilderAndOffliner, "offline-unbacks-claims")]
    public void A_violation_is_attributed_to_the_finding_whose_fix_removes_it(string profileName, string json, string finding)
    {
        var profile = Catalogue.Get(profileName);
        var scenario = ScenarioCatalogue.Given(Config(json, profile));
        var violation = WholeBudget.Explore(profile, scenario, new ExplorationOptions(300), _ => true).Violations.Single();
        var attributed = Attributor.Attribute(profile, scenario, violation);
        Assert.Equal(finding, attributed.Label);
        Assert.Equal([finding], attributed.Findings);
    }

    [Fact]
    public void Without_the_fix_that_removes_it_the_violation_is_new_not_folded_into_another_finding()
    {
        var profile = Catalogue.Xen422;
        var scenario = ScenarioCatalogue.Given(Config(BuilderAndOffliner, profile));
        var violation = WholeBudget.Explore(profile, scenario, new ExplorationOptions(300), _ => true).Violations.Single();
        var table = FindingFixes.All.Where(f => f.Finding != "offline-unbacks-claims").ToArray();
        var attributed = Attributor.Attribute(profile, scenario, violation, table);
        Assert.True(attributed.IsNew, attributed.Label + ": " + attributed.Why);
        Assert.Equal(Attributed.New, attributed.Label);
    }
}
