using ClaimVerified.Specification.Properties;
using Microsoft.Coyote.Specifications;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The seed's promise (<see cref="Guarantee"/>), as a Coyote monitor: it follows which domains a toolstack was
/// admitted to build and up to what target (a claim, or without claims the weaker free-memory check), forgets a belief
/// once it is void, and hands every failed order-0 allocation to the run's judge.
/// </summary>
public sealed class GuaranteeMonitor : Monitor
{
    private readonly Dictionary<int, BuildAdmitted> admitted = [];
    private string profileName = "?";
    private string scenario = "?";
    private PropertyJudge judge = PropertyJudge.Default;
    private Action onViolation = () => { };

    [Start]
    [OnEventDoAction(typeof(RunStarted), nameof(OnRunStarted))]
    [OnEventDoAction(typeof(BuildAdmitted), nameof(OnAdmitted))]
    [OnEventDoAction(typeof(BuildReleased), nameof(OnReleased))]
    [OnEventDoAction(typeof(AllocationFailed), nameof(OnAllocationFailed))]
    private sealed class Watching : State
    {
    }

    private void OnRunStarted(Event e)
    {
        var started = (RunStarted)e;
        profileName = started.ProfileName;
        scenario = started.ScenarioName;
        judge = started.Judge;
        onViolation = started.OnViolation;
    }

    private void OnAdmitted(Event e)
    {
        var build = (BuildAdmitted)e;
        admitted[build.Domid] = build;
    }

    private void OnReleased(Event e) => admitted.Remove(((BuildReleased)e).Domid);

    private void OnAllocationFailed(Event e)
    {
        var failed = (AllocationFailed)e;
        if (judge.Guarantee(failed, admitted.GetValueOrDefault(failed.Domid)) is not { } violation)
        {
            return;
        }

        onViolation();
        Assert(false, ViolationMessage.Format(violation, profileName, scenario, $"seen by {failed.Actor}"));
    }
}
