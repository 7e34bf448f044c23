using ClaimVerified.Specification.Properties;
using Microsoft.Coyote.Specifications;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The seed's promise, as a Coyote monitor: once a claim for a domain succeeds, allocations for that domain up to the
/// claimed target do not fail for lack of memory, whatever tmem, ballooning guests, other builders and offlining do.
/// A build falls back from 1 GiB to 2 MiB to 4 KiB extents, so the promise is broken exactly when an order-0
/// allocation fails with ENOMEM below the target. Without claims the toolstack's free-memory check is the (weaker)
/// basis of the same belief, and the model shows why it is not enough.
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
        var build = admitted.GetValueOrDefault(failed.Domid);
        if (!judge.BreaksGuarantee(failed, build))
        {
            return;
        }

        var where = failed.Node >= 0 ? $" on node {failed.Node}" : "";
        var detail = $"[{PropertyIds.Guarantee}] d{failed.Domid} was admitted by its {build!.Basis} for {build.TargetPages} pages, "
            + $"but an order-0 allocation{where} at tot={failed.TotPages} failed with ENOMEM";
        onViolation();
        Assert(false, Violations.Format(detail, profileName, scenario, $"seen by {failed.Actor}"));
    }
}
