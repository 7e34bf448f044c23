
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Model.Linearizability;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
using ClaimVerified.Tests.Core;
namespace ClaimVerified.Tests.Model;

/// <summary>
/// spec-check and linearize are judged against their manifests the way explore judges a cell: the row when there is
/// one, the profile's promise for every bound or scenario when it makes one (reference), and otherwise no expectation.
/// Results are made by hand here, so both sides of each judgement are seen without running a checker.
/// </summary>
public sealed class JudgementTests
{
    private static readonly SpecCheckResults SpecTable = SpecCheckResults.Load();
    private static readonly LinearizabilityResults LinearizabilityTable = LinearizabilityResults.Load();

    private static SpecCheckResult SpecResult(string profile, string bound, long states, params string[] violated) =>
        new(profile, SpecBound.Parse(bound, out _)!, violated.Length > 0 ? SpecCheckStatus.Violates : SpecCheckStatus.Holds,
            states, 0, 0, TimeSpan.Zero, violated.Select(p => new SpecCounterexample(p, "by hand", [])).ToArray(), null);

    [Fact]
    public void A_listed_bound_is_judged_by_its_row()
    {
        var row = SpecTable.Results.First(r => r.Violations.Count > 0);
        var recorded = row.Violations.Select(v => v.Property).ToArray();
        Assert.Equal(Judged.AsExpected, SpecTable.Judge(SpecResult(row.Profile, row.Bound, row.States, recorded)));
        Assert.Equal(Judgement.ExpectedViolationMissing, SpecTable.Judge(SpecResult(row.Profile, row.Bound, row.States)).Judgement);
        Assert.Equal(Judgement.UnexpectedViolation, SpecTable.Judge(SpecResult(row.Profile, row.Bound, row.States + 1, recorded)).Judgement);
        var extra = recorded.Contains("expiry") ? "claims-sum" : "expiry";
        Assert.Equal(Judgement.UnexpectedViolation, SpecTable.Judge(SpecResult(row.Profile, row.Bound, row.States, [.. recorded, extra])).Judgement);
    }

    [Fact]
    public void An_unlisted_bound_holds_for_reference_and_has_no_expectation_elsewhere()
    {
        const string unlisted = "nodes=1 pages=1 domains=1 sizes=1";
        Assert.DoesNotContain(SpecTable.Results, r => r.ParsedBound.ToArguments() == SpecBound.Parse(unlisted, out _)!.ToArguments());
        Assert.Equal(Judged.AsExpected, SpecTable.Judge(SpecResult("reference", unlisted, 5)));
        Assert.Equal(Judgement.UnexpectedViolation, SpecTable.Judge(SpecResult("reference", unlisted, 5, "claims-backed")).Judgement);
        Assert.Equal(Judged.NoExpectation, SpecTable.Judge(SpecResult("xen-4.22", unlisted, 5, "claims-backed")));
    }

    [Fact]
    public void Linearizability_is_judged_by_its_row_or_by_reference_s_promise()
    {
        static LinearizabilityExploration Result(string profile, string scenario, LinearizabilityStatus status) =>
            new(profile, scenario, status, 1, 0, 0, 0, -1, null, [], TimeSpan.Zero);

        var bad = LinearizabilityTable.Results.First(r => !r.Linearizable);
        Assert.Equal(Judged.AsExpected, LinearizabilityTable.Judge(Result(bad.Profile, bad.Scenario, LinearizabilityStatus.NotLinearizable)));
        Assert.Equal(Judgement.ExpectedViolationMissing,
            LinearizabilityTable.Judge(Result(bad.Profile, bad.Scenario, LinearizabilityStatus.Linearizable)).Judgement);
        Assert.Equal(Judgement.UnexpectedViolation,
            LinearizabilityTable.Judge(Result("reference", "an-unlisted-scenario", LinearizabilityStatus.NotLinearizable)).Judgement);
        Assert.Equal(Judged.NoExpectation, LinearizabilityTable.Judge(Result("xen-4.22", "an-unlisted-scenario", LinearizabilityStatus.NotLinearizable)));
    }

    [Fact]
    public void The_exit_code_puts_an_unexpected_violation_before_a_missing_one()
    {
        Assert.Equal(ExitCode.AsExpected, ExitCode.Of([Judgement.AsExpected, Judgement.NoExpectation]));
        Assert.Equal(ExitCode.ExpectedViolationMissing, ExitCode.Of([Judgement.AsExpected, Judgement.ExpectedViolationMissing]));
        Assert.Equal(ExitCode.UnexpectedViolation,
            ExitCode.Of([Judgement.ExpectedViolationMissing, Judgement.UnexpectedViolation, Judgement.NoExpectation]));
    }

    [Fact]
    public void A_staged_row_names_the_finding_of_each_property_its_story_may_show_first()
    {
        // The extra-pages story on xen-4.21.0: its own finding breaks the guarantee; the quiescent audit may first see
        // the split window (claims-backed), which builders-race stages on the same profile.
        var manifest = ExpectedResults.Load();
        var row = manifest.For("xen-4.21.0", "extra-pages");
        Assert.Equal("extra-pages-consume-claim", row.FindingFor("guarantee"));
        Assert.Equal("split-consumption-window", row.FindingFor("claims-backed"));
        Assert.Equal(["extra-pages-consume-claim", "split-consumption-window"], row.ShownFindings);
        Assert.Equal("extra-pages-consume-claim", row.FindingFor(null));

        // Negative space: a property the row does not list, an unknown finding, the row's own finding again, a row that holds.
        string Refused(ExpectedResult changed) => Assert.Throws<InvalidOperationException>(() =>
            (manifest with { Results = [.. manifest.Results.Select(r => r.Profile == changed.Profile && r.Scenario == changed.Scenario ? changed : r)] })
            .Validate()).Message;
        foreach (var bad in new Dictionary<string, string>[]
            {
                new() { ["admin-view"] = "split-consumption-window" },
                new() { ["claims-backed"] = "no-such-finding" },
                new() { ["claims-backed"] = "extra-pages-consume-claim" },
            })
        {
            Assert.Contains("findingsByProperty names", Refused(row with { FindingsByProperty = bad }), StringComparison.Ordinal);
        }

        var holds = manifest.For("reference", "extra-pages");
        Assert.Contains("findingsByProperty names",
            Refused(holds with { FindingsByProperty = new Dictionary<string, string> { ["claims-backed"] = "split-consumption-window" } }),
            StringComparison.Ordinal);
    }
}
