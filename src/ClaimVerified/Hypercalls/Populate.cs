using ClaimVerified.Profiles;

namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// XENMEM_populate_physmap / increase_reservation of one extent for a domain: alloc_domheap_pages(d, order, 0).
    /// The toolstack populates a domain it builds; a guest's balloon driver populates itself.
    /// Returns the pages allocated. A named <paramref name="node"/> is tried first and the others after it, unless
    /// <paramref name="exact"/> (XENMEMF_exact_node_request): then that node or nothing. Since 2fece35303 (Xen 4.10,
    /// propagate_node in xen/common/memory.c) only the control domain may name a node: a guest's node is ignored, and
    /// a guest's exact request populates nothing (EINVAL here, where Xen returns 0 extents done).
    /// </summary>
    /// <param name="preempted">
    /// Whether hypercall_preempt_check() says yes while populate_physmap scrubs the extent itself (4.22's build, before
    /// the domain's first unpause, for an extent of more than 256 pages): the extent is stashed and the call goes on in
    /// a continuation (<see cref="PopulateDuringBuild"/>). Ignored where that scrub loop does not run.
    /// </param>
    public Outcome Populate(Caller caller, int domid, int order, int node = AnyNode, bool exact = false, bool preempted = false)
    {
        if (node != AnyNode && Profile.GuestNodeRequestsFiltered && !caller.IsPrivileged)
        {
            if (exact)
            {
                return Errno.EINVAL;
            }

            node = AnyNode;
        }

        return Profile.StashesDuringBuild
            ? PopulateDuringBuild(caller, domid, order, new NodeRequest(node, exact), preempted)
            : AllocDomainPages(caller, domid, order, new NodeRequest(node, exact), noRefcount: false, tmemPage: false);
    }

    /// <summary>
    /// An owned no-refcount ("extra") allocation, alloc_domheap_pages(d, order, MEMF_no_refcount): special pages the
    /// toolstack or Xen gives a domain (for example ioreq or shared-info pages). Privileged callers only.
    /// </summary>
    public Outcome AllocExtraPages(Caller caller, int domid, int order, int node = AnyNode, bool exact = false) =>
        AllocDomainPages(caller, domid, order, new NodeRequest(node, exact), noRefcount: true, tmemPage: false);

    /// <summary>An allocation for Xen's own heap: alloc_domheap_pages(NULL, order, ...). Only Xen itself may call it.</summary>
    public Outcome AllocXenHeap(Caller caller, int order, int node = AnyNode, bool exact = false)
    {
        if (!TryPagesForOrder(order, out var request) || !IsValidNode(node))
        {
            return Errno.EINVAL;
        }

        if (caller.Kind != CallerKind.Xen)
        {
            return Errno.EPERM;
        }

        lock (heapLock)
        {
            var rc = AllocHeapPagesLocked(null, request, noRefcount: true, new NodeRequest(node, exact), out var takenNode);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            xenHeapNodePages[takenNode] += request;
            return Outcome.Ok(request);
        }
    }

    /// <summary>Returns <paramref name="pages"/> of Xen's own heap to the free lists.</summary>
    public Outcome FreeXenHeap(Caller caller, long pages)
    {
        if (caller.Kind != CallerKind.Xen)
        {
            return Errno.EPERM;
        }

        lock (heapLock)
        {
            if (pages <= 0 || pages > xenHeapNodePages.Sum())
            {
                return Errno.EINVAL;
            }

            var perNode = new long[NodeCount];
            var remaining = pages;
            for (var node = NodeCount - 1; node >= 0 && remaining > 0; node--)
            {
                perNode[node] = Math.Min(xenHeapNodePages[node], remaining);
                xenHeapNodePages[node] -= perNode[node];
                remaining -= perNode[node];
            }

            ReturnFreePagesLocked(perNode);
            return Outcome.Ok(pages);
        }
    }

    private Outcome AllocDomainPages(Caller caller, int domid, int order, NodeRequest node, bool noRefcount, bool tmemPage)
    {
        var refused = CheckExtentCall(caller, domid, order, node.Node, out var d, out var request);
        if (refused != Errno.Ok)
        {
            return refused;
        }

        if (noRefcount && !caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        if (noRefcount && Profile.ExtraPages == ExtraPagesMode.Refused)
        {
            // d13e07df79: alloc_domheap_pages returns NULL for an owned no-refcount request; the caller sees ENOMEM.
            return Errno.ENOMEM;
        }

        if (Profile.AllocatesInOneSection)
        {
            return AllocDomainPagesInOneSection(d, request, noRefcount, tmemPage, node);
        }

        // Critical section 1: alloc_heap_pages, under heap_lock. The claim check, the pages, and (from 75d29d9b5e)
        // the claim's consumption.
        int takenNode;
        lock (heapLock)
        {
            var rc = AllocHeapPagesForDomainLocked(d, request, noRefcount, node, out takenNode);
            if (rc != Errno.Ok)
            {
                return rc;
            }
        }

        // Critical section 2: assign_pages, under the domain's page_alloc_lock. Before 75d29d9b5e the claim is
        // consumed here, through domain_adjust_tot_pages taking heap_lock again.
        Errno assigned;
        lock (d.PageAllocLock)
        {
            assigned = AssignPagesLocked(d, request, noRefcount, tmemPage, takenNode);
        }

        if (assigned != Errno.Ok)
        {
            // The pages go back to the heap. A claim consumed in section 1 is not given back (75d29d9b5e accepts it).
            lock (heapLock)
            {
                ReturnUnassignedLocked(d, takenNode, request);
            }

            return assigned;
        }

        return Outcome.Ok(request);
    }

    /// <summary>
    /// alloc_heap_pages for a domain's allocation, heap_lock held: the check and the pages, then (from 75d29d9b5e) the
    /// claim's consumption in the same section. The pages are in flight until assign_pages counts them or they return.
    /// </summary>
    private Errno AllocHeapPagesForDomainLocked(Domain d, long request, bool noRefcount, NodeRequest node, out int takenNode)
    {
        var rc = AllocHeapPagesLocked(d, request, noRefcount, node, out takenNode);
        if (rc != Errno.Ok)
        {
            return rc;
        }

        if (Profile.ConsumeClaimAt == ClaimConsumption.InHeapAllocation && !noRefcount && d.OutstandingPages != 0)
        {
            ConsumeClaimLocked(d, takenNode, request);
        }

        d.GhostHeapSidePages += request;
        return Errno.Ok;
    }

    /// <summary>
    /// free_heap_pages of an extent that was taken for <paramref name="d"/> and never assigned, heap_lock held: the
    /// pages are free again, as unclaimed memory (free_heap_pages has no claim code, so a claim they consumed is gone).
    /// </summary>
    private void ReturnUnassignedLocked(Domain d, int node, long pages)
    {
        d.GhostHeapSidePages -= pages;
        var perNode = new long[NodeCount];
        perNode[node] = pages;
        ReturnFreePagesLocked(perNode);
    }

    /// <summary>
    /// Our reference (and the fix of claim-ignores-inflight-pages): the whole allocation is one critical section,
    /// page_alloc_lock around heap_lock (Xen's lock order). assign_pages' checks run first, so an allocation it would
    /// refuse never takes pages (and never consumes a claim), and no observer can see pages that are neither free nor
    /// the domain's: the allocation is linearizable.
    /// </summary>
    private Outcome AllocDomainPagesInOneSection(Domain d, long request, bool noRefcount, bool tmemPage, NodeRequest node)
    {
        lock (d.PageAllocLock)
        {
            var refused = AssignPagesRefusal(d, request, noRefcount);
            if (refused != Errno.Ok)
            {
                return refused;
            }

            int takenNode;
            lock (heapLock)
            {
                var rc = AllocHeapPagesLocked(d, request, noRefcount, node, out takenNode);
                if (rc != Errno.Ok)
                {
                    return rc;
                }

                if (!noRefcount && d.OutstandingPages != 0)
                {
                    ConsumeClaimLocked(d, takenNode, request);
                }

                d.GhostHeapSidePages += request;
            }

            var assigned = AssignPagesLocked(d, request, noRefcount, tmemPage, takenNode);
            return assigned == Errno.Ok
                ? Outcome.Ok(request)
                : throw new System.Diagnostics.UnreachableException(
                    $"assign_pages refused ({assigned}) after its checks passed under the same page_alloc_lock");
        }
    }

    /// <summary>
    /// alloc_heap_pages' decision and the taking of the pages, with heap_lock held. The claim check is Xen's: refuse
    /// when unclaimed memory cannot cover the request and the requester may not (or cannot) use its own claim.
    /// </summary>
    private Errno AllocHeapPagesLocked(Domain? d, long request, bool noRefcount, NodeRequest node, out int takenNode)
    {
        takenNode = -1;
        var availPages = totalAvailPages + (Profile.AllocCheckCountsTmemFreeable ? TmemFreeablePagesLocked : 0);
        var mayUseClaim = d is not null && (!noRefcount || Profile.NoRefcountMayUseClaims);
        if (Profile.ClaimsSupported && outstandingClaims + request > availPages)
        {
            // 65c9792df6, narrowed for no-refcount by 17294e69c4. Before 4.3 there is no claim check at all, so a
            // request larger than the free pages goes on to the buddy search and tmem's on-demand relinquish.
            var ownClaimPages = mayUseClaim ? d!.OutstandingPages : 0;
            var refused = Profile.AllocMayCombineClaimAndUnclaimed
                ? request > Math.Max(0, availPages - outstandingClaims) + ownClaimPages
                : ownClaimPages < request;
            if (refused)
            {
                return Errno.ENOMEM;
            }
        }

        if (Profile.TmemPrivateFreeList && totalAvailPages <= MidsizeAllocZonePages && TmemFreeablePagesLocked > 0)
        {
            // The scarcity gate, before the buddy search (alloc_heap_pages, RELEASE-4.3.0 and 4.6.0 page_alloc.c):
            // only tmem may serve the request (orders 0, 9 and 18 all pass the gate's "order 0 or >= 9"), and
            // tmem_relinquish_pages serves order 0 only; anything else fails without looking at the free lists.
            takenNode = RelinquishTmemPageLocked(request);
            return takenNode >= 0 ? Errno.Ok : Errno.ENOMEM;
        }

        takenNode = ChooseNodeLocked(d, request, node, mayUseClaim);
        if (takenNode >= 0)
        {
            TakeFreePagesLocked(takenNode, request);
            if (d is not null)
            {
                d.LastAllocNode = takenNode; // Only after the buddy search: tmem's relinquished pages do not move it.
            }

            return Errno.Ok;
        }

        // Tmem without a private list (no Xen checked): an order-0 request that found no free page takes an ephemeral
        // page straight from a pool.
        if (Profile.Tmem && !Profile.TmemPrivateFreeList && request == 1 && totalAvailPages == 0
            && TryRelinquishTmemPageLocked(out takenNode))
        {
            return Errno.Ok;
        }

        return Errno.ENOMEM;
    }

    /// <summary>
    /// midsize_alloc_zone_pages (RELEASE-4.3.0 and 4.6.0 page_alloc.c): free_heap_pages raises it, with tmem enabled,
    /// to total_avail_pages / MIDSIZE_ALLOC_FRAC (128) whenever that is higher, and every page passes through
    /// free_heap_pages at boot, when total_avail_pages is at its highest; the host starts with every page free, so
    /// the mark is the host's pages / 128 from the start and never moves. On the model's hosts of a few pages it is
    /// 0: the gate opens exactly when no free page is left.
    /// </summary>
    private long MidsizeAllocZonePages => TotalPages / 128;

    /// <summary>
    /// The node the buddy search takes the extent from (alloc_heap_pages, RELEASE-4.3.0; get_free_buddy from 4.10),
    /// trying the nodes in turn from a start node and taking the first that fits: a named node first, then (unless the
    /// request is exact) the nodes after it; with no node named, a domain's allocation starts on the node after its
    /// last_alloc_node (91c6005e01), so that its extents go round the nodes, and Xen's own heap on the current CPU's
    /// node (node 0 here), within the domain's node affinity first and then outside it (<see cref="NodeOrder"/>). With
    /// claim sets a node also needs the pages unclaimed there, plus the requester's own claim on that node (the
    /// per-node check of the NUMA claims series).
    /// </summary>
    private int ChooseNodeLocked(Domain? d, long request, NodeRequest wanted, bool mayUseClaim)
    {
        Span<int> order = stackalloc int[(2 * NodeCount) + 1];
        var tries = NodeOrder(d, wanted, order);
        for (var i = 0; i < tries; i++)
        {
            var candidate = order[i];
            if (nodeAvailPages[candidate] < request)
            {
                continue;
            }

            if (Profile.NodeClaims)
            {
                var usable = nodeAvailPages[candidate] - nodeOutstandingClaims[candidate]
                    + (mayUseClaim ? d!.NodeOutstandingPages[candidate] : 0);
                if (usable < request)
                {
                    continue;
                }
            }

            return candidate;
        }

        return -1;
    }

    /// <summary>
    /// assign_pages, with the domain's page_alloc_lock held: refuse a dying domain (EINVAL since 8cf167595f), refuse
    /// going over max_pages (E2BIG), count the pages, and (before 75d29d9b5e) consume the claim. A tmem page is
    /// tmem's from the moment it is counted: it never enters the guest's physmap, so no decrease_reservation can free it.
    /// </summary>
    private Errno AssignPagesLocked(Domain d, long request, bool noRefcount, bool tmemPage, int node)
    {
        var refused = AssignPagesRefusal(d, request, noRefcount);
        if (refused != Errno.Ok)
        {
            return refused;
        }

        if (noRefcount)
        {
            d.ExtraPages += request;
            if (Profile.TotIncludesExtraPages)
            {
                d.TotPages += request;
            }

            if (Profile.ExtraPages == ExtraPagesMode.CountedConsumesClaim)
            {
                // c793d13944: extra pages pass through domain_adjust_tot_pages(+n), which consumes the claim.
                ConsumeClaimForTotIncrease(d, node, request);
            }
        }
        else
        {
            d.TotPages += request;
            d.TmemPersistentPages += tmemPage ? request : 0;
            if (Profile.ConsumeClaimAt == ClaimConsumption.InAssignPages)
            {
                ConsumeClaimForTotIncrease(d, node, request);
            }

            if (Profile.MaxPagesTrimsClaim)
            {
                // Our reference: max_pages may have been lowered while these pages were on their way (their claim
                // already consumed), so the claim is trimmed again here, where tot_pages and max_pages are stable.
                TrimClaimToMaxPages(d);
            }
        }

        d.NodePages[node] += request;
        d.GhostDomainSidePages -= request;
        return Errno.Ok;
    }

    /// <summary>
    /// assign_pages' refusals, in its order, page_alloc_lock held: a dying domain (EINVAL since 8cf167595f), a domain
    /// already over max_pages (EPERM since 143501861d), going over max_pages (E2BIG). Extra pages have no max check.
    /// </summary>
    private Errno AssignPagesRefusal(Domain d, long request, bool noRefcount)
    {
        if (d.IsDying)
        {
            return Errno.EINVAL;
        }

        if (noRefcount)
        {
            return Errno.Ok;
        }

        if (Profile.AssignPagesRefusesTotAboveMax && DomainTotPages(d) > d.MaxPages)
        {
            return Errno.EPERM; // "inconsistent": max_pages was lowered below tot_pages.
        }

        return request > d.MaxPages - DomainTotPages(d) ? Errno.E2BIG : Errno.Ok;
    }

    /// <summary>
    /// The positive half of domain_adjust_tot_pages (65c9792df6 .. 4.21): with page_alloc_lock held, and only when a
    /// claim is outstanding, take heap_lock and consume up to <paramref name="pages"/> of it.
    /// </summary>
    private void ConsumeClaimForTotIncrease(Domain d, int node, long pages)
    {
        if (d.OutstandingPages == 0)
        {
            return;
        }

        lock (heapLock)
        {
            ConsumeClaimLocked(d, node, pages);
        }
    }
}
