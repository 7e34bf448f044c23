// The specification of a domain's life: createdomain, max_mem, domain_kill, destroy.
using ClaimVerified.Profiles;

namespace ClaimVerified.Specification;

public static partial class Spec
{
    /// <summary>
    /// What max_pages becomes for a non-negative request: there is no upper limit (do_domctl, XEN_DOMCTL_max_mem);
    /// max_pages is 32 bits wide, so a larger request keeps its low 32 bits before 017e667c43 and saturates since.
    /// </summary>
    public static long MaxPagesStored(Profile profile, long requested)
    {
        ArgumentNullException.ThrowIfNull(profile);
        const long limit = uint.MaxValue;
        return requested <= limit ? requested : profile.MaxMemTruncates ? requested % (limit + 1) : limit;
    }

    private static (Outcome, SpecState) Create(Profile profile, SpecState s, CreateDomain op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.CreateNotPrivileged, (Errno.EPERM, s));
        }

        if (op.MaxPages < 0)
        {
            return Rules.Hit(Rules.CreateMaxNegative, (Errno.EINVAL, s));
        }

        if (s.NextDomId >= DomIdLimit)
        {
            return Rules.Hit(Rules.CreateDomIdsExhausted, (Errno.ENOMEM, s));
        }

        var zero = NodeVector.Zero(s.NodeCount);
        var d = new SpecDomain(s.NextDomId, DomainState.Alive, Tot: 0, Extra: 0, MaxPagesStored(profile, op.MaxPages), Claim: 0, zero, Soft: false,
            TmemPersistent: 0, Pages: zero, TmemEphemeral: zero);
        return Rules.Hit(Rules.CreateCreated, (Outcome.Ok(d.Id), s.With(d) with { NextDomId = s.NextDomId + 1 }));
    }

    private static (Outcome, SpecState) SetMax(Profile profile, SpecState s, SetMaxPages op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.MaxMemNotPrivileged, (Errno.EPERM, s));
        }

        if (op.MaxPages < 0)
        {
            return Rules.Hit(Rules.MaxMemNegative, (Errno.EINVAL, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.MaxMemUnknownDomain, (Errno.ESRCH, s));
        }

        d = d with { Max = MaxPagesStored(profile, op.MaxPages) };
        var next = s.With(d);
        var excess = DomainTot(profile, d) + d.Claim - d.Max;
        if (profile.MaxPagesTrimsClaim && excess > 0 && d.Claim > 0)
        {
            // Our reference keeps tot + claim <= max_pages: the claim gives back the excess, global part first,
            // then node parts from the lowest node.
            next = ShrinkClaim(s, d, node: -1, Math.Min(excess, d.Claim));
        }

        return Rules.Hit(Rules.MaxMemSet, (Outcome.Ok(), next));
    }

    private static (Outcome, SpecState) Kill(Profile profile, SpecState s, Caller caller, int domid)
    {
        if (!caller.IsPrivileged)
        {
            return Rules.Hit(Rules.KillNotPrivileged, (Errno.EPERM, s));
        }

        if (s.Live(domid) is not { } d)
        {
            return Rules.Hit(Rules.KillUnknownDomain, (Errno.ESRCH, s));
        }

        if (d.State != DomainState.Alive)
        {
            // Already dead (the sequential spec never leaves a domain dying): nothing more happens; in particular a
            // claim staked after the kill's release stays.
            return Rules.Hit(Rules.KillAlreadyDead, (Outcome.Ok(), s));
        }

        // is_dying, then domain_set_outstanding_pages(d, 0), then tmem's pools go: their ephemeral pages to tmem's
        // free list (client_flush -> pool_destroy_objs -> tmem_page_free) or, without one, to the heap.
        s = ReleaseClaim(s, d);
        d = s.Domains[domid];
        s = s.With(d with { State = DomainState.Dying, TmemEphemeral = NodeVector.Zero(s.NodeCount) });
        s = profile.TmemPrivateFreeList
            ? s with { TmemFreeList = s.TmemFreeList.Plus(d.TmemEphemeral) }
            : s with { Free = s.Free.Plus(d.TmemEphemeral) };

        // Relinquish every page (extra pages first; each refcounted chunk would regrow a non-zero claim under
        // FreesRegrowClaim, but the claim is zero now and nobody can stake one inside this step).
        d = s.Domains[domid];
        var refcounted = DomainTot(profile, d);
        s = Regrow(profile, s, domid, refcounted);
        d = s.Domains[domid];
        s = s.With(d with
        {
            State = DomainState.Dead,
            Tot = 0,
            Extra = 0,
            TmemPersistent = 0,
            Pages = NodeVector.Zero(s.NodeCount),
        }) with
        {
            Free = s.Free.Plus(d.Pages),
        };
        return Rules.Hit(Rules.KillKilled, (Outcome.Ok(), s));
    }

    private static (Outcome, SpecState) Destroy(Profile profile, SpecState s, DestroyDomain op)
    {
        var (killed, next) = Kill(profile, s, op.Caller, op.DomId);
        if (!killed.IsOk)
        {
            return Rules.Hit(Rules.DestroyKillRefused, (killed, next));
        }

        // The last reference goes; no claim is released here (Xen never does): a leaked claim stays counted.
        var d = next.Domains[op.DomId];
        return Rules.Hit(Rules.DestroyDestroyed, (Outcome.Ok(), next.With(d with { State = DomainState.Destroyed })));
    }
}
