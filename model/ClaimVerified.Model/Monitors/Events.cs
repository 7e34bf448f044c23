using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace ClaimVerified.Model.Monitors;

/// <summary>
/// The run a monitor watches: the profile and scenario it checks (every violation message names them), the judge the
/// monitors use, and what to do when one reports a violation (the run freezes its history there, so that a
/// counterexample ends at the break).
/// </summary>
/// <param name="Log">
/// Where a run that goes on past its violations records them (null: the run stops at its first). Its judge passes over
/// the properties recorded already (<see cref="PropertyJudge.ContinuingWith"/>).
/// </param>
public sealed record WatchedRun(Profile Profile, string ScenarioName, PropertyJudge Judge, Action OnViolation, ViolationLog? Log = null)
{
    /// <summary>Before the run has started: nothing to name, and nothing to freeze.</summary>
    public static WatchedRun None { get; } = new(Catalogue.Reference, "?", PropertyJudge.Default, () => { });

    /// <summary>
    /// The assertion message of <paramref name="violation"/> seen <paramref name="where"/>, after the run is told; null
    /// when the run records it and goes on (then it asserts at its end, <see cref="Ended"/>). A terminal property ends
    /// even such a run, asserting its first violation (<see cref="ViolationLog.Terminal"/>).
    /// </summary>
    public string? Violated(PropertyViolation violation, string where)
    {
        ArgumentNullException.ThrowIfNull(violation);
        var message = ViolationMessage.Format(violation, Profile.Name, ScenarioName, where);
        if (Log is null)
        {
            OnViolation();
            return message;
        }

        Log.Record(violation.Property, message);
        if (!ViolationLog.Terminal.Contains(violation.Property))
        {
            return null;
        }

        OnViolation();
        return Log.Assert();
    }

    /// <summary>The run is over: the message to assert, its first recorded violation's (null: none, or it does not go on).</summary>
    public string? Ended()
    {
        if (Log?.Entries.Count is null or 0)
        {
            return null;
        }

        OnViolation();
        return Log.Assert();
    }
}

/// <summary>
/// The run is over, every domain gone and judged: a run that went on past its violations asserts the first one now, so
/// that Coyote holds it as the schedule's bug (sent only by such runs).
/// </summary>
public sealed class RunEnded : Monitor.Event
{
}

/// <summary>The run starts: every monitor learns what it watches.</summary>
public sealed class RunStarted(WatchedRun run) : Monitor.Event
{
    public WatchedRun Run { get; } = run;
}

/// <summary>An observer's consistent audit of the host (<see cref="Host.Snapshot"/>).</summary>
public sealed class Audited(HostSnapshot snapshot, string actor) : Monitor.Event
{
    public HostSnapshot Snapshot { get; } = snapshot;

    public string Actor { get; } = actor;
}

/// <summary>What an administrator's <c>xl info</c> saw: one physinfo call.</summary>
public sealed class PhysInfoSeen(PhysInfo info, string actor, IReadOnlyList<(long FreePages, long OutstandingPages)> heldDuringCall) : Monitor.Event
{
    public PhysInfo Info { get; } = info;

    public string Actor { get; } = actor;

    /// <summary>The heap's (free, outstanding) totals from the call's start to its return, in order.</summary>
    public IReadOnlyList<(long FreePages, long OutstandingPages)> HeldDuringCall { get; } = heldDuringCall;
}

/// <summary>Every domain is gone and every workload has finished: the final audit.</summary>
public sealed class AllDomainsGone(HostSnapshot snapshot) : Monitor.Event
{
    public HostSnapshot Snapshot { get; } = snapshot;
}

/// <summary>
/// A toolstack now believes the domain can reach <see cref="TargetPages"/>: its claim succeeded, or (without claims)
/// its free-memory check passed.
/// </summary>
/// <param name="targetCountsEarlierPages">
/// Whether the pages the domain already had count towards the target: XENMEM_claim_pages claims the target less
/// tot_pages, so video RAM populated before it spends the same promise; a claim set claims its entries on top of what
/// the domain has, and a free-memory check looks only at free memory, so there only pages populated by calls that had
/// not returned before the claim was called (<see cref="BuildClaiming"/>) count.
/// </param>
public sealed class BuildAdmitted(string actor, int domid, long targetPages, string basis, bool targetCountsEarlierPages = true) : Monitor.Event
{
    public bool TargetCountsEarlierPages { get; } = targetCountsEarlierPages;

    public string Actor { get; } = actor;

    public int Domid { get; } = domid;

    public long TargetPages { get; } = targetPages;

    /// <summary>"claim" or "free-memory check".</summary>
    public string Basis { get; } = basis;
}

/// <summary>A build is about to stake its claim (or check free memory): other callers' pages populated by now are the domain's already.</summary>
public sealed class BuildClaiming(int domid) : Monitor.Event
{
    public int Domid { get; } = domid;
}

/// <summary>The belief is void from here on: the build cancelled its claim, or someone is killing or shrinking the domain.</summary>
public sealed class BuildReleased(int domid) : Monitor.Event
{
    public int Domid { get; } = domid;
}

/// <summary>
/// Another caller's operation that voids a build's belief (a kill, a lower max_pages, a changed claim) was called, or has
/// returned. From its call the belief is void; until its return it may take effect at any point, so a build admitted
/// meanwhile was never promised anything: the caller's change can land after the admission.
/// </summary>
public sealed class BuildVoiding(int domid, bool returned) : Monitor.Event
{
    public int Domid { get; } = domid;

    public bool Returned { get; } = returned;
}

/// <summary>
/// Another caller's populate of a domain (a device model's video RAM) was called for <see cref="Pages"/>, or has returned
/// having populated <see cref="DonePages"/> of them. Those pages are the domain's, so they spend its claim as the
/// builder's own do: a build that falls short by no more than them was not broken by anyone but its own toolstack.
/// </summary>
public sealed class OtherPopulate(int domid, long pages, long? donePages) : Monitor.Event
{
    public int Domid { get; } = domid;

    public long Pages { get; } = pages;

    /// <summary>Null at the call; at the return, the pages it populated.</summary>
    public long? DonePages { get; } = donePages;
}

/// <summary>
/// An order-0 allocation for the domain failed: the last fallback of a build, at <see cref="TotPages"/> of the build's
/// own pages. <see cref="UpToPages"/> is what the build was admitted for up to and including the node it failed on (a
/// build placed per node fills its nodes in turn and is held to each node's share; any other build: its whole target).
/// </summary>
public sealed class AllocationFailed(string actor, int domid, long totPages, Errno errno, int node, long upToPages = long.MaxValue) : Monitor.Event
{
    public string Actor { get; } = actor;

    public int Domid { get; } = domid;

    public long TotPages { get; } = totPages;

    public Errno Errno { get; } = errno;

    public int Node { get; } = node;

    public long UpToPages { get; } = upToPages;
}
