using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The accounting invariants, as a Coyote monitor. It judges every audit an observer makes (claims sum, claims backed,
/// claim bound, conservation, expiry, release), every physinfo an administrator reads (admin view), and the final
/// audit when every domain is gone (no leak). The checks themselves are the run's <see cref="PropertyJudge"/>.
/// Observers audit at points the scheduler chooses, so an invariant that breaks only between two critical sections is
/// caught exactly when a real observer could see it; and at every point no core lock is held the world sends the state
/// an audit started there would see (<see cref="ClaimVerified.Locks.Quiescence"/>, a ghost read: no scheduling point),
/// so a state an audit could see is judged whether or not the scheduler placed an observer's look there.
/// </summary>
public sealed class InvariantMonitor : Monitor
{
    private WatchedRun run = WatchedRun.None;

    [Start]
    [OnEventDoAction(typeof(RunStarted), nameof(OnRunStarted))]
    [OnEventDoAction(typeof(Audited), nameof(OnAudited))]
    [OnEventDoAction(typeof(PhysInfoSeen), nameof(OnPhysInfoSeen))]
    [OnEventDoAction(typeof(AllDomainsGone), nameof(OnAllDomainsGone))]
    [OnEventDoAction(typeof(RunEnded), nameof(OnRunEnded))]
    private sealed class Watching : State
    {
    }

    private void OnRunStarted(Event e) => run = ((RunStarted)e).Run;

    private void OnAudited(Event e)
    {
        var audited = (Audited)e;
        Report(() => run.Judge.Audit(audited.Snapshot, run.Profile), $"seen by {audited.Actor}");
    }

    private void OnPhysInfoSeen(Event e)
    {
        var seen = (PhysInfoSeen)e;
        Report(() => run.Judge.PhysInfo(seen.Info) ?? run.Judge.PhysInfoAtomic(seen.Info, seen.HeldDuringCall), $"seen by {seen.Actor}");
    }

    private void OnAllDomainsGone(Event e)
    {
        var snapshot = ((AllDomainsGone)e).Snapshot;
        Report(() => run.Judge.Final(snapshot, run.Profile), "at the end");
    }

    private void OnRunEnded(Event e)
    {
        if (run.Ended() is { } message)
        {
            Assert(false, message);
        }
    }

    /// <summary>
    /// Judges until the judge finds nothing more: a run that stops at its first violation asserts it at once; one that
    /// goes on records it, and its judge then passes over that property, so each round either records another property
    /// broken at the same point or ends (at most one round per property).
    /// </summary>
    private void Report(Func<PropertyViolation?> judge, string where)
    {
        for (var round = 0; round <= PropertyCatalogue.All.Count; round++)
        {
            if (judge() is not { } violation)
            {
                return;
            }

            if (run.Violated(violation, where) is { } message)
            {
                Assert(false, message);
                return;
            }
        }

        throw new InvalidOperationException($"the judge reported a property it had recorded already ({where})");
    }
}
