namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// XENMEM_decrease_reservation of one extent: a guest ballooning itself down, or the toolstack taking pages back.
    /// As in free_domheap_pages: under page_alloc_lock tot_pages drops (and before 3472783c26 a non-zero claim grows
    /// back by the same amount, through heap_lock), then under heap_lock the pages return to the free lists.
    /// Returns the pages freed.
    /// </summary>
    public Outcome DecreaseReservation(Caller caller, int domid, int order)
    {
        var refused = CheckExtentCall(caller, domid, order, AnyNode, out var d, out var pages);
        if (refused != Errno.Ok)
        {
            return refused;
        }

        long[] perNode;
        lock (d.PageAllocLock)
        {
            // A dying domain is paused and its pages belong to domain_kill's relinquish; we refuse (documented choice:
            // in Xen the guest cannot run, and a toolstack racing relinquish gains nothing).
            if (d.IsDying)
            {
                return Errno.EINVAL;
            }

            // Extra pages are not ballooned: only refcounted pages above the domain's tmem persistent pages may go.
            if (pages > DomainTotPages(d) - d.TmemPersistentPages)
            {
                return Errno.EINVAL;
            }

            d.TotPages -= pages;
            perNode = TakeFromDomainNodes(d, pages);
            d.GhostDomainSidePages += pages; // On their way back to the heap: between the two sections they are nowhere.
            RegrowClaimOnDrop(d, pages);
            if (Profile.OneCriticalSectionPerOperation)
            {
                ReturnToHeap(d, perNode);
                return Outcome.Ok(pages);
            }
        }

        ReturnToHeap(d, perNode);

        return Outcome.Ok(pages);
    }
}
