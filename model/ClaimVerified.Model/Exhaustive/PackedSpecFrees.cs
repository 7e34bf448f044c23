// The packed engine's frees: decrease_reservation, sharing, offlining.
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
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
        Rules.OfflineOfflined, Rules.OfflineRecalledClaims)]
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
        if (profile.OfflineRecallsClaims && unbacks)
        {
            RecallClaims(row, op.Node);
        }

        return PackedStepResult.Ok;
    }

    /// <summary>reserve_offlined_page's recall (claim-sets): the node's excess, then the host's, domain by domain.</summary>
    private void RecallClaims(Span<int> row, int node)
    {
        for (var domid = 1; domid < row[layout.NextDomId]; domid++)
        {
            var at = Live(row, domid);
            var excess = row[layout.NodeOutstanding + node] - row[layout.Free + node];
            if (at >= 0 && excess > 0 && row[at + PackedLayout.DomNodeClaims + node] > 0)
            {
                ShrinkClaim(row, at, node, Math.Min(excess, row[at + PackedLayout.DomNodeClaims + node]));
            }
        }

        for (var domid = 1; domid < row[layout.NextDomId]; domid++)
        {
            var at = Live(row, domid);
            var excess = (int)(row[layout.Outstanding] - TotalFree(row));
            if (at >= 0 && excess > 0 && GlobalClaim(row, at) > 0)
            {
                ShrinkClaim(row, at, -1, Math.Min(excess, GlobalClaim(row, at)));
            }
        }
    }
}
