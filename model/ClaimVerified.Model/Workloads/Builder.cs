using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>How a builder stakes its claim.</summary>
public enum ClaimStyle
{
    /// <summary>XENMEM_claim_pages for the whole target (libxenguest); a free-memory check where claims do not exist.</summary>
    Legacy,

    /// <summary>The seed's soft claim (tmem's ephemeral pages count as capacity).</summary>
    Soft,

    /// <summary>XEN_DOMCTL_claim_memory with one entry per node the domain is placed on (claim-sets profiles).</summary>
    PerNode,
}

/// <summary>Which of libxenguest's memory initialisers the build follows; they differ in how they end.</summary>
public enum BuildKind
{
    /// <summary>meminit_pv (tools/libs/guest/xg_dom_x86.c): a failed populate returns at once, without cancelling the claim.</summary>
    Pv,

    /// <summary>meminit_hvm: success and failure both reach the end, which always cancels the claim.</summary>
    Hvm,
}

/// <summary>
/// A toolstack thread building a domain as libxenguest does: create it, claim the whole size, populate the largest
/// extents first (1 GiB, then 2 MiB, then 4 KiB when a larger one fails), cancel the claim with a claim of 0 at the
/// end, and sometimes destroy the domain again. Without claims it reads free memory first and populates if it fits:
/// the pre-4.3 way whose race the seed describes; where that toolstack is xend (Profile.FreeCheckFlushesTmem) it first
/// has tmem flush the shortfall back to the heap.
/// </summary>
public static class Builder
{
    /// <summary>
    /// Builds a domain of <paramref name="nodePages"/>[n] pages on each node n (one entry: anywhere), created with
    /// <paramref name="maxPages"/> (default: the size; a smaller one makes a build past max_pages, which must fail cleanly).
    /// </summary>
    /// <param name="placed">libxl's NUMA placement first (<see cref="Place"/>): for a build that is not vNUMA.</param>
    public static async Task RunAsync(World world, string actor, long[] nodePages, ClaimStyle style, bool mayDestroy, long? maxPages = null,
        bool placed = false)
    {
        ArgumentNullException.ThrowIfNull(nodePages);
        var kind = world.Coin() ? BuildKind.Pv : BuildKind.Hvm;
        var targetPages = nodePages.Sum();
        var created = world.Do(actor, new CreateDomain(Caller.Control, maxPages ?? targetPages));
        if (!created.IsOk)
        {
            return;
        }

        var domid = (int)created.Value;
        world.Publish(actor, domid);
        await Turn.PassAsync();

        if (placed && nodePages.Length == 1)
        {
            Place(world, actor, domid, targetPages);
        }

        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildClaiming(domid));
        var admitted = Admit(world, actor, domid, nodePages, style);
        if (!admitted.IsOk)
        {
            world.Do(actor, new DestroyDomain(Caller.Control, domid));
            return;
        }

        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildAdmitted(actor, domid, targetPages,
            world.Profile.ClaimsSupported ? "claim" : "free-memory check",
            targetCountsEarlierPages: world.Profile.ClaimsSupported && !ClaimsPerNode(world, style)));

        long totPages = 0;
        long upToPages = 0;
        var perNode = nodePages.Length > 1;
        var built = true;
        for (var node = 0; node < nodePages.Length && built; node++)
        {
            var placedOn = perNode ? node : Host.AnyNode;
            upToPages += nodePages[node];
            var (done, ok) = Populate(world, actor, domid, nodePages[node], placedOn, totPages, upToPages);
            totPages += done;
            built = ok;
        }

        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildReleased(domid));
        if (!built && kind == BuildKind.Pv)
        {
            return; // meminit_pv returns the error before its "cancel claim" call.
        }

        if (world.Profile.ClaimsSupported)
        {
            world.Do(actor, new ClaimPages(Caller.Control, domid, 0));
        }

        if (built && world.Profile.StashesDuringBuild)
        {
            // xl's unpause once libxl_domain_create_new has built the domain: creation finishes, and 4.22's
            // populate stops stashing. Made only where it changes what a populate does (elsewhere it would only add
            // a domctl_lock section to every build's schedules).
            world.Do(actor, new Unpause(Caller.Control, domid));
        }

        if (mayDestroy && world.Coin())
        {
            world.Do(actor, new DestroyDomain(Caller.Control, domid));
        }
    }

    /// <summary>
    /// libxl's NUMA placement, before the claim (libxl__build_pre -> numa_place_domain, tools/libs/light/libxl_dom.c;
    /// libxl__get_numa_candidate, libxl_numa.c; RELEASE-4.22.0): the fewest nodes whose free memory holds the domain,
    /// the one with the most free memory first (the model has no vCPUs to weigh), read from XEN_SYSCTL_numainfo's
    /// memfree, which does not subtract outstanding claims; then XEN_DOMCTL_setnodeaffinity to them. On two nodes a
    /// domain no node holds alone gets both, which is the automatic affinity already: nothing to set.
    /// </summary>
    private static void Place(World world, string actor, int domid, long pages)
    {
        var free = world.ObservePhysInfo(actor).NodeFreePages;
        var best = Enumerable.Range(0, free.Count).Where(n => free[n] >= pages).OrderByDescending(n => free[n]).ThenBy(n => n)
            .DefaultIfEmpty(-1).First();
        if (best >= 0)
        {
            world.Do(actor, new SetNodeAffinity(Caller.Control, domid, 1UL << best));
        }
    }

    /// <summary>Whether the build stakes a claim set (XEN_DOMCTL_claim_memory, entries on top of the domain's pages).</summary>
    private static bool ClaimsPerNode(World world, ClaimStyle style) => style == ClaimStyle.PerNode && world.Profile.NodeClaims;

    private static Outcome Admit(World world, string actor, int domid, long[] nodePages, ClaimStyle style)
    {
        var targetPages = nodePages.Sum();
        if (!world.Profile.ClaimsSupported)
        {
            var info = world.ObservePhysInfo(actor);
            if (info.FreePages < targetPages && world.Profile.FreeCheckFlushesTmem)
            {
                // xend's balloon.free: ask tmem for the shortfall (TMEMC_FLUSH), then read physinfo again.
                world.Do(actor, new TmemFlushAll(Caller.Control, targetPages - info.FreePages));
                info = world.ObservePhysInfo(actor);
            }

            return info.FreePages >= targetPages ? Outcome.Ok() : Errno.ENOMEM;
        }

        if (ClaimsPerNode(world, style))
        {
            var entries = nodePages.Select((pages, node) => new ClaimEntry(pages, node)).ToArray();
            return world.Do(actor, new ClaimMemory(Caller.Control, domid, [.. entries]),
                $"claim-memory d{domid} {string.Join(" ", entries)}");
        }

        var soft = style == ClaimStyle.Soft && world.Profile.SoftClaims;
        return world.Do(actor, new ClaimPages(Caller.Control, domid, targetPages, soft));
    }

    /// <summary>
    /// Whether 4.22's scrub of this extent during the build can be preempted: only populate_physmap's own scrub loop
    /// checks for preemption, after every 256 dirty pages and never after an extent's last page, so an order-0 extent
    /// never is; and an extent larger than the host fails before any scrub (no coin is spent on it).
    /// </summary>
    private static bool MayBePreempted(World world, int order) =>
        world.Profile.StashesDuringBuild && order > 0 && (1L << order) <= world.Config.TotalPages;

    /// <summary>
    /// Populates <paramref name="pages"/> on a node, largest extents first. Returns the pages done and whether all were.
    /// <paramref name="upToPages"/>: the build's pages up to and including this node, what a failure here is judged against.
    /// </summary>
    private static (long Done, bool Ok) Populate(World world, string actor, int domid, long pages, int node, long totBefore, long upToPages)
    {
        long donePages = 0;
        var maxOrder = 18;
        while (donePages < pages)
        {
            var remaining = pages - donePages;
            var order = new[] { 18, 9, 0 }.First(o => o <= maxOrder && (1L << o) <= remaining);
            // A per-node build is libxenguest's vNUMA build: each range's node is passed as XENMEMF_exact_node (PV and
            // HVM builders, tools/libs/guest/xg_dom_x86.c at RELEASE-4.22.0), so a range never spills to another node.
            var result = world.Do(actor, new Specification.Populate(Caller.Control, domid, order, node, Exact: node != Host.AnyNode,
                Preempted: MayBePreempted(world, order) && world.Coin()));
            if (result.IsOk)
            {
                donePages += result.Value;
                continue;
            }

            if (result.Errno == Errno.ENOMEM && order > 0)
            {
                maxOrder = order == 18 ? 9 : 0;
                continue;
            }

            CoyoteSpecification.Monitor<GuaranteeMonitor>(new AllocationFailed(actor, domid, totBefore + donePages, result.Errno, node, upToPages));
            return (donePages, false);
        }

        return (donePages, true);
    }
}
