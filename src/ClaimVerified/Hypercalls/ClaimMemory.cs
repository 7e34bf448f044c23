namespace ClaimVerified;

/// <summary>
/// One entry of a claim set: <see cref="Pages"/> to be allocated, on a NUMA node (<see cref="Target"/> is its id), on
/// any node (<see cref="Global"/>), or by the legacy rules (<see cref="Legacy"/>, alone in its set).
/// </summary>
public readonly record struct ClaimEntry(long Pages, int Target)
{
    /// <summary>XEN_DOMCTL_CLAIM_MEMORY_GLOBAL (0x80000000): a host-wide claim any node may satisfy.</summary>
    public const int Global = -1;

    /// <summary>
    /// XEN_DOMCTL_CLAIM_MEMORY_LEGACY (0x40000000): alone in a set, XENMEM_claim_pages' rules (an absolute target,
    /// no replacement). Anywhere else it is a target beyond MAX_NUMNODES: ENOENT.
    /// </summary>
    public const int Legacy = -2;

    /// <summary>Xen's MAX_NUMNODES: CONFIG_NR_NUMA_NODES, default 64 (xen/arch/Kconfig).</summary>
    public const int MaxNumNodes = 64;

    /// <summary>claim_memory refuses a longer set with E2BIG: one entry per node plus a global one.</summary>
    public const int MaxEntries = MaxNumNodes + 1;

    public override string ToString() => Target switch
    {
        Global => $"{Pages}@global",
        Legacy => $"{Pages}@legacy",
        _ => $"{Pages}@node{Target}",
    };
}

public sealed partial class Host
{
    /// <summary>
    /// XEN_DOMCTL_claim_memory (the NUMA claim-sets proposal v7: bernhardkaindl/xen claims-v7, 9557995cda, domctl.c
    /// <c>claim_memory</c> and page_alloc.c <c>domain_install_claim_set</c>), in its order: do_domctl looks the domain
    /// up (ESRCH) and asks XSM (EPERM); without the proposal the domctl is unknown (ENOSYS). Under domctl_lock: LLC
    /// colouring (EOPNOTSUPP), an empty set (EINVAL), more than <see cref="ClaimEntry.MaxEntries"/> entries (E2BIG), a
    /// dying domain (ESRCH; domain_kill runs under the same lock). A lone LEGACY entry is XENMEM_claim_pages; any
    /// other set is checked entry by entry and installed atomically, replacing the domain's claims.
    /// </summary>
    public Outcome ClaimMemory(Caller caller, int domid, IReadOnlyList<ClaimEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var d = FindDomain(domid);
        if (d is null)
        {
            return Errno.ESRCH;
        }

        if (!caller.IsPrivileged)
        {
            return Errno.EPERM;
        }

        if (!Profile.NodeClaims)
        {
            return Errno.ENOSYS; // An unknown domctl: arch_do_domctl's default.
        }

        lock (domctlLock)
        {
            if (ClaimSetShapeErrno(entries, d) is var refused and not Errno.Ok)
            {
                return refused;
            }

            if (entries is [{ Target: ClaimEntry.Legacy } legacy])
            {
                return legacy.Pages < 0 ? Errno.EINVAL : SetOutstandingPages(d, legacy.Pages, soft: false);
            }

            lock (d.PageAllocLock)
            {
                lock (heapLock)
                {
                    return InstallClaimSetLocked(d, entries);
                }
            }
        }
    }

    /// <summary>claim_memory's checks before it reads the entries, domctl_lock held.</summary>
    private Errno ClaimSetShapeErrno(IReadOnlyList<ClaimEntry> entries, Domain d) =>
        Config.LlcColouring && Profile.ClaimsRefusedWithLlcColouring ? Errno.EOPNOTSUPP
        : entries.Count == 0 ? Errno.EINVAL
        : entries.Count > ClaimEntry.MaxEntries ? Errno.E2BIG
        : d.IsDying ? Errno.ESRCH
        : Errno.Ok;

