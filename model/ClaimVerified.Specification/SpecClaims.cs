// The specification of claims: XENMEM_claim_pages and XEN_DOMCTL_claim_memory (claim sets).
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
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
}
