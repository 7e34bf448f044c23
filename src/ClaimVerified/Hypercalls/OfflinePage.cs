namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// Page offlining of a free page on <paramref name="node"/> (a broken or retired page), as offline_page and
    /// reserve_offlined_page do under heap_lock: the page leaves the heap. No Xen version has claim logic here, so
    /// claims can end up unbacked. Our reference refuses with EBUSY when the page backs a claim (the caller retries
    /// once memory is unclaimed, as Xen's offline-pending pages wait for their owner to free them).
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
            return Outcome.Ok(1);
        }
    }
}
