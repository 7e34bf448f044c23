
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
        // The generated family's rows are checked by GeneratedManifestTests, a class of their own so that xUnit runs
        // them beside these (a class's cases run one after another).
        foreach (var row in Manifest.Results.Where(r => ScenarioCatalogue.Get(r.Scenario).Configure is null))
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
    public void Only_the_extra_pages_scenario_is_not_applicable_and_only_where_no_code_takes_that_path()
    {
        var cells = Manifest.Results.Where(r => r.IsNotApplicable).Select(r => $"{r.Profile} x {r.Scenario}").Order(StringComparer.Ordinal);
        Assert.Equal(
            ["no-claims x extra-pages", "seed-2012 x extra-pages", "xen-4.13 x extra-pages", "xen-4.3 x extra-pages", "xen-4.6 x extra-pages"],
            cells);
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
        var notApplicable = ScenarioCatalogue.Get(scenario).NotApplicable(Catalogue.Get(profile));
        Assert.True(row.IsNotApplicable == notApplicable is not null,
            $"{profile} x {scenario}: the manifest says {row.Describe()}, the scenario says {notApplicable ?? "it applies"}");
        if (notApplicable is not null)
        {
            // Nothing to explore: the manifest gives the scenario's own reason, and the scenario refuses to run.
            Assert.Equal(notApplicable, row.Reason);
            var refused = Explorer.Explore(Catalogue.Get(profile), ScenarioCatalogue.Get(scenario), new ExplorationOptions(1));
            Assert.Contains($"does not apply to {profile}", refused.BugMessage, StringComparison.Ordinal);
            return;
        }

        var result = Explorer.Explore(Catalogue.Get(profile), ScenarioCatalogue.Get(scenario), new ExplorationOptions(row.Budget));
        Assert.Empty(result.UncontrolledInvocations);
        var judged = row.Judge(result);
        Assert.True(judged.Judgement == Judgement.AsExpected, $"{profile} x {scenario}: {judged.Deviation}");
    }
}
