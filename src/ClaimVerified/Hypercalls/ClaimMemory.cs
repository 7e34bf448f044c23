namespace ClaimVerified;

/// <summary>One entry of a claim set: <see cref="Pages"/> to be allocated, on a NUMA node or anywhere (<see cref="Global"/>).</summary>
public readonly record struct ClaimEntry(long Pages, int Target)
{
    /// <summary>The proposal's HOST target (0x80000000): a claim any node may satisfy.</summary>
    public const int Global = -1;

    public override string ToString() => Target == Global ? $"{Pages}@global" : $"{Pages}@node{Target}";
}

public sealed partial class Host
{
    /// <summary>
    /// XEN_DOMCTL_claim_memory (the NUMA claim-sets proposal, v7): install a set of claims atomically, replacing the
    /// domain's current set (the v7 header's semantics; a later review asked for EINVAL instead, unsettled). Entries
    /// are increments, not targets. All zero releases. As a domctl it runs under domctl_lock, like domain_kill, so a
    /// dying domain (ESRCH) cannot slip past the check.
    /// </summary>
    public Outcome ClaimMemory(Caller caller, int domid, IReadOnlyList<ClaimEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (!Profile.NodeClaims || (Config.LlcColouring && Profile.ClaimsRefusedWithLlcColouring))
        {
            return Errno.EOPNOTSUPP;
        }

        if (entries.Count == 0)
        {
            return Errno.EINVAL;
        }

        if (entries.Count > NodeCount + 1)
        {
            return Errno.E2BIG;
        }

        var nodePages = new long[NodeCount];
        var seenNode = new bool[NodeCount];
        long globalPages = 0;
        var seenGlobal = false;
        foreach (var entry in entries)
        {
            if (entry.Pages < 0 || entry.Pages > TotalPages)
            {
                return Errno.EINVAL;
            }

            if (entry.Target == ClaimEntry.Global)
            {
                if (seenGlobal)
                {
                    return Errno.EINVAL;
                }

                seenGlobal = true;
                globalPages = entry.Pages;
            }
            else if (entry.Target < 0 || entry.Target >= NodeCount || seenNode[entry.Target])
            {
                return Errno.EINVAL; // a duplicate target, even when the earlier entry was for 0 pages
            }
            else
            {
                seenNode[entry.Target] = true;
                nodePages[entry.Target] = entry.Pages;
            }
        }

        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        // At most 65 entries of at most 2^46 pages each: the sum cannot overflow.
        var totalClaimPages = globalPages + nodePages.Sum();
        lock (domctlLock)
        {
            var d = FindDomain(domid);
            if (d is null || d.IsDying)
            {
                return Errno.ESRCH;
            }

            lock (d.PageAllocLock)
            {
                lock (heapLock)
                {
                    return InstallClaimSetLocked(d, nodePages, totalClaimPages);
                }
            }
        }
    }

    /// <summary>domain_set_claim_entries, page_alloc_lock and heap_lock held: every check first, then the install.</summary>
    private Outcome InstallClaimSetLocked(Domain d, long[] nodePages, long totalClaimPages)
    {
        if (totalClaimPages == 0)
        {
            ReleaseClaimLocked(d);
            return Outcome.Ok();
        }

        var domainTotPages = DomainTotPages(d);
        if (domainTotPages + totalClaimPages > d.MaxPages)
        {
            return Errno.EINVAL;
        }

        for (var node = 0; node < NodeCount; node++)
        {
            var othersOnNode = nodeOutstandingClaims[node] - d.NodeOutstandingPages[node];
            if (othersOnNode + nodePages[node] > nodeAvailPages[node])
            {
                return Errno.ENOMEM;
            }
        }

        if (outstandingClaims - d.OutstandingPages + totalClaimPages > totalAvailPages)
        {
            return Errno.ENOMEM;
        }

        ReleaseClaimLocked(d);
        for (var node = 0; node < NodeCount; node++)
        {
            d.NodeOutstandingPages[node] = nodePages[node];
            nodeOutstandingClaims[node] += nodePages[node];
        }

        d.OutstandingPages = totalClaimPages;
        outstandingClaims += totalClaimPages;
        d.GhostClaimTargetPages = domainTotPages + totalClaimPages;
        return Outcome.Ok();
    }
}
