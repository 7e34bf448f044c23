// The packed engine's allocation: alloc_heap_pages, alloc_domheap_pages with assign_pages, Xen's own heap.
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
    /// <summary>alloc_heap_pages: the claim check, the buddy search, tmem's relinquish; the node, or -1 (row untouched).</summary>
    [Follows(Rules.HeapClaimsExceedFree, Rules.HeapScarcityGateRelinquished, Rules.HeapScarcityGateOrderAboveZero,
        Rules.HeapFromNode, Rules.HeapFromTmemEphemeral, Rules.HeapNoNodeFits)]
    private int TakeFromHeap(Span<int> row, int ownerAt, int request, bool noRefcount, int wantedNode, bool exact)
    {
        var totalFree = TotalFree(row);
        var capacity = totalFree + (profile.AllocCheckCountsTmemFreeable ? TmemFreeable(row) : 0);
        var usesClaim = ownerAt >= 0 && (!noRefcount || profile.NoRefcountMayUseClaims);
        var ownClaim = usesClaim ? row[ownerAt + PackedLayout.DomClaim] : 0;
        long outstanding = row[layout.Outstanding];
        if (profile.ClaimsSupported && outstanding + request > capacity)
        {
            var covered = profile.AllocMayCombineClaimAndUnclaimed
                ? Math.Max(0, capacity - outstanding) + ownClaim >= request
                : ownClaim >= request;
            if (!covered)
            {
                return -1;
            }
        }

        if (profile.TmemPrivateFreeList && totalFree <= totalPages / 128 && TmemFreeable(row) > 0)
        {
            return RelinquishTmemPage(row, request); // The scarcity gate: only tmem, only order 0, no buddy search.
        }

        Span<int> order = stackalloc int[(2 * nodes) + 1];
        var candidates = NodeOrder(row, ownerAt, wantedNode, exact, order);
        for (var i = 0; i < candidates; i++)
        {
            var node = order[i];
            var free = row[layout.Free + node];
            var fits = free >= request;
            if (fits && profile.NodeClaims)
            {
                var usable = free - row[layout.NodeOutstanding + node] + (usesClaim ? row[ownerAt + PackedLayout.DomNodeClaims + node] : 0);
                fits = usable >= request;
            }

            if (fits)
            {
                row[layout.Free + node] -= request;
                if (ownerAt >= 0)
                {
                    row[ownerAt + PackedLayout.DomLastAllocNode] = node;
                }

                return node;
            }
        }

        if (profile.Tmem && !profile.TmemPrivateFreeList && request == 1 && totalFree == 0)
        {
            for (var domid = 1; domid < row[layout.NextDomId]; domid++)
            {
                var victim = layout.Domain(domid) + layout.DomTmemEphemeral;
                for (var node = 0; node < nodes; node++)
                {
                    if (row[victim + node] != 0)
                    {
                        row[victim + node] -= 1;
                        return node;
                    }
                }
            }
        }

        return -1;
    }

    /// <summary>
    /// The nodes get_free_buddy tries, into <paramref name="order"/>; how many (as Host.NodeOrder and Spec.NodeOrder): an
    /// exact request's node; else from a start node round the owner's affinity, a named node outside it first, then
    /// the nodes outside it; an affinity of no host node prefers nothing.
    /// </summary>
    private int NodeOrder(ReadOnlySpan<int> row, int ownerAt, int wantedNode, bool exact, Span<int> order)
    {
        var named = wantedNode != Operation.AnyNode;
        if (named && exact)
        {
            order[0] = wantedNode;
            return 1;
        }

        var count = 0;
        var affinity = ownerAt >= 0 ? row[ownerAt + PackedLayout.DomNodeAffinity] : (int)SpecDomain.AllNodes(nodes);
        if (affinity == 0)
        {
            if (named)
            {
                order[count++] = wantedNode;
            }

            for (var node = 0; node < nodes; node++)
            {
                order[count++] = node;
            }

            return count;
        }

        var start = named ? wantedNode : ownerAt >= 0 ? Cycle(row[ownerAt + PackedLayout.DomLastAllocNode], affinity) : 0;
        if ((affinity & (1 << start)) == 0)
        {
            order[count++] = start;
            start = Cycle(-1, affinity);
        }

        var next = start;
        do
        {
            order[count++] = next;
            next = Cycle(next, affinity);
        }
        while (next != start);

        for (var node = 0; node < nodes; node++)
        {
            if ((affinity & (1 << node)) == 0)
            {
                order[count++] = node;
            }
        }

        return count;
    }

    /// <summary>cycle_node: the next node of <paramref name="mask"/> after <paramref name="node"/>, else its first.</summary>
    private int Cycle(int node, int mask)
    {
        for (var n = node + 1; n < nodes; n++)
        {
            if ((mask & (1 << n)) != 0)
            {
                return n;
            }
        }

        return System.Numerics.BitOperations.TrailingZeroCount(mask);
    }

    [Follows(Rules.AllocBadOrderOrNode, Rules.AllocGuestExactNode, Rules.AllocUnknownDomain, Rules.AllocNotPermitted, Rules.AllocExtraRefused,
        Rules.AllocHeapRefused, Rules.AllocAssignFirstDying, Rules.AllocAssignFirstTotAboveMax, Rules.AllocAssignFirstOverMax)]
    private PackedStepResult Allocate(Span<int> row, in PackedOp op, bool extra)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        var request = op.Pages;
        if (profile.AllocatesInOneSection)
        {
            var tot = DomainTot(row, at);
            var max = row[at + PackedLayout.DomMax];
            if (!Alive(row, at) || (!extra && profile.AssignPagesRefusesTotAboveMax && tot > max) || (!extra && tot + request > max))
            {
                return PackedStepResult.Unchanged; // Rules.AllocAssignFirst*: assign_pages' refusals before any page is taken.
            }
        }

        var node = TakeFromHeap(row, at, request, noRefcount: extra, op.Node, op.Exact);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (!extra && profile.ConsumeClaimAt == ClaimConsumption.InHeapAllocation)
        {
            Redeem(row, at, node, request);
        }

        return AssignPages(row, at, node, request, extra);
    }

    /// <summary>assign_pages: the pages the heap section took from <paramref name="node"/> become the domain's, or go back.</summary>
    [Follows(Rules.AllocAssignDying, Rules.AllocExtraAssigned, Rules.AllocAssignTotAboveMax, Rules.AllocAssignOverMax,
        Rules.AllocAssigned)]
    private PackedStepResult AssignPages(Span<int> row, int at, int node, int request, bool extra)
    {
        if (!Alive(row, at))
        {
            row[layout.Free + node] += request; // Rules.AllocAssignDying: the pages go back; the redeemed claim stays redeemed.
            return PackedStepResult.FailedAfterChange;
        }

        if (extra)
        {
            row[at + PackedLayout.DomExtra] += request;
            if (profile.TotIncludesExtraPages)
            {
                row[at + PackedLayout.DomTot] += request;
            }

            row[at + layout.DomPages + node] += request;
            if (profile.ExtraPages == ExtraPagesMode.CountedConsumesClaim)
            {
                Redeem(row, at, node, request);
            }

            return PackedStepResult.Ok;
        }

        var domainTot = DomainTot(row, at);
        var maxPages = row[at + PackedLayout.DomMax];
        if ((profile.AssignPagesRefusesTotAboveMax && domainTot > maxPages) || domainTot + request > maxPages)
        {
            row[layout.Free + node] += request; // Rules.AllocAssignTotAboveMax, Rules.AllocAssignOverMax.
            return PackedStepResult.FailedAfterChange;
        }

        row[at + PackedLayout.DomTot] += request;
        row[at + layout.DomPages + node] += request;
        if (profile.ConsumeClaimAt == ClaimConsumption.InAssignPages)
        {
            Redeem(row, at, node, request);
        }

        return PackedStepResult.Ok;
    }

    [Follows(Rules.XenAllocBadOrderOrNode, Rules.XenAllocNotXen, Rules.XenAllocHeapRefused, Rules.XenAllocAllocated)]
    private PackedStepResult XenHeapAlloc(Span<int> row, in PackedOp op)
    {
        var node = op.Refused ? -1 : TakeFromHeap(row, -1, op.Pages, noRefcount: true, op.Node, op.Exact);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[layout.XenHeap + node] += op.Pages;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.XenFreeNotXen, Rules.XenFreeBadCount, Rules.XenFreeFreed)]
    private PackedStepResult XenHeapFree(Span<int> row, in PackedOp op)
    {
        if (op.Refused || op.Pages > layout.Sum(row, layout.XenHeap))
        {
            return PackedStepResult.Unchanged;
        }

        var pages = op.Pages;
        for (var node = nodes - 1; node >= 0 && pages > 0; node--)
        {
            var part = Math.Min(row[layout.XenHeap + node], pages);
            row[layout.XenHeap + node] -= part;
            row[layout.Free + node] += part;
            pages -= part;
        }

        return PackedStepResult.Ok;
    }
}
