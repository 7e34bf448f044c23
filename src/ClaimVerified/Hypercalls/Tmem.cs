namespace ClaimVerified;

/// <summary>tmem's two kinds of pool.</summary>
public enum TmemPool
{
    /// <summary>Clean page cache: the hypervisor may drop it at any time ("freeable", free-on-demand).</summary>
    Ephemeral,

    /// <summary>Frontswap: must be kept until the guest flushes it.</summary>
    Persistent,
}

public sealed partial class Host
{
    /// <summary>
    /// A guest puts one page into a tmem pool (Xen &lt;= 4.12). Ephemeral pages are anonymous heap allocations
    /// (alloc_domheap_pages(NULL, ...)): they only ever get unclaimed memory and count as freeable. Persistent pages
    /// are allocated owned by the guest (MEMF_tmem) and count in its tot_pages, so they pass assign_pages.
    /// </summary>
    public Outcome TmemPut(Caller caller, int domid, TmemPool pool)
    {
        if (TmemCaller(caller, domid, out var d) is var refused and not Errno.Ok)
        {
            return refused;
        }

        if (pool == TmemPool.Persistent)
        {
            var populated = Populate(caller, domid, 0);
            if (!populated.IsOk)
            {
                return populated;
            }

            lock (d!.PageAllocLock)
            {
                d.TmemPersistentPages += 1;
            }

            return Outcome.Ok(1);
        }

        lock (heapLock)
        {
            if (d!.IsDying)
            {
                return Errno.EINVAL;
            }

            var rc = AllocHeapPagesLocked(null, 1, noRefcount: true, AnyNode, out var takenNode);
            if (rc != Errno.Ok)
            {
                return rc;
            }

            d.TmemEphemeralNodePages[takenNode] += 1;
            tmemEphemeralPages += 1;
            return Outcome.Ok(1);
        }
    }

    /// <summary>A guest flushes one page from a tmem pool: the page returns to the heap (ephemeral) or is freed (persistent).</summary>
    public Outcome TmemFlush(Caller caller, int domid, TmemPool pool)
    {
        if (TmemCaller(caller, domid, out var d) is var refused and not Errno.Ok)
        {
            return refused;
        }

        if (pool == TmemPool.Persistent)
        {
            lock (d!.PageAllocLock)
            {
                if (d.TmemPersistentPages < 1 || d.IsDying)
                {
                    return Errno.EINVAL;
                }

                d.TmemPersistentPages -= 1;
                d.TotPages -= 1;
                var perNode = TakeFromDomainNodes(d, 1);
                RegrowClaimOnDrop(d, 1);
                lock (heapLock)
                {
                    ReturnFreePagesLocked(perNode);
                }
            }

            return Outcome.Ok(1);
        }

        lock (heapLock)
        {
            var node = Array.FindIndex(d!.TmemEphemeralNodePages, pages => pages > 0);
            if (node < 0)
            {
                return Errno.EINVAL;
            }

            d.TmemEphemeralNodePages[node] -= 1;
            tmemEphemeralPages -= 1;
            nodeAvailPages[node] += 1;
            totalAvailPages += 1;
            return Outcome.Ok(1);
        }
    }

    /// <summary>The tmem call's domain, and whether the call may go on: tmem exists, the domain does, the caller may act on it.</summary>
    private Errno TmemCaller(Caller caller, int domid, out Domain? d)
    {
        d = FindDomain(domid);
        return !Profile.Tmem ? Errno.EOPNOTSUPP
            : d is null ? Errno.ESRCH
            : !caller.MayActOn(domid) ? Errno.EPERM
            : Errno.Ok;
    }

    /// <summary>
    /// tmem_relinquish_pages for one page, heap_lock held: evict an ephemeral page (the first domain's, lowest node)
    /// and hand it to the requester directly.
    /// </summary>
    private bool TryRelinquishTmemPageLocked(out int node)
    {
        node = -1;
        if (tmemEphemeralPages == 0)
        {
            return false;
        }

        foreach (var d in everyDomain)
        {
            node = Array.FindIndex(d.TmemEphemeralNodePages, pages => pages > 0);
            if (node >= 0)
            {
                d.TmemEphemeralNodePages[node] -= 1;
                tmemEphemeralPages -= 1;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Destroys a dying domain's tmem pools: ephemeral pages return to the heap (persistent pages are tot_pages and go
    /// with relinquish). heap_lock taken here.
    /// </summary>
    private void DestroyTmemPools(Domain d)
    {
        lock (heapLock)
        {
            tmemEphemeralPages -= d.TmemEphemeralPages;
            ReturnFreePagesLocked(d.TmemEphemeralNodePages);
            Array.Clear(d.TmemEphemeralNodePages);
        }
    }
}
