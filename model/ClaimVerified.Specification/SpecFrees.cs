// The specification of pages leaving a domain or the heap: decrease_reservation, sharing, offlining.
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
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

        var next = s with { Free = s.Free.Add(op.Node, -1), Offlined = s.Offlined + 1 };
        return profile.OfflineRecallsClaims && unbacks
            ? Rules.Hit(Rules.OfflineRecalledClaims, (Outcome.Ok(1), RecallClaims(next, op.Node)))
            : Rules.Hit(Rules.OfflineOfflined, (Outcome.Ok(1), next));
    }

    /// <summary>
    /// reserve_offlined_page's recall (claim-sets, bernhardkaindl/xen ebc02ab7b6): the node's excess claims come off
    /// the domains' claims on that node, then the host's excess off their global claims, each domain in domid order
    /// (for_each_domain: destroyed domains are no longer on the list), each giving at most what it has there.
    /// </summary>
    private static SpecState RecallClaims(SpecState s, int node)
    {
        foreach (var domid in s.Domains.Keys.Order())
        {
            var d = s.Domains[domid];
            var excess = s.NodeOutstanding[node] - s.Free[node];
            if (d.State != DomainState.Destroyed && excess > 0 && d.NodeClaims[node] > 0)
            {
                s = ShrinkClaim(s, d, node, Math.Min(excess, d.NodeClaims[node]));
            }
        }

        foreach (var domid in s.Domains.Keys.Order())
        {
            var d = s.Domains[domid];
            var excess = s.Outstanding - s.TotalFree;
            if (d.State != DomainState.Destroyed && excess > 0 && d.GlobalClaim > 0)
            {
                s = ShrinkClaim(s, d, -1, Math.Min(excess, d.GlobalClaim));
            }
        }

        return s;
    }
}
