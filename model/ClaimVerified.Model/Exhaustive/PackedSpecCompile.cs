// The packed engine's operations decoded once: the profile's flags, the operation kinds, and Compile.
using Microsoft.Coyote.Rewriting;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
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
        public readonly bool GuestNodeRequestsFiltered = p.GuestNodeRequestsFiltered;
        public readonly NodeAffinityDomctl NodeAffinity = p.NodeAffinity;
        public readonly bool TotIncludesExtraPages = p.TotIncludesExtraPages;
        public readonly bool AllocCheckCountsTmemFreeable = p.AllocCheckCountsTmemFreeable;
        public readonly bool NoRefcountMayUseClaims = p.NoRefcountMayUseClaims;
        public readonly bool AllocMayCombineClaimAndUnclaimed = p.AllocMayCombineClaimAndUnclaimed;
        public readonly bool Tmem = p.Tmem;
        public readonly bool TmemPrivateFreeList = p.TmemPrivateFreeList;
        public readonly ExtraPagesMode ExtraPages = p.ExtraPages;
        public readonly bool AllocatesInOneSection = p.AllocatesInOneSection;
        public readonly bool AssignPagesRefusesTotAboveMax = p.AssignPagesRefusesTotAboveMax;
        public readonly ClaimConsumption ConsumeClaimAt = p.ConsumeClaimAt;
        public readonly bool FreesRegrowClaim = p.FreesRegrowClaim;
        public readonly bool MaxPagesTrimsClaim = p.MaxPagesTrimsClaim;
        public readonly bool OfflineKeepsClaimsBacked = p.OfflineKeepsClaimsBacked;
        public readonly bool OfflineRecallsClaims = p.OfflineRecallsClaims;
        public readonly bool MaxMemTruncates = p.MaxMemTruncates;
    }

    private enum OpKind : byte
    {
        Query,
        Create,
        SetMax,
        Claim,
        ClaimSet,
        ClaimSetLegacy,
        Populate,
        Extra,
        XenHeapAlloc,
        XenHeapFree,
        Decrease,
        Share,
        Offline,
        TmemPut,
        TmemFlush,
        TmemFlushAll,
        Kill,
        KillStep,
        Destroy,
        NodeAffinity,
        Unpause,
    }

    /// <summary>
    /// An operation decoded once: its kind, its domain, its size in pages (or its max_pages), its node, and
    /// <see cref="Refused"/> when checks that depend only on the operation, the profile and the host's shape refuse it
    /// whatever the state (the caller's privilege, a bad size or node, a mechanism the profile lacks). Refusals change
    /// nothing, so which of them the specification reports first does not matter here.
    /// </summary>
    [SkipRewriting(SequentialOnly.Reason)]
    private readonly record struct PackedOp(OpKind Kind, int DomId, int Pages, int Node, bool Soft, TmemPool Pool, bool Refused, int[]? NodePages)
    {
        /// <summary>An allocation's named node is the only one it may use (MEMF_exact_node).</summary>
        public bool Exact { get; init; }
    }

    private PackedOp Compile(Operation operation)
    {
        static int Pages(long pages) => pages is >= int.MinValue and <= int.MaxValue ? (int)pages : -1;

        // max_pages as the row keeps it: no upper limit; 32 bits wide, so a larger request keeps its low 32 bits
        // (before 017e667c43) or saturates; a stored value too large for an int (beyond every bound a row can hold)
        // becomes the sentinel PackedLayout.AboveEveryBound, which compares above every count of the bound.
        int MaxPages(long requested) => requested < 0 ? -1
            : PackedLayout.FitMax(requested <= uint.MaxValue ? requested : profile.MaxMemTruncates ? requested & uint.MaxValue : uint.MaxValue);
        var nodeOk = (int node) => node == Operation.AnyNode || (node >= 0 && node < nodes);
        var refusedWithLlc = llcColouring && profile.ClaimsRefusedWithLlcColouring;
        switch (operation)
        {
            case CreateDomain op:
                return new(OpKind.Create, 0, MaxPages(op.MaxPages), 0, false, default, !op.Caller.IsPrivileged || op.MaxPages < 0, null);
            case SetNodeAffinity op:
            {
                // Every refusal depends on the operation alone (the domain's existence aside): EPERM, ENOSYS, EINVAL.
                var host = SpecDomain.AllNodes(nodes);
                var refused = !op.Caller.IsPrivileged || profile.NodeAffinity == NodeAffinityDomctl.None
                    || (profile.NodeAffinity == NodeAffinityDomctl.RefusesEmpty ? op.Nodes == 0 : (op.Nodes & host) == 0);
                var affinity = op.Nodes == ulong.MaxValue ? host : op.Nodes & host;
                return new(OpKind.NodeAffinity, op.DomId, (int)affinity, 0, false, default, refused, null);
            }

            case Unpause op:
                return new(OpKind.Unpause, op.DomId, 0, 0, false, default, !op.Caller.IsPrivileged, null);
            case SetMaxPages op:
                return new(OpKind.SetMax, op.DomId, MaxPages(op.MaxPages), 0, false, default, !op.Caller.IsPrivileged || op.MaxPages < 0, null);
            case ClaimPages op:
                return new(OpKind.Claim, op.DomId, Pages(op.Pages), 0, op.Soft, default,
                    !profile.ClaimsSupported || refusedWithLlc || op.Pages < 0 || op.Pages > int.MaxValue
                    || (op.Soft && !profile.SoftClaims) || !op.Caller.IsPrivileged, null);
            case ClaimMemory op:
                return CompileClaimSet(op, refusedWithLlc);
            case Populate op:
            {
                // GuestNodeRequestsFiltered (2fece35303): a guest's node is ignored, its exact request refused.
                var guestNode = op.Node != Operation.AnyNode && profile.GuestNodeRequestsFiltered && !op.Caller.IsPrivileged;
                var node = guestNode ? Operation.AnyNode : op.Node;
                return new(OpKind.Populate, op.DomId, (int)Spec.ExtentPages(op.Order), node, false, default,
                    (guestNode && op.Exact) || Spec.ExtentPages(op.Order) == 0 || !nodeOk(node) || !op.Caller.MayActOn(op.DomId), null)
                    { Exact = op.Exact && !guestNode };
            }

            case AllocExtraPages op:
                return new(OpKind.Extra, op.DomId, (int)Spec.ExtentPages(op.Order), op.Node, false, default,
                    Spec.ExtentPages(op.Order) == 0 || !nodeOk(op.Node) || !op.Caller.IsPrivileged
                    || profile.ExtraPages == ExtraPagesMode.Refused, null) { Exact = op.Exact };
            case AllocXenHeap op:
                return new(OpKind.XenHeapAlloc, 0, (int)Spec.ExtentPages(op.Order), op.Node, false, default,
                    Spec.ExtentPages(op.Order) == 0 || !nodeOk(op.Node) || op.Caller.Kind != CallerKind.Xen, null) { Exact = op.Exact };
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
            case TmemFlushAll op:
                // Refused whatever the state: no private list, an unprivileged caller, a count out of range.
                return new(OpKind.TmemFlushAll, 0, Pages(op.Pages), 0, false, default,
                    !profile.TmemPrivateFreeList || !op.Caller.IsPrivileged || op.Pages is < 0 or > Host.MaxTmemFlushPages, null);
            case DomainKill op:
                return new(OpKind.Kill, op.DomId, 0, 0, false, default, !op.Caller.IsPrivileged, null);
            case KillContinuation op:
                return new(OpKind.KillStep, op.DomId, 0, 0, false, default, !op.Caller.IsPrivileged, null);
            case DestroyDomain op:
                return new(OpKind.Destroy, op.DomId, 0, 0, false, default, !op.Caller.IsPrivileged, null);
            case Specification.PhysInfo or GetDomainInfo:
                return new(OpKind.Query, 0, 0, 0, false, default, true, null);
            default:
                throw new ArgumentException($"the packed engine has no form for {operation.GetType().Name}", nameof(operation));
        }
    }

    /// <summary>
    /// claimset's refusals that depend only on the operation, the profile and the host's shape (the caller, the
    /// proposal, LLC colouring, the set's length, each entry's size and target); a lone LEGACY entry becomes
    /// domain_set_outstanding_pages. The state's checks (the domain, dying, node and host capacity, max_pages) run at
    /// the step. Entry sizes beyond an int cannot be held in a row: refused, as no bound comes near them.
    /// </summary>
    private PackedOp CompileClaimSet(ClaimMemory op, bool refusedWithLlc)
    {
        var entries = op.Entries.IsDefault ? [] : op.Entries;
        var refused = !op.Caller.IsPrivileged || !profile.NodeClaims || refusedWithLlc || entries.Length == 0
            || entries.Length > ClaimEntry.MaxEntries || entries.Any(e => e.Pages is < 0 or > int.MaxValue);
        if (entries is [{ Target: ClaimEntry.Legacy } legacy])
        {
            return new PackedOp(OpKind.ClaimSetLegacy, op.DomId, refused ? 0 : (int)legacy.Pages, 0, false, default, refused, null);
        }

        var perNode = new int[nodes];
        var seen = new HashSet<int>();
        var global = 0;
        foreach (var entry in refused ? [] : entries)
        {
            var target = entry.Target;
            refused |= !seen.Add(target) || (target != ClaimEntry.Global && (target < 0 || target >= nodes));
            if (refused)
            {
                break;
            }

            if (target == ClaimEntry.Global)
            {
                global = (int)entry.Pages;
            }
            else
            {
                perNode[target] = (int)entry.Pages;
            }
        }

        return new PackedOp(OpKind.ClaimSet, op.DomId, global, 0, false, default, refused, perNode);
    }
}
