using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A thread of the random-operations mode: a fixed sequence of public hypercalls, each at a point the scheduler
/// chooses, with an audit after each so that the invariants are judged between every two calls of every thread. A
/// physinfo goes through <see cref="World.ObservePhysInfo"/>, so that what it shows is judged against the heap states
/// it spanned. A kill is recorded as what the toolstack's hypercall is, one continuation of domain_kill after another
/// (<see cref="KillContinuation"/>: the claim released and the domain dying, then its pages given back, then dead),
/// and a destroy as that kill followed by the last reference going. Recorded as one operation, a call that meets the
/// domain dying with its pages not yet back (refused as dying, while physinfo still shows those pages taken) would
/// make every design, the reference included, non-linearizable for a reason that is not a bug: the specification's
/// one-step kill has no such state, Xen's preemptible one does.
/// </summary>
public static class CallerThread
{
    public static async Task RunAsync(World world, string actor, IReadOnlyList<Operation> calls)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(calls);
        foreach (var call in calls)
        {
            await Turn.PassAsync();
            if (call is Specification.PhysInfo)
            {
                world.ObservePhysInfo(actor);
            }
            else if (call is DomainKill kill)
            {
                await KillAsync(world, actor, kill.Caller, kill.DomId);
            }
            else if (call is DestroyDomain destroy)
            {
                await KillAsync(world, actor, destroy.Caller, destroy.DomId);
                world.Do(actor, destroy);
            }
            else
            {
                world.Do(actor, call);
            }

            world.Audit(actor);
        }
    }

    /// <summary>A limit on everything: a kill of the small hosts here takes three continuations; more is a bug.</summary>
    public const int MaxKillContinuations = 16;

    /// <summary>
    /// domain_kill as the toolstack's hypercall makes it: one continuation after another until the domain is dead,
    /// each its own entry in the history (so that what others see between them is judged), at points the scheduler
    /// chooses.
    /// </summary>
    private static async Task KillAsync(World world, string actor, Caller caller, int domid)
    {
        for (var continuation = 0; continuation < MaxKillContinuations; continuation++)
        {
            if (world.Do(actor, new KillContinuation(caller, domid)).Errno != Errno.ERESTART)
            {
                return;
            }

            await Turn.PassAsync();
        }

        throw new InvalidOperationException($"the kill of d{domid} did not finish in {MaxKillContinuations} continuations");
    }
}
