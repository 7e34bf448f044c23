using System.Collections.Immutable;
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

/// <summary>
/// The sequential specification of a host under a profile: a pure function from a state and an operation to a result
/// and the next state. Every operation is one atomic step. Where a Xen version works in two critical sections (the
/// allocation's heap_lock section, then assign_pages), the step does both, in the same order, so that the step is what
/// a sequential run of the core must produce. Written from the Xen facts (shared/reference/xen-claims.md,
/// xen-notes.md) and the core's documented choices, not from the core's code.
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
/// <item>tmem (profiles with Tmem): an order-0 allocation that finds no free page on any node takes one ephemeral page
/// (the lowest domid holding one, its lowest node) instead; the heap's free count does not change.</item>
/// <item>domain_kill runs to completion in one step: mark dying, release the claim, give the ephemeral tmem pages
/// back, relinquish every page, dead. A claim staked on a dead domain later (profiles without a dying check) is never
/// released.</item>
/// </list>
/// </remarks>
public static class Spec
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
            NextDomId: 1);
    }

    /// <summary>One operation, atomically: its result and the state after it.</summary>
    public static (Outcome Result, SpecState Next) Step(Profile profile, SpecState state, Operation operation)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(operation);
        return operation switch
        {
            CreateDomain op => Create(state, op),
            SetMaxPages op => SetMax(profile, state, op),
            ClaimPages op => Claim(profile, state, op),
            ClaimMemory op => ClaimSet(profile, state, op),
            Populate op => AllocateForDomain(profile, state, op.Caller, op.DomId, op.Order, op.Node, extra: false),
            AllocExtraPages op => AllocateForDomain(profile, state, op.Caller, op.DomId, op.Order, op.Node, extra: true),
            AllocXenHeap op => XenHeapAlloc(profile, state, op),
            FreeXenHeap op => XenHeapFree(state, op),
            DecreaseReservation op => Decrease(profile, state, op),
            SharePage op => Share(profile, state, op),
            OfflinePage op => Offline(profile, state, op),
            TmemPut op => Put(profile, state, op),
            TmemFlush op => Flush(profile, state, op),
            DomainKill op => Kill(profile, state, op.Caller, op.DomId),
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
            + $" xenheap={state.XenHeap} offlined={state.Offlined} shared={state.Shared} tmem-freeable={state.TmemFreeable}",
        };
        foreach (var d in state.Domains.Values)
        {
            lines.Add($"  d{d.Id} {d.State.ToString().ToLowerInvariant()} tot={d.Tot} extra={d.Extra} max={d.Max}"
                + $" claim={d.Claim}{(d.NodeClaims.IsZero ? "" : $" node-claims={d.NodeClaims}")}{(d.Soft ? " soft" : "")}"
                + $" pages={d.Pages} tmem-eph={d.TmemEphemeral} tmem-pers={d.TmemPersistent}");
        }

        return string.Join(Environment.NewLine, lines);
    }

    // ---- accounting rules --------------------------------------------------------------------------------------

    /// <summary>domain_tot_pages(): the pages a claim is measured against (without extra pages from 4.14).</summary>
    public static long DomainTot(Profile profile, SpecDomain d) => profile.TotIncludesExtraPages ? d.Tot - d.Extra : d.Tot;

    /// <summary>Only orders 0, 9 and 18 exist (4 KiB, 2 MiB, 1 GiB); 0 for any other order.</summary>
    public static long ExtentPages(int order) => order is 0 or 9 or 18 ? 1L << order : 0;

    private static bool NodeOk(SpecState s, int node) => node == Operation.AnyNode || (node >= 0 && node < s.NodeCount);

    /// <summary>domain_set_outstanding_pages(d, 0): the whole claim (set) goes, and the host's counters with it.</summary>
    private static SpecState ReleaseClaim(SpecState s, SpecDomain d) =>
        s.With(d with { Claim = 0, NodeClaims = NodeVector.Zero(s.NodeCount), Soft = false }) with
        {
            Outstanding = s.Outstanding - d.Claim,
            NodeOutstanding = s.NodeOutstanding.Minus(d.NodeClaims),
        };

    /// <summary>
    /// An allocation of <paramref name="pages"/> from <paramref name="node"/> redeems the claim: at most the claim,
    /// taken from that node's claim, then the global claim, then the other nodes' claims, lowest first.
    /// </summary>
    private static SpecState Redeem(SpecState s, int domid, int node, long pages)
    {
        var d = s.Domains[domid];
        var redeem = Math.Min(d.Claim, pages);
        if (redeem == 0)
        {
            return s;
        }

        var nodeClaims = d.NodeClaims;
        var nodeOutstanding = s.NodeOutstanding;
        var fromNode = Math.Min(nodeClaims[node], redeem);
        nodeClaims = nodeClaims.Add(node, -fromNode);
        nodeOutstanding = nodeOutstanding.Add(node, -fromNode);
        var rest = redeem - fromNode - Math.Min(d.GlobalClaim, redeem - fromNode);
        for (var other = 0; other < s.NodeCount && rest > 0; other++)
        {
            var part = Math.Min(nodeClaims[other], rest);
            nodeClaims = nodeClaims.Add(other, -part);
            nodeOutstanding = nodeOutstanding.Add(other, -part);
            rest -= part;
        }

        var claim = d.Claim - redeem;
        return s.With(d with { Claim = claim, NodeClaims = nodeClaims, Soft = claim != 0 && d.Soft }) with
        {
            Outstanding = s.Outstanding - redeem,
            NodeOutstanding = nodeOutstanding,
        };
    }

    /// <summary>
    /// Before 3472783c26 (FreesRegrowClaim): tot_pages dropping by <paramref name="pages"/> grows a non-zero claim by
    /// as much (the signed domain_adjust_tot_pages), the host's total too.
    /// </summary>
    private static SpecState Regrow(Profile profile, SpecState s, int domid, long pages)
    {
        var d = s.Domains[domid];
        if (!profile.FreesRegrowClaim || d.Claim == 0 || pages == 0)
        {
            return s;
        }

        return s.With(d with { Claim = d.Claim + pages }) with { Outstanding = s.Outstanding + pages };
    }

    /// <summary>The domain's pages leave it, highest node first; returns the state and the pages per node.</summary>
    private static (SpecState, NodeVector Taken) TakeDomainPages(SpecState s, int domid, long pages)
    {
        var d = s.Domains[domid];
        var (left, taken) = d.Pages.TakeHighestFirst(pages);
        return (s.With(d with { Pages = left }), taken);
    }

    // ---- domain control ------------------------------------------------------------------------------------------

    private static (Outcome, SpecState) Create(SpecState s, CreateDomain op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.CreateNotPrivileged, (Errno.EPERM, s));
        }

        if (op.MaxPages < 0 || op.MaxPages > s.Config.TotalPages)
        {
            return Rules.Hit(Rules.CreateMaxOutOfRange, (Errno.EINVAL, s));
        }

        if (s.NextDomId >= DomIdLimit)
        {
            return Rules.Hit(Rules.CreateDomIdsExhausted, (Errno.ENOMEM, s));
        }

        var zero = NodeVector.Zero(s.NodeCount);
        var d = new SpecDomain(s.NextDomId, DomainState.Alive, Tot: 0, Extra: 0, op.MaxPages, Claim: 0, zero, Soft: false,
            TmemPersistent: 0, Pages: zero, TmemEphemeral: zero);
        return Rules.Hit(Rules.CreateCreated, (Outcome.Ok(d.Id), s.With(d) with { NextDomId = s.NextDomId + 1 }));
    }

    private static (Outcome, SpecState) SetMax(Profile profile, SpecState s, SetMaxPages op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.MaxMemNotPrivileged, (Errno.EPERM, s));
        }

        if (op.MaxPages < 0 || op.MaxPages > s.Config.TotalPages)
        {
            return Rules.Hit(Rules.MaxMemOutOfRange, (Errno.EINVAL, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.MaxMemUnknownDomain, (Errno.ESRCH, s));
        }

        d = d with { Max = op.MaxPages };
        var next = s.With(d);
        var excess = DomainTot(profile, d) + d.Claim - op.MaxPages;
        if (profile.MaxPagesTrimsClaim && excess > 0 && d.Claim > 0)
        {
            // Our reference keeps tot + claim <= max_pages: the claim gives back the excess, global part first,
            // then node parts from the lowest node.
            var trim = Math.Min(excess, d.Claim);
            var fromNodes = trim - Math.Min(d.GlobalClaim, trim);
            var nodeClaims = d.NodeClaims;
            var nodeOutstanding = s.NodeOutstanding;
            for (var node = 0; node < s.NodeCount && fromNodes > 0; node++)
            {
                var part = Math.Min(nodeClaims[node], fromNodes);
                nodeClaims = nodeClaims.Add(node, -part);
                nodeOutstanding = nodeOutstanding.Add(node, -part);
                fromNodes -= part;
            }

            var claim = d.Claim - trim;
            next = s.With(d with { Claim = claim, NodeClaims = nodeClaims, Soft = claim != 0 && d.Soft }) with
            {
                Outstanding = s.Outstanding - trim,
                NodeOutstanding = nodeOutstanding,
            };
        }

        return Rules.Hit(Rules.MaxMemSet, (Outcome.Ok(), next));
    }

    private static (Outcome, SpecState) Kill(Profile profile, SpecState s, Caller caller, int domid)
    {
        if (!caller.IsPrivileged)
        {
            return Rules.Hit(Rules.KillNotPrivileged, (Errno.EPERM, s));
        }

        if (s.Live(domid) is not { } d)
        {
            return Rules.Hit(Rules.KillUnknownDomain, (Errno.ESRCH, s));
        }

        if (d.State != DomainState.Alive)
        {
            // Already dead (the sequential spec never leaves a domain dying): nothing more happens; in particular a
            // claim staked after the kill's release stays.
            return Rules.Hit(Rules.KillAlreadyDead, (Outcome.Ok(), s));
        }

        // is_dying, then domain_set_outstanding_pages(d, 0), then tmem's pools go (ephemeral pages back to the heap).
        s = ReleaseClaim(s, d);
        d = s.Domains[domid];
        s = s.With(d with { State = DomainState.Dying, TmemEphemeral = NodeVector.Zero(s.NodeCount) }) with
        {
            Free = s.Free.Plus(d.TmemEphemeral),
        };

        // Relinquish every page (extra pages first; each refcounted chunk would regrow a non-zero claim under
        // FreesRegrowClaim, but the claim is zero now and nobody can stake one inside this step).
        d = s.Domains[domid];
        var refcounted = DomainTot(profile, d);
        s = Regrow(profile, s, domid, refcounted);
        d = s.Domains[domid];
        s = s.With(d with
        {
            State = DomainState.Dead,
            Tot = 0,
            Extra = 0,
            TmemPersistent = 0,
            Pages = NodeVector.Zero(s.NodeCount),
        }) with
        {
            Free = s.Free.Plus(d.Pages),
        };
        return Rules.Hit(Rules.KillKilled, (Outcome.Ok(), s));
    }

    private static (Outcome, SpecState) Destroy(Profile profile, SpecState s, DestroyDomain op)
    {
        var (killed, next) = Kill(profile, s, op.Caller, op.DomId);
        if (!killed.IsOk)
        {
            return Rules.Hit(Rules.DestroyKillRefused, (killed, next));
        }

        // The last reference goes; no claim is released here (Xen never does): a leaked claim stays counted.
        var d = next.Domains[op.DomId];
        return Rules.Hit(Rules.DestroyDestroyed, (Outcome.Ok(), next.With(d with { State = DomainState.Destroyed })));
    }

    // ---- claims --------------------------------------------------------------------------------------------------

    /// <summary>XENMEM_claim_pages, the wrapper's checks then domain_set_outstanding_pages', in Xen's order.</summary>
    private static (Outcome, SpecState) Claim(Profile profile, SpecState s, ClaimPages op)
    {
        if (!profile.ClaimsSupported)
        {
            return Rules.Hit(Rules.ClaimUnsupported, (Errno.EOPNOTSUPP, s));
        }

        if (s.Config.LlcColouring && profile.ClaimsRefusedWithLlcColouring)
        {
            return Rules.Hit(Rules.ClaimLlcColouring, (Errno.EOPNOTSUPP, s));
        }

        if (op.Pages < 0 || (op.Soft && !profile.SoftClaims))
        {
            return Rules.Hit(Rules.ClaimBadArguments, (Errno.EINVAL, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.ClaimUnknownDomain, (profile.ClaimUnknownDomainErrno, s));
        }

        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.ClaimNotPrivileged, (Errno.EPERM, s));
        }

        var dying = d.State != DomainState.Alive;
        if (dying && profile.RefuseClaimOnDying == DyingClaimCheck.UnlockedWrapper)
        {
            return Rules.Hit(Rules.ClaimDyingUnlocked, (Errno.EINVAL, s));
        }

        if (op.Pages == 0)
        {
            return Rules.Hit(Rules.ClaimReleased, (Outcome.Ok(), ReleaseClaim(s, d)));
        }

        if (dying && profile.RefuseClaimOnDying == DyingClaimCheck.UnderLocks)
        {
            return Rules.Hit(Rules.ClaimDyingUnderLocks, (Errno.EINVAL, s));
        }

        if (d.Claim != 0 && !profile.SecondClaimReplaces)
        {
            return Rules.Hit(Rules.ClaimAlreadyClaimed, (Errno.EINVAL, s));
        }

        var tot = DomainTot(profile, d);
        if (op.Pages <= tot || op.Pages > d.Max)
        {
            return Rules.Hit(Rules.ClaimTargetOutOfRange, (Errno.EINVAL, s));
        }

        var wanted = op.Pages - tot;
        var capacity = s.TotalFree + (profile.ClaimCountsTmemFreeable || op.Soft ? s.TmemFreeable : 0);
        var unclaimed = capacity - (s.Outstanding - d.Claim); // A replaced claim no longer counts against itself.
        if (unclaimed < 0)
        {
            // Xen subtracts in unsigned arithmetic: the difference wraps and nothing is refused.
            unclaimed = profile.ClaimAvailWraps ? long.MaxValue : 0;
        }

        if (wanted > unclaimed)
        {
            return Rules.Hit(Rules.ClaimExceedsUnclaimed, (Errno.ENOMEM, s));
        }

        var next = ReleaseClaim(s, d);
        d = next.Domains[d.Id];
        next = next.With(d with { Claim = wanted, Soft = op.Soft }) with { Outstanding = next.Outstanding + wanted };
        return Rules.Hit(Rules.ClaimStaked, (Outcome.Ok(), next));
    }

    /// <summary>XEN_DOMCTL_claim_memory: validate the set, then install it atomically (replacing the current one).</summary>
    private static (Outcome, SpecState) ClaimSet(Profile profile, SpecState s, ClaimMemory op)
    {
        if (!profile.NodeClaims || (s.Config.LlcColouring && profile.ClaimsRefusedWithLlcColouring))
        {
            return Rules.Hit(Rules.ClaimSetUnsupported, (Errno.EOPNOTSUPP, s));
        }

        if (op.Entries.IsDefaultOrEmpty)
        {
            return Rules.Hit(Rules.ClaimSetEmpty, (Errno.EINVAL, s));
        }

        if (op.Entries.Length > s.NodeCount + 1)
        {
            return Rules.Hit(Rules.ClaimSetTooManyEntries, (Errno.E2BIG, s));
        }

        var perNode = new long[s.NodeCount];
        var seen = new HashSet<int>();
        long global = 0;
        foreach (var entry in op.Entries)
        {
            var targetOk = entry.Target == ClaimEntry.Global || (entry.Target >= 0 && entry.Target < s.NodeCount);
            if (entry.Pages < 0 || entry.Pages > s.Config.TotalPages || !targetOk || !seen.Add(entry.Target))
            {
                return Rules.Hit(Rules.ClaimSetBadEntry, (Errno.EINVAL, s)); // A bad size, an unknown target, or a target named twice.
            }

            if (entry.Target == ClaimEntry.Global)
            {
                global = entry.Pages;
            }
            else
            {
                perNode[entry.Target] = entry.Pages;
            }
        }

        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.ClaimSetNotPrivileged, (Errno.EPERM, s));
        }

        if (s.Live(op.DomId) is not { IsAlive: true } d)
        {
            return Rules.Hit(Rules.ClaimSetNoAliveDomain, (Errno.ESRCH, s));
        }

        var nodeClaims = NodeVector.Of(perNode);
        var total = global + nodeClaims.Sum;
        if (total == 0)
        {
            return Rules.Hit(Rules.ClaimSetReleased, (Outcome.Ok(), ReleaseClaim(s, d)));
        }

        if (DomainTot(profile, d) + total > d.Max)
        {
            return Rules.Hit(Rules.ClaimSetOverMaxPages, (Errno.EINVAL, s));
        }

        // Per node: other domains' claims there plus this set's must fit in the node's free pages; then globally.
        var othersPerNode = s.NodeOutstanding.Minus(d.NodeClaims);
        for (var node = 0; node < s.NodeCount; node++)
        {
            if (othersPerNode[node] + nodeClaims[node] > s.Free[node])
            {
                return Rules.Hit(Rules.ClaimSetExceedsNodeFree, (Errno.ENOMEM, s));
            }
        }

        if (s.Outstanding - d.Claim + total > s.TotalFree)
        {
            return Rules.Hit(Rules.ClaimSetExceedsHostFree, (Errno.ENOMEM, s));
        }

        var next = ReleaseClaim(s, d);
        d = next.Domains[d.Id];
        next = next.With(d with { Claim = total, NodeClaims = nodeClaims }) with
        {
            Outstanding = next.Outstanding + total,
            NodeOutstanding = next.NodeOutstanding.Plus(nodeClaims),
        };
        return Rules.Hit(Rules.ClaimSetInstalled, (Outcome.Ok(), next));
    }

    // ---- allocation ----------------------------------------------------------------------------------------------

    /// <summary>
    /// alloc_heap_pages under heap_lock: the claim check, then the buddy search (the node), then tmem's relinquish
    /// as the last resort. On success the pages are gone from the free lists (or from a tmem ephemeral pool).
    /// </summary>
    private static (Errno, SpecState, int Node) TakeFromHeap(
        Profile profile, SpecState s, SpecDomain? owner, long request, bool noRefcount, int wantedNode)
    {
        var capacity = s.TotalFree + (profile.AllocCheckCountsTmemFreeable ? s.TmemFreeable : 0);
        var usesClaim = owner is not null && (!noRefcount || profile.NoRefcountMayUseClaims);
        var ownClaim = usesClaim ? owner!.Claim : 0;
        if (profile.ClaimsSupported && s.Outstanding + request > capacity)
        {
            // No claim check before 65c9792df6 (no-claims). Unclaimed memory alone cannot cover the request. Xen: only a domain whose own claim covers the whole
            // request may go on. AllocMayCombineClaimAndUnclaimed: its claim plus the unclaimed rest will do.
            var covered = profile.AllocMayCombineClaimAndUnclaimed
                ? Math.Max(0, capacity - s.Outstanding) + ownClaim >= request
                : ownClaim >= request;
            if (!covered)
            {
                return Rules.Hit(Rules.HeapClaimsExceedFree, (Errno.ENOMEM, s, -1));
            }
        }

        var home = wantedNode != Operation.AnyNode ? wantedNode : (owner?.Id ?? 0) % s.NodeCount;
        var candidates = wantedNode != Operation.AnyNode ? 1 : s.NodeCount;
        for (var i = 0; i < candidates; i++)
        {
            var node = (home + i) % s.NodeCount;
            var fits = s.Free[node] >= request;
            if (fits && profile.NodeClaims)
            {
                var usable = s.Free[node] - s.NodeOutstanding[node] + (usesClaim ? owner!.NodeClaims[node] : 0);
                fits = usable >= request;
            }

            if (fits)
            {
                return Rules.Hit(Rules.HeapFromNode, (Errno.Ok, s with { Free = s.Free.Add(node, -request) }, node));
            }
        }

        if (profile.Tmem && request == 1 && s.TotalFree == 0)
        {
            // No free page on any node: tmem gives up an ephemeral page straight to the requester.
            var victim = s.Domains.Values.FirstOrDefault(d => !d.TmemEphemeral.IsZero);
            if (victim is not null)
            {
                var node = victim.TmemEphemeral.FirstNonZero;
                return Rules.Hit(Rules.HeapFromTmemEphemeral, (Errno.Ok, s.With(victim with { TmemEphemeral = victim.TmemEphemeral.Add(node, -1) }), node));
            }
        }

        return Rules.Hit(Rules.HeapNoNodeFits, (Errno.ENOMEM, s, -1));
    }

    /// <summary>
    /// alloc_domheap_pages(d, order, 0 or MEMF_no_refcount): the heap section (which, from 75d29d9b5e, redeems the
    /// claim), then assign_pages (which, before it, redeems the claim once the pages are counted). When assign_pages
    /// refuses, the pages go back to the node they came from; a claim redeemed in the heap section stays redeemed.
    /// </summary>
    private static (Outcome, SpecState) AllocateForDomain(
        Profile profile, SpecState s, Caller caller, int domid, int order, int node, bool extra)
    {
        var request = ExtentPages(order);
        if (request == 0 || !NodeOk(s, node))
        {
            return Rules.Hit(Rules.AllocBadOrderOrNode, (Errno.EINVAL, s));
        }

        if (s.Live(domid) is not { } d)
        {
            return Rules.Hit(Rules.AllocUnknownDomain, (Errno.ESRCH, s));
        }

        if (!caller.MayActOn(domid) || (extra && !caller.IsPrivileged))
        {
            return Rules.Hit(Rules.AllocNotPermitted, (Errno.EPERM, s));
        }

        if (extra && profile.ExtraPages == ExtraPagesMode.Refused)
        {
            return Rules.Hit(Rules.AllocExtraRefused, (Errno.ENOMEM, s));
        }

        if (profile.OneCriticalSectionPerOperation)
        {
            // The reference allocates in one section and runs assign_pages' refusals before taking any page.
            if (d.State != DomainState.Alive)
            {
                return Rules.Hit(Rules.AllocAssignFirstDying, (Errno.EINVAL, s));
            }

            if (!extra && profile.AssignPagesRefusesTotAboveMax && DomainTot(profile, d) > d.Max)
            {
                return Rules.Hit(Rules.AllocAssignFirstTotAboveMax, (Errno.EPERM, s));
            }

            if (!extra && DomainTot(profile, d) + request > d.Max)
            {
                return Rules.Hit(Rules.AllocAssignFirstOverMax, (Errno.E2BIG, s));
            }
        }

        var (rc, next, at) = TakeFromHeap(profile, s, d, request, extra, node);
        if (rc != Errno.Ok)
        {
            return Rules.Hit(Rules.AllocHeapRefused, (rc, s));
        }

        if (!extra && profile.ConsumeClaimAt == ClaimConsumption.InHeapAllocation)
        {
            next = Redeem(next, domid, at, request);
        }

        // assign_pages.
        d = next.Domains[domid];
        if (d.State != DomainState.Alive)
        {
            return Rules.Hit(Rules.AllocAssignDying, (Errno.EINVAL, next with { Free = next.Free.Add(at, request) }));
        }

        if (extra)
        {
            next = next.With(d with
            {
                Extra = d.Extra + request,
                Tot = profile.TotIncludesExtraPages ? d.Tot + request : d.Tot,
                Pages = d.Pages.Add(at, request),
            });
            if (profile.ExtraPages == ExtraPagesMode.CountedConsumesClaim)
            {
                next = Redeem(next, domid, at, request); // c793d13944: through domain_adjust_tot_pages(+n).
            }

            return Rules.Hit(Rules.AllocExtraAssigned, (Outcome.Ok(request), next));
        }

        if (profile.AssignPagesRefusesTotAboveMax && DomainTot(profile, d) > d.Max)
        {
            return Rules.Hit(Rules.AllocAssignTotAboveMax, (Errno.EPERM, next with { Free = next.Free.Add(at, request) })); // 143501861d: "inconsistent".
        }

        if (DomainTot(profile, d) + request > d.Max)
        {
            return Rules.Hit(Rules.AllocAssignOverMax, (Errno.E2BIG, next with { Free = next.Free.Add(at, request) }));
        }

        next = next.With(d with { Tot = d.Tot + request, Pages = d.Pages.Add(at, request) });
        if (profile.ConsumeClaimAt == ClaimConsumption.InAssignPages)
        {
            next = Redeem(next, domid, at, request);
        }

        return Rules.Hit(Rules.AllocAssigned, (Outcome.Ok(request), next));
    }

    private static (Outcome, SpecState) XenHeapAlloc(Profile profile, SpecState s, AllocXenHeap op)
    {
        var request = ExtentPages(op.Order);
        if (request == 0 || !NodeOk(s, op.Node))
        {
            return Rules.Hit(Rules.XenAllocBadOrderOrNode, (Errno.EINVAL, s));
        }

        if (op.Caller.Kind != CallerKind.Xen)
        {
            return Rules.Hit(Rules.XenAllocNotXen, (Errno.EPERM, s));
        }

        var (rc, next, at) = TakeFromHeap(profile, s, owner: null, request, noRefcount: true, op.Node);
        return rc != Errno.Ok
            ? Rules.Hit(Rules.XenAllocHeapRefused, ((Outcome)rc, s))
            : Rules.Hit(Rules.XenAllocAllocated, (Outcome.Ok(request), next with { XenHeap = next.XenHeap.Add(at, request) }));
    }

    private static (Outcome, SpecState) XenHeapFree(SpecState s, FreeXenHeap op)
    {
        if (op.Caller.Kind != CallerKind.Xen)
        {
            return Rules.Hit(Rules.XenFreeNotXen, (Errno.EPERM, s));
        }

        if (op.Pages <= 0 || op.Pages > s.XenHeap.Sum)
        {
            return Rules.Hit(Rules.XenFreeBadCount, (Errno.EINVAL, s));
        }

        var (left, freed) = s.XenHeap.TakeHighestFirst(op.Pages);
        return Rules.Hit(Rules.XenFreeFreed, (Outcome.Ok(op.Pages), s with { XenHeap = left, Free = s.Free.Plus(freed) }));
    }

    // ---- giving pages up -----------------------------------------------------------------------------------------

    private static (Outcome, SpecState) Decrease(Profile profile, SpecState s, DecreaseReservation op)
    {
        var pages = ExtentPages(op.Order);
        if (pages == 0)
        {
            return Rules.Hit(Rules.DecreaseBadOrder, (Errno.EINVAL, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.DecreaseUnknownDomain, (Errno.ESRCH, s));
        }

        if (!op.Caller.MayActOn(op.DomId))
        {
            return Rules.Hit(Rules.DecreaseNotPermitted, (Errno.EPERM, s));
        }

        // Only an alive domain balloons, and only refcounted pages that are not its tmem persistent pages.
        if (!d.IsAlive || pages > DomainTot(profile, d) - d.TmemPersistent)
        {
            return Rules.Hit(Rules.DecreaseDyingOrTooFewPages, (Errno.EINVAL, s));
        }

        var next = s.With(d with { Tot = d.Tot - pages });
        (next, var freed) = TakeDomainPages(next, op.DomId, pages);
        next = Regrow(profile, next, op.DomId, pages);
        return Rules.Hit(Rules.DecreaseFreed, (Outcome.Ok(pages), next with { Free = next.Free.Plus(freed) }));
    }

    private static (Outcome, SpecState) Share(Profile profile, SpecState s, SharePage op)
    {
        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.ShareUnknownDomain, (Errno.ESRCH, s));
        }

        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.ShareNotPrivileged, (Errno.EPERM, s));
        }

        if (!d.IsAlive || DomainTot(profile, d) - d.TmemPersistent < 1)
        {
            return Rules.Hit(Rules.ShareDyingOrNoPage, (Errno.EINVAL, s));
        }

        // The page moves to the shared owner: tot_pages drops, but nothing reaches the heap.
        var next = s.With(d with { Tot = d.Tot - 1 });
        (next, _) = TakeDomainPages(next, op.DomId, 1);
        next = Regrow(profile, next, op.DomId, 1);
        return Rules.Hit(Rules.ShareShared, (Outcome.Ok(1), next with { Shared = next.Shared + 1 }));
    }

    private static (Outcome, SpecState) Offline(Profile profile, SpecState s, OfflinePage op)
    {
        if (op.Node < 0 || op.Node >= s.NodeCount)
        {
            return Rules.Hit(Rules.OfflineBadNode, (Errno.EINVAL, s));
        }

        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.OfflineNotPrivileged, (Errno.EPERM, s));
        }

        if (s.Free[op.Node] < 1)
        {
            return Rules.Hit(Rules.OfflineNoFreePage, (Errno.EBUSY, s));
        }

        var unbacks = s.TotalFree - 1 < s.Outstanding || s.Free[op.Node] - 1 < s.NodeOutstanding[op.Node];
        if (profile.OfflineKeepsClaimsBacked && unbacks)
        {
            return Rules.Hit(Rules.OfflineWouldUnbackClaims, (Errno.EBUSY, s));
        }

        return Rules.Hit(Rules.OfflineOfflined, (Outcome.Ok(1), s with { Free = s.Free.Add(op.Node, -1), Offlined = s.Offlined + 1 }));
    }

    // ---- tmem ----------------------------------------------------------------------------------------------------

    private static Errno TmemGate(Profile profile, SpecState s, Caller caller, int domid) =>
        !profile.Tmem ? Errno.EOPNOTSUPP
        : s.Live(domid) is null ? Errno.ESRCH
        : !caller.MayActOn(domid) ? Errno.EPERM
        : Errno.Ok;

    private static (Outcome, SpecState) Put(Profile profile, SpecState s, TmemPut op)
    {
        var gate = TmemGate(profile, s, op.Caller, op.DomId);
        if (gate != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemPutRefused, (gate, s));
        }

        if (op.Pool == TmemPool.Persistent)
        {
            // An owned, refcounted order-0 allocation (MEMF_tmem): exactly a populate, then counted as tmem's.
            var (populated, next) = AllocateForDomain(profile, s, op.Caller, op.DomId, 0, Operation.AnyNode, extra: false);
            if (!populated.IsOk)
            {
                return Rules.Hit(Rules.TmemPutPersistentPopulateRefused, (populated, next));
            }

            var owner = next.Domains[op.DomId];
            return Rules.Hit(Rules.TmemPutPersistent, (Outcome.Ok(1), next.With(owner with { TmemPersistent = owner.TmemPersistent + 1 })));
        }

        var d = s.Domains[op.DomId];
        if (!d.IsAlive)
        {
            return Rules.Hit(Rules.TmemPutEphemeralDying, (Errno.EINVAL, s));
        }

        // An anonymous allocation (d == NULL): it never gets claimed memory.
        var (rc, after, at) = TakeFromHeap(profile, s, owner: null, 1, noRefcount: true, Operation.AnyNode);
        if (rc != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemPutEphemeralHeapRefused, (rc, s));
        }

        d = after.Domains[op.DomId];
        return Rules.Hit(Rules.TmemPutEphemeral, (Outcome.Ok(1), after.With(d with { TmemEphemeral = d.TmemEphemeral.Add(at, 1) })));
    }

    private static (Outcome, SpecState) Flush(Profile profile, SpecState s, TmemFlush op)
    {
        var gate = TmemGate(profile, s, op.Caller, op.DomId);
        if (gate != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemFlushRefused, (gate, s));
        }

        var d = s.Domains[op.DomId];
        if (op.Pool == TmemPool.Persistent)
        {
            if (d.TmemPersistent < 1 || !d.IsAlive)
            {
                return Rules.Hit(Rules.TmemFlushPersistentNone, (Errno.EINVAL, s));
            }

            // free_domheap_pages of an owned page: tot_pages drops (maybe regrowing the claim), the page is free.
            var next = s.With(d with { TmemPersistent = d.TmemPersistent - 1, Tot = d.Tot - 1 });
            (next, var freed) = TakeDomainPages(next, op.DomId, 1);
            next = Regrow(profile, next, op.DomId, 1);
            return Rules.Hit(Rules.TmemFlushPersistent, (Outcome.Ok(1), next with { Free = next.Free.Plus(freed) }));
        }

        var node = d.TmemEphemeral.FirstNonZero;
        if (node < 0)
        {
            return Rules.Hit(Rules.TmemFlushEphemeralNone, (Errno.EINVAL, s));
        }

        return Rules.Hit(Rules.TmemFlushEphemeral, (Outcome.Ok(1), s.With(d with { TmemEphemeral = d.TmemEphemeral.Add(node, -1) }) with
        {
            Free = s.Free.Add(node, 1),
        }));
    }
}
