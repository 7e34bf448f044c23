using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Exploration;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// The runner behind `claimverify bench`: seeds spaced as the Coyote notes ask, a tiny run of each measurement that
/// checks counts (never times), and the Markdown it renders.
/// </summary>
[Collection(MeteredCollection.Name)]
public sealed class CheckerPowerTests
{
    [Fact]
    public void Seeds_are_spaced_widely_and_the_first_is_the_manifest_default()
    {
        Assert.Equal(17u, CheckerPower.SeedFor(0));
        Assert.Equal(1_000_020u, CheckerPower.SeedFor(1));
        Assert.Equal(19_000_074u, CheckerPower.SeedFor(19));
    }

    [Fact]
    public void Time_to_first_bug_finds_an_expected_violation_and_judges_it()
    {
        var rows = CheckerPower.TimeToFirstBug(new TimeToFirstBugOptions
        {
            Profiles = ["xen-4.22"],
            Scenarios = ["offline"],
            Strategies = [Strategy.Random],
            Seeds = 2,
        });
        var row = Assert.Single(rows);
        Assert.Equal(2, row.Found);
        Assert.Equal(2, row.Judged);
        Assert.NotNull(row.MedianIterations);
        Assert.NotNull(row.WorstIterations);
        var markdown = CheckerPower.Render(rows);
        Assert.Contains("| xen-4.22 | offline | 2000 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| random | 2 | 2 (100 %) | 2 | 1/1 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Selection_covers_every_expected_violation_by_default()
    {
        var all = CheckerPower.SelectViolations(new TimeToFirstBugOptions());
        Assert.Equal(ClaimVerified.Model.Manifest.ExpectedResults.Load().Results.Count(r => r.ExpectsViolation), all.Count);
        Assert.All(all, cell => Assert.True(cell.ExpectsViolation));
    }

    [Fact]
    public void Exploration_speed_runs_every_schedule_and_times_the_property_checks()
    {
        var rows = CheckerPower.ExplorationSpeed(new ExplorationSpeedOptions
        {
            Profiles = ["xen-4.22"],
            Scenarios = ["offline"],
            Iterations = 30,
        });
        var row = Assert.Single(rows);
        Assert.Equal(30, row.Schedules); // a run to completion: bugs do not stop it
        Assert.True(row.PropertyChecks > 0, "no property check was timed");
        Assert.InRange(row.PropertyShare, 0.0, 1.0);
        Assert.Contains("| xen-4.22 | offline | portfolio | 30 |", CheckerPower.Render(rows), StringComparison.Ordinal);

        // The woven lockset checks are metered too: every lock taken and every guarded access, and xen-4.22's
        // declared unlocked reads (the claim wrapper's is_dying, getdomaininfo) as scheduling points.
        Assert.True(row.LocksetChecks > 100 * row.Schedules, $"only {row.LocksetChecks} lockset checks in {row.Schedules} schedules");
        Assert.InRange(row.LocksetShare, double.Epsilon, 1.0);
        Assert.True(row.UnlockedReadPoints > 0, "no declared unlocked read was counted");
        Assert.True(row.UnlockedReadPointsPerSchedule < row.AverageSteps, "unlocked reads are a part of the scheduling decisions");
    }
}
