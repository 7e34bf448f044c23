// The packed engine's accounting rules on a row: tot, free, claim release, redemption, regrowth, frees.

namespace ClaimVerified.Model.Exhaustive;

public sealed partial class PackedSpec
{
    private int DomainTot(ReadOnlySpan<int> row, int at) =>
        profile.TotIncludesExtraPages ? row[at + PackedLayout.DomTot] - row[at + PackedLayout.DomExtra] : row[at + PackedLayout.DomTot];

    private long TotalFree(ReadOnlySpan<int> row) => layout.Sum(row, layout.Free);

    /// <summary>tmem_freeable_pages(): every ephemeral pool and tmem's free list.</summary>
    private long TmemFreeable(ReadOnlySpan<int> row)
    {
        var sum = layout.Sum(row, layout.TmemFreeList);
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
        var redeem = Math.Min(row[at + PackedLayout.DomClaim], pages);
        if (redeem != 0)
        {
            ShrinkClaim(row, at, node, redeem);
        }
    }

    /// <summary>
    /// The claim gives back <paramref name="pages"/> (at most the claim): first from <paramref name="node"/>'s claim
    /// (no node's when it is -1), then the global claim, then the nodes' claims, lowest first; the host's counters with
    /// it. A claim shrunk to zero is no longer soft.
    /// </summary>
    private void ShrinkClaim(Span<int> row, int at, int node, int pages)
    {
        var claim = row[at + PackedLayout.DomClaim];
        var global = GlobalClaim(row, at);
        var fromNode = 0;
        if (node >= 0)
        {
            fromNode = Math.Min(row[at + PackedLayout.DomNodeClaims + node], pages);
            row[at + PackedLayout.DomNodeClaims + node] -= fromNode;
            row[layout.NodeOutstanding + node] -= fromNode;
        }

        TakeNodeClaimsLowestFirst(row, at, pages - fromNode - Math.Min(global, pages - fromNode));
        row[at + PackedLayout.DomClaim] = claim - pages;
        row[layout.Outstanding] -= pages;
        if (claim - pages == 0)
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
}
