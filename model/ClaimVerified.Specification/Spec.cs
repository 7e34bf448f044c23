// The specification's seam: Init, Step (one operation, atomically), StepWithRules, Run and Describe.
using System.Collections.Immutable;
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

/// <summary>
/// The sequential specification of a host under a profile: a pure function from a state and an operation to a result
/// and the next state. Every operation is one atomic step. Where a Xen version works in two critical sections (the
/// allocation's heap_lock section, then assign_pages), the step does both, in the same order, so that the step is what
/// a sequential run of the core must produce. Written from the Xen facts (Xen's sources, as recorded with commits in docs/xen-notes.md)
/// and the core's documented choices, not from the core's code.
/// </summary>
/// <remarks>
/// The decided choices this specification pins down (the core documents the same ones):
/// <list type="bullet">
/// <item>Result codes: ESRCH for an unknown or destroyed domain, except XENMEM_claim_pages (the profile's
/// ClaimUnknownDomainErrno, Xen's EINVAL); EINVAL for a dying domain in assign_pages; EBUSY when offlining finds no
/// free page (or, with OfflineKeepsClaimsBacked, only claimed ones).</item>
/// <item>Node choice: the named node, or the first node that fits starting at domid % nodeCount (node 0 for Xen's own
/// and tmem's anonymous allocations). With claim sets a node fits only if its unclaimed pages, plus the requester's
/// own claim there, cover the request.</item>
/// <item>Frees (decrease_reservation, sharing, Xen heap frees, tmem persistent flushes, relinquish) take the
/// domain's pages from the highest node first.</item>
/// <item>tmem (profiles with TmemPrivateFreeList, every one with Tmem): freed ephemeral pages go to tmem's free list,
/// lowest node first, and leave it for the heap only through tmem-flush-all; with free pages at or below
/// midsize_alloc_zone_pages (the host's pages / 128) and freeable tmem pages, an allocation gets a page only from
/// tmem and only for order 0 (the list's lowest node, or else an evicted page: the lowest domid holding one, its
/// lowest node), without the buddy search; the heap's free count does not change.</item>
/// <item>domain_kill runs to completion in one step: mark dying, release the claim, give the ephemeral tmem pages
/// to tmem's free list, relinquish every page, dead. A claim staked on a dead domain later (profiles without a dying check) is never
/// released.</item>
/// </list>
/// </remarks>
public static partial class Spec
{
    /// <summary>Xen's DOMID_FIRST_RESERVED: no domid reaches it.</summary>
    public const int DomIdLimit = 0x7FF0;

    /// <summary>A fresh host: every page free, no claim, no domain; the first domid is 1.</summary>
    public static SpecState Init(Profile profile, HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(config);
        return new SpecState(
            config,
            NodeVector.Filled(config.NodeCount, config.PagesPerNode),
            Outstanding: 0,
            NodeVector.Zero(config.NodeCount),
            NodeVector.Zero(config.NodeCount),
            Offlined: 0,
            Shared: 0,
            ImmutableSortedDictionary<int, SpecDomain>.Empty,
            NextDomId: 1,
            TmemFreeList: NodeVector.Zero(config.NodeCount));
    }

    /// <summary>One operation, atomically: its result and the state after it.</summary>
    public static (Outcome Result, SpecState Next) Step(Profile profile, SpecState state, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(operation);
        return operation switch
        {
            CreateDomain op => Create(profile, state, op),
            SetMaxPages op => SetMax(profile, state, op),
            SetNodeAffinity op => SetAffinity(profile, state, op),
            Unpause op => UnpauseDomain(state, op),
            ClaimPages op => Claim(profile, state, op),
            ClaimMemory op => ClaimSet(profile, state, op),
            Populate op => PopulateExtent(profile, state, op),
            AllocExtraPages op => AllocateForDomain(profile, state, op.Caller, op.DomId, op.Order, new(op.Node, op.Exact), extra: true),
            AllocXenHeap op => XenHeapAlloc(profile, state, op),
            FreeXenHeap op => XenHeapFree(state, op),
            DecreaseReservation op => Decrease(profile, state, op),
            SharePage op => Share(profile, state, op),
            OfflinePage op => Offline(profile, state, op),
            TmemPut op => Put(profile, state, op),
            TmemFlush op => Flush(profile, state, op),
            TmemFlushAll op => FlushAll(profile, state, op),
            DomainKill op => Kill(profile, state, op.Caller, op.DomId),
            KillContinuation op => KillStep(profile, state, op),
            DestroyDomain op => Destroy(profile, state, op),
            PhysInfo => Rules.Hit(Rules.PhysInfoRead, (Outcome.Ok(state.TotalFree), state)),
            GetDomainInfo op => state.Live(op.DomId) is { } d
                ? Rules.Hit(Rules.DomainInfoRead, (Outcome.Ok(d.Claim), state))
                : Rules.Hit(Rules.DomainInfoUnknownDomain, ((Outcome)Errno.ESRCH, state)),
            _ => throw new ArgumentException($"unknown operation {operation.GetType().Name}", nameof(operation)),
        };
    }

    /// <summary><see cref="Step"/>, also reporting the rule ids (<see cref="Rules"/>) of the return paths it took.</summary>
    public static (Outcome Result, SpecState Next, IReadOnlyList<string> Rules) StepWithRules(Profile profile, SpecState state, Operation operation)
    {
        var hits = new List<string>();
        var previous = Rules.Swap(hits);
        try
        {
            var (result, next) = Step(profile, state, operation);
            return (result, next, hits);
        }
        finally
        {
            Rules.Swap(previous);
        }
    }

    /// <summary>Runs <paramref name="operations"/> from <see cref="Init"/>; every result and the final state.</summary>
    public static (IReadOnlyList<Outcome> Results, SpecState Final) Run(Profile profile, HostConfig config, IEnumerable<Operation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var state = Init(profile, config);
        var results = new List<Outcome>();
        foreach (var op in operations)
        {
            (var result, state) = Step(profile, state, op);
            results.Add(result);
        }

        return (results, state);
    }

    /// <summary>A human-readable account of a state, one domain a line.</summary>
    public static string Describe(SpecState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var lines = new List<string>
        {
            $"free={state.TotalFree} {state.Free} outstanding={state.Outstanding} {state.NodeOutstanding}"
            + $" xenheap={state.XenHeap} offlined={state.Offlined} shared={state.Shared} tmem-freeable={state.TmemFreeable}"
            + (state.TmemFreeList.IsZero ? "" : $" tmem-free-list={state.TmemFreeList}"),
        };
        foreach (var d in state.Domains.Values)
        {
            lines.Add($"  d{d.Id} {d.State.ToString().ToLowerInvariant()} tot={d.Tot} extra={d.Extra} max={d.Max}"
                + $" claim={d.Claim}{(d.NodeClaims.IsZero ? "" : $" node-claims={d.NodeClaims}")}{(d.Soft ? " soft" : "")}"
                + $" pages={d.Pages} tmem-eph={d.TmemEphemeral} tmem-pers={d.TmemPersistent}");
        }

        return string.Join(Environment.NewLine, lines);
    }
}
