namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// Page offlining of a free page on <paramref name="node"/> (a broken or retired page), as offline_page and
    /// reserve_offlined_page do under heap_lock: the page leaves the heap. No Xen version has claim logic here, so
    /// claims can end up unbacked; the claim-sets proposal recalls claims until they are backed again
    /// (<see cref="Profiles.Profile.OfflineRecallsClaims"/>). Our reference refuses with EBUSY when the page backs a
    /// claim (the caller retries once memory is unclaimed, as Xen's offline-pending pages wait for their owner to free
    /// them), so nothing is recalled there.
    /// Offlining of pages in use (Xen marks them pending) is not modelled: with no free page on the node, EBUSY.
    /// </summary>
    public Outcome OfflinePage(Caller caller, int node)
    {
        if (node < 0 || node >= NodeCount)
        {
            return Errno.EINVAL;
        }

        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        lock (heapLock)
        {
            if (nodeAvailPages[node] < 1)
            {
                return Errno.EBUSY;
            }

            if (Profile.OfflineKeepsClaimsBacked
                && (totalAvailPages - 1 < outstandingClaims || nodeAvailPages[node] - 1 < nodeOutstandingClaims[node]))
            {
                return Errno.EBUSY;
            }

            TakeFreePagesLocked(node, 1);
            offlinedPages += 1;
            if (Profile.OfflineRecallsClaims)
            {
                RecallClaimsLocked(node);
            }

            return Outcome.Ok(1);
        }
    }

    /// <summary>
    /// reserve_offlined_page after a page left the heap (claim-sets, bernhardkaindl/xen ebc02ab7b6, "xen/mm: Recall
    /// claims when offlining pages if needed"), heap_lock held: while the node's claims exceed its free pages, take
    /// the excess from the domains' claims on that node, domain by domain in domid order (for_each_domain); then while
    /// all claims exceed all free pages, take the excess from the domains' global claims the same way. The claims are
    /// backed again; the domains that lose them are not told.
    /// </summary>
    private void RecallClaimsLocked(int node)
    {
        var nodeExcessPages = nodeOutstandingClaims[node] - nodeAvailPages[node];
        foreach (var d in liveDomains.Values.OrderBy(d => d.Id))
        {
            nodeExcessPages -= RecallLocked(d, Math.Min(nodeExcessPages, d.NodeOutstandingPages[node]), node);
        }

        var hostExcessPages = outstandingClaims - totalAvailPages;
        foreach (var d in liveDomains.Values.OrderBy(d => d.Id))
        {
            hostExcessPages -= RecallLocked(d, Math.Min(hostExcessPages, d.GlobalOutstandingPages), AnyNode);
        }
    }

    /// <summary>Takes <paramref name="pages"/> (if positive) off a domain's claim on <paramref name="node"/>, or off its global claim.</summary>
    private long RecallLocked(Domain d, long pages, int node)
    {
        if (pages <= 0)
        {
            return 0;
        }

        if (node != AnyNode)
        {
            TakeNodeClaimLocked(d, node, pages);
        }

        d.OutstandingPages -= pages;
        outstandingClaims -= pages;
        d.GhostClaimTargetPages = d.OutstandingPages == 0 ? 0 : d.GhostClaimTargetPages - pages;
        d.ClaimIsSoft &= d.OutstandingPages != 0;
        return pages;
    }
}
