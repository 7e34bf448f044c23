namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// XEN_DOMCTL_createdomain followed by max_mem: a new alive domain with no pages. Returns its domid. max_pages is
    /// stored as <see cref="SetMaxPages"/> stores it: any non-negative request, with no bound from host memory.
    /// </summary>
    public Outcome CreateDomain(Caller caller, long maxPages)
    {
        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        if (maxPages < 0)
        {
            return Errno.EINVAL;
        }

        lock (domctlLock)
        {
            if (nextDomid >= MaxDomains)
            {
                return Errno.ENOMEM;
            }

            var d = new Domain(nextDomid++, StoredMaxPages(maxPages), NodeCount);
            liveDomains = liveDomains.Add(d.Id, d);
            everyDomain = everyDomain.Add(d);
            return Outcome.Ok(d.Id);
        }
    }

    /// <summary>
    /// XEN_DOMCTL_max_mem: under domctl_lock and page_alloc_lock, max_pages takes the new value. Xen accepts any value
    /// (do_domctl checks nothing against host memory, tot_pages or claims): one too large for max_pages is truncated
    /// or saturated (<see cref="Profile.MaxMemTruncates"/>). It allows a value below tot_pages (the domain drops below
    /// it as it frees) and never looks at the claim, so tot + claim may exceed max_pages afterwards. Our reference
    /// trims the claim in the same section (MaxPagesTrimsClaim). The hypercall's argument is unsigned: a negative
    /// count is a malformed call here, refused with EINVAL.
    /// </summary>
    public Outcome SetMaxPages(Caller caller, int domid, long maxPages)
    {
        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        if (maxPages < 0)
        {
            return Errno.EINVAL;
        }

        lock (domctlLock)
        {
            var d = FindDomain(domid);
            if (d is null)
            {
                return Errno.ESRCH;
            }

            lock (d.PageAllocLock)
            {
                d.MaxPages = StoredMaxPages(maxPages);
                if (Profile.MaxPagesTrimsClaim)
                {
                    TrimClaimToMaxPages(d);
                }
            }

            return Outcome.Ok();
        }
    }

    /// <summary>
    /// The max_pages Xen stores for a request of <paramref name="maxPages"/> (non-negative): as is when it fits an
    /// unsigned int, else its low 32 bits (before 017e667c43) or the type's maximum (since).
    /// </summary>
    private long StoredMaxPages(long maxPages) =>
        maxPages <= Domain.MaxPagesLimit ? maxPages
        : Profile.MaxMemTruncates ? maxPages & Domain.MaxPagesLimit
        : Domain.MaxPagesLimit;

    /// <summary>
    /// Our reference: with page_alloc_lock held, trims the claim so that domain_tot_pages + claim &lt;= max_pages.
    /// The claim is read under heap_lock (taken in the usual order), where it is guarded.
    /// </summary>
    private void TrimClaimToMaxPages(Domain d)
    {
        lock (heapLock)
        {
            var excessPages = DomainTotPages(d) + d.OutstandingPages - d.MaxPages;
            if (excessPages > 0 && d.OutstandingPages > 0)
            {
                TrimClaimLocked(d, Math.Min(excessPages, d.OutstandingPages));
            }
        }
    }

    /// <summary>Gives back <paramref name="pages"/> of a claim, global part first, then node parts. heap_lock held.</summary>
    private void TrimClaimLocked(Domain d, long pages)
    {
        var fromGlobal = Math.Min(d.GlobalOutstandingPages, pages);
        var remaining = pages - fromGlobal;
        for (var node = 0; node < NodeCount && remaining > 0; node++)
        {
            remaining -= TakeNodeClaimLocked(d, node, remaining);
        }

        d.OutstandingPages -= pages;
        outstandingClaims -= pages;
        d.GhostClaimTargetPages -= pages;
        if (d.OutstandingPages == 0)
        {
            d.GhostClaimTargetPages = 0;
            d.ClaimIsSoft = false;
        }
    }

    /// <summary>
    /// domain_kill, called by the toolstack until it completes. Each call runs under domctl_lock. The first marks the
    /// domain dying, releases its claim (domain_set_outstanding_pages(d, 0), 65c9792df6) and tears down tmem; then
    /// pages are relinquished in chunks of <see cref="RelinquishChunkPages"/>, each chunk its own critical sections
    /// (Xen's relinquish is preemptible and continues in a later call); when none are left the domain is dead.
    /// Nothing else ever releases a claim: one staked after this release stays.
    /// </summary>
    public Outcome DomainKill(Caller caller, int domid)
    {
        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        var d = FindDomain(domid);
        if (d is null)
        {
            return Errno.ESRCH;
        }

        while (true)
        {
            lock (domctlLock)
            {
                if (KillStepLocked(d))
                {
                    return Outcome.Ok();
                }
            }
        }
    }

    /// <summary>
    /// One call of XEN_DOMCTL_destroydomain as a toolstack's hypercall makes it: one step of domain_kill under
    /// domctl_lock, then ERESTART while there is more to do, Ok once the domain is dead (xen/common/domain.c,
    /// domain_kill, returns -ERESTART while relinquish_memory is preempted; xen/common/domctl.c turns it into a
    /// continuation). The steps are finer than Xen's return points (Xen goes on from marking the domain dying straight
    /// into relinquishing, and returns 0 from the call that finishes): each state between Xen's returns is one of
    /// these. Others may call in between, and see the domain dying with pages it has not given back: what
    /// <see cref="DomainKill"/>, which loops until Ok, hides from its caller but not from anyone else.
    /// </summary>
    public Outcome DomainKillContinuation(Caller caller, int domid)
    {
        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        var d = FindDomain(domid);
        if (d is null)
        {
            return Errno.ESRCH;
        }

        lock (domctlLock)
        {
            return KillStepLocked(d) ? Outcome.Ok() : Errno.ERESTART;
        }
    }

    /// <summary>One continuation of domain_kill, domctl_lock held. True when the domain is dead.</summary>
    private bool KillStepLocked(Domain d)
    {
        if (d.State == DomainState.Alive)
        {
            d.GhostKillStarted = true;
            if (!Profile.AllocatesInOneSection)
            {
                d.State = DomainState.Dying; // Xen: under domctl_lock only; others read is_dying without a lock.
            }

            lock (d.PageAllocLock)
            {
                lock (heapLock)
                {
                    // Our reference marks the domain dying in the same section that releases its claim, so whoever
                    // holds page_alloc_lock sees is_dying stable: an allocation or a claim either completes before
                    // the release or sees the domain dying. An allocation in one section relies on it (its
                    // assign_pages checks run before it takes pages), so wherever allocations are one section, so is
                    // this: else a kill between the checks and assign_pages reaches the UnreachableException there.
                    d.State = DomainState.Dying;
                    ReleaseClaimLocked(d);
                }
            }

            if (Profile.StashesDuringBuild)
            {
                FreeStash(d); // domain_teardown's first stage (domain_pending_scrub_free), after the claim's release.
            }

            DestroyTmemPools(d);
            return false;
        }

        if (d.State != DomainState.Dying)
        {
            return true;
        }

        long[] perNode;
        lock (d.PageAllocLock)
        {
            var owned = OwnedPages(d);
            if (owned == 0)
            {
                d.State = DomainState.Dead;
                return true;
            }

            var chunkPages = Math.Min(RelinquishChunkPages, owned);
            var extraPages = Math.Min(d.ExtraPages, chunkPages);
            var refcountedPages = chunkPages - extraPages;
            d.ExtraPages -= extraPages;
            d.TotPages -= Profile.TotIncludesExtraPages ? chunkPages : refcountedPages;
            d.TmemPersistentPages = Math.Min(d.TmemPersistentPages, DomainTotPages(d));
            perNode = TakeFromDomainNodes(d, chunkPages);
            d.GhostDomainSidePages += chunkPages;
            if (refcountedPages > 0)
            {
                RegrowClaimOnDrop(d, refcountedPages);
            }

            if (Profile.OneCriticalSectionPerOperation)
            {
                ReturnToHeap(d, perNode);
                return false;
            }
        }

        ReturnToHeap(d, perNode);
        return false;
    }

    /// <summary>
    /// xl destroy: domain_kill to completion, then the final reference is dropped and the domid no longer resolves
    /// (later calls get ESRCH, or EINVAL where Xen's claim wrapper says so). Xen releases no claim here: a claim the
    /// domain still held is leaked, and the audit keeps seeing it.
    /// </summary>
    public Outcome DestroyDomain(Caller caller, int domid)
    {
        var killed = DomainKill(caller, domid);
        if (!killed.IsOk)
        {
            return killed;
        }

        lock (domctlLock)
        {
            var d = FindDomain(domid);
            if (d is null)
            {
                return Errno.ESRCH;
            }

            d.State = DomainState.Destroyed;
            liveDomains = liveDomains.Remove(domid);
            return Outcome.Ok();
        }
    }
}
