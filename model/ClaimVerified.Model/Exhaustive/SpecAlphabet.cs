using Microsoft.Coyote.Rewriting;
using ClaimVerified.Specification;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>
/// The finite operation alphabet of a bound (see <see cref="SpecBound"/>): the operations a state may take, in a fixed
/// order (Xen's own operations, then the creates while a domid is left, then each existing domain's operations by
/// domid). Both engines of <see cref="SpecChecker"/> enumerate successors in this order, so that breadth-first search
/// finds the same states in the same order and the same shortest counterexamples. Every operation has an id (its index
/// in <see cref="Operations"/>), which is what the packed engine records on a path.
/// </summary>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class SpecAlphabet
{
    private readonly Operation[] global;
    private readonly Operation[] creates;
    private readonly Operation[][] perDomain;
    private readonly int maxDomains;
    private readonly Operation[] operations;
    private readonly int[][] idsByNextDomId;
    private readonly int firstDomainId;

    public SpecAlphabet(Profile profile, SpecBound bound)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        maxDomains = bound.MaxDomains;
        creates = bound.CreateSizes.Distinct().Select(size => (Operation)new CreateDomain(Caller.Control, size)).ToArray();
        global = GlobalOperations(profile, bound);
        perDomain = new Operation[maxDomains + 1][];
        for (var domid = 1; domid <= maxDomains; domid++)
        {
            var ops = new List<Operation>();
            AddClaims(ops, profile, bound, domid);
            AddPagesInAndOut(ops, profile, bound, domid);
            AddDomainControl(ops, bound, domid);
            perDomain[domid] = ops.ToArray();
        }

        // Ids: each distinct operation once, in the order a state with every domain created enumerates them.
        var all = new List<Operation>(global);
        all.AddRange(creates);
        firstDomainId = all.Count;
        for (var domid = 1; domid <= maxDomains; domid++)
        {
            all.AddRange(perDomain[domid]);
        }

        operations = all.ToArray();
        idsByNextDomId = IdsByNextDomId();
    }

    /// <summary>
    /// Host-wide operations: offlining a page on each node, allocating and freeing Xen's heap, and (profiles with tmem's
    /// private free list) the toolstack's tmem flush of one page: with the list empty it evicts one ephemeral page, and
    /// it always frees the whole list, so larger counts reach no state that repeated flushes of one do not.
    /// </summary>
    private static Operation[] GlobalOperations(Profile profile, SpecBound bound)
    {
        var g = new List<Operation>();
        for (var node = 0; node < bound.Nodes && bound.Has("offline"); node++)
        {
            g.Add(new OfflinePage(Caller.Xen, node));
        }

        if (bound.Has("xenheap"))
        {
            g.Add(new AllocXenHeap(Caller.Xen, 0));
            g.Add(new FreeXenHeap(Caller.Xen, 1));
        }

        if (profile.TmemPrivateFreeList && bound.Has("tmem"))
        {
            g.Add(new TmemFlushAll(Caller.Control, 1));
        }

        return g.ToArray();
    }

    /// <summary>A domain's claims: every target up to the largest create (soft ones too), then claim sets.</summary>
    private static void AddClaims(List<Operation> ops, Profile profile, SpecBound bound, int domid)
    {
        var largest = bound.LargestCreate;
        for (long pages = 0; pages <= largest && bound.Has("claim"); pages++)
        {
            ops.Add(new ClaimPages(Caller.Control, domid, pages));
            if (profile.SoftClaims && pages > 0 && bound.Has("soft"))
            {
                ops.Add(new ClaimPages(Caller.Control, domid, pages, Soft: true));
            }
        }

        if (!profile.NodeClaims || !bound.Has("claimset"))
        {
            return;
        }

        // A lone LEGACY entry runs XENMEM_claim_pages' rules under domctl_lock, with the dying check before them.
        ops.Add(new ClaimMemory(Caller.Control, domid, [new ClaimEntry(largest, ClaimEntry.Legacy)]));
        ops.Add(new ClaimMemory(Caller.Control, domid, [new ClaimEntry(0, ClaimEntry.Global)]));
        foreach (var pages in new SortedSet<long> { 1, Math.Max(1, largest / 2), Math.Max(1, largest) })
        {
            ops.Add(new ClaimMemory(Caller.Control, domid, [new ClaimEntry(pages, ClaimEntry.Global)]));
            for (var node = 0; node < bound.Nodes; node++)
            {
                ops.Add(new ClaimMemory(Caller.Control, domid, [new ClaimEntry(pages, node)]));
            }
        }

        if (bound.Nodes > 1)
        {
            ops.Add(new ClaimMemory(Caller.Control, domid, [new ClaimEntry(1, 0), new ClaimEntry(1, 1)]));
            ops.Add(new ClaimMemory(Caller.Control, domid, [new ClaimEntry(1, 0), new ClaimEntry(1, ClaimEntry.Global)]));
        }
    }

    /// <summary>A domain's pages coming and going: populate on each node, extra, decrease, share, tmem.</summary>
    private static void AddPagesInAndOut(List<Operation> ops, Profile profile, SpecBound bound, int domid)
    {
        var orders = bound.PagesPerNode >= 512 ? new[] { 0, 9 } : [0];
        var nodes = bound.Nodes > 1 ? Enumerable.Range(-1, bound.Nodes + 1).ToArray() : [Operation.AnyNode];
        foreach (var order in orders)
        {
            foreach (var node in bound.Has("populate") ? nodes : [])
            {
                ops.Add(new Populate(Caller.Control, domid, order, node));
                if (node != Operation.AnyNode)
                {
                    ops.Add(new Populate(Caller.Control, domid, order, node, Exact: true)); // that node or nothing
                }
            }

            Add(ops, bound.Has("extra"), new AllocExtraPages(Caller.Control, domid, order));
            Add(ops, bound.Has("decrease"), new DecreaseReservation(Caller.Control, domid, order));
        }

        Add(ops, bound.Has("share"), new SharePage(Caller.Control, domid));
        if (profile.Tmem && bound.Has("tmem"))
        {
            foreach (var pool in new[] { TmemPool.Ephemeral, TmemPool.Persistent })
            {
                ops.Add(new TmemPut(Caller.Control, domid, pool));
                ops.Add(new TmemFlush(Caller.Control, domid, pool));
            }
        }
    }

    /// <summary>A domain's control: max_mem to half and all of each create size, kill, destroy.</summary>
    private static void AddDomainControl(List<Operation> ops, SpecBound bound, int domid)
    {
        var maxValues = new SortedSet<long>();
        foreach (var size in bound.CreateSizes)
        {
            maxValues.Add(size / 2);
            maxValues.Add(size);
        }

        foreach (var max in bound.Has("maxmem") ? maxValues : [])
        {
            ops.Add(new SetMaxPages(Caller.Control, domid, max));
        }

        // Opt-in (with=affinity): each single node, and the full set that resets to automatic (every node).
        for (var node = 0; node < bound.Nodes && bound.Nodes > 1 && bound.Has("affinity"); node++)
        {
            ops.Add(new SetNodeAffinity(Caller.Control, domid, 1UL << node));
        }

        Add(ops, bound.Nodes > 1 && bound.Has("affinity"), new SetNodeAffinity(Caller.Control, domid, ulong.MaxValue));
        Add(ops, bound.Has("kill"), new DomainKill(Caller.Control, domid));
        Add(ops, bound.Has("kill-step"), new KillContinuation(Caller.Control, domid));
        Add(ops, bound.Has("unpause"), new Unpause(Caller.Control, domid));
        Add(ops, bound.Has("destroy"), new DestroyDomain(Caller.Control, domid));
    }

    /// <summary>For each next domid, the ids a state may take: Xen's own, the creates while a domid is left, each existing domain's.</summary>
    private int[][] IdsByNextDomId()
    {
        var ids = new Dictionary<Operation, int>(ReferenceEqualityComparer.Instance);
        for (var id = 0; id < operations.Length; id++)
        {
            ids[operations[id]] = id;
        }

        var byNextDomId = new int[maxDomains + 2][];
        for (var nextDomId = 1; nextDomId <= maxDomains + 1; nextDomId++)
        {
            var list = global.Select(op => ids[op]).ToList();
            if (nextDomId <= maxDomains)
            {
                list.AddRange(creates.Select(op => ids[op]));
            }

            for (var domid = 1; domid < nextDomId; domid++)
            {
                list.AddRange(perDomain[domid].Select(op => ids[op]));
            }

            byNextDomId[nextDomId] = list.ToArray();
        }

        return byNextDomId;
    }

    private static void Add(List<Operation> ops, bool wanted, Operation op)
    {
        if (wanted)
        {
            ops.Add(op);
        }
    }

    /// <summary>The domain operation <paramref name="id"/> acts on (1-based), or 0 for Xen's own operations and the creates.</summary>
    public int DomainOf(int id) => id < firstDomainId ? 0 : ((id - firstDomainId) / perDomain[1].Length) + 1;

    /// <summary>
    /// Operation <paramref name="id"/> with its domain replaced by <paramref name="domid"/>: every domain has the same
    /// operations in the same order, so it is the same position in that domain's list (Xen's own and the creates stay).
    /// </summary>
    public int Renamed(int id, int domid)
    {
        var from = DomainOf(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(domid, from == 0 ? 0 : 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(domid, maxDomains);
        return from == 0 ? id : id + ((domid - from) * perDomain[1].Length);
    }

    /// <summary>Every operation of the alphabet; an operation's id is its index here.</summary>
    public IReadOnlyList<Operation> Operations => operations;

    /// <summary>The ids of the operations a state whose next domid is <paramref name="nextDomId"/> may take, in order.</summary>
    public ReadOnlySpan<int> IdsFor(int nextDomId) => idsByNextDomId[Math.Clamp(nextDomId, 1, maxDomains + 1)];

    /// <summary>The operations <paramref name="state"/> may take, in order.</summary>
    public IReadOnlyList<Operation> For(SpecState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var ids = IdsFor(state.NextDomId);
        var ops = new Operation[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ops[i] = operations[ids[i]];
        }

        return ops;
    }
}
