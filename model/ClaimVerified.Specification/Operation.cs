using System.Collections.Immutable;

namespace ClaimVerified.Specification;

/// <summary>
/// One call on a host, as data: the vocabulary shared by the sequential specification (<see cref="Spec.Step"/>), the
/// core (through <see cref="OperationRunner.Apply"/>) and the generators of the tests. One record per entry point of
/// the core. <see cref="AnyNode"/> lets the allocator choose the node.
/// </summary>
public abstract record Operation
{
    /// <summary>The allocator chooses the node (the core's Host.AnyNode).</summary>
    public const int AnyNode = -1;

    /// <summary>A short line for humans, e.g. <c>claim d1 1024</c> or <c>[d2] populate d2 order=9</c>.</summary>
    public abstract string Describe();

    public sealed override string ToString() => Describe();

    /// <summary>The caller, written only when it is not the control domain: <c>[xen] </c> or <c>[d3] </c>.</summary>
    protected static string By(Caller caller) => caller.Kind == CallerKind.Control ? "" : $"[{caller}] ";

    protected static string OnNode(int node, bool exact) => node == AnyNode ? "" : $" node={node}{(exact ? " exact" : "")}";
}

/// <summary>XEN_DOMCTL_createdomain + max_mem.</summary>
public sealed record CreateDomain(Caller Caller, long MaxPages) : Operation
{
    public override string Describe() => $"{By(Caller)}create max={MaxPages}";
}

/// <summary>
/// XEN_DOMCTL_setnodeaffinity: <see cref="Nodes"/> has bit n for node n (MAX_NUMNODES = 64 bits); all 64 reset the
/// affinity to automatic.
/// </summary>
public sealed record SetNodeAffinity(Caller Caller, int DomId, ulong Nodes) : Operation
{
    /// <summary>The set as the script and protocol write it: node numbers, or <c>all</c> for the full set.</summary>
    public static string Show(ulong nodes) => nodes == ulong.MaxValue ? "all"
        : nodes == 0 ? "none"
        : string.Join(",", Enumerable.Range(0, 64).Where(n => (nodes & (1UL << n)) != 0));

    public override string Describe() => $"{By(Caller)}node-affinity d{DomId} {Show(Nodes)}";
}

/// <summary>XEN_DOMCTL_max_mem.</summary>
public sealed record SetMaxPages(Caller Caller, int DomId, long MaxPages) : Operation
{
    public override string Describe() => $"{By(Caller)}maxmem d{DomId} {MaxPages}";
}

/// <summary>XENMEM_claim_pages: an absolute target; 0 releases. <see cref="Soft"/> is the seed's soft claim.</summary>
public sealed record ClaimPages(Caller Caller, int DomId, long Pages, bool Soft = false) : Operation
{
    public override string Describe() => $"{By(Caller)}claim d{DomId} {Pages}{(Soft ? " soft" : "")}";
}

/// <summary>XEN_DOMCTL_claim_memory (claim sets): node or global increments, installed atomically.</summary>
public sealed record ClaimMemory(Caller Caller, int DomId, ImmutableArray<ClaimEntry> Entries) : Operation
{
    public bool Equals(ClaimMemory? other) =>
        other is not null && Caller == other.Caller && DomId == other.DomId && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode()
    {
        var hash = HashCode.Combine(Caller, DomId);
        foreach (var entry in Entries)
        {
            hash = HashCode.Combine(hash, entry);
        }

        return hash;
    }

    public override string Describe() => $"{By(Caller)}claimset d{DomId} [{string.Join(", ", Entries)}]";
}

/// <summary>
/// XENMEM_populate_physmap of one extent. A named node is tried first, then the others; <see cref="Exact"/>
/// (XENMEMF_exact_node_request): that node or nothing. <see cref="Preempted"/>: 4.22's scrub of the extent during
/// the build is preempted once, so the extent waits in the domain's stash for the call's continuation
/// (Profile.DeferredScrubPopulate); a step of the specification is the call with its continuation, so only others
/// running in between can tell.
/// </summary>
public sealed record Populate(Caller Caller, int DomId, int Order, int Node = Operation.AnyNode, bool Exact = false, bool Preempted = false)
    : Operation
{
    public override string Describe() => $"{By(Caller)}populate d{DomId} order={Order}{OnNode(Node, Exact)}{(Preempted ? " preempted" : "")}";
}

