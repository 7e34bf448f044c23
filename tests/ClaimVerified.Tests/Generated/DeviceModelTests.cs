using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// A device model populating video RAM in a domain another actor builds, drawn into the generated family: its pages
/// are the domain's and spend the same claim, so the guarantee holds a build to its target less them. Told as stories on
/// reference, which keeps every promise; a judge blind to the device model's pages blames the claim for them.
/// </summary>
public sealed class DeviceModelTests
{
    private const uint Schedules = 300;

    /// <summary>A build of 16 + 16 pages claimed per node on a host of 2 x 16, and a device model taking 2 pages of it.</summary>
    private const string PerNodeBuild = """
        {"nodes":2,"pagesPerNode":16,"actors":[
          {"kind":"builder","name":"builder1","nodePages":[16,16],"maxPages":40,"style":"per-node"},
          {"kind":"device-model","name":"device-model1","steps":2}]}
        """;

    /// <summary>A build of the whole host under one claim, and a device model taking 2 pages of it.</summary>
    private const string WholeHostBuild = """
        {"nodes":1,"pagesPerNode":16,"actors":[
          {"kind":"builder","name":"builder1","nodePages":[16],"maxPages":40},
          {"kind":"device-model","name":"device-model1","steps":2}]}
        """;

    [Theory]
    [InlineData(PerNodeBuild)]
    [InlineData(WholeHostBuild)]
    public void A_build_whose_device_model_spent_part_of_its_claim_keeps_its_guarantee(string json)
    {
        Assert.Null(Explore(json, PropertyJudge.Default));
    }

    [Theory]
    [InlineData(PerNodeBuild)]
    [InlineData(WholeHostBuild)]
    public void A_judge_blind_to_the_device_models_pages_blames_the_claim(string json)
    {
        var bug = Explore(json, new BlindToOthersJudge());
        Assert.NotNull(bug);
        Assert.Contains($"[{PropertyIds.Guarantee}] profile reference", bug, StringComparison.Ordinal);
        Assert.Matches(@"d1 was admitted by its claim for (16|32) pages, but an order-0 allocation( on node [01])? at tot=\d+ failed with ENOMEM", bug);
    }

    [Fact]
    public void A_device_model_is_drawn_on_every_profile_and_says_whom_it_acts_on()
    {
        foreach (var profile in Catalogue.All)
        {
            Assert.Contains(ActorKind.DeviceModel, ActorKinds.Swarm(profile));
        }

        Assert.True(ActorKinds.ActsOnOthers(ActorKind.DeviceModel));
        var config = GeneratedConfig.Parse(PerNodeBuild, Catalogue.Reference);
        Assert.Equal("device-model1: device-model, 2 page(s) of video RAM then unpause, on a domain a builder created", config.Actors[1].Describe());
    }

    /// <summary>Explores the configuration on reference with <paramref name="judge"/>; the first bug's text, or null.</summary>
    private static string? Explore(string json, PropertyJudge judge)
    {
        var profile = Catalogue.Reference;
        var scenario = ScenarioCatalogue.Given(GeneratedConfig.Parse(json, profile));
        return Stories.FirstBug(() => scenario.RunAsync(profile, RunWatch.Monitored with { Judge = judge }), Schedules);
    }

    /// <summary>The broken variant: judges the guarantee as if no one but the builder populated its domain.</summary>
    private sealed class BlindToOthersJudge : PropertyJudge
    {
        public override PropertyViolation? Guarantee(AllocationFailed failed, BuildAdmitted? build, long othersPages = 0) =>
            base.Guarantee(failed, build, othersPages: 0);
    }
}
