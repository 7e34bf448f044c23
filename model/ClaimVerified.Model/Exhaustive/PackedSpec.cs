using Microsoft.Coyote.Rewriting;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exhaustive;

/// <summary>What a packed step did to its row.</summary>
public enum PackedStepResult
{
    /// <summary>The operation was refused and the row is as it was (the specification returns the same state).</summary>
    Unchanged,

    /// <summary>The operation succeeded.</summary>
    Ok,

    /// <summary>The operation failed after a first critical section changed the host (assign_pages refused pages
    /// the heap had already handed out, with the claim redeemed in the heap section staying redeemed).</summary>
    FailedAfterChange,
}

/// <summary>
/// The specification compiled for exhaustive checking: <see cref="Spec.Step"/> over a <see cref="PackedLayout"/>
/// row instead of immutable records, mutating the row in place, with the bound's operations decoded once. It is the
/// same state machine, rule for rule and in the same order (each method names, with <see cref="FollowsAttribute"/>, the
/// specification's rules it follows), and it also keeps the ghost claim targets the way <see cref="GhostTargets"/> does.
/// </summary>
/// <remarks>
/// Why two forms of one specification: the record form is what people read and what the core is compared with; it
/// allocates a new state per step and runs at a few hundred thousand transitions a second. This form allocates
/// nothing per step. It is held to the record form by <see cref="PackedEquivalence"/>: on every reachable state of the
/// committed CI bounds, for every profile and every operation, both must produce the same next state and ghost
/// targets (tests/ClaimVerified.Tests/Reference/PackedSpecTests.cs), and every counterexample the packed engine
/// finds is replayed through the record form before it is reported. Only the result's success matters here (error
/// numbers are the record form's business); a refused operation must leave the row untouched.
/// </remarks>
[SkipRewriting(SequentialOnly.Reason)]
public sealed class PackedSpec
{
    private readonly PackedLayout layout;
    private readonly PackedOp[] ops;
    private readonly Flags profile;
    private readonly int nodes;
    private readonly long totalPages;
    private readonly bool llcColouring;