/// <summary>XEN_DOMCTL_unpausedomain: the toolstack's one unpause of a new domain, which finishes its creation.</summary>
public sealed record Unpause(Caller Caller, int DomId) : Operation
{
    public override string Describe() => $"{By(Caller)}unpause d{DomId}";
}

/// <summary>alloc_domheap_pages(d, order, MEMF_no_refcount): owned "extra" pages.</summary>
public sealed record AllocExtraPages(Caller Caller, int DomId, int Order, int Node = Operation.AnyNode, bool Exact = false) : Operation
{
    public override string Describe() => $"{By(Caller)}extra d{DomId} order={Order}{OnNode(Node, Exact)}";
}

/// <summary>alloc_domheap_pages(NULL, order, ...): Xen's own heap.</summary>
public sealed record AllocXenHeap(Caller Caller, int Order, int Node = Operation.AnyNode, bool Exact = false) : Operation
{
    public override string Describe() => $"{By(Caller)}xenheap order={Order}{OnNode(Node, Exact)}";
}

/// <summary>Xen frees pages of its own heap.</summary>
public sealed record FreeXenHeap(Caller Caller, long Pages) : Operation
{
    public override string Describe() => $"{By(Caller)}xenfree {Pages}";
}

/// <summary>XENMEM_decrease_reservation of one extent.</summary>
public sealed record DecreaseReservation(Caller Caller, int DomId, int Order) : Operation
{
    public override string Describe() => $"{By(Caller)}decrease d{DomId} order={Order}";
}

/// <summary>Page sharing: one page of the domain moves to the shared owner.</summary>
public sealed record SharePage(Caller Caller, int DomId) : Operation
{
    public override string Describe() => $"{By(Caller)}share d{DomId}";
}

/// <summary>offline_page of one free page on a node.</summary>
public sealed record OfflinePage(Caller Caller, int Node) : Operation
{
    public override string Describe() => $"{By(Caller)}offline node={Node}";
}

/// <summary>A tmem put of one page (Xen &lt;= 4.12).</summary>
public sealed record TmemPut(Caller Caller, int DomId, TmemPool Pool) : Operation
{
    public override string Describe() => $"{By(Caller)}tmem-put d{DomId} {Pool.ToString().ToLowerInvariant()}";
}

/// <summary>A tmem flush of one page.</summary>
public sealed record TmemFlush(Caller Caller, int DomId, TmemPool Pool) : Operation
{
    public override string Describe() => $"{By(Caller)}tmem-flush d{DomId} {Pool.ToString().ToLowerInvariant()}";
}

/// <summary>
/// TMEMC_FLUSH (4.3) / XEN_SYSCTL_TMEM_OP_FLUSH (4.6) for every client: evict ephemeral pages until tmem's free list
/// holds <paramref name="Pages"/>, then free the whole list to the heap (profiles with TmemPrivateFreeList).
/// </summary>
public sealed record TmemFlushAll(Caller Caller, long Pages) : Operation
{
    public override string Describe() => $"{By(Caller)}tmem-flush-all {Pages}";
}

/// <summary>domain_kill, to completion.</summary>
public sealed record DomainKill(Caller Caller, int DomId) : Operation
{
    public override string Describe() => $"{By(Caller)}kill d{DomId}";
}

/// <summary>
/// One continuation of domain_kill (XEN_DOMCTL_destroydomain as one hypercall sees it): ERESTART until the domain is
/// dead. What a concurrent history records, so that the states between continuations are states of the specification.
/// </summary>
public sealed record KillContinuation(Caller Caller, int DomId) : Operation
{
    public override string Describe() => $"{By(Caller)}kill-step d{DomId}";
}

/// <summary>xl destroy: kill, then the domid no longer resolves.</summary>
public sealed record DestroyDomain(Caller Caller, int DomId) : Operation
{
    public override string Describe() => $"{By(Caller)}destroy d{DomId}";
}

/// <summary>XEN_SYSCTL_physinfo. Its outcome's value is the free pages.</summary>
public sealed record PhysInfo : Operation
{
    public override string Describe() => "physinfo";
}

/// <summary>XEN_DOMCTL_getdomaininfo. Its outcome's value is the domain's outstanding claim; ESRCH when unknown.</summary>
public sealed record GetDomainInfo(int DomId) : Operation
{
    public override string Describe() => $"domaininfo d{DomId}";
}
