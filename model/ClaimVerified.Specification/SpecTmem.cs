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
            var (populated, next) = AllocateForDomain(profile, s, op.Caller, op.DomId, 0, new(Operation.AnyNode, false), extra: false);
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

        // tmh_alloc_page (4.3) / __tmem_alloc_page (4.6): tmem's free list first, the heap only when it is empty.
        var listNode = s.TmemFreeList.FirstNonZero;
        if (profile.TmemPrivateFreeList && listNode >= 0)
        {
            var taken = s.With(d with { TmemEphemeral = d.TmemEphemeral.Add(listNode, 1) }) with { TmemFreeList = s.TmemFreeList.Add(listNode, -1) };
            return Rules.Hit(Rules.TmemPutEphemeralFromFreeList, (Outcome.Ok(1), taken));
        }

        // An anonymous allocation (d == NULL): it never gets claimed memory.
        var (rc, after, at) = TakeFromHeap(profile, s, owner: null, 1, noRefcount: true, new(Operation.AnyNode, false));
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

        var flushed = s.With(d with { TmemEphemeral = d.TmemEphemeral.Add(node, -1) });
        return profile.TmemPrivateFreeList
            ? Rules.Hit(Rules.TmemFlushEphemeralToFreeList, (Outcome.Ok(1), flushed with { TmemFreeList = s.TmemFreeList.Add(node, 1) }))
            : Rules.Hit(Rules.TmemFlushEphemeral, (Outcome.Ok(1), flushed with { Free = s.Free.Add(node, 1) }));
    }

    /// <summary>
    /// TMEMC_FLUSH / XEN_SYSCTL_TMEM_OP_FLUSH: refused without the private list (EOPNOTSUPP) or for an unprivileged
    /// caller (EPERM); a count outside 0 .. Host.MaxTmemFlushPages is EINVAL. Otherwise evict until the list holds the
    /// count or nothing is left, then free the whole list; the result is the pages freed.
    /// </summary>
    private static (Outcome, SpecState) FlushAll(Profile profile, SpecState s, TmemFlushAll op)
    {
        var refused = !profile.TmemPrivateFreeList ? Errno.EOPNOTSUPP : !op.Caller.IsPrivileged ? Errno.EPERM : Errno.Ok;
        if (refused != Errno.Ok)
        {
            return Rules.Hit(Rules.TmemFlushAllRefused, (refused, s));
        }

        if (op.Pages is < 0 or > Host.MaxTmemFlushPages)
        {
            return Rules.Hit(Rules.TmemFlushAllBadPages, (Errno.EINVAL, s));
        }

        while (s.TmemFreeList.Sum < op.Pages && Evict(s) is { } evicted)
        {
            s = evicted.Next;
        }

        var freed = s.TmemFreeList.Sum;
        var flushed = s with { Free = s.Free.Plus(s.TmemFreeList), TmemFreeList = NodeVector.Zero(s.NodeCount) };
        return Rules.Hit(Rules.TmemFlushAllFlushed, (Outcome.Ok(freed), flushed));
    }

    /// <summary>
    /// tmem_evict: one ephemeral page (the lowest domid's, lowest node: the model's stand-in for tmem's LRU) moves to
    /// tmem's free list. Null when no pool holds an ephemeral page.
    /// </summary>
    private static (SpecState Next, int Node)? Evict(SpecState s)
    {
        var victim = s.Domains.Values.FirstOrDefault(d => !d.TmemEphemeral.IsZero);
        if (victim is null)
        {
            return null;
        }

        var node = victim.TmemEphemeral.FirstNonZero;
        var next = s.With(victim with { TmemEphemeral = victim.TmemEphemeral.Add(node, -1) });
        return (next with { TmemFreeList = s.TmemFreeList.Add(node, 1) }, node);
    }

    /// <summary>
    /// tmem_relinquish_pages behind the scarcity gate: nothing above order 0; for order 0 the free list's page (lowest
    /// node), or else an evicted ephemeral page, handed to the requester without passing the heap's counters.
    /// </summary>
    private static (SpecState Next, int Node)? Relinquish(SpecState s, long request)
    {
        if (request != 1)
        {
            return null;
        }

        var listed = s.TmemFreeList.FirstNonZero >= 0 ? s : Evict(s)?.Next;
        if (listed is null)
        {
            return null;
        }

        var node = listed.TmemFreeList.FirstNonZero;
        return (listed with { TmemFreeList = listed.TmemFreeList.Add(node, -1) }, node);
    }
}
