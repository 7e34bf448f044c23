using ClaimVerified.Model.Attribution;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Benchmarks;

/// <summary>
/// One seed's exploration of a drawn cell with its violations attributed, as the benches that count findings run it
/// (<see cref="TimeToFinding"/>, <see cref="MeetingRates"/>): a violation whose attribution could meet no finding still
/// awaited is not attributed (its replays and explorations are nearly all a seed's cost, and it cannot move a figure),
/// and a run where the model itself failed is reported, never attributed.
/// </summary>
public static class AttributedRun
{
    /// <summary>
    /// Explores up to <paramref name="schedules"/> schedules of <paramref name="seed"/>, hands each attribution made to
    /// <paramref name="attributed"/>, and stops where it returns true or after <paramref name="maxAttributions"/>
    /// attributions. Returns the schedules explored and the attributions made. <paramref name="continues"/>: each schedule
    /// goes on past its violations, and each one it records is a violation here (<see cref="ExplorationOptions.Continue"/>).
    /// </summary>
    public static (int Schedules, int Attributions) Explore(Profile profile, Scenario scenario, uint schedules, uint seed, AwaitedFindings awaited,
        int maxAttributions, Func<MetViolation, Attributed, bool> attributed, Action<string>? progress, bool continues = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(awaited);
        ArgumentNullException.ThrowIfNull(attributed);
        var attributions = 0;
        var run = WholeBudget.Explore(profile, scenario, new ExplorationOptions(schedules, Strategy.Portfolio, seed, Continue: continues), violation =>
        {
            if (violation.IsModelFailure)
            {
                // The model itself failed (an exception or a deadlock): no finding to count, and a bug to look at.
                progress?.Invoke($"MODEL FAILURE: {profile.Name} x {scenario.Name} seed {seed}, schedule {violation.ScheduleIndex}: {violation.Result.BugMessage}");
                return false;
            }

            if (!awaited.MayMeetOne(profile, scenario, violation))
            {
                return false;
            }

            var attribution = Attributor.Attribute(profile, scenario, violation);
            attributions++;
            return attributed(violation, attribution) || attributions >= maxAttributions;
        });
        return (run.Schedules, attributions);
    }
}
