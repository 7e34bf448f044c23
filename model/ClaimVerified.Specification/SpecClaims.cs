// The specification of claims: XENMEM_claim_pages and XEN_DOMCTL_claim_memory (claim sets).
using System.Collections.Immutable;
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
        // A replaced claim no longer counts against itself; Xen subtracts in unsigned arithmetic (Unclaimed).
        if (wanted > Unclaimed(profile, capacity - (s.Outstanding - d.Claim)))
        {
            return Rules.Hit(Rules.ClaimExceedsUnclaimed, (Errno.ENOMEM, s));
        }

        var next = ReleaseClaim(s, d);
        d = next.Domains[d.Id];
        next = next.With(d with { Claim = wanted, Soft = op.Soft }) with { Outstanding = next.Outstanding + wanted };
        return Rules.Hit(Rules.ClaimStaked, (Outcome.Ok(), next));
    }

    /// <summary>
    /// XEN_DOMCTL_claim_memory in claim-sets v7's order (bernhardkaindl/xen claims-v7 9557995cda: do_domctl, domctl.c
    /// claim_memory): the domain, XSM, the proposal itself, then the set's shape and the dying check under
    /// domctl_lock; a lone LEGACY entry is XENMEM_claim_pages, any other set is checked and installed.
    /// </summary>
    private static (Outcome, SpecState) ClaimSet(Profile profile, SpecState s, ClaimMemory op)
    {
        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.ClaimSetUnknownDomain, (Errno.ESRCH, s));
        }

        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.ClaimSetNotPrivileged, (Errno.EPERM, s));
        }

        if (!profile.NodeClaims)
        {
            return Rules.Hit(Rules.ClaimSetUnsupported, (Errno.ENOSYS, s));
        }

        if (ClaimSetShapeRule(profile, s, op, d) is { } refused)
        {
            return refused;
        }

        if (op.Entries is [{ Target: ClaimEntry.Legacy } legacy])
        {
            return legacy.Pages < 0
                ? Rules.Hit(Rules.ClaimSetNegativePages, (Errno.EINVAL, s))
                : Rules.Hit(Rules.ClaimSetLegacy, SetOutstandingPages(profile, s, d, new ClaimPages(op.Caller, op.DomId, legacy.Pages)));
        }

        return InstallClaimSet(profile, s, d, op.Entries);
    }

    /// <summary>claim_memory's checks before it reads the entries, or null when they pass.</summary>
    private static (Outcome, SpecState)? ClaimSetShapeRule(Profile profile, SpecState s, ClaimMemory op, SpecDomain d)
    {
        if (s.Config.LlcColouring && profile.ClaimsRefusedWithLlcColouring)
        {
            return Rules.Hit(Rules.ClaimSetLlcColouring, (Errno.EOPNOTSUPP, s));
        }

        return op.Entries.IsDefaultOrEmpty ? Rules.Hit(Rules.ClaimSetEmpty, (Errno.EINVAL, s))
            : op.Entries.Length > ClaimEntry.MaxEntries ? Rules.Hit(Rules.ClaimSetTooManyEntries, (Errno.E2BIG, s))
            : !d.IsAlive ? Rules.Hit(Rules.ClaimSetDying, (Errno.ESRCH, s))
            : null;
    }

    /// <summary>
    /// domain_install_claim_set: each entry in order, then max_pages, then the host's unclaimed pages; then the set
    /// replaces the domain's claims atomically (an all-zero set so releases them).
    /// </summary>
    private static (Outcome, SpecState) InstallClaimSet(Profile profile, SpecState s, SpecDomain d, ImmutableArray<ClaimEntry> entries)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            if (EntryRefusal(profile, s, d, entries[..i], entries[i]) is { } refusal)
            {
                return Rules.Hit(refusal.Rule, (refusal.Errno, s));
            }
        }

        // Subtracting from max_pages, as v7 does, so that no sum can overflow; the node sum saturates (where v7's sum
        // would overflow 64 bits it refuses with EINVAL, and a saturated sum fails the max_pages check with EINVAL).
        var global = entries.Where(e => e.Target == ClaimEntry.Global).Sum(e => e.Pages);
        var nodeSum = entries.Where(e => e.Target >= 0).Aggregate(0L, (sum, e) => SaturatingAdd(sum, e.Pages));
        if (global > d.Max || nodeSum > d.Max - global || DomainTot(profile, d) > d.Max - global - nodeSum)
        {
            return Rules.Hit(Rules.ClaimSetOverMaxPages, (Errno.EINVAL, s));
        }

        var nodeClaims = NodeVector.Of(Enumerable.Range(0, s.NodeCount).Select(n => entries.Where(e => e.Target == n).Sum(e => e.Pages)));
        var total = global + nodeSum;
        if (total > SaturatingAdd(Unclaimed(profile, s.TotalFree - s.Outstanding), d.Claim))
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
        return Rules.Hit(total == 0 ? Rules.ClaimSetReleased : Rules.ClaimSetInstalled, (Outcome.Ok(), next));
    }

    /// <summary>One entry's check, as v7 runs it when it reaches the entry with the entries before it seen.</summary>
    private static (string Rule, Errno Errno)? EntryRefusal(
        Profile profile, SpecState s, SpecDomain d, ImmutableArray<ClaimEntry> before, ClaimEntry entry)
    {
        if (entry.Pages < 0)
        {
            return (Rules.ClaimSetNegativePages, Errno.EINVAL);
        }

        if (entry.Target == ClaimEntry.Global)
        {
            return before.Any(e => e.Target == ClaimEntry.Global) ? (Rules.ClaimSetSecondGlobal, Errno.EINVAL) : null;
        }

        var node = entry.Target;
        return node < 0 || node >= s.NodeCount ? (Rules.ClaimSetUnknownNode, Errno.ENOENT)
            : before.Any(e => e.Target == node) ? (Rules.ClaimSetDuplicateNode, Errno.EINVAL)
            : entry.Pages > SaturatingAdd(Unclaimed(profile, s.Free[node] - s.NodeOutstanding[node]), d.NodeClaims[node])
                ? (Rules.ClaimSetExceedsNodeFree, Errno.ENOMEM)
            : null;
    }

    /// <summary>
    /// Free pages less claims, as v7 computes it: unsigned, so where the profile keeps that arithmetic a negative
    /// difference wraps and lets anything through (v7 asserts it cannot happen); our reference counts it as zero.
    /// </summary>
    private static long Unclaimed(Profile profile, long difference) =>
        difference >= 0 ? difference : profile.ClaimAvailWraps ? long.MaxValue : 0;

    /// <summary>a + b for counts that are never negative, at most long.MaxValue.</summary>
    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
