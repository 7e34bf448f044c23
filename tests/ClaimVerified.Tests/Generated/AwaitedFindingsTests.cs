using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// What a row waits for, as stories: a finding expected alone is not met by a compound; a run still waiting for a
/// finding attributes past the first two violations of a property, up to its limit, and one that waits for nothing
/// those violations could be does not.
/// </summary>
public sealed class AwaitedFindingsTests
{
    private const string TwoBuilders = """
        {"nodes":1,"pagesPerNode":8,"actors":[
          {"kind":"builder","name":"builder1","nodePages":[5],"maxPages":5},
          {"kind":"builder","name":"builder2","nodePages":[3],"maxPages":3},
          {"kind":"observer","name":"admin","steps":2}]}
        """;

    [Fact]
    public void A_finding_expected_alone_is_met_only_alone_the_others_in_any_compound_and_each_first_time_is_kept()
    {
        var awaited = new AwaitedFindings([("a", Expectation.Alone), ("b", Expectation.InCompound), ("c", Expectation.Staged)]);
        awaited.Record(Attributed.Compound(["a", "b"], "why"), 10);
        Assert.Equal(new Dictionary<string, int> { ["b"] = 10 }, awaited.First);
        awaited.Record(Attributed.Single("a", "why"), 20);
        awaited.Record(Attributed.Single("b", "why"), 30);
        Assert.False(awaited.AllMet);
        awaited.Record(Attributed.Compound(["c", "x"], "why"), 40);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 20, ["b"] = 10, ["c"] = 40 }, awaited.First);
        Assert.True(awaited.AllMet);
        // Negative space: a finding is awaited once; new and inconclusive meet nothing.
        Assert.Throws<ArgumentException>(() => new AwaitedFindings([("a", Expectation.Alone), ("a", Expectation.Staged)]));
        var fresh = new AwaitedFindings([("a", Expectation.Staged)]);
        fresh.Record(new Attributed(Attributed.New, [], "why"), 1);
        Assert.Empty(fresh.First);
    }

    [Fact]
    public void A_row_still_waiting_for_a_finding_attributes_past_the_first_two_of_a_property_up_to_its_limit()
    {
        var profile = Catalogue.Xen43;
        var scenario = ScenarioCatalogue.Given(GeneratedConfig.Parse(TwoBuilders, profile));
        var options = new ExplorationOptions(50);
        int Attributed(AwaitedFindings? awaited, string property) =>
            GeneratedCell.Meet(profile, scenario, options, awaited: awaited).Distinct
                .Where(d => d.Met.Property == property && d.Met.Label != ExpectedResult.NotAttributedLabel).Sum(d => d.Met.Count);

        // Two builders race on 4.3: 29 violations of claims-backed in 50 schedules, each the split window's (7 before the
        // audit at every point no lock is held, which sees the window whenever it opens, not only when an observer looks).
        Assert.Equal(29, WholeBudget.Explore(profile, scenario, options).Violations.Count(v => v.Property == "claims-backed"));
        // The dying domain's leak has no reaper to show it here, and its fix moves a critical section, so no replay can
        // rule it out: a run waiting for it alone attributes every violation until the limit of the property.
        Assert.Equal(GeneratedCell.MaxAttributedPerPropertyAwaiting,
            Attributed(new AwaitedFindings([("claim-on-dying-domain-leaks", Expectation.Alone)]), "claims-backed"));
        // Negative space: without a row to wait for (the main job's quick look), only the first two; waiting for a
        // finding the replays rule out on every violation (offlining: there is no offliner), only the first two too.
        Assert.Equal(GeneratedCell.MaxAttributedPerProperty, Attributed(null, "claims-backed"));
        Assert.Equal(GeneratedCell.MaxAttributedPerProperty,
            Attributed(new AwaitedFindings([("offline-unbacks-claims", Expectation.Alone)]), "claims-backed"));
    }

    [Fact]
    public void A_violation_may_meet_only_an_awaited_finding_not_met_yet_that_its_configuration_and_replays_leave_open()
    {
        var profile = Catalogue.Xen422;
        var scenario = ScenarioCatalogue.Given(GeneratedConfig.Parse(SampleConfigs.BuilderAndOffliner, profile));
        var violation = WholeBudget.Explore(profile, scenario, new ExplorationOptions(300), _ => true).Violations.Single();
        Assert.Equal("offline-unbacks-claims", Attributor.Attribute(profile, scenario, violation).Label);
        var awaited = new AwaitedFindings([("offline-unbacks-claims", Expectation.Alone)]);
        Assert.True(awaited.MayMeetOne(profile, scenario, violation));
        awaited.Record(Attributed.Single("offline-unbacks-claims", "why"), violation.ScheduleIndex);
        Assert.False(awaited.MayMeetOne(profile, scenario, violation));
        // The stash could explain a broken guarantee, but not on a host of 8 pages, which holds no 2 MiB extent.
        // (Judged on the guarantee alone: the audit where no lock is held sees the offlined claim first in every schedule.)
        var guarantee = WholeBudget.Explore(profile, scenario, new ExplorationOptions(300, Only: "guarantee"), _ => true).Violations.Single();
        Assert.Equal("guarantee", guarantee.Property);
        Assert.Contains("build-stash-escapes-accounting", Attributor.CandidateFindings(profile, guarantee.Property));
        Assert.DoesNotContain("build-stash-escapes-accounting", Attributor.CandidateFindings(profile, scenario, guarantee));
        Assert.False(new AwaitedFindings([("build-stash-escapes-accounting", Expectation.Staged)]).MayMeetOne(profile, scenario, guarantee));
        // Nor a finding no fix names.
        Assert.False(new AwaitedFindings([("no-such-finding", Expectation.Staged)]).MayMeetOne(profile, scenario, violation));
    }
}
