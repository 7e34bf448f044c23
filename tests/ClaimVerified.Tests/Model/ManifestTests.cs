
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;
namespace ClaimVerified.Tests.Model;

/// <summary>
/// The committed manifest, checked: every profile x scenario either holds for its budget of explored schedules or
/// violates one of the properties it names, with a message that names the profile and the scenario.
/// </summary>
public sealed class ManifestTests
{
    private static readonly ExpectedResults Manifest = ExpectedResults.Load();

    public static TheoryData<string, string> Cells()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Manifest.Results)
        {
            data.Add(row.Profile, row.Scenario);
        }

        return data;
    }

    [Fact]
    public void The_manifest_covers_every_profile_and_scenario()
    {
        Assert.Equal(Catalogue.All.Count * ScenarioCatalogue.All.Count, Manifest.Results.Count);
        foreach (var profile in Catalogue.All)
        {
            foreach (var scenario in ScenarioCatalogue.All)
            {
                Assert.NotNull(Manifest.For(profile.Name, scenario.Name));
            }
        }
    }

    [Fact]
    public void The_reference_holds_everywhere()
    {
        Assert.All(Manifest.Results.Where(r => r.Profile == Catalogue.Reference.Name), r => Assert.Equal("holds", r.Expect));
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Each_cell_is_as_the_manifest_says(string profile, string scenario)
    {
        var row = Manifest.For(profile, scenario);
        var result = Explorer.Explore(Catalogue.Get(profile), ScenarioCatalogue.Get(scenario), new ExplorationOptions(row.Budget));
        Assert.Empty(result.UncontrolledInvocations);
        var judged = row.Judge(result);
        Assert.True(judged.Judgement == Judgement.AsExpected, $"{profile} x {scenario}: {judged.Deviation}");
    }
}
