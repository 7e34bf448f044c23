using System.Collections.Immutable;
using ClaimVerified.Profiles;

namespace ClaimVerified;

/// <summary>
/// A host: the heap's free pages per node, the outstanding claims, Xen's own pages, offlined pages, and the domains.
/// Each entry point lives in its own file under Hypercalls/ and reads like the Xen path it mirrors, taking the same
/// locks in the same places: <c>domctl_lock</c> for domain control, the per-domain <c>page_alloc_lock</c> for
/// tot/max/extra pages, and the global <c>heap_lock</c> for free pages and claims, always page_alloc_lock first.
/// Where a version does a thing in two critical sections, so does its profile: that is what the model checker explores.
/// </summary>
/// <remarks>
/// Accounting is in counts, never per page: a claim, an allocation of any order, a release and a query cost the same
/// whatever the sizes. Loops run over nodes (at most 64) or domains, never over pages.
/// </remarks>
public sealed partial class Host
{
    /// <summary>Pages relinquished per step of domain_kill before it lets others run (Xen is preemptible there).</summary>
    public const long RelinquishChunkPages = 512;

    /// <summary>A limit on everything: at most this many domains over the host's life (Xen's DOMID_FIRST_RESERVED).</summary>
    public const int MaxDomains = 0x7FF0;

    /// <summary>Any node: the allocator chooses, starting on the node after the domain's last allocation.</summary>
    public const int AnyNode = -1;

    /// <summary>
    /// Where an allocation asks to land: a node (or <see cref="AnyNode"/>) and whether only that node will do
    /// (MEMF_exact_node; ignored without a node, as alloc_heap_pages drops it).
    /// </summary>
    private readonly record struct NodeRequest(int Node, bool Exact);

    /// <summary>Xen's global <c>heap_lock</c>.</summary>
    private readonly object heapLock = new();

    /// <summary>Xen's global <c>domctl_lock</c>: domain creation, max_mem, kill and destroy run under it.</summary>
    private readonly object domctlLock = new();

    // ---- guarded by heapLock ---------------------------------------------------------------------------------------
    private long totalAvailPages;
    private readonly long[] nodeAvailPages;
    private long outstandingClaims;
    private readonly long[] nodeOutstandingClaims;
    private readonly long[] xenHeapNodePages;
    private long offlinedPages;

    /// <summary>The pages every ephemeral pool holds (kept as a sum, so no loop reads it).</summary>
    private long tmemEphemeralPages;

    /// <summary>
    /// tmem's private free list, per node (Profile.TmemPrivateFreeList): pages tmem freed that have not gone back to
    /// the heap. Xen guards it with its own spinlock (tmh_page_list_lock, 4.3; tmem_page_list_lock, 4.6); the model
    /// keeps it under heap_lock, so every move between the list and the heap is one critical section.
    /// </summary>
    private readonly long[] tmemFreeListNodePages;

    /// <summary>The sum of <see cref="tmemFreeListNodePages"/>.</summary>
    private long tmemFreeListPages;

    /// <summary>Pages that page sharing moved to the shared owner (dom_cow). Changed under the sharer's page_alloc_lock.</summary>
    private long sharedPages;

    // ---- the domain table: replaced whole under domctlLock, read without a lock (Xen's RCU domain list) -----------
    private ImmutableDictionary<int, Domain> liveDomains = ImmutableDictionary<int, Domain>.Empty;

    /// <summary>Every domain ever created, destroyed ones too, so that an audit sees a claim a destroyed domain leaked.</summary>
    private ImmutableList<Domain> everyDomain = ImmutableList<Domain>.Empty;

    private int nextDomid = 1;

