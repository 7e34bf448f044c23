// The specification of allocation: alloc_heap_pages, alloc_domheap_pages with assign_pages, Xen's own heap.
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
    /// <summary>
    /// alloc_heap_pages under heap_lock: the claim check, then (TmemPrivateFreeList) the scarcity gate, then the buddy
    /// search (the node). On success the pages are gone from the free lists (or from tmem).
    /// </summary>
    private static (Errno, SpecState, int Node) TakeFromHeap(
        Profile profile, SpecState s, SpecDomain? owner, long request, bool noRefcount, NodeWanted wanted)
    {
        var capacity = s.TotalFree + (profile.AllocCheckCountsTmemFreeable ? s.TmemFreeable : 0);
        var usesClaim = owner is not null && (!noRefcount || profile.NoRefcountMayUseClaims);
        var ownClaim = usesClaim ? owner!.Claim : 0;
        if (profile.ClaimsSupported && s.Outstanding + request > capacity)
        {
            // No claim check before 65c9792df6 (no-claims). Unclaimed memory alone cannot cover the request. Xen: only a domain whose own claim covers the whole
            // request may go on. AllocMayCombineClaimAndUnclaimed: its claim plus the unclaimed rest will do.
            var covered = profile.AllocMayCombineClaimAndUnclaimed
                ? Math.Max(0, capacity - s.Outstanding) + ownClaim >= request
                : ownClaim >= request;
            if (!covered)
            {
                return Rules.Hit(Rules.HeapClaimsExceedFree, (Errno.ENOMEM, s, -1));
            }
        }

        if (profile.TmemPrivateFreeList && s.TotalFree <= MidsizeAllocZonePages(s) && s.TmemFreeable > 0)
        {
            // The scarcity gate comes before the buddy search (alloc_heap_pages, RELEASE-4.3.0 / 4.6.0): only tmem
            // may serve the request, and only an order-0 one.
            return Relinquish(s, request) is { } given
                ? Rules.Hit(Rules.HeapScarcityGateRelinquished, (Errno.Ok, given.Next, given.Node))
                : Rules.Hit(Rules.HeapScarcityGateOrderAboveZero, (Errno.ENOMEM, s, -1));
        }

        foreach (var node in NodeOrder(s.NodeCount, owner, wanted))
        {
            var fits = s.Free[node] >= request;
            if (fits && profile.NodeClaims)
            {
                var usable = s.Free[node] - s.NodeOutstanding[node] + (usesClaim ? owner!.NodeClaims[node] : 0);
                fits = usable >= request;
            }

            if (fits)
            {
                var taken = s with { Free = s.Free.Add(node, -request) };
                return Rules.Hit(Rules.HeapFromNode, (Errno.Ok, owner is null ? taken : taken.With(owner with { LastAllocNode = node }), node));
            }
        }

        if (profile.Tmem && !profile.TmemPrivateFreeList && request == 1 && s.TotalFree == 0)
        {
            // Tmem without a private list: no free page on any node, so tmem gives up an ephemeral page straight to
            // the requester.
            var victim = s.Domains.Values.FirstOrDefault(d => !d.TmemEphemeral.IsZero);
            if (victim is not null)
            {
                var node = victim.TmemEphemeral.FirstNonZero;
                return Rules.Hit(Rules.HeapFromTmemEphemeral, (Errno.Ok, s.With(victim with { TmemEphemeral = victim.TmemEphemeral.Add(node, -1) }), node));
            }
        }

        return Rules.Hit(Rules.HeapNoNodeFits, (Errno.ENOMEM, s, -1));
    }

    /// <summary>
    /// midsize_alloc_zone_pages: the high-water mark of free pages / 128 that free_heap_pages keeps with tmem on; a
    /// host starts with every page free, so it is the host's pages / 128 (0 on a host of a few pages).
    /// </summary>
    private static long MidsizeAllocZonePages(SpecState s) => s.Config.TotalPages / 128;

    /// <summary>Where an allocation asks to land: a node (or any) and whether only that node will do (MEMF_exact_node).</summary>
    private readonly record struct NodeWanted(int Node, bool Exact);

    /// <summary>
    /// The nodes get_free_buddy tries (91c6005e01; 1ae0db5e48): an exact request's node alone; else from a start node
    /// (the named one; a domain's next affinity node after its last allocation's; node 0 for Xen's own heap) round the
    /// domain's affinity (a named node outside it first), then the nodes outside it in id order. An affinity with no
    /// node of the host (4.3 to 4.12) prefers nothing: the named node, then every node in id order.
    /// </summary>
    private static IEnumerable<int> NodeOrder(int nodes, SpecDomain? owner, NodeWanted wanted)
    {
        if (wanted.Node != Operation.AnyNode && wanted.Exact)
        {
            yield return wanted.Node;
            yield break;
        }

        var affinity = owner?.NodeAffinity ?? SpecDomain.AllNodes(nodes);
        bool In(int node) => (affinity & (1UL << node)) != 0;
        int Cycle(int node) => Enumerable.Range(node + 1, Math.Max(0, nodes - node - 1)).Where(In).DefaultIfEmpty(Enumerable.Range(0, nodes).First(In)).First();
        if (affinity == 0)
        {
            if (wanted.Node != Operation.AnyNode)
            {
                yield return wanted.Node;
            }

            foreach (var node in Enumerable.Range(0, nodes))
            {
                yield return node;
            }

            yield break;
        }

        var start = wanted.Node != Operation.AnyNode ? wanted.Node : owner is null ? 0 : Cycle(owner.LastAllocNode);
        if (!In(start))
        {
            yield return start;
            start = Enumerable.Range(0, nodes).First(In);
        }

        var next = start;
        do
        {
            yield return next;
            next = Cycle(next);
        }
        while (next != start);

        foreach (var node in Enumerable.Range(0, nodes).Where(n => !In(n)))
        {
            yield return node;
        }
    }

    /// <summary>
    /// XENMEM_populate_physmap of one extent. GuestNodeRequestsFiltered (2fece35303, propagate_node): only the control
    /// domain may name a node; a guest's node is ignored, a guest's exact request populates nothing.
    /// </summary>
    private static (Outcome, SpecState) PopulateExtent(Profile profile, SpecState s, Populate op)
    {
        var wanted = new NodeWanted(op.Node, op.Exact);
        if (op.Node != Operation.AnyNode && profile.GuestNodeRequestsFiltered && !op.Caller.IsPrivileged)
        {
            if (op.Exact)
            {
                return Rules.Hit(Rules.AllocGuestExactNode, ((Outcome)Errno.EINVAL, s));
            }

            wanted = new NodeWanted(Operation.AnyNode, false);
        }

        if (profile.StashesDuringBuild && op.Preempted && op.Order > 0 && s.Live(op.DomId) is { Started: false } d && !d.IsAlive)
        {
            // 4.22's stash refuses a dying domain (stash_allocation frees the extent), so the continuation allocates
            // again: the extent is taken and given back twice, and last_alloc_node moves twice. The first time is
            // assign_pages' refusal of a dying domain in effect (its pages back, no claim: kill released it).
            var (first, afterFirst) = AllocateForDomain(profile, s, op.Caller, op.DomId, op.Order, wanted, extra: false);
            if (first.Errno != Errno.EINVAL)
            {
                return (first, afterFirst);
            }

            s = afterFirst;
        }

        return AllocateForDomain(profile, s, op.Caller, op.DomId, op.Order, wanted, extra: false);
    }

    /// <summary>
    /// alloc_domheap_pages(d, order, 0 or MEMF_no_refcount): the heap section (which, from 75d29d9b5e, redeems the
    /// claim), then assign_pages (which, before it, redeems the claim once the pages are counted). When assign_pages
    /// refuses, the pages go back to the node they came from; a claim redeemed in the heap section stays redeemed.
    /// </summary>
    private static (Outcome, SpecState) AllocateForDomain(
        Profile profile, SpecState s, Caller caller, int domid, int order, NodeWanted node, bool extra)
    {
        var request = ExtentPages(order);
        if (request == 0 || !NodeOk(s, node.Node))
        {
            return Rules.Hit(Rules.AllocBadOrderOrNode, (Errno.EINVAL, s));
        }

        if (s.Live(domid) is not { } d)
        {
            return Rules.Hit(Rules.AllocUnknownDomain, (Errno.ESRCH, s));
        }

        if (!caller.MayActOn(domid) || (extra && !caller.IsPrivileged))
        {
            return Rules.Hit(Rules.AllocNotPermitted, (Errno.EPERM, s));
        }

        if (extra && profile.ExtraPages == ExtraPagesMode.Refused)
        {
            return Rules.Hit(Rules.AllocExtraRefused, (Errno.ENOMEM, s));
        }

        if (profile.AllocatesInOneSection && AssignPagesFirst(profile, s, d, request, extra) is { } refused)
        {
            return refused;
        }

        var (rc, next, at) = TakeFromHeap(profile, s, d, request, extra, node);
        if (rc != Errno.Ok)
        {
            return Rules.Hit(Rules.AllocHeapRefused, (rc, s));
        }

        if (!extra && profile.ConsumeClaimAt == ClaimConsumption.InHeapAllocation)
        {
            next = Redeem(next, domid, at, request);
        }

        return AssignPages(profile, next, domid, at, request, extra);
    }

    /// <summary>
    /// One critical section per operation (our reference): assign_pages' refusals run before any page is taken; the
    /// refusal, or null when assign_pages will take the pages.
    /// </summary>
    private static (Outcome, SpecState)? AssignPagesFirst(Profile profile, SpecState s, SpecDomain d, long request, bool extra)
    {
        if (d.State != DomainState.Alive)
        {
            return Rules.Hit(Rules.AllocAssignFirstDying, ((Outcome)Errno.EINVAL, s));
        }

        if (!extra && profile.AssignPagesRefusesTotAboveMax && DomainTot(profile, d) > d.Max)
        {
            return Rules.Hit(Rules.AllocAssignFirstTotAboveMax, ((Outcome)Errno.EPERM, s));
        }

        if (!extra && DomainTot(profile, d) + request > d.Max)
        {
            return Rules.Hit(Rules.AllocAssignFirstOverMax, ((Outcome)Errno.E2BIG, s));
        }

        return null;
    }

    /// <summary>
    /// assign_pages: the <paramref name="request"/> pages the heap section took from node <paramref name="at"/> become
    /// the domain's (extra or counted in tot), or go back to that node when it refuses.
    /// </summary>
    private static (Outcome, SpecState) AssignPages(Profile profile, SpecState next, int domid, int at, long request, bool extra)
    {
        var d = next.Domains[domid];
        if (d.State != DomainState.Alive)
        {
            return Rules.Hit(Rules.AllocAssignDying, (Errno.EINVAL, next with { Free = next.Free.Add(at, request) }));
        }

        if (extra)
        {
            next = next.With(d with
            {
                Extra = d.Extra + request,
                Tot = profile.TotIncludesExtraPages ? d.Tot + request : d.Tot,
                Pages = d.Pages.Add(at, request),
            });
            if (profile.ExtraPages == ExtraPagesMode.CountedConsumesClaim)
            {
                next = Redeem(next, domid, at, request); // c793d13944: through domain_adjust_tot_pages(+n).
            }

            return Rules.Hit(Rules.AllocExtraAssigned, (Outcome.Ok(request), next));
        }

        if (profile.AssignPagesRefusesTotAboveMax && DomainTot(profile, d) > d.Max)
        {
            return Rules.Hit(Rules.AllocAssignTotAboveMax, (Errno.EPERM, next with { Free = next.Free.Add(at, request) })); // 143501861d: "inconsistent".
        }

        if (DomainTot(profile, d) + request > d.Max)
        {
            return Rules.Hit(Rules.AllocAssignOverMax, (Errno.E2BIG, next with { Free = next.Free.Add(at, request) }));
        }

        next = next.With(d with { Tot = d.Tot + request, Pages = d.Pages.Add(at, request) });
        if (profile.ConsumeClaimAt == ClaimConsumption.InAssignPages)
        {
            next = Redeem(next, domid, at, request);
        }

        return Rules.Hit(Rules.AllocAssigned, (Outcome.Ok(request), next));
    }

    private static (Outcome, SpecState) XenHeapAlloc(Profile profile, SpecState s, AllocXenHeap op)
    {
        var request = ExtentPages(op.Order);
        if (request == 0 || !NodeOk(s, op.Node))
        {
            return Rules.Hit(Rules.XenAllocBadOrderOrNode, (Errno.EINVAL, s));
        }

        if (op.Caller.Kind != CallerKind.Xen)
        {
            return Rules.Hit(Rules.XenAllocNotXen, (Errno.EPERM, s));
        }

        var (rc, next, at) = TakeFromHeap(profile, s, owner: null, request, noRefcount: true, new(op.Node, op.Exact));
        return rc != Errno.Ok
            ? Rules.Hit(Rules.XenAllocHeapRefused, ((Outcome)rc, s))
            : Rules.Hit(Rules.XenAllocAllocated, (Outcome.Ok(request), next with { XenHeap = next.XenHeap.Add(at, request) }));
    }

    private static (Outcome, SpecState) XenHeapFree(SpecState s, FreeXenHeap op)
    {
        if (op.Caller.Kind != CallerKind.Xen)
        {
            return Rules.Hit(Rules.XenFreeNotXen, (Errno.EPERM, s));
        }

        if (op.Pages <= 0 || op.Pages > s.XenHeap.Sum)
        {
            return Rules.Hit(Rules.XenFreeBadCount, (Errno.EINVAL, s));
        }

        var (left, freed) = s.XenHeap.TakeHighestFirst(op.Pages);
        return Rules.Hit(Rules.XenFreeFreed, (Outcome.Ok(op.Pages), s with { XenHeap = left, Free = s.Free.Plus(freed) }));
    }
}
