using ClaimVerified.Specification.Properties;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The seed's promise (<see cref="Guarantee"/>), as a Coyote monitor: it follows which domains a toolstack was
/// admitted to build and up to what target (a claim, or without claims the weaker free-memory check), forgets a belief
/// once it is void (<see cref="BuildBeliefs"/>), counts what other callers populate in each domain, and hands every
/// failed order-0 allocation to the run's judge.
/// </summary>
public sealed class GuaranteeMonitor : Monitor
{
    private readonly BuildBeliefs beliefs = new();
    private WatchedRun run = WatchedRun.None;

    [Start]
    [OnEventDoAction(typeof(RunStarted), nameof(OnRunStarted))]
    [OnEventDoAction(typeof(BuildClaiming), nameof(OnClaiming))]
    [OnEventDoAction(typeof(BuildAdmitted), nameof(OnAdmitted))]
    [OnEventDoAction(typeof(BuildReleased), nameof(OnReleased))]
    [OnEventDoAction(typeof(BuildVoiding), nameof(OnVoiding))]
    [OnEventDoAction(typeof(OtherPopulate), nameof(OnOtherPopulate))]
    [OnEventDoAction(typeof(AllocationFailed), nameof(OnAllocationFailed))]
    private sealed class Watching : State
    {
    }

    private void OnRunStarted(Event e) => run = ((RunStarted)e).Run;

    private void OnClaiming(Event e) => beliefs.Claiming(((BuildClaiming)e).Domid);

    private void OnAdmitted(Event e) => beliefs.Admitted((BuildAdmitted)e);

    private void OnReleased(Event e) => beliefs.Released(((BuildReleased)e).Domid);

    private void OnVoiding(Event e)
    {
        var voiding = (BuildVoiding)e;
        beliefs.Voiding(voiding.Domid, voiding.Returned);
    }

    private void OnOtherPopulate(Event e)
    {
        var populate = (OtherPopulate)e;
        beliefs.OtherPopulate(populate.Domid, populate.Pages, populate.DonePages);
    }

    private void OnAllocationFailed(Event e)
    {
        var failed = (AllocationFailed)e;
        if (run.Judge.Guarantee(failed, beliefs.Of(failed.Domid), beliefs.OthersPagesAgainst(failed.Domid)) is { } violation
            && run.Violated(violation, $"seen by {failed.Actor}") is { } message)
        {
            Assert(false, message);
        }
    }
}
