namespace ClaimVerified;

/// <summary>
/// Xen 4.22's populate during the build (83a784a15b, 009401506e, 3652268543; <see cref="Profiles.Profile.StashesDuringBuild"/>)
/// and the unpause that ends it. Read at RELEASE-4.22.0 (d45d5687f1) in xen/common/memory.c (populate_physmap,
/// stash_allocation, get_stashed_allocation), xen/common/page_alloc.c (alloc_domheap_pages with MEMF_keep_scrub) and
/// xen/common/domain.c (domain_unpause_by_systemcontroller, domain_pending_scrub_free); docs/research/issue-14-xen-notes.md §1.
/// </summary>
public sealed partial class Host
{
    /// <summary>
    /// A limit on everything: a call and its one continuation. The model's preemption comes once per call, and the
    /// continuation resumes a scrub that only moves forward (the stashed index), so it is never preempted again here.
    /// </summary>
    private const int PopulateEntriesLimit = 2;

    /// <summary>
    /// The fewest pages a host must have for anything to be stashed: only an extent of order 9 or more can be (an
    /// order-0 scrub is never preempted, see populate_physmap's scrub loop), and it is stashed only once allocated.
    /// </summary>
    public const long SmallestStashPages = 1L << 9;

    /// <summary>
    /// XEN_DOMCTL_unpausedomain (domain_unpause_by_systemcontroller, under domctl_lock): the toolstack's one unpause of
    /// a new domain, which finishes its creation. With 4.22's stash, a domain that still has a stashed extent is crashed
    /// instead: the stash is freed (its claim is not restored) and the call fails with EBUSY, creation never finishing
    /// (a later unpause would take the pause count below zero: EINVAL). The model has no pause: a second unpause is that
    /// EINVAL. Xen reads <c>d->pending_scrub</c> here without page_alloc_lock.
    /// </summary>
    public Outcome Unpause(Caller caller, int domid)
    {
        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        lock (domctlLock)
        {
            var d = FindDomain(domid);
            if (d is null)
            {
                return Errno.ESRCH;
            }

            if (d.ControllerUnpaused)
            {
                return Errno.EINVAL;
            }

            d.ControllerUnpaused = true;
            if (d.CreationFinished)
            {
                return Outcome.Ok();
            }

            if (Profile.StashesDuringBuild && d.PendingScrubPages != 0)
            {
                // "cannot be started with pending unscrubbed pages, destroying": domain_crash, then the stash is freed.
                FreeStash(d);
                return Errno.EBUSY;
            }

            d.CreationFinished = true;
            return Outcome.Ok();
        }
    }

    /// <summary>
    /// populate_physmap of one extent on 4.22, with its continuation. Each entry reads creation_finished (no lock) and
    /// first asks for the stash (get_stashed_allocation, page_alloc_lock). Before creation finished the extent is
    /// allocated without being assigned (its claim consumed then, under heap_lock), scrubbed by populate_physmap, and
    /// assigned (page_alloc_lock); when the scrub is <paramref name="preempted"/> the extent is stashed instead and the
    /// continuation enters again, normally finding its own stash. After creation finished the allocator assigns in the
    /// same call as before 4.22 — but a stash found then skips the scrub and the assignment (both sit under
    /// <c>memflags &amp; MEMF_no_scrub</c>): its pages reach the guest counted nowhere, the claim they consumed gone.
    /// </summary>
    private Outcome PopulateDuringBuild(Caller caller, int domid, int order, NodeRequest node, bool preempted)
    {
        var refused = CheckExtentCall(caller, domid, order, node.Node, out var d, out var request);
        if (refused != Errno.Ok)
        {
            return refused;
        }

        // A stash is looked up by order, and by node only for an exact request (populate_physmap's `node`).
        var stashNode = node.Exact ? node.Node : AnyNode;
        for (var entry = 0; entry < PopulateEntriesLimit; entry++)
        {
            var scrubsItself = !d.CreationFinished;
            var stashed = TakeStash(d, order, stashNode);
            if (stashed < 0)
            {
                int takenNode;
                lock (heapLock)
                {
                    var rc = AllocHeapPagesForDomainLocked(d, request, noRefcount: false, node, out takenNode);
                    if (rc != Errno.Ok)
                    {
                        return rc;
                    }
                }

                if (!scrubsItself)
                {
                    return AssignOrReturn(d, request, takenNode);
                }

                stashed = takenNode;
            }
            else if (!scrubsItself)
            {
                // Neither scrubbed nor assigned, and mapped: the pages stay in flight for good (the ghost keeps them
                // accounted; no free of the domain's ever returns them, which the no-leak property sees).
                return Outcome.Ok(request);
            }

            var scrubPreempted = preempted && entry == 0 && order > 0;
            if (!scrubPreempted)
            {
                return AssignOrReturn(d, request, stashed);
            }

            Stash(d, request, order, stashed);
        }

        throw new System.Diagnostics.UnreachableException($"populate_physmap of d{domid} did not finish in {PopulateEntriesLimit} entries");
    }

