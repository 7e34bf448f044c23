// The guard table: which of Xen's locks guards each piece of the core's shared accounting state, with the Xen source
// that says so. It is the authority the woven lockset checks enforce (LockSet) and the one place to compare with Xen.
namespace ClaimVerified.Locks;

/// <summary>How a field may be touched.</summary>
public enum GuardKind
{
    /// <summary>Every read and write holds the lock.</summary>
    Locked,

    /// <summary>
    /// Writes hold the lock; reads take none, as Xen's do (a flag or an RCU-published pointer). Every read is a point
    /// where another thread may run, so the checker explores what can be written in between.
    /// </summary>
    WrittenLockedReadAnywhere,

    /// <summary>An atomic counter (Xen's atomic_t): no lock; only reads and Interlocked updates, never a plain store.</summary>
    Atomic,
}

/// <summary>One field of the core (<c>Type.field</c>, as the IL names it) and what guards it.</summary>
/// <param name="PerOwner">The lock is the owning object's own (a domain's page_alloc_lock), not any lock of that name.</param>
public sealed record Guard(string Field, string Lock, GuardKind Kind, bool PerOwner, string Source);

/// <summary>A lock object: the field that holds it and Xen's name for it.</summary>
public sealed record LockField(string Field, string Name, bool PerOwner, string Source);

/// <summary>
/// A method whose reads of guarded fields take no lock because Xen's take none: each read is allowed and is a point
/// where another thread may run. Writes in it are still checked. With <see cref="Field"/>, only that field's reads in
/// the method's own body; without, every read in the method and in what it calls.
/// </summary>
public sealed record UnlockedReader(string Method, string Source, string? Field = null);

/// <summary>
/// A method that drops a lock at one lock statement and takes it again at another, after touching guarded state under
/// it, because the Xen code it models does: that second section may touch it again (the split-section checks let it).
/// Sites are the lock statements' ordinals in the method's compiled body (1: its first Monitor.Enter), as the weaver
/// numbers them; only this pair is declared, so a section split anywhere else in the method is still seen.
/// </summary>
public sealed record Retake(string Method, string Lock, int FirstSite, int SecondSite, string Source);

/// <summary>
/// The guard table. Lock names are Xen's. Sources cite xen-project/xen at the commit or tag named, and
/// ../shared/reference/xen-claims.md §1 (heap_lock for free pages, outstanding claims and a domain's outstanding
/// pages; page_alloc_lock for tot/max/extra pages; domctl_lock where Xen relies on it).
/// </summary>
public static class GuardTable
{
    public const string HeapLock = "heap_lock";
    public const string PageAllocLock = "page_alloc_lock";
    public const string DomctlLock = "domctl_lock";

    private const string HeapLockSource =
        "xen/common/page_alloc.c: heap_lock guards avail[], node_avail_pages, total_avail_pages and outstanding_claims "
        + "(static DEFINE_SPINLOCK(heap_lock) and every update under spin_lock(&heap_lock)); 65c9792df6 takes it in "
        + "domain_set_outstanding_pages to read and write d->outstanding_pages";

    private const string PageAllocSource =
        "xen/common/page_alloc.c assign_pages and xen/common/domain.c: d->page_alloc_lock guards d->tot_pages, "
        + "d->max_pages, d->extra_pages and d->page_list (domain_adjust_tot_pages asserts it is held, 65c9792df6)";

    private const string TmemListSource =
        "4.3 xen/common/tmem_xen.c tmh_page_list_put/tmh_page_list_get (4.6 tmem_page_list_put/get): tmem's private free "
        + "list is guarded by its own spinlock, tmh_page_list_lock; the model keeps it under heap_lock, one lock for both "
        + "(Xen's relinquish takes heap_lock then the list's lock, its flush the reverse: README, known limits)";

    private const string PendingScrubSource =
        "xen/common/memory.c stash_allocation and get_stashed_allocation, xen/common/domain.c domain_pending_scrub_free "
        + "(83a784a15b, RELEASE-4.22.0): d->pending_scrub, its order and index, under d->page_alloc_lock (rspin_lock)";

    private const string DomctlSource =
        "xen/common/domctl.c do_domctl: domctl_lock serialises domain creation, max_mem, domain_kill and destroy";

    /// <summary>The lock objects, by the field that holds each.</summary>
    public static IReadOnlyList<LockField> Locks { get; } =
    [
        new("Host.heapLock", HeapLock, false, HeapLockSource),
        new("Host.domctlLock", DomctlLock, false, DomctlSource),
        new("Domain.PageAllocLock", PageAllocLock, true, PageAllocSource),
    ];