    /// <summary>
    /// domain_install_claim_set, page_alloc_lock and heap_lock held: each entry in order (a negative size, which the
    /// unsigned ABI cannot carry, is refused like a bad pad: EINVAL; a second global entry EINVAL; a node not online
    /// or beyond MAX_NUMNODES ENOENT; a duplicate node EINVAL; more than the node's unclaimed pages plus this domain's
    /// own claim there ENOMEM), then max_pages (EINVAL), then the host's unclaimed pages (ENOMEM), then the install.
    /// An all-zero set passes the same checks and so releases the claims, unless tot already exceeds max_pages.
    /// </summary>
    private Outcome InstallClaimSetLocked(Domain d, IReadOnlyList<ClaimEntry> entries)
    {
        var nodePages = new long[NodeCount];
        var seenNode = new bool[NodeCount];
        long globalPages = 0;
        var seenGlobal = false;
        foreach (var entry in entries)
        {
            var refused = entry.Pages < 0 ? Errno.EINVAL
                : entry.Target == ClaimEntry.Global ? (seenGlobal ? Errno.EINVAL : Errno.Ok)
                : entry.Target < 0 || entry.Target >= NodeCount ? Errno.ENOENT
                : seenNode[entry.Target] ? Errno.EINVAL
                : entry.Pages > SaturatingAdd(UnclaimedOnNodeLocked(entry.Target), d.NodeOutstandingPages[entry.Target]) ? Errno.ENOMEM
                : Errno.Ok;
            if (refused != Errno.Ok)
            {
                return refused;
            }

            if (entry.Target == ClaimEntry.Global)
            {
                (seenGlobal, globalPages) = (true, entry.Pages);
            }
            else
            {
                (seenNode[entry.Target], nodePages[entry.Target]) = (true, entry.Pages);
            }
        }

        // Subtracting from max_pages, as v7 does, so that no sum can overflow; the node sum saturates (where v7's sum
        // would overflow 64 bits it refuses with EINVAL, and a saturated sum fails the max_pages check with EINVAL).
        var nodeRequestPages = nodePages.Aggregate(0L, SaturatingAdd);
        var domainTotPages = DomainTotPages(d);
        if (globalPages > d.MaxPages || nodeRequestPages > d.MaxPages - globalPages
            || domainTotPages > d.MaxPages - globalPages - nodeRequestPages)
        {
            return Errno.EINVAL;
        }

        var totalClaimPages = globalPages + nodeRequestPages;
        if (totalClaimPages > SaturatingAdd(UnclaimedOnHostLocked(), d.OutstandingPages))
        {
            return Errno.ENOMEM;
        }

        ReleaseClaimLocked(d);
        for (var node = 0; node < NodeCount; node++)
        {
            d.NodeOutstandingPages[node] = nodePages[node];
            nodeOutstandingClaims[node] += nodePages[node];
        }

        d.OutstandingPages = totalClaimPages;
        outstandingClaims += totalClaimPages;
        d.GhostClaimTargetPages = totalClaimPages == 0 ? 0 : domainTotPages + totalClaimPages;
        return Outcome.Ok();
    }

    /// <summary>
    /// A node's free pages less every claim on it, heap_lock held. v7 computes it unsigned (and asserts it cannot go
    /// below zero): where the profile keeps that arithmetic, a negative difference wraps and lets anything through.
    /// </summary>
    private long UnclaimedOnNodeLocked(int node) => NotBelowZero(nodeAvailPages[node] - nodeOutstandingClaims[node]);

    /// <summary>The host's free pages less every claim, heap_lock held, with the same unsigned arithmetic.</summary>
    private long UnclaimedOnHostLocked() => NotBelowZero(totalAvailPages - outstandingClaims);

    private long NotBelowZero(long pages) => pages >= 0 ? pages : Profile.ClaimAvailWraps ? long.MaxValue : 0;

    /// <summary>a + b for page counts that are never negative, at most long.MaxValue.</summary>
    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
