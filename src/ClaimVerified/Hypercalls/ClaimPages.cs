using ClaimVerified.Profiles;

namespace ClaimVerified;

public sealed partial class Host
{
    /// <summary>
    /// XENMEM_claim_pages(domid, pages): stake a claim so that the domain can reach <paramref name="pages"/>
    /// (an absolute target, not an increment); 0 releases the claim. The checks run in Xen's order (4.22.0's memory.c
    /// wrapper, then domain_set_outstanding_pages under page_alloc_lock and heap_lock).
    /// </summary>
    /// <param name="soft">The seed's soft claim, which may count tmem's ephemeral pages as capacity (seed-2012 only).</param>
    public Outcome ClaimPages(Caller caller, int domid, long pages, bool soft = false)
    {
        if (!Profile.ClaimsSupported)
        {
            // Before 4.3 the sub-op does not exist: arch_memory_op's default answers ENOSYS (libxc then hid it as
            // success until 7672602df6).
            return Errno.ENOSYS;
        }

        if (Config.LlcColouring && Profile.ClaimsRefusedWithLlcColouring)
        {
            return Errno.EOPNOTSUPP; // b068cafc73, the first check in the wrapper.
        }

        if (pages < 0 || (soft && !Profile.SoftClaims))
        {
            return Errno.EINVAL; // The hypercall's argument is unsigned; a negative count is a malformed call.
        }

        var d = FindDomain(domid);
        if (d is null)
        {
            return Profile.ClaimUnknownDomainErrno; // rcu_lock_domain_by_id failed: EINVAL in memory.c.
        }

        if (!caller.IsPrivileged)
        {
            return Errno.EPERM; // xsm_claim_pages(XSM_PRIV), after the lookup since 919f59b3b9.
        }

        if (Profile.RefuseClaimOnDying == DyingClaimCheck.UnlockedWrapper && d.IsDying)
        {
            // 2379ca04fe: is_dying read with no lock held. domain_kill may set it and release the claim between this
            // read and the claim being staked below; the lock acquisition that follows is where that can happen.
            return Errno.EINVAL;
        }

        return SetOutstandingPages(d, pages, soft);
    }

    /// <summary>domain_set_outstanding_pages: page_alloc_lock, then heap_lock, then the checks in Xen's order.</summary>
    private Outcome SetOutstandingPages(Domain d, long pages, bool soft)
    {
        lock (d.PageAllocLock)
        {
            lock (heapLock)
            {
                if (pages == 0)
                {
                    ReleaseClaimLocked(d);
                    return Outcome.Ok();
                }

                if (Profile.RefuseClaimOnDying == DyingClaimCheck.UnderLocks && d.IsDying)
                {
                    // Our reference: domain_kill sets is_dying before it takes these locks to release the claim, so a
                    // claim that gets here either sees the flag or is staked before the release removes it.
                    return Errno.EINVAL;
                }

                var replacing = d.OutstandingPages != 0;
                if (replacing && !Profile.SecondClaimReplaces)
                {
                    return Errno.EINVAL; // "only one active claim per domain", checked before the bounds.
                }

                var domainTotPages = DomainTotPages(d);
                if (pages <= domainTotPages || pages > d.MaxPages)
                {
                    return Errno.EINVAL;
                }

                var claimPages = pages - domainTotPages;
                var tmemPages = Profile.ClaimCountsTmemFreeable || soft ? TmemFreeablePagesLocked : 0;
                var othersClaimPages = outstandingClaims - (replacing ? d.OutstandingPages : 0);
                var availPages = totalAvailPages + tmemPages - othersClaimPages;
                if (availPages < 0)
                {
                    // Xen computes this difference in unsigned arithmetic: it wraps, and every claim passes.
                    availPages = Profile.ClaimAvailWraps ? long.MaxValue : 0;
                }

                if (claimPages > availPages)
                {
                    return Errno.ENOMEM;
                }

                ReleaseClaimLocked(d);
                d.OutstandingPages = claimPages;
                d.ClaimIsSoft = soft;
                d.GhostClaimTargetPages = pages;
                outstandingClaims += claimPages;
                return Outcome.Ok();
            }
        }
    }
}