    /// <summary>
    /// The order in which a thread may take the locks (xen-claims.md §1; page_alloc.c: "page_alloc_lock before
    /// heap_lock", and do_domctl takes domctl_lock before either): a lock may be taken only while holding none that
    /// comes after it. Locks of one name may nest (the model's audit takes every domain's page_alloc_lock in domid order).
    /// </summary>
    public static IReadOnlyList<string> LockOrder { get; } = [DomctlLock, PageAllocLock, HeapLock];

    /// <summary>Every field of shared accounting state, and its guard.</summary>
    public static IReadOnlyList<Guard> Guards { get; } =
    [
        new("Host.totalAvailPages", HeapLock, GuardKind.Locked, false, HeapLockSource),
        new("Host.nodeAvailPages", HeapLock, GuardKind.Locked, false, HeapLockSource),
        new("Host.outstandingClaims", HeapLock, GuardKind.Locked, false, HeapLockSource),
        new("Host.nodeOutstandingClaims", HeapLock, GuardKind.Locked, false,
            HeapLockSource + "; per node in the claim-sets proposal (bernhardkaindl/xen claims-v7, node_outstanding_claims)"),
        new("Host.xenHeapNodePages", HeapLock, GuardKind.Locked, false,
            "xen/common/page_alloc.c alloc_xenheap_pages/free_xenheap_pages: Xen's own pages leave and return to the heap "
            + "under heap_lock (alloc_heap_pages, free_heap_pages)"),
        new("Host.offlinedPages", HeapLock, GuardKind.Locked, false,
            "xen/common/page_alloc.c offline_page/reserve_offlined_page: page_offlined_list under heap_lock"),
        new("Host.tmemEphemeralPages", HeapLock, GuardKind.Locked, false,
            "4.3 xen/common/tmem_xen.c: tmem's page counts change where tmem hands pages to or takes them from the heap, "
            + "under heap_lock in alloc_heap_pages' relinquish path; our counter mirrors tmem_freeable_pages() there"),
        new("Host.tmemFreeListNodePages", HeapLock, GuardKind.Locked, false, TmemListSource),
        new("Host.tmemFreeListPages", HeapLock, GuardKind.Locked, false, TmemListSource),
        new("Host.sharedPages", "", GuardKind.Atomic, false,
            "xen/arch/x86/mm/mem_sharing.c: nr_shared_mfns and nr_saved_mfns are atomic_t, updated with atomic_inc/atomic_dec"),
        new("Host.nextDomid", DomctlLock, GuardKind.Locked, false,
            DomctlSource + "; domain_create picks the domid under it"),
        new("Host.liveDomains", DomctlLock, GuardKind.WrittenLockedReadAnywhere, false,
            "xen/common/domain.c: domain_list is updated under domlist_update_lock (taken inside domctl_lock) and read "
            + "under RCU (rcu_lock_domain_by_id), without a lock"),
        new("Host.everyDomain", DomctlLock, GuardKind.WrittenLockedReadAnywhere, false,
            "the model's list of every domain (not Xen): an immutable list replaced whole under domctl_lock, read like "
            + "domain_list under RCU; tmem's relinquish reads it as its stand-in for tmem's global list of pools"),
        new("Domain.TotPages", PageAllocLock, GuardKind.Locked, true, PageAllocSource),
        new("Domain.ExtraPages", PageAllocLock, GuardKind.Locked, true,
            PageAllocSource + "; extra_pages since c793d13944 (4.14)"),
        new("Domain.MaxPages", PageAllocLock, GuardKind.Locked, true,
            PageAllocSource + "; XEN_DOMCTL_max_mem writes it under d->page_alloc_lock (do_domctl)"),
        new("Domain.NodePages", PageAllocLock, GuardKind.Locked, true,
            "the domain's page_list (its pages, which the model counts per node) is guarded by d->page_alloc_lock"),
        new("Domain.TmemPersistentPages", PageAllocLock, GuardKind.Locked, true,
            "4.3 xen/common/tmem_xen.c: persistent tmem pages are the domain's own (MEMF_tmem), on its page_list"),
        new("Domain.PendingScrubPages", PageAllocLock, GuardKind.Locked, true, PendingScrubSource),
        new("Domain.PendingScrubOrder", PageAllocLock, GuardKind.Locked, true, PendingScrubSource),
        new("Domain.PendingScrubNode", PageAllocLock, GuardKind.Locked, true, PendingScrubSource),
        new("Domain.OutstandingPages", HeapLock, GuardKind.Locked, false, HeapLockSource),
        new("Domain.NodeOutstandingPages", HeapLock, GuardKind.Locked, false,
            "bernhardkaindl/xen claims-v7 9557995cda: d->claims[] and d->node_claims under heap_lock"),
        new("Domain.ClaimIsSoft", HeapLock, GuardKind.Locked, false, "the 2012 proposal's soft claims: kept with the claim"),
        new("Domain.LastAllocNode", HeapLock, GuardKind.Locked, false,
            "xen/common/page_alloc.c alloc_heap_pages (91c6005e01; RELEASE-4.22.0 get_free_buddy reads it, alloc_heap_pages "
            + "writes it): d->last_alloc_node under heap_lock (4.3 to 4.9 read it just before taking the lock: README, Known limits)"),
        new("Domain.TmemEphemeralNodePages", HeapLock, GuardKind.Locked, false,
            "4.3 xen/common/tmem.c: ephemeral pages are anonymous heap pages; the model counts them where the heap does"),
        new("Domain.GhostHeapSidePages", HeapLock, GuardKind.Locked, false,
            "the model's ghost (not Xen): the heap's half of the pages in flight, beside the free counters it mirrors"),
        new("Domain.GhostDomainSidePages", PageAllocLock, GuardKind.Locked, true,
            "the model's ghost (not Xen): the domain's half of the pages in flight, beside tot_pages"),
        new("Domain.NodeAffinity", DomctlLock, GuardKind.WrittenLockedReadAnywhere, false,
            "xen/common/domain.c domain_set_node_affinity (b5b79a12c4): d->node_affinity written under domctl_lock (do_domctl) "
            + "and node_affinity_lock; get_free_buddy reads it under heap_lock alone"),
        new("Domain.CreationFinished", DomctlLock, GuardKind.WrittenLockedReadAnywhere, false,
            "xen/common/domain.c domain_unpause_by_systemcontroller (RELEASE-4.22.0): d->creation_finished set under "
            + "domctl_lock (do_domctl); populate_physmap reads it with no lock (83a784a15b)"),
        new("Domain.ControllerUnpaused", DomctlLock, GuardKind.Locked, false,
            "xen/common/domain.c domain_unpause_by_systemcontroller: controller_pause_count, moved by cmpxchg under "
            + "domctl_lock (the model keeps whether its one unpause was made)"),
        new("Domain.state", DomctlLock, GuardKind.WrittenLockedReadAnywhere, false,
            "xen/common/domain.c domain_kill sets d->is_dying under domctl_lock; Xen reads is_dying without a lock "
            + "(the 4.22 claim wrapper, 2379ca04fe; assign_pages; get_page)"),
    ];

