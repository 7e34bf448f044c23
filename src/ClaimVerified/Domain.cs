namespace ClaimVerified;

/// <summary>A domain's life: alive, then dying (domain_kill has begun), dead (every page relinquished), destroyed.</summary>
public enum DomainState
{
    Alive,
    Dying,
    Dead,
    Destroyed,
}

/// <summary>
/// One domain's accounting, with the lock that guards each field, as in Xen's struct domain. Fields are internal and
/// only the hypercall paths in <see cref="Host"/> touch them, always under the lock named beside them.
/// </summary>
public sealed class Domain
{
    internal Domain(int id, long maxPages, int nodeCount)
    {
        Id = id;
        MaxPages = maxPages;
        NodeAffinity = AllNodes(nodeCount);
        NodePages = new long[nodeCount];
        NodeOutstandingPages = new long[nodeCount];
        TmemEphemeralNodePages = new long[nodeCount];
    }

    /// <summary>
    /// The largest max_pages a domain can have: Xen's <c>max_pages</c> is an <c>unsigned int</c>, and
    /// XEN_DOMCTL_max_mem saturates a larger request there since 017e667c43 (do_domctl, xen/common/domctl.c).
    /// </summary>
    public const long MaxPagesLimit = uint.MaxValue;

    /// <summary>
    /// What "unlimited" asks for: <c>xc_domain_setmaxmem(xch, domid, -1)</c>, as Xen's own claim test calls it
    /// (tools/tests/mem-claim/test-mem-claim.c, f34c965281), is a max_memkb of 2^64-1, i.e. 2^62-1 pages of 4 KiB.
    /// Truncated or saturated, it becomes <see cref="MaxPagesLimit"/>.
    /// </summary>
    public const long UnlimitedRequestPages = (long)(ulong.MaxValue >> 2);

    public int Id { get; }

    /// <summary>Xen's per-domain <c>page_alloc_lock</c>. Lock order: page_alloc_lock before heap_lock.</summary>
    internal readonly object PageAllocLock = new();

    // ---- guarded by PageAllocLock --------------------------------------------------------------------------------

    /// <summary><c>tot_pages</c>. From Xen 4.14 (37663f36df) it includes extra pages; before, it did not.</summary>
    internal long TotPages;

    /// <summary><c>extra_pages</c>: no-refcount pages the domain owns (special pages, not RAM for claim purposes).</summary>
    internal long ExtraPages;

    /// <summary><c>max_pages</c>.</summary>
    internal long MaxPages;

    /// <summary>The domain's pages (refcounted and extra) per NUMA node, so that frees return to the right node.</summary>
    internal readonly long[] NodePages;

    /// <summary>Pages of tot_pages that hold the domain's tmem persistent pools (allocated owned, MEMF_tmem).</summary>
    internal long TmemPersistentPages;

    /// <summary>
    /// 4.22's <c>d->pending_scrub</c> (83a784a15b): the pages of the one extent a preempted populate_physmap left
    /// allocated, unassigned and partly scrubbed for its continuation; 0 when there is none. Its claim was consumed
    /// when it was allocated; it is in no counter but the ghost pages in flight.
    /// </summary>
    internal long PendingScrubPages;

    /// <summary><c>d->pending_scrub_order</c>: the stashed extent's order, which a continuation must ask for again.</summary>
    internal int PendingScrubOrder;

    /// <summary>The node the stashed extent is on (page_to_nid(d->pending_scrub)), which an exact request must name.</summary>
    internal int PendingScrubNode;

    // ---- guarded by the host's heap_lock ---------------------------------------------------------------------------

    /// <summary><c>outstanding_pages</c>: the remaining claim, the whole claim set included.</summary>
    internal long OutstandingPages;

    /// <summary>Claim sets only: the part of <see cref="OutstandingPages"/> tied to each node; the rest is global.</summary>
    internal readonly long[] NodeOutstandingPages;

    /// <summary>The seed's soft claim: it may count tmem's ephemeral pages as capacity.</summary>
    internal bool ClaimIsSoft;

