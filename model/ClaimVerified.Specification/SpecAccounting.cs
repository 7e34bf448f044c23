// The specification's accounting rules: domain_tot_pages, extents, claim release, redemption and regrowth, frees.
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
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
        return redeem == 0 ? s : ShrinkClaim(s, d, node, redeem);
    }

    /// <summary>
    /// The claim of <paramref name="d"/> gives back <paramref name="pages"/> (at most its claim): first from
    /// <paramref name="node"/>'s claim (no node's when it is -1), then the global claim, then the nodes' claims, lowest
    /// first; the host's outstanding counters with it. A claim shrunk to zero is no longer soft.
    /// </summary>
    private static SpecState ShrinkClaim(SpecState s, SpecDomain d, int node, long pages)
    {
        var nodeClaims = d.NodeClaims;
        var nodeOutstanding = s.NodeOutstanding;
        var fromNode = 0L;
        if (node >= 0)
        {
            fromNode = Math.Min(nodeClaims[node], pages);
            nodeClaims = nodeClaims.Add(node, -fromNode);
            nodeOutstanding = nodeOutstanding.Add(node, -fromNode);
        }

        var rest = pages - fromNode - Math.Min(d.GlobalClaim, pages - fromNode);
        for (var other = 0; other < s.NodeCount && rest > 0; other++)
        {
            var part = Math.Min(nodeClaims[other], rest);
            nodeClaims = nodeClaims.Add(other, -part);
            nodeOutstanding = nodeOutstanding.Add(other, -part);
            rest -= part;
        }

        var claim = d.Claim - pages;
        return s.With(d with { Claim = claim, NodeClaims = nodeClaims, Soft = claim != 0 && d.Soft }) with
        {
            Outstanding = s.Outstanding - pages,
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
}
