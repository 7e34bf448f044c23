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
            TmemPersistent: 0, Pages: zero, TmemEphemeral: zero, LastAllocNode: 0, NodeAffinity: SpecDomain.AllNodes(s.NodeCount));
        return Rules.Hit(Rules.CreateCreated, (Outcome.Ok(d.Id), s.With(d) with { NextDomId = s.NextDomId + 1 }));
    }

    /// <summary>XEN_DOMCTL_setnodeaffinity: see Host.SetNodeAffinity; the state keeps the host's nodes of the set.</summary>
    private static (Outcome, SpecState) SetAffinity(Profile profile, SpecState s, SetNodeAffinity op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.NodeAffinityNotPrivileged, ((Outcome)Errno.EPERM, s));
        }

        if (profile.NodeAffinity == NodeAffinityDomctl.None)
        {
            return Rules.Hit(Rules.NodeAffinityUnsupported, ((Outcome)Errno.ENOSYS, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.NodeAffinityUnknownDomain, ((Outcome)Errno.ESRCH, s));
        }

        var host = SpecDomain.AllNodes(s.NodeCount);
        if (profile.NodeAffinity == NodeAffinityDomctl.RefusesEmpty ? op.Nodes == 0 : (op.Nodes & host) == 0)
        {
            return Rules.Hit(Rules.NodeAffinityRefused, ((Outcome)Errno.EINVAL, s));
        }

        var affinity = op.Nodes == ulong.MaxValue ? host : op.Nodes & host;
        return Rules.Hit(Rules.NodeAffinitySet, (Outcome.Ok(), s.With(d with { NodeAffinity = affinity })));
    }

    private static (Outcome, SpecState) UnpauseDomain(SpecState s, Unpause op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.UnpauseNotPrivileged, ((Outcome)Errno.EPERM, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.UnpauseUnknownDomain, ((Outcome)Errno.ESRCH, s));
        }

        return d.Started
            ? Rules.Hit(Rules.UnpauseAgain, ((Outcome)Errno.EINVAL, s))
            : Rules.Hit(Rules.UnpauseStarted, (Outcome.Ok(), s.With(d with { Started = true })));
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

        if (d.State == DomainState.Dying)
        {
            return Rules.Hit(Rules.KillFinished, (Outcome.Ok(), RelinquishAll(profile, s, domid)));
        }

        if (d.State != DomainState.Alive)
        {
            // Already dead: nothing more happens; in particular a claim staked after the kill's release stays.
            return Rules.Hit(Rules.KillAlreadyDead, (Outcome.Ok(), s));
        }

        return Rules.Hit(Rules.KillKilled, (Outcome.Ok(), RelinquishAll(profile, BeginKill(profile, s, d), domid)));
    }

    /// <summary>One continuation of domain_kill: begin, or give back a chunk, or find nothing left (dead).</summary>
    private static (Outcome, SpecState) KillStep(Profile profile, SpecState s, KillContinuation op)
    {
        if (!op.Caller.IsPrivileged)
        {
            return Rules.Hit(Rules.KillStepNotPrivileged, (Errno.EPERM, s));
        }

        if (s.Live(op.DomId) is not { } d)
        {
            return Rules.Hit(Rules.KillStepUnknownDomain, (Errno.ESRCH, s));
        }

        return d.State switch
        {
            DomainState.Alive => Rules.Hit(Rules.KillStepBegun, ((Outcome)Errno.ERESTART, BeginKill(profile, s, d))),
            DomainState.Dying when Owned(profile, d) > 0 =>
                Rules.Hit(Rules.KillStepRelinquished, ((Outcome)Errno.ERESTART, RelinquishChunk(profile, s, d.Id))),
            _ => Rules.Hit(Rules.KillStepDead, (Outcome.Ok(), s.With(d with { State = DomainState.Dead }))),
        };
    }

    /// <summary>
    /// domain_kill's first part: is_dying, then domain_set_outstanding_pages(d, 0), then tmem's pools go: their
    /// ephemeral pages to tmem's free list (client_flush -> pool_destroy_objs -> tmem_page_free) or, without one, to
    /// the heap.
    /// </summary>
    private static SpecState BeginKill(Profile profile, SpecState s, SpecDomain d)
    {
        s = ReleaseClaim(s, d);
        d = s.Domains[d.Id];
        s = s.With(d with { State = DomainState.Dying, TmemEphemeral = NodeVector.Zero(s.NodeCount) });
        return profile.TmemPrivateFreeList
            ? s with { TmemFreeList = s.TmemFreeList.Plus(d.TmemEphemeral) }
            : s with { Free = s.Free.Plus(d.TmemEphemeral) };
    }

    /// <summary>Every page a domain owns, refcounted or extra (Host.OwnedPages).</summary>
    private static long Owned(Profile profile, SpecDomain d) => profile.TotIncludesExtraPages ? d.Tot : d.Tot + d.Extra;

    /// <summary>The rest of domain_kill's relinquish, chunk after chunk, then dead.</summary>
    private static SpecState RelinquishAll(Profile profile, SpecState s, int domid)
    {
        while (Owned(profile, s.Domains[domid]) > 0)
        {
            s = RelinquishChunk(profile, s, domid);
        }

        return s.With(s.Domains[domid] with { State = DomainState.Dead, TmemPersistent = 0 });
    }

    /// <summary>
    /// One chunk of relinquish_memory: at most Host.RelinquishChunkPages pages, extra pages first, taken from the
    /// highest node down; the refcounted ones regrow the claim (FreesRegrowClaim; zero unless one was staked after
    /// the kill's release), and the pages go back to the heap.
    /// </summary>
    private static SpecState RelinquishChunk(Profile profile, SpecState s, int domid)
    {
        var d = s.Domains[domid];
        var chunk = Math.Min(Host.RelinquishChunkPages, Owned(profile, d));
        var extra = Math.Min(d.Extra, chunk);
        var refcounted = chunk - extra;
        d = d with { Extra = d.Extra - extra, Tot = d.Tot - (profile.TotIncludesExtraPages ? chunk : refcounted) };
        d = d with { TmemPersistent = Math.Min(d.TmemPersistent, DomainTot(profile, d)) };
        var (next, taken) = TakeDomainPages(s.With(d), domid, chunk);
        next = Regrow(profile, next, domid, refcounted);
        return next with { Free = next.Free.Plus(taken) };
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
