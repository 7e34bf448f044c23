using System.Collections.Immutable;
using Microsoft.Coyote.Rewriting;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// The compact encoding of a specification state within a bound: every counter of <see cref="SpecState"/> and the
/// ghost claim target of every domain, as one fixed-width row of 32-bit integers. A bound with N nodes and D domains
/// has rows of 4N + 4 host fields and D domain slots of 11 + 3N fields (2 nodes and 3 domains: 63 integers, 252 bytes).
/// A domain slot whose id has not been created yet is all zeros, and destroyed domains keep their slot, so two states
/// are equal exactly when their rows are equal; the exhaustive checker hashes a row into its visited set.
/// </summary>
/// <remarks>
/// Host fields, in order: free pages per node, outstanding claims, outstanding claims per node, Xen's heap per node,
/// offlined, shared, next domid, tmem's free list per node. Domain fields, in order: state, tot_pages, extra pages, max_pages, claim, soft, tmem
/// persistent pages, ghost claim target, last_alloc_node, node affinity (a mask of the host's nodes), started (the unpause made), node claims per node, pages per node, tmem ephemeral pages per node. The
/// counters of a bound are far below 2^31 (pages a node are at most 1024, nodes at most 8); <see cref="Encode"/>
/// refuses a value that does not fit rather than wrapping it.
/// </remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class PackedLayout
{
    public const int DomState = 0;
    public const int DomTot = 1;
    public const int DomExtra = 2;
    public const int DomMax = 3;
    public const int DomClaim = 4;
    public const int DomSoft = 5;
    public const int DomTmemPersistent = 6;
    public const int DomTarget = 7;
    public const int DomLastAllocNode = 8;
    public const int DomNodeAffinity = 9;
    public const int DomStarted = 10;
    public const int DomNodeClaims = 11;

    public PackedLayout(int nodes, int maxDomains)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodes, 64);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDomains);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDomains, 64);
        Nodes = nodes;
        MaxDomains = maxDomains;
        HostWidth = (4 * nodes) + 4;
        DomainWidth = DomNodeClaims + (3 * nodes);
        Width = HostWidth + (maxDomains * DomainWidth);
    }

    public int Nodes { get; }

    public int MaxDomains { get; }

    /// <summary>Integers a row holds.</summary>
    public int Width { get; }

    public int HostWidth { get; }

    public int DomainWidth { get; }

    public int Free => 0;

    public int Outstanding => Nodes;

    public int NodeOutstanding => Nodes + 1;

    public int XenHeap => (2 * Nodes) + 1;

    public int Offlined => (3 * Nodes) + 1;

    public int Shared => (3 * Nodes) + 2;

    public int NextDomId => (3 * Nodes) + 3;

    /// <summary>tmem's private free list, per node (Profile.TmemPrivateFreeList).</summary>
    public int TmemFreeList => (3 * Nodes) + 4;

    /// <summary>The first field of domain <paramref name="domid"/> (1-based).</summary>
    public int Domain(int domid) => HostWidth + ((domid - 1) * DomainWidth);

    /// <summary>Offsets, relative to a domain's first field, of its per-node vectors.</summary>
    public int DomPages => DomNodeClaims + Nodes;

    public int DomTmemEphemeral => DomNodeClaims + (2 * Nodes);

    /// <summary>
    /// Per field, the largest value a state of <paramref name="bound"/> is expected to give it, for the compact rows of
    /// a search (<see cref="CompactRows"/>): a page count at most the host's pages or the largest create, outstanding
    /// claims those of every domain, a domain's state its last <see cref="DomainState"/>, a flag 1, the next domid one
    /// past the last. A value beyond (an underflowed counter, an unlimited max_pages) only costs the field more bits.
    /// </summary>
    public int[] Ceilings(SpecBound bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        var pages = (int)Math.Min(int.MaxValue, Math.Max(bound.Config.TotalPages, bound.LargestCreate));
        var ceilings = Enumerable.Repeat(pages, Width).ToArray();
        ceilings[Outstanding] = (int)Math.Min(int.MaxValue, (long)pages * Math.Max(1, MaxDomains));
        ceilings[NextDomId] = MaxDomains + 1;
        for (var domid = 1; domid <= MaxDomains; domid++)
        {
            ceilings[Domain(domid) + DomState] = (int)DomainState.Destroyed;
            ceilings[Domain(domid) + DomSoft] = 1;
            ceilings[Domain(domid) + DomStarted] = bound.Has("unpause") ? 1 : 0; // no bit where no unpause is explored
            ceilings[Domain(domid) + DomLastAllocNode] = Nodes - 1;
            ceilings[Domain(domid) + DomNodeAffinity] = (int)Math.Min(int.MaxValue, SpecDomain.AllNodes(Nodes));
        }

        return ceilings;
    }

    /// <summary>A field's name for messages: <c>free[1]</c>, <c>outstanding</c>, <c>d2.claim</c>, <c>d1.pages[0]</c>.</summary>
    public string FieldName(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Width);
        if (index >= HostWidth)
        {
            var domid = ((index - HostWidth) / DomainWidth) + 1;
            var field = (index - HostWidth) % DomainWidth;
            string[] scalars = ["state", "tot", "extra", "max", "claim", "soft", "tmem-persistent", "target", "last-alloc-node", "node-affinity", "started"];
            return field < DomNodeClaims ? $"d{domid}.{scalars[field]}"
                : field < DomPages ? $"d{domid}.node-claims[{field - DomNodeClaims}]"
                : field < DomTmemEphemeral ? $"d{domid}.pages[{field - DomPages}]"
                : $"d{domid}.tmem-ephemeral[{field - DomTmemEphemeral}]";
        }

        return index < Outstanding ? $"free[{index}]"
            : index == Outstanding ? "outstanding"
            : index < XenHeap ? $"node-outstanding[{index - NodeOutstanding}]"
            : index < Offlined ? $"xenheap[{index - XenHeap}]"
            : index == Offlined ? "offlined"
            : index == Shared ? "shared"
            : index == NextDomId ? "next-domid"
            : $"tmem-free-list[{index - TmemFreeList}]";
    }

    /// <summary>
    /// Writes <paramref name="state"/> and the ghost <paramref name="targets"/> (indexed by domid) into a row. Throws
    /// when the state does not fit this layout: another node count, a domid above <see cref="MaxDomains"/>, or a counter
    /// outside 32 bits.
    /// </summary>
    public int[] Encode(SpecState state, IReadOnlyList<long> targets)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(targets);
        if (state.NodeCount != Nodes)
        {
            throw new ArgumentException($"the state has {state.NodeCount} nodes, the layout {Nodes}", nameof(state));
        }

        if (state.NextDomId > MaxDomains + 1)
        {
            throw new ArgumentException($"the state's next domid {state.NextDomId} is beyond the layout's {MaxDomains} domains", nameof(state));
        }

        var row = new int[Width];
        PutVector(row, Free, state.Free);
        row[Outstanding] = Fit(state.Outstanding);
        PutVector(row, NodeOutstanding, state.NodeOutstanding);
        PutVector(row, XenHeap, state.XenHeap);
        row[Offlined] = Fit(state.Offlined);
        row[Shared] = Fit(state.Shared);
        row[NextDomId] = state.NextDomId;
        PutVector(row, TmemFreeList, state.TmemFreeList);
        foreach (var d in state.Domains.Values)
        {
            var at = Domain(d.Id);
            row[at + DomState] = (int)d.State;
            row[at + DomTot] = Fit(d.Tot);
            row[at + DomExtra] = Fit(d.Extra);
            row[at + DomMax] = FitMax(d.Max);
            row[at + DomClaim] = Fit(d.Claim);
            row[at + DomSoft] = d.Soft ? 1 : 0;
            row[at + DomTmemPersistent] = Fit(d.TmemPersistent);
            row[at + DomTarget] = Fit(d.Id < targets.Count ? targets[d.Id] : 0);
            row[at + DomLastAllocNode] = d.LastAllocNode;
            row[at + DomNodeAffinity] = d.NodeAffinity <= int.MaxValue
                ? (int)d.NodeAffinity
                : throw new ArgumentException($"d{d.Id}'s node affinity {d.NodeAffinity:x} does not fit a row's 31 bits", nameof(state));
            row[at + DomStarted] = d.Started ? 1 : 0;
            PutVector(row, at + DomNodeClaims, d.NodeClaims);
            PutVector(row, at + DomPages, d.Pages);
            PutVector(row, at + DomTmemEphemeral, d.TmemEphemeral);
        }

        return row;
    }

    /// <summary>The state and ghost targets a row holds (the inverse of <see cref="Encode"/>).</summary>
    public (SpecState State, long[] Targets) Decode(ReadOnlySpan<int> row, HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (row.Length != Width || config.NodeCount != Nodes)
        {
            throw new ArgumentException($"a row of this layout has {Width} integers and {Nodes} nodes", nameof(row));
        }

        var nextDomId = row[NextDomId];
        var domains = ImmutableSortedDictionary.CreateBuilder<int, SpecDomain>();
        var targets = new long[MaxDomains + 1];
        for (var domid = 1; domid < nextDomId; domid++)
        {
            var at = Domain(domid);
            domains[domid] = new SpecDomain(domid, (DomainState)row[at + DomState], row[at + DomTot], row[at + DomExtra],
                MaxOf(row[at + DomMax]), row[at + DomClaim], Vector(row, at + DomNodeClaims), row[at + DomSoft] != 0,
                row[at + DomTmemPersistent], Vector(row, at + DomPages), Vector(row, at + DomTmemEphemeral), row[at + DomLastAllocNode],
                (ulong)row[at + DomNodeAffinity], row[at + DomStarted] != 0);
            targets[domid] = row[at + DomTarget];
        }

        var state = new SpecState(config, Vector(row, Free), row[Outstanding], Vector(row, NodeOutstanding), Vector(row, XenHeap),
            row[Offlined], row[Shared], domains.ToImmutable(), nextDomId, Vector(row, TmemFreeList));
        return (state, targets);
    }

    /// <summary>What the core's audit would show for the state of a row (as <see cref="SpecProperties.ToSnapshot"/> does).</summary>
    public HostSnapshot ToSnapshot(Profile profile, ReadOnlySpan<int> row, long totalPages)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var nextDomId = row[NextDomId];
        var domains = new DomainSnapshot[nextDomId - 1];
        for (var domid = 1; domid < nextDomId; domid++)
        {
            var at = Domain(domid);
            long tot = row[at + DomTot];
            long extra = row[at + DomExtra];
            domains[domid - 1] = new DomainSnapshot(domid, (DomainState)row[at + DomState], tot, extra,
                profile.TotIncludesExtraPages ? tot - extra : tot, profile.TotIncludesExtraPages ? tot : tot + extra,
                MaxOf(row[at + DomMax]), row[at + DomClaim], Longs(row, at + DomNodeClaims), row[at + DomTarget],
                Sum(row, at + DomTmemEphemeral), row[at + DomTmemPersistent], PagesInFlight: 0,
                KillStarted: row[at + DomState] != (int)DomainState.Alive, row[at + DomLastAllocNode], (ulong)row[at + DomNodeAffinity],
                row[at + DomStarted] != 0);
        }

        return new HostSnapshot(profile.Name, totalPages, Sum(row, Free), Longs(row, Free), row[Outstanding], Longs(row, NodeOutstanding),
            Sum(row, XenHeap), row[Offlined], row[Shared], domains, Longs(row, TmemFreeList));
    }

    /// <summary>The sum of the <see cref="Nodes"/> integers from <paramref name="at"/>.</summary>
    public long Sum(ReadOnlySpan<int> row, int at)
    {
        long sum = 0;
        for (var node = 0; node < Nodes; node++)
        {
            sum += row[at + node];
        }

        return sum;
    }

    private long[] Longs(ReadOnlySpan<int> row, int at)
    {
        var values = new long[Nodes];
        for (var node = 0; node < Nodes; node++)
        {
            values[node] = row[at + node];
        }

        return values;
    }

    private NodeVector Vector(ReadOnlySpan<int> row, int at) => NodeVector.Of(Longs(row, at));

    private void PutVector(int[] row, int at, NodeVector vector)
    {
        for (var node = 0; node < Nodes; node++)
        {
            row[at + node] = Fit(vector[node]);
        }
    }

    /// <summary>
    /// The row's max_pages for a value too large for an int: a bound holds a few pages, so every such max_pages
    /// (Xen's 32-bit maximum, which "unlimited" becomes) behaves the same, above every count a row can reach.
    /// </summary>
    public const int AboveEveryBound = int.MaxValue;

    /// <summary>max_pages as a row keeps it: itself, or <see cref="AboveEveryBound"/> when it does not fit.</summary>
    public static int FitMax(long maxPages) => maxPages >= AboveEveryBound ? AboveEveryBound : Fit(maxPages);

    /// <summary>max_pages from a row: <see cref="AboveEveryBound"/> stands for Xen's largest max_pages.</summary>
    private static long MaxOf(int stored) => stored == AboveEveryBound ? ClaimVerified.Domain.MaxPagesLimit : stored;

    private static int Fit(long value) =>
        value is >= int.MinValue and <= int.MaxValue
            ? (int)value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "a counter does not fit the packed encoding's 32 bits");
}