    /// <summary>
    /// <c>last_alloc_node</c>: the node this domain's last heap allocation came from; the next allocation that names no
    /// node starts on the node after it (91c6005e01, Xen 4.1: alloc_heap_pages, get_free_buddy since 4.10). Zero at
    /// creation (the domain struct is a cleared page) and written only by alloc_heap_pages, under heap_lock.
    /// </summary>
    internal int LastAllocNode;

    /// <summary>tmem pages this domain's ephemeral pools hold, per node.</summary>
    internal readonly long[] TmemEphemeralNodePages;

    /// <summary>
    /// Ghost state for the expiry property (not in Xen): the domain_tot_pages value the claim was staked to reach.
    /// Zero when no claim is outstanding.
    /// </summary>
    internal long GhostClaimTargetPages;

    /// <summary>
    /// Ghost state for conservation (not in Xen), the heap's half of the pages in flight: pages taken from the heap for
    /// this domain (not yet assigned), less pages returned to the heap (after leaving the domain). Written only in
    /// heap_lock sections, beside the free counters it mirrors; the other half only under page_alloc_lock, so that no
    /// ghost counter is written under two different locks (a lost update).
    /// </summary>
    internal long GhostHeapSidePages;

    /// <summary>
    /// The domain's half of the pages in flight: pages that left the domain (not yet back in the heap), less pages
    /// assigned to it (after leaving the heap). Written only under the domain's page_alloc_lock.
    /// </summary>
    internal long GhostDomainSidePages;

    /// <summary>Pages between the heap and this domain, in either direction: read by audits, which hold every lock.</summary>
    internal long GhostPagesInFlight => GhostHeapSidePages + GhostDomainSidePages;

    /// <summary>
    /// Ghost state for the kill property (not in Xen): domain_kill's first step has run. Xen marks the domain dying
    /// there, before anything else, so from then on it is never alive again.
    /// </summary>
    internal bool GhostKillStarted;

    // ---- written under domctl_lock, read anywhere (Xen reads is_dying without a lock) ------------------------------

    /// <summary>
    /// <c>d->node_affinity</c> as the host's nodes see it: bit n for node n of the host. All of them at creation and
    /// after a full set (automatic affinity; the model has no vCPUs to derive it from). Zero: a set of nodes beyond the
    /// host only, which 4.3 to 4.12 accept (<see cref="Profiles.NodeAffinityDomctl.RefusesEmpty"/>). Written by
    /// XEN_DOMCTL_setnodeaffinity under domctl_lock; get_free_buddy reads it under heap_lock alone.
    /// </summary>
    internal ulong NodeAffinity;

    /// <summary>
    /// <c>d->creation_finished</c>: set by the first XEN_DOMCTL_unpausedomain that brings the controller's pause count
    /// to 0 (domain_unpause_by_systemcontroller, under domctl_lock); populate_physmap reads it without a lock to choose
    /// between 4.22's deferred scrub (before) and the allocator's own scrub (after).
    /// </summary>
    internal volatile bool CreationFinished;

    /// <summary>
    /// Whether the toolstack's one unpause has been made: <c>controller_pause_count</c> starts at 1 and a second
    /// unpause, with no pause between (the model has none), would take it below 0 (EINVAL).
    /// </summary>
    internal bool ControllerUnpaused;

    private volatile DomainState state;

    internal DomainState State
    {
        get => state;
        set => state = value;
    }

    internal bool IsDying => state != DomainState.Alive;

    /// <summary>The mask of a host's <paramref name="nodeCount"/> nodes (1 to 64).</summary>
    internal static ulong AllNodes(int nodeCount) => nodeCount >= 64 ? ulong.MaxValue : (1UL << nodeCount) - 1;

    /// <summary>The global (not node-bound) part of a claim set.</summary>
    internal long GlobalOutstandingPages => OutstandingPages - NodeOutstandingPages.Sum();

    internal long TmemEphemeralPages => TmemEphemeralNodePages.Sum();
}
