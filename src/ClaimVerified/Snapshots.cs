namespace ClaimVerified;

/// <summary>What <c>physinfo</c> returns: free and outstanding pages read together under heap_lock (bec8f17e48).</summary>
public sealed record PhysInfo(
    long TotalPages,
    long FreePages,
    long OutstandingPages,
    IReadOnlyList<long> NodeFreePages,
    IReadOnlyList<long> NodeOutstandingPages,
    long TmemFreeablePages)
{
    /// <summary>
    /// <c>xl info</c>'s free_memory: free_pages - outstanding_pages in unsigned 64-bit arithmetic, as xl computes it.
    /// It wraps to a huge number when outstanding exceeds free.
    /// </summary>
    public ulong XlFreeMemoryPages => unchecked((ulong)FreePages - (ulong)OutstandingPages);
}

/// <summary>What <c>getdomaininfo</c> returns. Xen reads outstanding_pages here without heap_lock.</summary>
public sealed record DomainInfo(
    int Id,
    DomainState State,
    long TotPages,
    long ExtraPages,
    long DomainTotPages,
    long MaxPages,
    long OutstandingPages,
    IReadOnlyList<long> NodeOutstandingPages,
    long TmemEphemeralPages,
    long TmemPersistentPages);

/// <summary>One domain in an audit snapshot: everything, read under its page_alloc_lock and heap_lock.</summary>
public sealed record DomainSnapshot(
    int Id,
    DomainState State,
    long TotPages,
    long ExtraPages,
    long DomainTotPages,
    long OwnedPages,
    long MaxPages,
    long OutstandingPages,
    IReadOnlyList<long> NodeOutstandingPages,
    long ClaimTargetPages,
    long TmemEphemeralPages,
    long TmemPersistentPages,
    long PagesInFlight,
    bool KillStarted = false,
    int LastAllocNode = 0,
    ulong NodeAffinity = 0,
    bool CreationFinished = false,
    long PendingScrubPages = 0);
// TmemPersistentPages is part of TotPages (owned, MEMF_tmem); TmemEphemeralPages belongs to no domain's tot_pages.

/// <summary>
/// The whole host, read consistently: every domain's page_alloc_lock (in domid order) and then heap_lock. This is the
/// model's audit, not a Xen path: it sees exactly what an observer between two critical sections could see.
/// </summary>
public sealed record HostSnapshot(
    string ProfileName,
    long TotalPages,
    long FreePages,
    IReadOnlyList<long> NodeFreePages,
    long OutstandingPages,
    IReadOnlyList<long> NodeOutstandingPages,
    long XenHeapPages,
    long OfflinedPages,
    long SharedPages,
    IReadOnlyList<DomainSnapshot> Domains,
    IReadOnlyList<long> NodeTmemFreeListPages)
{
    public long TmemEphemeralPages => Domains.Sum(d => d.TmemEphemeralPages);

    /// <summary>Pages on tmem's private free list (Profile.TmemPrivateFreeList): freed by tmem, not yet back in the heap.</summary>
    public long TmemFreeListPages => NodeTmemFreeListPages.Sum();

    /// <summary>tmem_freeable_pages(): the ephemeral pools and tmem's free list.</summary>
    public long TmemFreeablePages => TmemEphemeralPages + TmemFreeListPages;

    public long TmemPersistentPages => Domains.Sum(d => d.TmemPersistentPages);

    public long PagesInFlight => Domains.Sum(d => d.PagesInFlight);

    public long DomainOwnedPages => Domains.Sum(d => d.OwnedPages);

    /// <summary>Every page the host can account for; equal to <see cref="TotalPages"/> when nothing is lost or invented.</summary>
    public long AccountedPages =>
        FreePages + DomainOwnedPages + XenHeapPages + OfflinedPages + SharedPages + TmemEphemeralPages + TmemFreeListPages
        + PagesInFlight;

    public string Describe()
    {
        var domains = string.Join("; ", Domains.Select(d =>
            $"d{d.Id} {d.State.ToString().ToLowerInvariant()} tot={d.DomainTotPages}"
            + (d.ExtraPages > 0 ? $" extra={d.ExtraPages}" : "")
            + $" max={d.MaxPages} claim={d.OutstandingPages}"
            + (d.PagesInFlight > 0 ? $" inflight={d.PagesInFlight}" : "")
            + (d.PendingScrubPages > 0 ? $" stashed={d.PendingScrubPages}" : "")));
        return $"free={FreePages} outstanding={OutstandingPages} xenheap={XenHeapPages} offlined={OfflinedPages}"
            + $" shared={SharedPages} tmem={TmemEphemeralPages}+{TmemPersistentPages}"
            + (TmemFreeListPages > 0 ? $" tmem-free-list={TmemFreeListPages}" : "") + $" [{domains}]";
    }
}
