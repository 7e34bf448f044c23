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
            // Counted as tmem's in assign_pages' own page_alloc_lock section. Counted in a section of its own after
            // the populate, the page was for a moment an ordinary guest page that decrease_reservation could free, and
            // the count then named a page the guest no longer had: an artefact of the model, not of Xen, whose
            // tmem page is reachable only through its pool.
            return AllocDomainPages(caller, domid, 0, new NodeRequest(AnyNode, Exact: false), noRefcount: false, tmemPage: true);
        }

        lock (heapLock)
        {
            if (d!.IsDying)
            {
                return Errno.EINVAL;
            }

            // tmh_alloc_page (4.3) / __tmem_alloc_page (4.6): tmem's own free list first, then the heap.
            var takenNode = TakeFromTmemFreeListLocked();
            if (takenNode < 0)
            {
                var rc = AllocHeapPagesLocked(null, 1, noRefcount: true, new NodeRequest(AnyNode, Exact: false), out takenNode);
                if (rc != Errno.Ok)
                {
                    return rc;
                }
            }

            d.TmemEphemeralNodePages[takenNode] += 1;
            tmemEphemeralPages += 1;
            return Outcome.Ok(1);
        }
    }

    /// <summary>
    /// A guest flushes one page from a tmem pool. A persistent page is freed to the heap. An ephemeral page goes to
    /// tmem's private free list where the profile has one (tmem_page_free -> tmh_free_page -> tmh_page_list_put,
    /// RELEASE-4.3.0 xen/common/tmem.c; tmem_free_page -> __tmem_free_page -> tmem_page_list_put, RELEASE-4.6.0):
    /// still freeable, but not free, so physinfo's free count does not grow.
    /// </summary>
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
            FreeTmemPageLocked(node);
            return Outcome.Ok(1);
        }
    }

    /// <summary>
    /// TMEMC_FLUSH (4.3, TMEM_CONTROL in do_tmem_op) / XEN_SYSCTL_TMEM_OP_FLUSH (4.6, tmem_control), for all clients:
    /// evict ephemeral pages until tmem's free list holds <paramref name="pages"/> or nothing is left to evict, then
    /// free the whole list to the heap (4.3 tmem_relinquish_npages -> tmh_release_avail_pages_to_host; 4.6
    /// tmem_flush_npages). Returns the pages freed, which may be more or fewer than asked. Xen takes kB (a uint32)
    /// and rounds up to pages; the model takes pages, so at most <see cref="MaxTmemFlushPages"/>.
    /// </summary>
    public Outcome TmemFlushControl(Caller caller, long pages)
    {
        if (!Profile.TmemPrivateFreeList)
        {
            return Errno.EOPNOTSUPP;
        }

        if (!caller.IsPrivileged)
        {
            return Errno.EPERM; // 4.3: tmh_current_is_privileged; 4.6: the sysctl's XSM check.
        }

        if (pages is < 0 or > MaxTmemFlushPages)
        {
            return Errno.EINVAL;
        }

        lock (heapLock)
        {
            EvictTmemPagesLocked(pages - tmemFreeListPages);
            var freed = tmemFreeListPages;
            ReturnFreePagesLocked(tmemFreeListNodePages);
            Array.Clear(tmemFreeListNodePages);
            tmemFreeListPages = 0;
            return Outcome.Ok(freed);
        }
    }

    /// <summary>The largest flush: Xen's argument is a uint32 count of kB, rounded up to 4 KiB pages (2^30).</summary>
    public const long MaxTmemFlushPages = 1L << 30;

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
    /// tmem_relinquish_pages(order), heap_lock held (RELEASE-4.3.0 tmem.c / RELEASE-4.6.0 tmem.c): any order above 0
    /// gets nothing; an order-0 request gets a page from tmem's free list, or else the page of an ephemeral pool that
    /// tmem evicts for it (tmem_evict puts it on the list, the list hands it over). The page goes straight to the
    /// requester, never through the heap's counters. -1 when tmem has nothing to give.
    /// </summary>
    private int RelinquishTmemPageLocked(long request)
    {
        if (request != 1)
        {
            return -1;
        }

        var node = TakeFromTmemFreeListLocked();
        return node >= 0 ? node : EvictTmemPageLocked() >= 0 ? TakeFromTmemFreeListLocked() : -1;
    }

    /// <summary>
    /// The profile without a private list: an order-0 request that found no free page takes one ephemeral page
    /// (the first domain's, lowest node) directly. heap_lock held.
    /// </summary>
    private bool TryRelinquishTmemPageLocked(out int node)
    {
        node = -1;
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
    /// tmem_evict repeated <paramref name="pages"/> times (or until no pool holds an ephemeral page), heap_lock held,
    /// counted per domain and node rather than page by page: each eviction takes the lowest domid's page on its lowest
    /// node, as <see cref="EvictTmemPageLocked"/> does.
    /// </summary>
    private void EvictTmemPagesLocked(long pages)
    {
        foreach (var d in everyDomain)
        {
            for (var node = 0; node < NodeCount && pages > 0; node++)
            {
                var evicted = Math.Min(d.TmemEphemeralNodePages[node], pages);
                d.TmemEphemeralNodePages[node] -= evicted;
                tmemEphemeralPages -= evicted;
                tmemFreeListNodePages[node] += evicted;
                tmemFreeListPages += evicted;
                pages -= evicted;
            }
        }
    }

    /// <summary>
    /// tmem_evict, heap_lock held: drops one ephemeral page (the first domain's, lowest node: the model's stand-in for
    /// tmem's LRU) onto the free list. The node, or -1 when no pool holds an ephemeral page.
    /// </summary>
    private int EvictTmemPageLocked()
    {
        foreach (var d in everyDomain)
        {
            var node = Array.FindIndex(d.TmemEphemeralNodePages, pages => pages > 0);
            if (node >= 0)
            {
                d.TmemEphemeralNodePages[node] -= 1;
                tmemEphemeralPages -= 1;
                FreeTmemPageLocked(node);
                return node;
            }
        }

        return -1;
    }

    /// <summary>tmh_page_list_get, heap_lock held: a page from tmem's free list (lowest node first), or -1.</summary>
    private int TakeFromTmemFreeListLocked()
    {
        var node = Array.FindIndex(tmemFreeListNodePages, pages => pages > 0);
        if (node >= 0)
        {
            tmemFreeListNodePages[node] -= 1;
            tmemFreeListPages -= 1;
        }

        return node;
    }

    /// <summary>
    /// An ephemeral page tmem lets go of, heap_lock held: onto tmem's free list where the profile has one, else back to
    /// the heap.
    /// </summary>
    private void FreeTmemPageLocked(int node)
    {
        if (Profile.TmemPrivateFreeList)
        {
            tmemFreeListNodePages[node] += 1;
            tmemFreeListPages += 1;
            return;
        }

        nodeAvailPages[node] += 1;
        totalAvailPages += 1;
    }

    /// <summary>tmem_freeable_pages(), heap_lock held: the ephemeral pools and tmem's free list.</summary>
    private long TmemFreeablePagesLocked => tmemEphemeralPages + tmemFreeListPages;

    /// <summary>
    /// Destroys a dying domain's tmem pools (client_flush -> pool_destroy_objs -> tmem_page_free): its ephemeral pages
    /// go to tmem's free list where the profile has one, else to the heap (persistent pages are tot_pages and go with
    /// relinquish). heap_lock taken here.
    /// </summary>
    private void DestroyTmemPools(Domain d)
    {
        lock (heapLock)
        {
            tmemEphemeralPages -= d.TmemEphemeralPages;
            if (Profile.TmemPrivateFreeList)
            {
                for (var node = 0; node < NodeCount; node++)
                {
                    tmemFreeListNodePages[node] += d.TmemEphemeralNodePages[node];
                }

                tmemFreeListPages += d.TmemEphemeralPages;
            }
            else
            {
                ReturnFreePagesLocked(d.TmemEphemeralNodePages);
            }

            Array.Clear(d.TmemEphemeralNodePages);
        }
    }
}
