using System.Collections.Immutable;

namespace ClaimVerified.Specification;

/// <summary>
/// A count per NUMA node, immutable, compared by value. Every "set" returns a new vector.
/// </summary>
public sealed class NodeVector : IEquatable<NodeVector>
{
    private readonly ImmutableArray<long> counts;

    private NodeVector(ImmutableArray<long> counts) => this.counts = counts;

    public static NodeVector Filled(int nodeCount, long value) => new(Enumerable.Repeat(value, nodeCount).ToImmutableArray());

    public static NodeVector Zero(int nodeCount) => Filled(nodeCount, 0);

    public static NodeVector Of(IEnumerable<long> counts) => new(counts.ToImmutableArray());

    public int Count => counts.Length;

    public long this[int node] => counts[node];

    public long Sum => counts.Sum();

    public bool IsZero => counts.All(c => c == 0);

    public IEnumerable<long> Values => counts;

    public NodeVector Add(int node, long delta) => new(counts.SetItem(node, counts[node] + delta));

    public NodeVector Plus(NodeVector other) => new(counts.Select((c, i) => c + other[i]).ToImmutableArray());

    public NodeVector Minus(NodeVector other) => new(counts.Select((c, i) => c - other[i]).ToImmutableArray());

    /// <summary>The lowest node with a non-zero count, or -1.</summary>
    public int FirstNonZero
    {
        get
        {
            for (var node = 0; node < counts.Length; node++)
            {
                if (counts[node] != 0)
                {
                    return node;
                }
            }

            return -1;
        }
    }

    /// <summary>
    /// Splits <paramref name="pages"/> off this vector, taking from the highest node first (the project's rule for
    /// which node a free returns pages to). Returns what is left here and what was taken, per node.
    /// </summary>
    public (NodeVector Left, NodeVector Taken) TakeHighestFirst(long pages)
    {
        var left = counts.ToBuilder();
        var taken = new long[counts.Length];
        for (var node = counts.Length - 1; node >= 0 && pages > 0; node--)
        {
            var part = Math.Min(left[node], pages);
            left[node] -= part;
            taken[node] = part;
            pages -= part;
        }

        return (new NodeVector(left.ToImmutable()), new NodeVector(taken.ToImmutableArray()));
    }

    public bool Equals(NodeVector? other) => other is not null && counts.SequenceEqual(other.counts);

    public override bool Equals(object? obj) => Equals(obj as NodeVector);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var c in counts)
        {
            hash.Add(c);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(",", counts)}]";
}

/// <summary>
/// One domain's accounting, as Xen's struct domain holds it. <see cref="Tot"/> is Xen's <c>tot_pages</c>, which
/// includes <see cref="Extra"/> from 4.14 (Profile.TotIncludesExtraPages) and not before. <see cref="Started"/>: the
/// toolstack's unpause was made and the domain's creation finished (between sequential steps no extent is stashed, so
/// the unpause never finds one and the two go together).
/// </summary>
public sealed record SpecDomain(
    int Id,
    DomainState State,
    long Tot,
    long Extra,
    long Max,
    long Claim,
    NodeVector NodeClaims,
    bool Soft,
    long TmemPersistent,
    NodeVector Pages,
    NodeVector TmemEphemeral,
    int LastAllocNode,
    ulong NodeAffinity,
    bool Started = false)
{
    /// <summary>The affinity of every node of a host of <paramref name="nodeCount"/> (1 to 64): a new domain's.</summary>
    public static ulong AllNodes(int nodeCount) => nodeCount >= 64 ? ulong.MaxValue : (1UL << nodeCount) - 1;

    /// <summary>The part of <see cref="Claim"/> tied to no node (all of it without claim sets).</summary>
    public long GlobalClaim => Claim - NodeClaims.Sum;

    public bool IsAlive => State == DomainState.Alive;
}

/// <summary>
/// The whole host as the sequential specification sees it: the heap's free pages per node, the outstanding claims
/// (global and per node), Xen's own heap per node, offlined and shared pages, and every domain ever created (a
/// destroyed domain stays, so a claim it leaked stays visible), and tmem's private free list per node (pages tmem
/// freed, not yet back in the heap: Profile.TmemPrivateFreeList). Immutable; compared by value.
/// </summary>
public sealed record SpecState(
    HostConfig Config,
    NodeVector Free,
    long Outstanding,
    NodeVector NodeOutstanding,
    NodeVector XenHeap,
    long Offlined,
    long Shared,
    ImmutableSortedDictionary<int, SpecDomain> Domains,
    int NextDomId,
    NodeVector TmemFreeList)
{
    public int NodeCount => Config.NodeCount;

    public long TotalFree => Free.Sum;

    /// <summary>tmem_freeable_pages(): every ephemeral pool's pages and tmem's free list.</summary>
    public long TmemFreeable => Domains.Values.Sum(d => d.TmemEphemeral.Sum) + TmemFreeList.Sum;

    /// <summary>rcu_lock_domain_by_id: a domain that exists and is not destroyed.</summary>
    public SpecDomain? Live(int domid) =>
        Domains.TryGetValue(domid, out var d) && d.State != DomainState.Destroyed ? d : null;

    public SpecState With(SpecDomain d) => this with { Domains = Domains.SetItem(d.Id, d) };

    public bool Equals(SpecState? other) =>
        other is not null
        && Config == other.Config
        && Free.Equals(other.Free)
        && Outstanding == other.Outstanding
        && NodeOutstanding.Equals(other.NodeOutstanding)
        && XenHeap.Equals(other.XenHeap)
        && Offlined == other.Offlined
        && Shared == other.Shared
        && NextDomId == other.NextDomId
        && Domains.Count == other.Domains.Count
        && Domains.Values.SequenceEqual(other.Domains.Values);

    public override int GetHashCode()
    {
        var hash = HashCode.Combine(Config, Free, Outstanding, NodeOutstanding, XenHeap, Offlined, Shared, NextDomId);
        foreach (var d in Domains.Values)
        {
            hash = HashCode.Combine(hash, d);
        }

        return hash;
    }

    /// <summary>The text both this state and a core snapshot project to (see <see cref="Projection"/>).</summary>
    public string ToComparable() => Projection.Of(this);
}