    public PackedSpec(Profile profile, SpecBound bound, SpecAlphabet alphabet)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentNullException.ThrowIfNull(alphabet);
        this.profile = new Flags(profile);
        layout = new PackedLayout(bound.Nodes, bound.MaxDomains);
        nodes = bound.Nodes;
        totalPages = bound.Config.TotalPages;
        llcColouring = bound.LlcColouring;
        ops = alphabet.Operations.Select(Compile).ToArray();
    }

    public PackedLayout Layout => layout;

    /// <summary>
    /// Applies operation <paramref name="opId"/> (an id of the alphabet) to <paramref name="row"/> in place and updates
    /// the ghost claim targets. <paramref name="claimsBefore"/> is scratch space of MaxDomains + 1 integers.
    /// </summary>
    public PackedStepResult Step(Span<int> row, int opId, Span<int> claimsBefore)
    {
        ref readonly var op = ref ops[opId];
        var domainsBefore = row[layout.NextDomId];
        for (var domid = 1; domid < domainsBefore; domid++)
        {
            claimsBefore[domid] = row[layout.Domain(domid) + PackedLayout.DomClaim];
        }

        var result = Apply(row, in op);
        if (result != PackedStepResult.Unchanged)
        {
            UpdateTargets(row, in op, result, claimsBefore, domainsBefore);
        }

        return result;
    }

    /// <summary>GhostTargets.Next, on a row: a zero claim has no target; a claim staked now targets tot + claim; a trim lowers it.</summary>
    private void UpdateTargets(Span<int> row, in PackedOp op, PackedStepResult result, ReadOnlySpan<int> claimsBefore, int domainsBefore)
    {
        var domainsAfter = row[layout.NextDomId];
        for (var domid = 1; domid < domainsAfter; domid++)
        {
            var at = layout.Domain(domid);
            var claim = row[at + PackedLayout.DomClaim];
            var oldClaim = domid < domainsBefore ? claimsBefore[domid] : 0;
            if (claim == 0)
            {
                row[at + PackedLayout.DomTarget] = 0;
            }
            else if (result == PackedStepResult.Ok && op.Kind is OpKind.Claim or OpKind.ClaimSet && op.DomId == domid)
            {
                row[at + PackedLayout.DomTarget] = DomainTot(row, at) + claim;
            }
            else if (op.Kind == OpKind.SetMax && op.DomId == domid && claim < oldClaim)
            {
                row[at + PackedLayout.DomTarget] -= oldClaim - claim;
            }
        }
    }

    [Follows(Rules.PhysInfoRead, Rules.DomainInfoRead, Rules.DomainInfoUnknownDomain)]
    private PackedStepResult Apply(Span<int> row, in PackedOp op) => op.Kind switch
    {
        OpKind.Create => Create(row, in op),
        OpKind.SetMax => SetMax(row, in op),
        OpKind.Claim => Claim(row, in op),
        OpKind.ClaimSet => ClaimSet(row, in op),
        OpKind.Populate => Allocate(row, in op, extra: false),
        OpKind.Extra => Allocate(row, in op, extra: true),
        OpKind.XenHeapAlloc => XenHeapAlloc(row, in op),
        OpKind.XenHeapFree => XenHeapFree(row, in op),
        OpKind.Decrease => Decrease(row, in op),
        OpKind.Share => Share(row, in op),
        OpKind.Offline => Offline(row, in op),
        OpKind.TmemPut => TmemPut(row, in op),
        OpKind.TmemFlush => TmemFlush(row, in op),
        OpKind.Kill => Kill(row, in op),
        OpKind.Destroy => Destroy(row, in op),
        _ => PackedStepResult.Unchanged, // Queries change nothing.
    };

    // ---- helpers: the specification's accounting rules on a row ----------------------------------------------------

    private int DomainTot(ReadOnlySpan<int> row, int at) =>
        profile.TotIncludesExtraPages ? row[at + PackedLayout.DomTot] - row[at + PackedLayout.DomExtra] : row[at + PackedLayout.DomTot];

    private long TotalFree(ReadOnlySpan<int> row) => layout.Sum(row, layout.Free);

    private long TmemFreeable(ReadOnlySpan<int> row)
    {
        long sum = 0;
        for (var domid = 1; domid < row[layout.NextDomId]; domid++)
        {
            sum += layout.Sum(row, layout.Domain(domid) + layout.DomTmemEphemeral);
        }

        return sum;
    }

    /// <summary>rcu_lock_domain_by_id: the domain exists and is not destroyed; its first field, or -1.</summary>
    private int Live(ReadOnlySpan<int> row, int domid) =>
        domid >= 1 && domid < row[layout.NextDomId] && domid <= layout.MaxDomains
        && row[layout.Domain(domid) + PackedLayout.DomState] != (int)DomainState.Destroyed
            ? layout.Domain(domid)
            : -1;

    /// <summary>The operation's live domain (its first field), or -1 when the operation is refused whatever the state.</summary>
    private int Target(ReadOnlySpan<int> row, in PackedOp op) => op.Refused ? -1 : Live(row, op.DomId);

    /// <summary>Takes up to <paramref name="pages"/> of a domain's node claims, lowest node first, from the host's too.</summary>
    private void TakeNodeClaimsLowestFirst(Span<int> row, int at, int pages)
    {
        for (var node = 0; node < nodes && pages > 0; node++)
        {
            var part = Math.Min(row[at + PackedLayout.DomNodeClaims + node], pages);
            row[at + PackedLayout.DomNodeClaims + node] -= part;
            row[layout.NodeOutstanding + node] -= part;
            pages -= part;
        }
    }

    private static bool Alive(ReadOnlySpan<int> row, int at) => row[at + PackedLayout.DomState] == (int)DomainState.Alive;

    private int GlobalClaim(ReadOnlySpan<int> row, int at) =>
        row[at + PackedLayout.DomClaim] - (int)layout.Sum(row, at + PackedLayout.DomNodeClaims);

    /// <summary>domain_set_outstanding_pages(d, 0).</summary>
    private void ReleaseClaim(Span<int> row, int at)
    {
        row[layout.Outstanding] -= row[at + PackedLayout.DomClaim];
        for (var node = 0; node < nodes; node++)
        {
            row[layout.NodeOutstanding + node] -= row[at + PackedLayout.DomNodeClaims + node];
            row[at + PackedLayout.DomNodeClaims + node] = 0;
        }

        row[at + PackedLayout.DomClaim] = 0;
        row[at + PackedLayout.DomSoft] = 0;
    }

    /// <summary>Redeem: this node's claim, then the global claim, then the other nodes' claims, lowest first.</summary>
    private void Redeem(Span<int> row, int at, int node, int pages)
    {
        var claim = row[at + PackedLayout.DomClaim];
        var redeem = Math.Min(claim, pages);
        if (redeem == 0)
        {
            return;
        }

        var global = GlobalClaim(row, at);
        var fromNode = Math.Min(row[at + PackedLayout.DomNodeClaims + node], redeem);
        row[at + PackedLayout.DomNodeClaims + node] -= fromNode;
        row[layout.NodeOutstanding + node] -= fromNode;
        TakeNodeClaimsLowestFirst(row, at, redeem - fromNode - Math.Min(global, redeem - fromNode));

        row[at + PackedLayout.DomClaim] = claim - redeem;
        row[layout.Outstanding] -= redeem;
        if (claim - redeem == 0)
        {
            row[at + PackedLayout.DomSoft] = 0;
        }
    }

    /// <summary>FreesRegrowClaim (before 3472783c26): a freed page grows a non-zero claim.</summary>
    private void Regrow(Span<int> row, int at, int pages)
    {
        if (!profile.FreesRegrowClaim || row[at + PackedLayout.DomClaim] == 0 || pages == 0)
        {
            return;
        }

        row[at + PackedLayout.DomClaim] += pages;
        row[layout.Outstanding] += pages;
    }

    /// <summary>The domain's pages leave it, highest node first; with <paramref name="toHeap"/> they become free there.</summary>
    private void TakeDomainPages(Span<int> row, int at, int pages, bool toHeap)
    {
        for (var node = nodes - 1; node >= 0 && pages > 0; node--)
        {
            var part = Math.Min(row[at + layout.DomPages + node], pages);
            row[at + layout.DomPages + node] -= part;
            if (toHeap)
            {
                row[layout.Free + node] += part;
            }

            pages -= part;
        }
    }

    // ---- domain control (create.*, maxmem.*, kill.*, destroy.*) ---------------------------------------------------

    [Follows(Rules.CreateNotPrivileged, Rules.CreateMaxOutOfRange, Rules.CreateDomIdsExhausted, Rules.CreateCreated)]
    private PackedStepResult Create(Span<int> row, in PackedOp op)
    {
        var domid = row[layout.NextDomId];
        if (op.Refused || domid >= Spec.DomIdLimit)
        {
            return PackedStepResult.Unchanged;
        }

        if (domid > layout.MaxDomains)
        {
            // The alphabet offers no create once the bound's domains exist; a row has no slot for another one.
            throw new InvalidOperationException($"create beyond the layout's {layout.MaxDomains} domains");
        }

        var at = layout.Domain(domid);
        row.Slice(at, layout.DomainWidth).Clear();
        row[at + PackedLayout.DomState] = (int)DomainState.Alive;
        row[at + PackedLayout.DomMax] = op.Pages;
        row[layout.NextDomId] = domid + 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.MaxMemNotPrivileged, Rules.MaxMemOutOfRange, Rules.MaxMemUnknownDomain, Rules.MaxMemSet)]
    private PackedStepResult SetMax(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + PackedLayout.DomMax] = op.Pages;
        var claim = row[at + PackedLayout.DomClaim];
        var excess = DomainTot(row, at) + claim - op.Pages;
        if (profile.MaxPagesTrimsClaim && excess > 0 && claim > 0)
        {
            var trim = Math.Min(excess, claim);
            TakeNodeClaimsLowestFirst(row, at, trim - Math.Min(GlobalClaim(row, at), trim));

            row[at + PackedLayout.DomClaim] = claim - trim;
            row[layout.Outstanding] -= trim;
            if (claim - trim == 0)
            {
                row[at + PackedLayout.DomSoft] = 0;
            }
        }

        return PackedStepResult.Ok;
    }

    [Follows(Rules.KillNotPrivileged, Rules.KillUnknownDomain, Rules.KillAlreadyDead, Rules.KillKilled)]
    private PackedStepResult Kill(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (!Alive(row, at))
        {
            return PackedStepResult.Ok; // Rules.KillAlreadyDead: nothing happens.
        }

        ReleaseClaim(row, at);
        for (var node = 0; node < nodes; node++)
        {
            row[layout.Free + node] += row[at + layout.DomTmemEphemeral + node];
            row[at + layout.DomTmemEphemeral + node] = 0;
        }

        Regrow(row, at, DomainTot(row, at)); // The claim is zero here, so nothing regrows (as in the specification).
        for (var node = 0; node < nodes; node++)
        {
            row[layout.Free + node] += row[at + layout.DomPages + node];
            row[at + layout.DomPages + node] = 0;
        }

        row[at + PackedLayout.DomState] = (int)DomainState.Dead;
        row[at + PackedLayout.DomTot] = 0;
        row[at + PackedLayout.DomExtra] = 0;
        row[at + PackedLayout.DomTmemPersistent] = 0;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.DestroyKillRefused, Rules.DestroyDestroyed)]
    private PackedStepResult Destroy(Span<int> row, in PackedOp op)
    {
        var killed = Kill(row, in op);
        if (killed != PackedStepResult.Ok)
        {
            return killed;
        }

        row[layout.Domain(op.DomId) + PackedLayout.DomState] = (int)DomainState.Destroyed;
        return PackedStepResult.Ok;
    }

    // ---- claims (claim.*, claimset.*) ----------------------------------------------------------------------------

    [Follows(Rules.ClaimUnsupported, Rules.ClaimLlcColouring, Rules.ClaimBadArguments, Rules.ClaimUnknownDomain,
        Rules.ClaimNotPrivileged, Rules.ClaimDyingUnlocked, Rules.ClaimReleased, Rules.ClaimDyingUnderLocks,
        Rules.ClaimAlreadyClaimed, Rules.ClaimTargetOutOfRange, Rules.ClaimExceedsUnclaimed, Rules.ClaimStaked)]
    private PackedStepResult Claim(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        var dying = !Alive(row, at);
        if (dying && profile.RefuseClaimOnDying == DyingClaimCheck.UnlockedWrapper)
        {
            return PackedStepResult.Unchanged;
        }

        if (op.Pages == 0)
        {
            ReleaseClaim(row, at);
            return PackedStepResult.Ok;
        }

        var claim = row[at + PackedLayout.DomClaim];
        if ((dying && profile.RefuseClaimOnDying == DyingClaimCheck.UnderLocks) || (claim != 0 && !profile.SecondClaimReplaces))
        {
            return PackedStepResult.Unchanged;
        }

        var tot = DomainTot(row, at);
        if (op.Pages <= tot || op.Pages > row[at + PackedLayout.DomMax])
        {
            return PackedStepResult.Unchanged;
        }

        long wanted = op.Pages - tot;
        var capacity = TotalFree(row) + (profile.ClaimCountsTmemFreeable || op.Soft ? TmemFreeable(row) : 0);
        var unclaimed = capacity - (row[layout.Outstanding] - claim);
        if (unclaimed < 0)
        {
            unclaimed = profile.ClaimAvailWraps ? long.MaxValue : 0;
        }

        if (wanted > unclaimed)
        {
            return PackedStepResult.Unchanged;
        }

        ReleaseClaim(row, at);
        row[at + PackedLayout.DomClaim] = (int)wanted;
        row[at + PackedLayout.DomSoft] = op.Soft ? 1 : 0;
        row[layout.Outstanding] += (int)wanted;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.ClaimSetUnsupported, Rules.ClaimSetEmpty, Rules.ClaimSetTooManyEntries, Rules.ClaimSetBadEntry,
        Rules.ClaimSetNotPrivileged, Rules.ClaimSetNoAliveDomain, Rules.ClaimSetReleased, Rules.ClaimSetOverMaxPages,
        Rules.ClaimSetExceedsNodeFree, Rules.ClaimSetExceedsHostFree, Rules.ClaimSetInstalled)]
    private PackedStepResult ClaimSet(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0 || !Alive(row, at))
        {
            return PackedStepResult.Unchanged;
        }

        var set = op.NodePages!;
        var total = op.Pages + set.Sum();
        if (total == 0)
        {
            ReleaseClaim(row, at);
            return PackedStepResult.Ok;
        }

        if (DomainTot(row, at) + total > row[at + PackedLayout.DomMax])
        {
            return PackedStepResult.Unchanged;
        }

        for (var node = 0; node < nodes; node++)
        {
            var others = row[layout.NodeOutstanding + node] - row[at + PackedLayout.DomNodeClaims + node];
            if (others + set[node] > row[layout.Free + node])
            {
                return PackedStepResult.Unchanged;
            }
        }

        if (row[layout.Outstanding] - row[at + PackedLayout.DomClaim] + total > TotalFree(row))
        {
            return PackedStepResult.Unchanged;
        }

        ReleaseClaim(row, at);
        row[at + PackedLayout.DomClaim] = total;
        row[layout.Outstanding] += total;
        for (var node = 0; node < nodes; node++)
        {
            row[at + PackedLayout.DomNodeClaims + node] = set[node];
            row[layout.NodeOutstanding + node] += set[node];
        }

        return PackedStepResult.Ok;
    }

    // ---- allocation (heap.*, alloc.*, xen-alloc.*, xen-free.*) -----------------------------------------------------

    /// <summary>alloc_heap_pages: the claim check, the buddy search, tmem's relinquish; the node, or -1 (row untouched).</summary>
    [Follows(Rules.HeapClaimsExceedFree, Rules.HeapFromNode, Rules.HeapFromTmemEphemeral, Rules.HeapNoNodeFits)]
    private int TakeFromHeap(Span<int> row, int ownerAt, int ownerId, int request, bool noRefcount, int wantedNode)
    {
        var totalFree = TotalFree(row);
        var capacity = totalFree + (profile.AllocCheckCountsTmemFreeable ? TmemFreeable(row) : 0);
        var usesClaim = ownerAt >= 0 && (!noRefcount || profile.NoRefcountMayUseClaims);
        var ownClaim = usesClaim ? row[ownerAt + PackedLayout.DomClaim] : 0;
        long outstanding = row[layout.Outstanding];
        if (profile.ClaimsSupported && outstanding + request > capacity)
        {
            var covered = profile.AllocMayCombineClaimAndUnclaimed
                ? Math.Max(0, capacity - outstanding) + ownClaim >= request
                : ownClaim >= request;
            if (!covered)
            {
                return -1;
            }
        }

        var home = wantedNode != Operation.AnyNode ? wantedNode : ownerId % nodes;
        var candidates = wantedNode != Operation.AnyNode ? 1 : nodes;
        for (var i = 0; i < candidates; i++)
        {
            var node = (home + i) % nodes;
            var free = row[layout.Free + node];
            var fits = free >= request;
            if (fits && profile.NodeClaims)
            {
                var usable = free - row[layout.NodeOutstanding + node] + (usesClaim ? row[ownerAt + PackedLayout.DomNodeClaims + node] : 0);
                fits = usable >= request;
            }

            if (fits)
            {
                row[layout.Free + node] -= request;
                return node;
            }
        }

        if (profile.Tmem && request == 1 && totalFree == 0)
        {
            for (var domid = 1; domid < row[layout.NextDomId]; domid++)
            {
                var victim = layout.Domain(domid) + layout.DomTmemEphemeral;
                for (var node = 0; node < nodes; node++)
                {
                    if (row[victim + node] != 0)
                    {
                        row[victim + node] -= 1;
                        return node;
                    }
                }
            }
        }

        return -1;
    }

    [Follows(Rules.AllocBadOrderOrNode, Rules.AllocUnknownDomain, Rules.AllocNotPermitted, Rules.AllocExtraRefused,
        Rules.AllocHeapRefused, Rules.AllocAssignDying, Rules.AllocExtraAssigned, Rules.AllocAssignTotAboveMax,
        Rules.AllocAssignOverMax, Rules.AllocAssignFirstDying, Rules.AllocAssignFirstTotAboveMax,
        Rules.AllocAssignFirstOverMax, Rules.AllocAssigned)]
    private PackedStepResult Allocate(Span<int> row, in PackedOp op, bool extra)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        var request = op.Pages;
        if (profile.OneCriticalSectionPerOperation)
        {
            var tot = DomainTot(row, at);
            var max = row[at + PackedLayout.DomMax];
            if (!Alive(row, at) || (!extra && profile.AssignPagesRefusesTotAboveMax && tot > max) || (!extra && tot + request > max))
            {
                return PackedStepResult.Unchanged; // Rules.AllocAssignFirst*: assign_pages' refusals before any page is taken.
            }
        }

        var node = TakeFromHeap(row, at, op.DomId, request, noRefcount: extra, op.Node);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (!extra && profile.ConsumeClaimAt == ClaimConsumption.InHeapAllocation)
        {
            Redeem(row, at, node, request);
        }

        if (!Alive(row, at))
        {
            row[layout.Free + node] += request; // Rules.AllocAssignDying: the pages go back; the redeemed claim stays redeemed.
            return PackedStepResult.FailedAfterChange;
        }

        if (extra)
        {
            row[at + PackedLayout.DomExtra] += request;
            if (profile.TotIncludesExtraPages)
            {
                row[at + PackedLayout.DomTot] += request;
            }

            row[at + layout.DomPages + node] += request;
            if (profile.ExtraPages == ExtraPagesMode.CountedConsumesClaim)
            {
                Redeem(row, at, node, request);
            }

            return PackedStepResult.Ok;
        }

        var domainTot = DomainTot(row, at);
        var maxPages = row[at + PackedLayout.DomMax];
        if ((profile.AssignPagesRefusesTotAboveMax && domainTot > maxPages) || domainTot + request > maxPages)
        {
            row[layout.Free + node] += request; // Rules.AllocAssignTotAboveMax, Rules.AllocAssignOverMax.
            return PackedStepResult.FailedAfterChange;
        }

        row[at + PackedLayout.DomTot] += request;
        row[at + layout.DomPages + node] += request;
        if (profile.ConsumeClaimAt == ClaimConsumption.InAssignPages)
        {
            Redeem(row, at, node, request);
        }

        return PackedStepResult.Ok;
    }

    [Follows(Rules.XenAllocBadOrderOrNode, Rules.XenAllocNotXen, Rules.XenAllocHeapRefused, Rules.XenAllocAllocated)]
    private PackedStepResult XenHeapAlloc(Span<int> row, in PackedOp op)
    {
        var node = op.Refused ? -1 : TakeFromHeap(row, -1, 0, op.Pages, noRefcount: true, op.Node);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[layout.XenHeap + node] += op.Pages;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.XenFreeNotXen, Rules.XenFreeBadCount, Rules.XenFreeFreed)]
    private PackedStepResult XenHeapFree(Span<int> row, in PackedOp op)
    {
        if (op.Refused || op.Pages > layout.Sum(row, layout.XenHeap))
        {
            return PackedStepResult.Unchanged;
        }

        var pages = op.Pages;
        for (var node = nodes - 1; node >= 0 && pages > 0; node--)
        {
            var part = Math.Min(row[layout.XenHeap + node], pages);
            row[layout.XenHeap + node] -= part;
            row[layout.Free + node] += part;
            pages -= part;
        }

        return PackedStepResult.Ok;
    }

    // ---- giving pages up (decrease.*, share.*, offline.*) ------------------------------------------------------------

    [Follows(Rules.DecreaseBadOrder, Rules.DecreaseUnknownDomain, Rules.DecreaseNotPermitted,
        Rules.DecreaseDyingOrTooFewPages, Rules.DecreaseFreed)]
    private PackedStepResult Decrease(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0 || !Alive(row, at) || op.Pages > DomainTot(row, at) - row[at + PackedLayout.DomTmemPersistent])
        {
            return PackedStepResult.Unchanged;
        }

        row[at + PackedLayout.DomTot] -= op.Pages;
        TakeDomainPages(row, at, op.Pages, toHeap: true);
        Regrow(row, at, op.Pages);
        return PackedStepResult.Ok;
    }

    [Follows(Rules.ShareUnknownDomain, Rules.ShareNotPrivileged, Rules.ShareDyingOrNoPage, Rules.ShareShared)]
    private PackedStepResult Share(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0 || !Alive(row, at) || DomainTot(row, at) - row[at + PackedLayout.DomTmemPersistent] < 1)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + PackedLayout.DomTot] -= 1;
        TakeDomainPages(row, at, 1, toHeap: false);
        Regrow(row, at, 1);
        row[layout.Shared] += 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.OfflineBadNode, Rules.OfflineNotPrivileged, Rules.OfflineNoFreePage, Rules.OfflineWouldUnbackClaims,
        Rules.OfflineOfflined)]
    private PackedStepResult Offline(Span<int> row, in PackedOp op)
    {
        if (op.Refused || row[layout.Free + op.Node] < 1)
        {
            return PackedStepResult.Unchanged;
        }

        var unbacks = TotalFree(row) - 1 < row[layout.Outstanding]
            || row[layout.Free + op.Node] - 1 < row[layout.NodeOutstanding + op.Node];
        if (profile.OfflineKeepsClaimsBacked && unbacks)
        {
            return PackedStepResult.Unchanged;
        }

        row[layout.Free + op.Node] -= 1;
        row[layout.Offlined] += 1;
        return PackedStepResult.Ok;
    }

    // ---- tmem (tmem-put.*, tmem-flush.*) ------------------------------------------------------------------------------

    [Follows(Rules.TmemPutRefused, Rules.TmemPutPersistentPopulateRefused, Rules.TmemPutPersistent,
        Rules.TmemPutEphemeralDying, Rules.TmemPutEphemeralHeapRefused, Rules.TmemPutEphemeral)]
    private PackedStepResult TmemPut(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (op.Pool == TmemPool.Persistent)
        {
            var populated = Allocate(row, in op, extra: false); // A populate of one page, then counted as tmem's.
            if (populated == PackedStepResult.Ok)
            {
                row[at + PackedLayout.DomTmemPersistent] += 1;
            }

            return populated;
        }

        if (!Alive(row, at))
        {
            return PackedStepResult.Unchanged;
        }

        var node = TakeFromHeap(row, -1, 0, 1, noRefcount: true, Operation.AnyNode);
        if (node < 0)
        {
            return PackedStepResult.Unchanged;
        }

        row[at + layout.DomTmemEphemeral + node] += 1;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.TmemFlushRefused, Rules.TmemFlushPersistentNone, Rules.TmemFlushPersistent,
        Rules.TmemFlushEphemeralNone, Rules.TmemFlushEphemeral)]
    private PackedStepResult TmemFlush(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0)
        {
            return PackedStepResult.Unchanged;
        }

        if (op.Pool == TmemPool.Persistent)
        {
            if (row[at + PackedLayout.DomTmemPersistent] < 1 || !Alive(row, at))
            {
                return PackedStepResult.Unchanged;
            }

            row[at + PackedLayout.DomTmemPersistent] -= 1;
            row[at + PackedLayout.DomTot] -= 1;
            TakeDomainPages(row, at, 1, toHeap: true);
            Regrow(row, at, 1);
            return PackedStepResult.Ok;
        }

        for (var node = 0; node < nodes; node++)
        {
            if (row[at + layout.DomTmemEphemeral + node] != 0)
            {
                row[at + layout.DomTmemEphemeral + node] -= 1;
                row[layout.Free + node] += 1;
                return PackedStepResult.Ok;
            }
        }

        return PackedStepResult.Unchanged;
    }

    /// <summary>
    /// The specification's rules (<see cref="Specification.Rules"/>) whose return paths a method of this engine
    /// follows, named by their declarations so that the compiler holds the two forms to the same ids.
    /// </summary>
    [SkipRewriting(SequentialOnly.Reason)]
    [AttributeUsage(AttributeTargets.Method)]
    private sealed class FollowsAttribute(params string[] rules) : Attribute
    {
        public IReadOnlyList<string> Rules { get; } = rules;
    }

    /// <summary>
    /// The profile's mechanisms, read once into fields: the profile lives in the core's assembly, which the scenarios
    /// need rewritten, and a call into it per rule would pay the rewriter's hooks on every transition.
    /// </summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private sealed class Flags(Profile p)
    {
        public readonly bool ClaimsSupported = p.ClaimsSupported;
        public readonly bool ClaimsRefusedWithLlcColouring = p.ClaimsRefusedWithLlcColouring;
        public readonly bool SoftClaims = p.SoftClaims;
        public readonly DyingClaimCheck RefuseClaimOnDying = p.RefuseClaimOnDying;
        public readonly bool SecondClaimReplaces = p.SecondClaimReplaces;
        public readonly bool ClaimCountsTmemFreeable = p.ClaimCountsTmemFreeable;
        public readonly bool ClaimAvailWraps = p.ClaimAvailWraps;
        public readonly bool NodeClaims = p.NodeClaims;
        public readonly bool TotIncludesExtraPages = p.TotIncludesExtraPages;
        public readonly bool AllocCheckCountsTmemFreeable = p.AllocCheckCountsTmemFreeable;
        public readonly bool NoRefcountMayUseClaims = p.NoRefcountMayUseClaims;
        public readonly bool AllocMayCombineClaimAndUnclaimed = p.AllocMayCombineClaimAndUnclaimed;
        public readonly bool Tmem = p.Tmem;
        public readonly ExtraPagesMode ExtraPages = p.ExtraPages;
        public readonly bool OneCriticalSectionPerOperation = p.OneCriticalSectionPerOperation;
        public readonly bool AssignPagesRefusesTotAboveMax = p.AssignPagesRefusesTotAboveMax;
        public readonly ClaimConsumption ConsumeClaimAt = p.ConsumeClaimAt;
        public readonly bool FreesRegrowClaim = p.FreesRegrowClaim;
        public readonly bool MaxPagesTrimsClaim = p.MaxPagesTrimsClaim;
        public readonly bool OfflineKeepsClaimsBacked = p.OfflineKeepsClaimsBacked;
    }

    // ---- compiling an operation ----------------------------------------------------------------------------------------

    private enum OpKind : byte
    {
        Query,
        Create,
        SetMax,
        Claim,
        ClaimSet,
        Populate,
        Extra,
        XenHeapAlloc,
        XenHeapFree,
        Decrease,
        Share,
        Offline,
        TmemPut,
        TmemFlush,
        Kill,
        Destroy,
    }

    /// <summary>
    /// An operation decoded once: its kind, its domain, its size in pages (or its max_pages), its node, and
    /// <see cref="Refused"/> when checks that depend only on the operation, the profile and the host's shape refuse it
    /// whatever the state (the caller's privilege, a bad size or node, a mechanism the profile lacks). Refusals change
    /// nothing, so which of them the specification reports first does not matter here.
    /// </summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private readonly record struct PackedOp(OpKind Kind, int DomId, int Pages, int Node, bool Soft, TmemPool Pool, bool Refused, int[]? NodePages);

    private PackedOp Compile(Operation operation)
    {
        static int Pages(long pages) => pages is >= int.MinValue and <= int.MaxValue ? (int)pages : -1;
        var nodeOk = (int node) => node == Operation.AnyNode || (node >= 0 && node < nodes);
        var refusedWithLlc = llcColouring && profile.ClaimsRefusedWithLlcColouring;
        switch (operation)
        {
            case CreateDomain op:
                return new(OpKind.Create, 0, Pages(op.MaxPages), 0, false, default,
                    !op.Caller.IsPrivileged || op.MaxPages < 0 || op.MaxPages > totalPages, null);
            case SetMaxPages op:
                return new(OpKind.SetMax, op.DomId, Pages(op.MaxPages), 0, false, default,
                    !op.Caller.IsPrivileged || op.MaxPages < 0 || op.MaxPages > totalPages, null);
            case ClaimPages op:
                return new(OpKind.Claim, op.DomId, Pages(op.Pages), 0, op.Soft, default,
                    !profile.ClaimsSupported || refusedWithLlc || op.Pages < 0 || op.Pages > int.MaxValue
                    || (op.Soft && !profile.SoftClaims) || !op.Caller.IsPrivileged, null);
            case ClaimMemory op:
                return CompileClaimSet(op, refusedWithLlc);
            case Populate op:
                return new(OpKind.Populate, op.DomId, (int)Spec.ExtentPages(op.Order), op.Node, false, default,
                    Spec.ExtentPages(op.Order) == 0 || !nodeOk(op.Node) || !op.Caller.MayActOn(op.DomId), null);
            case AllocExtraPages op:
                return new(OpKind.Extra, op.DomId, (int)Spec.ExtentPages(op.Order), op.Node, false, default,
                    Spec.ExtentPages(op.Order) == 0 || !nodeOk(op.Node) || !op.Caller.IsPrivileged
                    || profile.ExtraPages == ExtraPagesMode.Refused, null);
            case AllocXenHeap op:
                return new(OpKind.XenHeapAlloc, 0, (int)Spec.ExtentPages(op.Order), op.Node, false, default,
                    Spec.ExtentPages(op.Order) == 0 || !nodeOk(op.Node) || op.Caller.Kind != CallerKind.Xen, null);
            case FreeXenHeap op:
                return new(OpKind.XenHeapFree, 0, Pages(op.Pages), 0, false, default,
                    op.Caller.Kind != CallerKind.Xen || op.Pages <= 0 || op.Pages > int.MaxValue, null);
            case DecreaseReservation op:
                return new(OpKind.Decrease, op.DomId, (int)Spec.ExtentPages(op.Order), 0, false, default,
                    Spec.ExtentPages(op.Order) == 0 || !op.Caller.MayActOn(op.DomId), null);
            case SharePage op:
                return new(OpKind.Share, op.DomId, 1, 0, false, default, !op.Caller.IsPrivileged, null);
            case OfflinePage op:
                return new(OpKind.Offline, 0, 1, op.Node, false, default,
                    op.Node < 0 || op.Node >= nodes || !op.Caller.IsPrivileged, null);
            case TmemPut op:
                // A persistent put is a populate of one order-0 page on any node: compiled with that page count.
                return new(OpKind.TmemPut, op.DomId, 1, Operation.AnyNode, false, op.Pool, !profile.Tmem || !op.Caller.MayActOn(op.DomId), null);
            case TmemFlush op:
                return new(OpKind.TmemFlush, op.DomId, 1, 0, false, op.Pool, !profile.Tmem || !op.Caller.MayActOn(op.DomId), null);
            case DomainKill op:
                return new(OpKind.Kill, op.DomId, 0, 0, false, default, !op.Caller.IsPrivileged, null);
            case DestroyDomain op:
                return new(OpKind.Destroy, op.DomId, 0, 0, false, default, !op.Caller.IsPrivileged, null);
            case Specification.PhysInfo or GetDomainInfo:
                return new(OpKind.Query, 0, 0, 0, false, default, true, null);
            default:
                throw new ArgumentException($"the packed engine has no form for {operation.GetType().Name}", nameof(operation));
        }
    }

    /// <summary>claimset's refusals up to <see cref="Rules.ClaimSetNotPrivileged"/>: the set's shape is checked before the domain is looked up.</summary>
    private PackedOp CompileClaimSet(ClaimMemory op, bool refusedWithLlc)
    {
        var perNode = new int[nodes];
        var seen = new HashSet<int>();
        var refused = !profile.NodeClaims || refusedWithLlc || op.Entries.IsDefaultOrEmpty || op.Entries.Length > nodes + 1
            || !op.Caller.IsPrivileged;
        var global = 0;
        foreach (var entry in op.Entries.IsDefault ? [] : op.Entries)
        {
            var targetOk = entry.Target == ClaimEntry.Global || (entry.Target >= 0 && entry.Target < nodes);
            if (entry.Pages < 0 || entry.Pages > totalPages || !targetOk || !seen.Add(entry.Target))
            {
                refused = true;
                continue;
            }

            if (entry.Target == ClaimEntry.Global)
            {
                global = (int)entry.Pages;
            }
            else
            {
                perNode[entry.Target] = (int)entry.Pages;
            }
        }

        return new PackedOp(OpKind.ClaimSet, op.DomId, global, 0, false, default, refused, perNode);
    }
}
