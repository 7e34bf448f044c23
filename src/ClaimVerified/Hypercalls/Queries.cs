namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>XEN_SYSCTL_physinfo: free and outstanding pages read together under heap_lock (bec8f17e48).</summary>
    public PhysInfo PhysInfo()
    {
        lock (heapLock)
        {
            return new PhysInfo(TotalPages, totalAvailPages, outstandingClaims, nodeAvailPages.ToArray(),
                nodeOutstandingClaims.ToArray(), TmemFreeablePagesLocked);
        }
    }

    /// <summary>
    /// XEN_DOMCTL_getdomaininfo: read without heap_lock or page_alloc_lock, as Xen does, so the numbers of a domain in
    /// the middle of an allocation may disagree with each other. Null for an unknown or destroyed domain.
    /// </summary>
    public DomainInfo? GetDomainInfo(int domid)
    {
        var d = FindDomain(domid);
        return d is null ? null : DescribeDomain(d);
    }

    /// <summary>xl claims: every live domain's claim, each read like getdomaininfo.</summary>
    public IReadOnlyList<DomainInfo> ListDomains() =>
        liveDomains.Values.OrderBy(d => d.Id).Select(DescribeDomain).ToArray();

    private DomainInfo DescribeDomain(Domain d) =>
        new(d.Id, d.State, d.TotPages, d.ExtraPages, DomainTotPages(d), d.MaxPages, d.OutstandingPages,
            d.NodeOutstandingPages.ToArray(), d.TmemEphemeralPages, d.TmemPersistentPages);

    /// <summary>
    /// The model's audit: domctl_lock, every domain's page_alloc_lock in domid order, then heap_lock, and a copy of
    /// everything.
    /// No Xen path holds two page_alloc_locks at once, so taking them in one order cannot deadlock with Xen's paths.
    /// </summary>
    public HostSnapshot Snapshot()
    {
        // domctl_lock first (the order domain_kill uses), so that no domain is created while the audit runs.
        lock (domctlLock)
        {
            return SnapshotHoldingDomainLocks(everyDomain, 0);
        }
    }

    private HostSnapshot SnapshotHoldingDomainLocks(IReadOnlyList<Domain> domains, int index)
    {
        if (index < domains.Count)
        {
            lock (domains[index].PageAllocLock)
            {
                return SnapshotHoldingDomainLocks(domains, index + 1);
            }
        }

        lock (heapLock)
        {
            return Peek(domains);
        }
    }
}
