namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// A ghost read of everything without taking a lock: for timelines and histories only, never for a decision.
    /// Under Coyote one task runs at a time, so this is the exact state at that instant, even inside another task's
    /// critical section, and it adds no scheduling point, so recording a timeline does not change what is explored.
    /// Outside Coyote it may be torn; nothing in the core relies on it.
    /// </summary>
    internal HostSnapshot PeekUnlocked() => Peek(everyDomain);

    /// <summary>A ghost read of the heap's two totals, as <see cref="PeekUnlocked"/> reads everything.</summary>
    internal (long FreePages, long OutstandingPages) PeekHeapUnlocked() => (totalAvailPages, outstandingClaims);

    /// <summary>
    /// The heap_lock object, for the model's ghost observer of heap states (it records the heap's totals each time a
    /// heap_lock section ends, which is the only place they change).
    /// </summary>
    internal object GhostHeapLock => heapLock;

    /// <summary>Copies the host and the given domains; the caller decides what it holds while doing so.</summary>
    private HostSnapshot Peek(IReadOnlyList<Domain> domains)
    {
        var snapshots = domains.Select(d => new DomainSnapshot(
            d.Id, d.State, d.TotPages, d.ExtraPages, DomainTotPages(d), OwnedPages(d), d.MaxPages, d.OutstandingPages,
            d.NodeOutstandingPages.ToArray(), d.GhostClaimTargetPages, d.TmemEphemeralPages, d.TmemPersistentPages,
            d.GhostPagesInFlight, d.GhostKillStarted, d.LastAllocNode, d.NodeAffinity, d.CreationFinished, d.PendingScrubPages)).ToArray();
        return new HostSnapshot(Profile.Name, TotalPages, totalAvailPages, nodeAvailPages.ToArray(), outstandingClaims,
            nodeOutstandingClaims.ToArray(), xenHeapNodePages.Sum(), offlinedPages, sharedPages, snapshots,
            tmemFreeListNodePages.ToArray());
    }
}