    /// <summary>assign_page under page_alloc_lock; when it refuses, the extent goes back to the heap, its claim not restored.</summary>
    private Outcome AssignOrReturn(Domain d, long request, int node)
    {
        Errno assigned;
        lock (d.PageAllocLock)
        {
            assigned = AssignPagesLocked(d, request, noRefcount: false, tmemPage: false, node);
        }

        if (assigned == Errno.Ok)
        {
            return Outcome.Ok(request);
        }

        lock (heapLock)
        {
            ReturnUnassignedLocked(d, node, request);
        }

        return assigned;
    }

    /// <summary>
    /// get_stashed_allocation, under page_alloc_lock: a stash of the same order (and node, when one is asked for) is
    /// the caller's; any other is freed, unclaimed. Either way the stash is cleared. Returns the node of the extent
    /// the caller gets, or -1.
    /// </summary>
    private int TakeStash(Domain d, int order, int node)
    {
        lock (d.PageAllocLock)
        {
            var stashedNode = d.PendingScrubNode;
            if (d.PendingScrubPages != 0 && d.PendingScrubOrder == order && (node == AnyNode || node == stashedNode))
            {
                ClearStash(d);
                return stashedNode;
            }

            FreeStashLocked(d);
            return -1;
        }
    }

    /// <summary>
    /// stash_allocation, under page_alloc_lock: the extent becomes the stash, unless there already is one or the domain
    /// is dying, and then it is freed, unclaimed.
    /// </summary>
    private void Stash(Domain d, long pages, int order, int node)
    {
        lock (d.PageAllocLock)
        {
            if (d.PendingScrubPages == 0 && !d.IsDying)
            {
                (d.PendingScrubPages, d.PendingScrubOrder, d.PendingScrubNode) = (pages, order, node);
                return;
            }

            lock (heapLock)
            {
                ReturnUnassignedLocked(d, node, pages);
            }
        }
    }

    /// <summary>domain_pending_scrub_free, under page_alloc_lock: the stash, if any, goes back to the heap (teardown, unpause).</summary>
    private void FreeStash(Domain d)
    {
        lock (d.PageAllocLock)
        {
            FreeStashLocked(d);
        }
    }

    /// <summary>The stash, if any, cleared and its extent returned to the heap, unclaimed; page_alloc_lock held.</summary>
    private void FreeStashLocked(Domain d)
    {
        if (d.PendingScrubPages == 0)
        {
            return;
        }

        var (pages, node) = (d.PendingScrubPages, d.PendingScrubNode);
        ClearStash(d);
        lock (heapLock)
        {
            ReturnUnassignedLocked(d, node, pages);
        }
    }

    private static void ClearStash(Domain d) => (d.PendingScrubPages, d.PendingScrubOrder, d.PendingScrubNode) = (0, 0, 0);
}
