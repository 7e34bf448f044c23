using Microsoft.Coyote.Specifications;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The accounting invariants, as a Coyote monitor. It judges every audit an observer makes (claims sum, claims backed,
/// claim bound, conservation, expiry, release), every physinfo an administrator reads (admin view), and the final
/// audit when every domain is gone (no leak). The checks themselves are the run's <see cref="PropertyJudge"/>. Observers audit at points the scheduler chooses, so an invariant that
/// breaks only between two critical sections is caught exactly when a real observer could see it.
/// </summary>
public sealed class InvariantMonitor : Monitor
{
    private Profile profile = Catalogue.Reference;
    private string scenario = "?";
    private PropertyJudge judge = PropertyJudge.Default;
    private Action onViolation = () => { };

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
        judge = started.Judge;
        onViolation = started.OnViolation;
    }

    private void OnAudited(Event e)
    {
        var audited = (Audited)e;
        Report(judge.Audit(audited.Snapshot, profile), $"seen by {audited.Actor}");
    }

    private void OnPhysInfoSeen(Event e)
    {
        var seen = (PhysInfoSeen)e;
        Report(judge.PhysInfo(seen.Info), $"seen by {seen.Actor}");
    }

    private void OnAllDomainsGone(Event e)
    {
        var snapshot = ((AllDomainsGone)e).Snapshot;
        Report(judge.Final(snapshot, profile), "at the end");
    }

    private void Report(PropertyViolation? violation, string where)
    {
        if (violation is null)
        {
            return;
        }

        onViolation();
        Assert(false, ViolationMessage.Format(violation, profile.Name, scenario, where));
    }
}
