using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// The generated family's manifest rows: each explores its whole budget, attributes every violation to the finding
/// whose fix removes it, and must meet exactly what the row says (reference: nothing; no profile: anything new).
/// </summary>
public sealed class GeneratedManifestTests
{
    private static readonly ExpectedResults Manifest = ExpectedResults.Load();

    private static string[] RowProfiles() =>
        [.. Manifest.Results.Where(r => r.Scenario == ScenarioCatalogue.Generated.Name).Select(r => r.Profile)];

    public static TheoryData<string> Profiles() => [.. RowProfiles()];

    [Fact]
    public void Every_profile_has_a_generated_row_and_the_reference_holds()
    {
        Assert.Equal(Catalogue.All.Select(p => p.Name).Order(StringComparer.Ordinal), RowProfiles().Order(StringComparer.Ordinal));
        Assert.Equal("holds", Manifest.For(Catalogue.Reference.Name, ScenarioCatalogue.Generated.Name).Expect);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void The_generated_row_is_as_the_manifest_says(string profile)
    {
        var row = Manifest.For(profile, ScenarioCatalogue.Generated.Name);
        var (whole, met) = GeneratedCell.Meet(Catalogue.Get(profile), ScenarioCatalogue.Generated, new ExplorationOptions(row.Budget));
        Assert.Equal((int)row.Budget, whole.Schedules);
        var judged = row.JudgeFindings([.. met.Select(m => (m.Attributed.Label, m.Attributed.Findings))], whole.Schedules);
        Assert.True(judged.Judgement == Judgement.AsExpected, $"{profile} x generated: {judged.Deviation}");
    }
}