    public Host(Profile profile, HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(config);
        var problem = config.Validate();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(config));
        }

        Profile = profile;
        Config = config;
        nodeAvailPages = Enumerable.Repeat(config.PagesPerNode, config.NodeCount).ToArray();
        nodeOutstandingClaims = new long[config.NodeCount];
        xenHeapNodePages = new long[config.NodeCount];
        tmemFreeListNodePages = new long[config.NodeCount];
        totalAvailPages = config.TotalPages;
    }

    public Profile Profile { get; }

    public HostConfig Config { get; }

    public long TotalPages => Config.TotalPages;

    public int NodeCount => Config.NodeCount;

    /// <summary>The pages an extent of <paramref name="order"/> holds; only orders 0, 9 and 18 exist (4 KiB, 2 MiB, 1 GiB).</summary>
    public static bool TryPagesForOrder(int order, out long pages)
    {
        pages = order is 0 or 9 or 18 ? 1L << order : 0;
        return pages != 0;
    }

    /// <summary>
    /// The checks an extent call (populate_physmap, decrease_reservation, an extra allocation) makes before anything
    /// else, in Xen's order: an order or node the model has no extent for (EINVAL), an unknown domain
    /// (rcu_lock_domain_by_any_id: ESRCH), a caller that may not act on it (xsm_memory_adjust_reservation: EPERM). On Ok,
    /// the domain and the extent's pages.
    /// </summary>
    private Errno CheckExtentCall(Caller caller, int domid, int order, int node, out Domain d, out long pages)
    {
        d = null!;
        if (!TryPagesForOrder(order, out pages) || !IsValidNode(node))
        {
            return Errno.EINVAL;
        }

        if (FindDomain(domid) is not { } found)
        {
            return Errno.ESRCH;
        }

        d = found;
        return caller.MayActOn(domid) ? Errno.Ok : Errno.EPERM;
    }

    /// <summary>rcu_lock_domain_by_id: a live (not destroyed) domain, or null.</summary>
    private Domain? FindDomain(int domid) => liveDomains.GetValueOrDefault(domid);

    private bool IsValidNode(int node) => node == AnyNode || (node >= 0 && node < NodeCount);

    /// <summary>domain_tot_pages(): tot_pages without extra pages (37663f36df); before 4.14 tot_pages had none in it.</summary>
    private long DomainTotPages(Domain d) => Profile.TotIncludesExtraPages ? d.TotPages - d.ExtraPages : d.TotPages;

    /// <summary>Every page the domain owns, refcounted or extra.</summary>
    private long OwnedPages(Domain d) => Profile.TotIncludesExtraPages ? d.TotPages : d.TotPages + d.ExtraPages;

    // ---- heap_lock helpers: each is called with heapLock held -------------------------------------------------------

    /// <summary>Takes <paramref name="pages"/> from <paramref name="node"/>'s free list. heap_lock held.</summary>
    private void TakeFreePagesLocked(int node, long pages)
    {
        nodeAvailPages[node] -= pages;
        totalAvailPages -= pages;
    }

    /// <summary>free_heap_pages: returns pages to the free lists, per node. heap_lock held.</summary>
    private void ReturnFreePagesLocked(ReadOnlySpan<long> perNodePages)
    {
        for (var node = 0; node < perNodePages.Length; node++)
        {
            nodeAvailPages[node] += perNodePages[node];
            totalAvailPages += perNodePages[node];
        }
    }

    /// <summary>
    /// free_heap_pages for pages that just left <paramref name="d"/>: takes heap_lock and returns them to the free
    /// lists, ending their ghost "in flight" state.
    /// </summary>
    private void ReturnToHeap(Domain d, long[] perNodePages)
    {
        lock (heapLock)
        {
            d.GhostHeapSidePages -= perNodePages.Sum();
            ReturnFreePagesLocked(perNodePages);
        }
    }

    /// <summary>Releases a domain's whole claim (set): domain_set_outstanding_pages(d, 0). heap_lock held.</summary>
    private void ReleaseClaimLocked(Domain d)
    {
        outstandingClaims -= d.OutstandingPages;
        for (var node = 0; node < NodeCount; node++)
        {
            nodeOutstandingClaims[node] -= d.NodeOutstandingPages[node];
            d.NodeOutstandingPages[node] = 0;
        }

        d.OutstandingPages = 0;
        d.ClaimIsSoft = false;
        d.GhostClaimTargetPages = 0;
    }

    /// <summary>
    /// Consumes up to <paramref name="pages"/> of the domain's claim for pages that came from <paramref name="node"/>:
    /// first that node's claim, then the global claim, then other nodes' claims (the claim-sets proposal's order; with
    /// a plain claim only the global part exists). A claim that reaches zero has expired. heap_lock held.
    /// </summary>
    private void ConsumeClaimLocked(Domain d, int node, long pages)
    {
        var take = Math.Min(d.OutstandingPages, pages);
        var globalPart = d.GlobalOutstandingPages;
        outstandingClaims -= take;
        d.OutstandingPages -= take;
        var remaining = take - TakeNodeClaimLocked(d, node, take);
        remaining -= Math.Min(globalPart, remaining);
        for (var other = 0; other < NodeCount && remaining > 0; other++)
        {
            remaining -= TakeNodeClaimLocked(d, other, remaining);
        }

        if (d.OutstandingPages == 0)
        {
            d.ClaimIsSoft = false;
            d.GhostClaimTargetPages = 0;
        }
    }

    private long TakeNodeClaimLocked(Domain d, int node, long pages)
    {
        var taken = Math.Min(d.NodeOutstandingPages[node], pages);
        d.NodeOutstandingPages[node] -= taken;
        nodeOutstandingClaims[node] -= taken;
        return taken;
    }

    /// <summary>
    /// The signed half of domain_adjust_tot_pages before 3472783c26: when tot_pages drops by <paramref name="pages"/>
    /// and the claim is non-zero, the claim grows back by the same amount. Called with page_alloc_lock held; takes
    /// heap_lock, as Xen does.
    /// </summary>
    private void RegrowClaimOnDrop(Domain d, long pages)
    {
        if (!Profile.FreesRegrowClaim)
        {
            return;
        }

        lock (heapLock)
        {
            if (d.OutstandingPages == 0)
            {
                return;
            }

            d.OutstandingPages += pages;
            outstandingClaims += pages;
        }
    }

    /// <summary>Removes <paramref name="pages"/> from the domain's per-node count, highest node first. page_alloc_lock held.</summary>
    private long[] TakeFromDomainNodes(Domain d, long pages)
    {
        var perNode = new long[NodeCount];
        for (var node = NodeCount - 1; node >= 0 && pages > 0; node--)
        {
            var taken = Math.Min(d.NodePages[node], pages);
            d.NodePages[node] -= taken;
            perNode[node] = taken;
            pages -= taken;
        }

        return perNode;
    }
}