    /// <summary>The methods that read guarded state without locks because Xen's do, and the ghost readers.</summary>
    public static IReadOnlyList<UnlockedReader> UnlockedReaders { get; } =
    [
        new("Host.ConsumeClaimForTotIncrease",
            "65c9792df6 (4.3) xen/common/page_alloc.c domain_adjust_tot_pages: with only page_alloc_lock held it tests "
            + "d->outstanding_pages, 'race-free because it can only change if d->page_alloc_lock and heap_lock are both "
            + "held', and takes heap_lock only when the claim is not zero",
            "Domain.OutstandingPages"),
        new("Host.Unpause",
            "xen/common/domain.c domain_unpause_by_systemcontroller (RELEASE-4.22.0): tests d->pending_scrub with only "
            + "domctl_lock held (domain_pending_scrub_free then takes page_alloc_lock)",
            "Domain.PendingScrubPages"),
        new("Host.DescribeDomain",
            "xen/common/domctl.c getdomaininfo: tot_pages, max_pages and outstanding_pages are read without "
            + "page_alloc_lock or heap_lock (XEN_DOMCTL_getdomaininfo, also for xl list and xl claims)"),
    ];

    /// <summary>
    /// The sections that take a lock again after dropping it, as Xen's code does. Everywhere else a method's second
    /// section of a lock may not write after its first read (a value checked under a lock is stale once the lock is
    /// dropped) nor touch what its first wrote (the update was torn while the lock was free): LockSet's split-section
    /// checks.
    /// </summary>
    public static IReadOnlyList<Retake> Retakes { get; } =
    [
        new("Host.AllocDomainPages", HeapLock, FirstSite: 1, SecondSite: 3,
            "xen/common/page_alloc.c alloc_domheap_pages (4.3 to 4.22): alloc_heap_pages takes the pages under heap_lock, "
            + "assign_pages (assign_page in 4.15+) gives them to the domain under its page_alloc_lock, and when that fails "
            + "free_heap_pages returns them under heap_lock again; what the first section read is not relied on then"),
    ];

    /// <summary>
    /// Ghost readers: the model's own observation of the state for timelines (not Xen). They read without locks and
    /// add no scheduling point, so that recording a timeline does not change what is explored.
    /// </summary>
    public static IReadOnlyList<string> GhostReaders { get; } = ["Host.PeekUnlocked", "Host.Peek", "Host.PeekHeapUnlocked"];

    /// <summary>Ghost fields (not Xen): the model's bookkeeping for its properties, never checked.</summary>
    public static IReadOnlyList<string> GhostFields { get; } =
        ["Domain.GhostClaimTargetPages", "Domain.GhostKillStarted"];
}
