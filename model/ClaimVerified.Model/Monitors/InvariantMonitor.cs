using ClaimVerified.Model.Benchmarks;
using ClaimVerified.Model.Properties;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using Microsoft.Coyote.Specifications;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The accounting invariants, as a Coyote monitor. It judges every audit an observer makes (claims sum, claims backed,
/// claim bound, conservation, expiry, release), every physinfo an administrator reads (admin view), and the final
/// audit when every domain is gone (no leak). Each check is timed when <see cref="PropertyCheckTimer"/> is on. Observers audit at points the scheduler chooses, so an invariant that
/// breaks only between two critical sections is caught exactly when a real observer could see it.
/// </summary>
public sealed class InvariantMonitor : Monitor
{
    private Profile profile = Catalogue.Reference;
    private string scenario = "?";

    [Start]
    [OnEventDoAction(typeof(RunStarted), nameof(OnRunStarted))]
    [OnEventDoAction(typeof(Audited), nameof(OnAudited))]
    [OnEventDoAction(typeof(PhysInfoSeen), nameof(OnPhysInfoSeen))]
    [OnEventDoAction(typeof(AllDomainsGone), nameof(OnAllDomainsGone))]
    private sealed class Watching : State
    {
    }

    private void OnRunStarted(Event e)
    {
        var started = (RunStarted)e;
        profile = Catalogue.Get(started.ProfileName);
        scenario = started.ScenarioName;
    }

    private void OnAudited(Event e)
    {
        var audited = (Audited)e;
        var timing = PropertyCheckTimer.Start();
        var violation = SnapshotProperties.FirstViolation(audited.Snapshot, profile);
        PropertyCheckTimer.Stop(timing);
        Report(violation, $"seen by {audited.Actor}");
    }

    private void OnPhysInfoSeen(Event e)
    {
        var seen = (PhysInfoSeen)e;
        var timing = PropertyCheckTimer.Start();
        var violation = AdminView.Check(seen.Info);
        PropertyCheckTimer.Stop(timing);
        Report(violation, $"seen by {seen.Actor}");
    }

    private void OnAllDomainsGone(Event e)
    {
        var snapshot = ((AllDomainsGone)e).Snapshot;
        var timing = PropertyCheckTimer.Start();
        var violation = SnapshotProperties.FirstViolation(snapshot, profile) ?? NoLeak.Check(snapshot);
        PropertyCheckTimer.Stop(timing);
        Report(violation, "at the end");
    }

    private void Report(string? violation, string where)
    {
        if (violation is not null)
        {
            World.Last?.History.Freeze();
        }

        Assert(violation is null, Violations.Format(violation, profile.Name, scenario, where));
    }
}
