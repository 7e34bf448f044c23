using ClaimVerified.Profiles;

namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// XEN_DOMCTL_setnodeaffinity (b5b79a12c4, Xen 4.3; domain_set_node_affinity in xen/common/domain.c): the nodes a
    /// domain's allocations prefer (<paramref name="nodes"/>: bit n for node n, up to MAX_NUMNODES = 64). The full set
    /// (all 64 bits) resets it to automatic, which here is every node. Refused (EINVAL) when empty (4.3 to 4.12) or
    /// when it holds no node of the host (1ae0db5e48, 4.13). A dying domain is not refused. Under domctl_lock (do_domctl).
    /// </summary>
    public Outcome SetNodeAffinity(Caller caller, int domid, ulong nodes)
    {
        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        if (Profile.NodeAffinity == NodeAffinityDomctl.None)
        {
            return Errno.ENOSYS;
        }

        lock (domctlLock)
        {
            var d = FindDomain(domid);
            if (d is null)
            {
                return Errno.ESRCH;
            }

            var onHost = nodes & Domain.AllNodes(NodeCount);
            if (Profile.NodeAffinity == NodeAffinityDomctl.RefusesEmpty ? nodes == 0 : onHost == 0)
            {
                return Errno.EINVAL;
            }

            d.NodeAffinity = nodes == ulong.MaxValue ? Domain.AllNodes(NodeCount) : onHost;
            return Outcome.Ok();
        }
    }

    /// <summary>
    /// The nodes get_free_buddy (alloc_heap_pages before 4.10) tries, in order, into <paramref name="order"/> (at least
    /// 2 x nodes + 1 long); returns how many. An exact request: its node alone. Otherwise from a start node (the named
    /// one; for a domain the next affinity node after its last_alloc_node, cycling; for Xen's own heap node 0) round
    /// the affinity nodes, a named node outside the affinity first, then once the nodes outside the affinity in id
    /// order. An affinity with no node of the host (4.3 to 4.12) is no preference: the named node, then every node.
    /// </summary>
    private int NodeOrder(Domain? d, NodeRequest wanted, Span<int> order)
    {
        if ((wanted.Node != AnyNode && wanted.Exact) || NodeCount == 1)
        {
            // One node is the only choice: the affinity is not read. Its read is unlocked (XEN_DOMCTL_setnodeaffinity
            // writes it under domctl_lock, the allocator reads it under heap_lock), so the lockset weaving makes it a
            // scheduling point, which on one node could only cost schedules.
            order[0] = wanted.Node != AnyNode ? wanted.Node : 0;
            return 1;
        }

        var count = 0;
        var affinity = d?.NodeAffinity ?? Domain.AllNodes(NodeCount);
        if (affinity == 0)
        {
            if (wanted.Node != AnyNode)
            {
                order[count++] = wanted.Node;
            }

            for (var node = 0; node < NodeCount; node++)
            {
                order[count++] = node;
            }

            return count;
        }

        var start = wanted.Node != AnyNode ? wanted.Node : d is null ? 0 : CycleNode(d.LastAllocNode, affinity);
        if ((affinity & (1UL << start)) == 0)
        {
            order[count++] = start; // a caller's node outside the affinity is tried first, then the affinity's own
            start = CycleNode(-1, affinity);
        }

        var next = start;
        do
        {
            order[count++] = next;
            next = CycleNode(next, affinity);
        }
        while (next != start);

        for (var node = 0; node < NodeCount; node++)
        {
            if ((affinity & (1UL << node)) == 0)
            {
                order[count++] = node;
            }
        }

        return count;
    }

    /// <summary>cycle_node: the next node of <paramref name="mask"/> after <paramref name="node"/>, else its first.</summary>
    private int CycleNode(int node, ulong mask)
    {
        for (var n = node + 1; n < NodeCount; n++)
        {
            if ((mask & (1UL << n)) != 0)
            {
                return n;
            }
        }

        return System.Numerics.BitOperations.TrailingZeroCount(mask);
    }
}
