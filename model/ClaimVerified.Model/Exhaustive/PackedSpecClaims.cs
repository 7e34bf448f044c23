// The packed engine's claims: XENMEM_claim_pages and XEN_DOMCTL_claim_memory (claim sets).
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
    [Follows(Rules.ClaimUnsupported, Rules.ClaimLlcColouring, Rules.ClaimBadArguments, Rules.ClaimUnknownDomain,
        Rules.ClaimNotPrivileged, Rules.ClaimDyingUnlocked, Rules.ClaimReleased, Rules.ClaimDyingUnderLocks,
        Rules.ClaimAlreadyClaimed, Rules.ClaimTargetOutOfRange, Rules.ClaimExceedsUnclaimed, Rules.ClaimStaked)]
    private PackedStepResult Claim(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0 || (!Alive(row, at) && profile.RefuseClaimOnDying == DyingClaimCheck.UnlockedWrapper))
        {
            return PackedStepResult.Unchanged;
        }

        return SetOutstandingPages(row, at, op.Pages, op.Soft);
    }

    /// <summary>domain_set_outstanding_pages, for XENMEM_claim_pages and for a claim set's lone LEGACY entry.</summary>
    private PackedStepResult SetOutstandingPages(Span<int> row, int at, int pages, bool soft)
    {
        if (pages == 0)
        {
            ReleaseClaim(row, at);
            return PackedStepResult.Ok;
        }

        var claim = row[at + PackedLayout.DomClaim];
        if ((!Alive(row, at) && profile.RefuseClaimOnDying == DyingClaimCheck.UnderLocks) || (claim != 0 && !profile.SecondClaimReplaces))
        {
            return PackedStepResult.Unchanged;
        }

        var tot = DomainTot(row, at);
        if (pages <= tot || pages > row[at + PackedLayout.DomMax])
        {
            return PackedStepResult.Unchanged;
        }

        long wanted = pages - tot;
        var capacity = TotalFree(row) + (profile.ClaimCountsTmemFreeable || soft ? TmemFreeable(row) : 0);
        if (wanted > Unclaimed(capacity - (row[layout.Outstanding] - claim)))
        {
            return PackedStepResult.Unchanged;
        }

        ReleaseClaim(row, at);
        row[at + PackedLayout.DomClaim] = (int)wanted;
        row[at + PackedLayout.DomSoft] = soft ? 1 : 0;
        row[layout.Outstanding] += (int)wanted;
        return PackedStepResult.Ok;
    }

    [Follows(Rules.ClaimSetUnknownDomain, Rules.ClaimSetNotPrivileged, Rules.ClaimSetUnsupported, Rules.ClaimSetLlcColouring,
        Rules.ClaimSetEmpty, Rules.ClaimSetTooManyEntries, Rules.ClaimSetDying, Rules.ClaimSetLegacy)]
    private PackedStepResult ClaimSetLegacy(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        return at < 0 || !Alive(row, at) ? PackedStepResult.Unchanged : SetOutstandingPages(row, at, op.Pages, soft: false);
    }

    [Follows(Rules.ClaimSetNegativePages, Rules.ClaimSetSecondGlobal, Rules.ClaimSetUnknownNode, Rules.ClaimSetDuplicateNode,
        Rules.ClaimSetExceedsNodeFree, Rules.ClaimSetOverMaxPages, Rules.ClaimSetExceedsHostFree, Rules.ClaimSetReleased,
        Rules.ClaimSetInstalled)]
    private PackedStepResult ClaimSet(Span<int> row, in PackedOp op)
    {
        var at = Target(row, in op);
        if (at < 0 || !Alive(row, at))
        {
            return PackedStepResult.Unchanged;
        }

        // Every refusal leaves the row as it was, so v7's order among them (each entry's node check, then max_pages,
        // then the host) only decides the error number, which is the record form's business.
        var set = op.NodePages!;
        for (var node = 0; node < nodes; node++)
        {
            var unclaimed = Unclaimed((long)row[layout.Free + node] - row[layout.NodeOutstanding + node]);
            if (set[node] > unclaimed + row[at + PackedLayout.DomNodeClaims + node])
            {
                return PackedStepResult.Unchanged;
            }
        }

        long total = op.Pages + set.Sum();
        long max = row[at + PackedLayout.DomMax];
        if (total > max - DomainTot(row, at)
            || total > Unclaimed(TotalFree(row) - row[layout.Outstanding]) + row[at + PackedLayout.DomClaim])
        {
            return PackedStepResult.Unchanged;
        }

        ReleaseClaim(row, at);
        row[at + PackedLayout.DomClaim] = (int)total;
        row[layout.Outstanding] += (int)total;
        for (var node = 0; node < nodes; node++)
        {
            row[at + PackedLayout.DomNodeClaims + node] = set[node];
            row[layout.NodeOutstanding + node] += set[node];
        }

        return PackedStepResult.Ok;
    }

    /// <summary>Free pages less claims, in the profile's arithmetic: unsigned (a negative difference wraps) or not below zero.</summary>
    private long Unclaimed(long difference) =>
        difference >= 0 ? difference : profile.ClaimAvailWraps ? int.MaxValue : 0;
}
