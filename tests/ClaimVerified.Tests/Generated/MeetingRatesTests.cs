using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Matrix;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// bench meetings: how often each expected finding is met a thousand drawn schedules, every violation that could meet one
/// attributed, and the median and worst of 20 seeds that rate implies.
/// </summary>
public sealed class MeetingRatesTests
{
    [Theory]
    [InlineData(10, 1000, 69.0, 336.3)] // ln 2 / -ln 0.99; ln(1 - 2^(-1/20)) / ln 0.99
    [InlineData(1, 2000, 1386.0, 6757.4)]
    [InlineData(500, 1000, 1.0, 4.9)]
    [InlineData(1000, 1000, 1.0, 1.0)]
    public void A_rate_implies_the_median_and_the_worst_of_20_seeds_of_a_geometric_first_meeting(int meetings, int schedules, double median, double worst)
    {
        var row = new MeetingRateRow("xen-4.13", "max-pages-ignores-claim", Expectation.Alone, [meetings], [schedules], 0);
        Assert.Equal(median, row.ImpliedMedian!.Value, 0.6);
        Assert.Equal(worst, row.ImpliedWorstOf20!.Value, 0.6);
        Assert.Equal(1000.0 * meetings / schedules, row.PerThousand, 6);
    }

    [Fact]
    public void A_finding_never_met_implies_nothing_and_shows_so()
    {
        var row = new MeetingRateRow("xen-4.13", "global-claims-cannot-place", Expectation.InCompound, [0, 0], [100, 60], 1);
        Assert.Null(row.ImpliedMedian);
        Assert.Null(row.ImpliedWorstOf20);
        var table = MeetingRates.Render([row], new MeetingRatesOptions { Seeds = 2, Schedules = 100 });
        Assert.Contains("| xen-4.13 | global-claims-cannot-place (named by any attribution) | 0 | 160 | 0.0 | - | - | 0/100 0/60 |", table, StringComparison.Ordinal);
        Assert.Contains("1 seed(s) stopped at the attribution limit", table, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_counts_every_meeting_of_its_schedules_and_a_limit_ends_it_where_it_stopped()
    {
        // xen-4.13's seed 17 first breaks a property at schedule 16, and meets a claim staked on a dying domain within 21.
        var lines = new List<string>();
        var none = MeetingRates.Measure(new MeetingRatesOptions { Profiles = ["xen-4.13"], Seeds = 1, Schedules = 15 }, lines.Add);
        Assert.NotEmpty(none);
        Assert.All(none, r => Assert.Equal((0, 15L, 0), (r.Meetings, r.Schedules, r.LimitStops)));

        var limited = MeetingRates.Measure(new MeetingRatesOptions { Profiles = ["xen-4.13"], Seeds = 1, Schedules = 60, MaxAttributions = 3 }, lines.Add);
        var dying = Assert.Single(limited, r => r.Finding == "claim-on-dying-domain-leaks");
        Assert.InRange(dying.Meetings, 1, 3);
        Assert.All(limited, r => Assert.Equal(1, r.LimitStops));
        Assert.All(limited, r => Assert.InRange(r.Schedules, 16L, 59L));
        Assert.InRange(limited.Sum(r => r.Meetings), 1, 3 * limited.Count);
        Assert.Contains(lines, l => l.StartsWith("xen-4.13 x generated seed 17: claim-on-dying-domain-leaks ", StringComparison.Ordinal)
            && l.EndsWith("(stopped at the attribution limit, 3)", StringComparison.Ordinal));
    }

    [Fact]
    public void Meets_counts_a_finding_expected_alone_only_where_named_alone()
    {
        var compound = ClaimVerified.Model.Attribution.Attributed.Compound(["split-consumption-window", "tmem-backed-claims-exceed-free"], "both");
        var alone = ClaimVerified.Model.Attribution.Attributed.Single("tmem-backed-claims-exceed-free", "one");
        Assert.False(AwaitedFindings.Meets(compound, Expectation.Alone, "tmem-backed-claims-exceed-free"));
        Assert.True(AwaitedFindings.Meets(compound, Expectation.InCompound, "tmem-backed-claims-exceed-free"));
        Assert.True(AwaitedFindings.Meets(alone, Expectation.Alone, "tmem-backed-claims-exceed-free"));
        Assert.True(AwaitedFindings.Meets(alone, Expectation.Staged, "tmem-backed-claims-exceed-free"));
        Assert.False(AwaitedFindings.Meets(alone, Expectation.Staged, "split-consumption-window"));
    }
}
