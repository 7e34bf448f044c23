using ClaimVerified.Model.Benchmarks;

namespace ClaimVerified.Tests.Generated;

/// <summary>Item 7's table: a cell meets its targets only with a median of at most 100 and a worst of at most 2,000.</summary>
public sealed class TimeToFindingTests
{
    [Theory]
    [InlineData(100.0, 2000, true)]
    [InlineData(100.5, 150, false)]
    [InlineData(40.0, 2001, false)]
    [InlineData(null, null, false)]
    [InlineData(40.0, null, false)]
    public void A_cell_meets_the_targets_only_within_both(double? median, int? worst, bool meets)
    {
        var row = new TimeToFindingRow("xen-4.13", "generated", "max-pages-ignores-claim", Expectation.Alone, [1, null], median, worst, 4000);
        Assert.Equal(meets, row.MeetsTargets);
    }

    [Fact]
    public void The_generated_family_is_timed_on_every_staged_finding_of_its_profile_too()
    {
        var manifest = ClaimVerified.Model.Manifest.ExpectedResults.Load();
        foreach (var row in manifest.Results.Where(r => r.Scenario == "generated" && r.ExpectsFindings))
        {
            var expected = TimeToFinding.Expected(row);
            var staged = manifest.Results.Where(r => r.Profile == row.Profile && r.Scenario is not ("generated" or "random-ops") && r.Finding is not null)
                .Select(r => r.Finding!).ToHashSet();
            Assert.Superset(staged, expected.Select(e => e.Finding).ToHashSet());
            Assert.All(row.Findings ?? [], f => Assert.Contains((f, Expectation.Alone), expected));
            Assert.Equal(expected.Count, expected.Select(e => e.Finding).Distinct().Count());
        }

        // Negative space: random-ops makes public calls only, so it is timed on its own row and nothing staged.
        var randomOps = manifest.For("xen-4.13", "random-ops");
        Assert.DoesNotContain(TimeToFinding.Expected(randomOps), e => e.Expectation == Expectation.Staged);
        Assert.Contains(("claim-regrows-unbacked", Expectation.Staged), TimeToFinding.Expected(manifest.For("xen-4.3", "generated")));
        Assert.Contains(("claim-regrows-unbacked", Expectation.InCompound), TimeToFinding.Expected(manifest.For("xen-4.13", "generated")));
    }

    [Fact]
    public void A_finding_asked_for_by_name_is_timed_besides_the_rows_and_once()
    {
        var manifest = ClaimVerified.Model.Manifest.ExpectedResults.Load();
        var row = manifest.For("xen-4.22", "generated");
        Assert.DoesNotContain(TimeToFinding.Expected(row), e => e.Finding == "claim-ignores-inflight-pages");
        var asked = TimeToFinding.Expected(row, ["claim-ignores-inflight-pages", "claim-ignores-inflight-pages", "max-pages-ignores-claim"]);
        Assert.Single(asked, e => e == ("claim-ignores-inflight-pages", Expectation.Asked));
        // One the row already expects keeps the row's (stricter) expectation: asking cannot loosen "alone".
        Assert.Single(asked, e => e.Finding == "max-pages-ignores-claim");
        Assert.Contains(("max-pages-ignores-claim", Expectation.Alone), asked);
        var rendered = TimeToFinding.Render([new TimeToFindingRow("xen-4.22", "generated", "claim-ignores-inflight-pages", Expectation.Asked, [null], null, null, 2000)]);
        Assert.Contains("claim-ignores-inflight-pages (asked for; alone or in a compound)", rendered, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_shows_a_seed_that_never_met_it_and_the_missed_target()
    {
        var rows = new[]
        {
            new TimeToFindingRow("xen-4.22", "generated", "max-pages-ignores-claim", Expectation.Alone, [12, 30, null], 30, null, 4000),
            new TimeToFindingRow("xen-4.22", "generated", "global-claims-cannot-place", Expectation.InCompound, [5, 9, 7], 7, 9, 4000),
        };
        var table = TimeToFinding.Render(rows);
        Assert.Contains("| xen-4.22 | generated | max-pages-ignores-claim | 2/3 | 30 | >4000 | **missed** | 12 30 - |", table, StringComparison.Ordinal);
        Assert.Contains("| xen-4.22 | generated | global-claims-cannot-place (in a compound) | 3/3 | 7 | 9 | met | 5 9 7 |", table, StringComparison.Ordinal);
        Assert.Contains("1 of 2 cells meet both targets.", table, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_says_why_it_stopped_so_a_dash_of_the_attribution_limit_is_not_read_as_the_cap()
    {
        // One schedule: nothing met, the cap reached. One attribution allowed: the seed stops at the first violation
        // that could name an unmet finding, well before the cap, and says so; its unmet findings are "-" all the same.
        var lines = new List<string>();
        var capped = TimeToFinding.Measure(new TimeToFindingOptions { Profiles = ["xen-4.3"], Seeds = 1, Cap = 1 }, lines.Add);
        Assert.Contains(lines, l => l.StartsWith("xen-4.3 x generated seed 17:", StringComparison.Ordinal)
            && l.EndsWith("; explored up to the cap (1 schedules))", StringComparison.Ordinal));
        Assert.All(capped, r => Assert.Equal([null], r.FirstMet));

        lines.Clear();
        var limited = TimeToFinding.Measure(new TimeToFindingOptions { Profiles = ["xen-4.3"], Seeds = 1, Cap = 2000, MaxAttributions = 1 }, lines.Add);
        var seed = Assert.Single(lines, l => l.StartsWith("xen-4.3 x generated seed 17:", StringComparison.Ordinal));
        var at = System.Text.RegularExpressions.Regex.Match(seed, @"; stopped at the attribution limit \(1\) at schedule (\d+)\)$");
        Assert.True(at.Success, seed);
        Assert.InRange(int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 1999);
        Assert.Contains(limited, r => r.FirstMet[0] is null);
        Assert.All(limited, r => Assert.True(r.FirstMet[0] is null || r.FirstMet[0] <= int.Parse(at.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
