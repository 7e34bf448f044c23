// The specification of tmem (Xen up to 4.12): persistent and ephemeral puts and flushes.
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
    private static Errno TmemGate(Profile profile, SpecState s, Caller caller, int domid) =>
        !profile.Tmem ? Errno.EOPNOTSUPP
        : s.Live(domid) is null ? Errno.ESRCH
        : !caller.MayActOn(domid) ? Errno.EPERM
        : Errno.Ok;

    private static (Outcome, SpecState) Put(Profile profile, SpecState s, TmemPut op)
    {
        var gate = TmemGate(profile, s, op.Caller, op.DomId);
        if (gate != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemPutRefused, (gate, s));
        }

        if (op.Pool == TmemPool.Persistent)
        {
            // An owned, refcounted order-0 allocation (MEMF_tmem): exactly a populate, then counted as tmem's.
            var (populated, next) = AllocateForDomain(profile, s, op.Caller, op.DomId, 0, Operation.AnyNode, extra: false);
            if (!populated.IsOk)
            {
                return Rules.Hit(Rules.TmemPutPersistentPopulateRefused, (populated, next));
            }

            var owner = next.Domains[op.DomId];
            return Rules.Hit(Rules.TmemPutPersistent, (Outcome.Ok(1), next.With(owner with { TmemPersistent = owner.TmemPersistent + 1 })));
        }

        var d = s.Domains[op.DomId];
        if (!d.IsAlive)
        {
            return Rules.Hit(Rules.TmemPutEphemeralDying, (Errno.EINVAL, s));
        }

        // An anonymous allocation (d == NULL): it never gets claimed memory.
        var (rc, after, at) = TakeFromHeap(profile, s, owner: null, 1, noRefcount: true, Operation.AnyNode);
        if (rc != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemPutEphemeralHeapRefused, (rc, s));
        }

        d = after.Domains[op.DomId];
        return Rules.Hit(Rules.TmemPutEphemeral, (Outcome.Ok(1), after.With(d with { TmemEphemeral = d.TmemEphemeral.Add(at, 1) })));
    }

    private static (Outcome, SpecState) Flush(Profile profile, SpecState s, TmemFlush op)
    {
        var gate = TmemGate(profile, s, op.Caller, op.DomId);
        if (gate != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemFlushRefused, (gate, s));
        }

        var d = s.Domains[op.DomId];
        if (op.Pool == TmemPool.Persistent)
        {
            if (d.TmemPersistent < 1 || !d.IsAlive)
            {
                return Rules.Hit(Rules.TmemFlushPersistentNone, (Errno.EINVAL, s));
            }

            // free_domheap_pages of an owned page: tot_pages drops (maybe regrowing the claim), the page is free.
            var next = s.With(d with { TmemPersistent = d.TmemPersistent - 1, Tot = d.Tot - 1 });
            (next, var freed) = TakeDomainPages(next, op.DomId, 1);
            next = Regrow(profile, next, op.DomId, 1);
            return Rules.Hit(Rules.TmemFlushPersistent, (Outcome.Ok(1), next with { Free = next.Free.Plus(freed) }));
        }

        var node = d.TmemEphemeral.FirstNonZero;
        if (node < 0)
        {
            return Rules.Hit(Rules.TmemFlushEphemeralNone, (Errno.EINVAL, s));
        }

        return Rules.Hit(Rules.TmemFlushEphemeral, (Outcome.Ok(1), s.With(d with { TmemEphemeral = d.TmemEphemeral.Add(node, -1) }) with
        {
            Free = s.Free.Add(node, 1),
        }));
    }
}
