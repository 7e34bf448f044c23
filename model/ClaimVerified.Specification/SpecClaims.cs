// The specification of claims: XENMEM_claim_pages and XEN_DOMCTL_claim_memory (claim sets).
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
    /// <summary>XENMEM_claim_pages: the wrapper's checks, in Xen's order, then <see cref="SetOutstandingPages"/>.</summary>
    private static (Outcome, SpecState) Claim(Profile profile, SpecState s, ClaimPages op)
    {
        if (!profile.ClaimsSupported)
        {
            return Rules.Hit(Rules.ClaimUnsupported, (Errno.ENOSYS, s));
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

        if (d.State != DomainState.Alive && profile.RefuseClaimOnDying == DyingClaimCheck.UnlockedWrapper)
        {
            return Rules.Hit(Rules.ClaimDyingUnlocked, (Errno.EINVAL, s));
        }

        return SetOutstandingPages(profile, s, d, op);
    }

    /// <summary>
    /// domain_set_outstanding_pages under page_alloc_lock and heap_lock: a zero target releases the claim; otherwise
    /// the checks in Xen's order, then the claim is the target less domain_tot_pages.
    /// </summary>
    private static (Outcome, SpecState) SetOutstandingPages(Profile profile, SpecState s, SpecDomain d, ClaimPages op)
    {
        if (op.Pages == 0)
        {
            return Rules.Hit(Rules.ClaimReleased, (Outcome.Ok(), ReleaseClaim(s, d)));
        }

        if (d.State != DomainState.Alive && profile.RefuseClaimOnDying == DyingClaimCheck.UnderLocks)
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

        if (ReadEntries(s, op) is not { } set)
        {
            return Rules.Hit(Rules.ClaimSetBadEntry, (Errno.EINVAL, s));
        }

        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.ClaimSetNotPrivileged, (Errno.EPERM, s));
        }

        if (s.Live(op.DomId) is not { IsAlive: true } d)
        {
            return Rules.Hit(Rules.ClaimSetNoAliveDomain, (Errno.ESRCH, s));
        }

        return InstallClaimSet(profile, s, d, set.Global + set.NodeClaims.Sum, set.NodeClaims);
    }

    /// <summary>
    /// The set's entries as a global claim and node claims, or null when one has a bad size or an unknown target, or
    /// names a target twice.
    /// </summary>
    private static (long Global, NodeVector NodeClaims)? ReadEntries(SpecState s, ClaimMemory op)
    {
        var perNode = new long[s.NodeCount];
        var seen = new HashSet<int>();
        long global = 0;
        foreach (var entry in op.Entries)
        {
            var targetOk = entry.Target == ClaimEntry.Global || (entry.Target >= 0 && entry.Target < s.NodeCount);
            if (entry.Pages < 0 || entry.Pages > s.Config.TotalPages || !targetOk || !seen.Add(entry.Target))
            {
                return null;
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

        return (global, NodeVector.Of(perNode));
    }

    /// <summary>
    /// A valid set of <paramref name="total"/> pages for an alive domain: all zero releases; otherwise it must fit
    /// max_pages, each node's free pages and the host's, and then replaces the domain's claims atomically.
    /// </summary>
    private static (Outcome, SpecState) InstallClaimSet(Profile profile, SpecState s, SpecDomain d, long total, NodeVector nodeClaims)
    {
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
