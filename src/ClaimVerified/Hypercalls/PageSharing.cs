namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// Page sharing: one of the domain's pages is nominated and deduplicated, moving to the shared owner (dom_cow).
    /// The domain's tot_pages drops by one but no page reaches the heap, so a claim that grows back here
    /// (before 3472783c26) has no free memory behind it. The same holds for steal_page, grant transfer and memory
    /// exchange: they all lower tot_pages without freeing.
    /// </summary>
    public Outcome SharePage(Caller caller, int domid)
    {
        var d = FindDomain(domid);
        if (d is null)
        {
            return Errno.ESRCH;
        }

        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        lock (d.PageAllocLock)
        {
            if (d.IsDying || DomainTotPages(d) - d.TmemPersistentPages < 1)
            {
                return Errno.EINVAL;
            }

            d.TotPages -= 1;
            TakeFromDomainNodes(d, 1);
            Interlocked.Increment(ref sharedPages); // Xen's nr_shared_mfns is an atomic_t (mem_sharing.c).
            RegrowClaimOnDrop(d, 1);
        }

        return Outcome.Ok(1);
    }
}
