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
}
