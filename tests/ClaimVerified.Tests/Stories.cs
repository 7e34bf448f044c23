using Microsoft.Coyote.SystematicTesting;
using ClaimVerified.Model.Exploration;

namespace ClaimVerified.Tests;

/// <summary>
/// A story of racing calls explored under Coyote, as the story tests tell them: the model's own explorer settings, no
/// uncontrolled invocation allowed (a story Coyote does not control would "hold" by never interleaving), and the first
/// bug's text returned for the test to assert on.
/// </summary>
public static class Stories
{
    /// <summary>Explores <paramref name="story"/> for <paramref name="schedules"/> schedules; the first bug's text, or null.</summary>
    public static string? FirstBug(Func<Task> story, uint schedules = 300)
    {
        ArgumentNullException.ThrowIfNull(story);
        Explorer.EnsureRewritten();
        using var engine = TestingEngine.Create(Explorer.Configure(new ExplorationOptions(schedules)), story);
        engine.Run();
        var report = engine.TestReport;
        Assert.Empty(report.UncontrolledInvocations);
        return report.NumOfFoundBugs == 0 ? null : report.BugReports.First();
    }
}
