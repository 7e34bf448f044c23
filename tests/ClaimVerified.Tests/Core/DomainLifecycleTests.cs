using ClaimVerified.Specification;
using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>Domain creation, domain_kill, destruction and claims on a dying domain (xen-notes.md Q4, Q5).</summary>
public sealed class DomainLifecycleTests
{
    [Theory]
    [AllProfiles]
    public void Created_domains_get_increasing_domids_and_start_empty(string profile)
    {
        var host = NewHost(profile);
        var d1 = Create(host, 100);
        var d2 = Create(host, 4096);
        Assert.Equal(1, d1);
        Assert.Equal(2, d2);
        var info = Info(host, d2);
        Assert.Equal(DomainState.Alive, info.State);
        Assert.Equal(0, info.TotPages);
        Assert.Equal(4096, info.MaxPages);
        Assert.Equal(0, info.OutstandingPages);
        Assert.Equal([d1, d2], host.ListDomains().Select(i => i.Id));
    }

    [Theory]
    [ClaimProfiles]
    public void Domain_kill_releases_the_claim_and_relinquishes_every_page(string profile)
    {
        var (host, d) = WithClaim(profile, 4000, maxPages: 8192, pagesPerNode: 8192);
        for (var i = 0; i < 5; i++)
        {
            Ok(host.Populate(Caller.Control, d, 9)); // 2560 pages: relinquish takes several chunks
        }

        Assert.Equal(4000 - 2560, Claim(host, d));

        Ok(host.DomainKill(Caller.Control, d));

        var info = Info(host, d);
        Assert.Equal(DomainState.Dead, info.State);
        Assert.Equal(0, info.OutstandingPages);
        Assert.Equal(0, info.TotPages);
        Assert.Equal(0, Outstanding(host));
        Assert.Equal(8192, Free(host));
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Kill_returns_extra_and_tmem_pages_too(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile);
        if (profile != "xen-4.13")
        {
            Ok(host.AllocExtraPages(Caller.Control, d, 0));
        }

        if (host.Profile.Tmem)
        {
            Ok(host.TmemPut(Caller.Guest(d), d, TmemPool.Ephemeral));
            Ok(host.TmemPut(Caller.Guest(d), d, TmemPool.Persistent));
        }

        Ok(host.DomainKill(Caller.Control, d));

        // The destroyed pool's ephemeral page waits on tmem's free list until the toolstack flushes tmem.
        var listed = host.Profile.TmemPrivateFreeList ? 1 : 0;
        Assert.Equal(listed, host.Snapshot().TmemFreeListPages);
        Assert.Equal(4096 - listed, host.Snapshot().FreePages);
        if (host.Profile.TmemPrivateFreeList)
        {
            Assert.Equal(Outcome.Ok(1), host.TmemFlushControl(Caller.Control, 0));
        }

        var s = host.Snapshot();
        Assert.Equal(4096, s.FreePages);
        Assert.Equal(0, s.TmemEphemeralPages);
        Assert.Equal(0, s.TmemPersistentPages);
        Assert.Equal(0, s.DomainOwnedPages);
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Kill_is_idempotent_and_destroy_makes_the_domid_unknown(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile);
        Ok(host.DomainKill(Caller.Control, d));
        Ok(host.DomainKill(Caller.Control, d), "a second kill of a dead domain completes at once");

        Ok(host.DestroyDomain(Caller.Control, d));

        Assert.Null(host.GetDomainInfo(d));
        Assert.Empty(host.ListDomains());
        AssertFailsUnchanged(host, Errno.ESRCH, h => h.DestroyDomain(Caller.Control, d), "destroy again");
        AssertFailsUnchanged(host, Errno.ESRCH, h => h.DomainKill(Caller.Control, d), "kill after destroy");
        var s = host.Snapshot();
        Assert.Equal(DomainState.Destroyed, Assert.Single(s.Domains).State);
        Assert.Equal(4096, s.FreePages);
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Destroy_of_a_live_domain_kills_it_first(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile);
        if (host.Profile.ClaimsSupported)
        {
            Ok(host.ClaimPages(Caller.Control, d, 1024));
        }

        Ok(host.DestroyDomain(Caller.Control, d));

        Assert.Equal(4096, Free(host));
        Assert.Equal(0, Outstanding(host));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Claim_on_a_dying_domain_is_accepted_and_leaked_until_4_22(string profile)
    {
        // Refused where the check is under the locks (seed, reference) and from 2379ca04fe (4.22) in the wrapper.
        var accepted = profile is "xen-4.3" or "xen-4.6" or "xen-4.13" or "xen-4.21.0";
        var (host, d) = WithDomain(profile);
        Ok(host.DomainKill(Caller.Control, d));

        if (!accepted)
        {
            AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 1000));
            Ok(host.DestroyDomain(Caller.Control, d));
            Assert.Equal(0, Outstanding(host));
            return;
        }

        Ok(host.ClaimPages(Caller.Control, d, 1000));
        Assert.Equal(1000, Claim(host, d));

        // Nothing after domain_kill's release ever releases a claim: destruction leaves it outstanding for ever.
        Ok(host.DestroyDomain(Caller.Control, d));
        Assert.Null(host.GetDomainInfo(d));
        var s = host.Snapshot();
        Assert.Equal(1000, s.OutstandingPages);
        Assert.Equal(1000, Assert.Single(s.Domains).OutstandingPages);

        // The leak is real capacity lost to everyone else.
        var other = Create(host, 4096);
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, other, 3097));
        Ok(host.ClaimPages(Caller.Control, other, 3096));
        AssertConserved(host);
    }

    [Theory]
    [InlineData("xen-4.22", Errno.EINVAL)]
    [InlineData("seed-2012", Errno.Ok)]
    [InlineData("reference", Errno.Ok)]
    [InlineData("xen-4.21.0", Errno.Ok)]
    public void Releasing_a_claim_on_a_dying_domain(string profile, Errno expected)
    {
        // 2379ca04fe's check is in the wrapper, before domain_set_outstanding_pages: it refuses a release as well.
        // Where the check is under the locks (seed, reference), a release (pages == 0) always succeeds.
        var (host, d) = WithDomain(profile);
        Ok(host.DomainKill(Caller.Control, d));
        Assert.Equal(expected, host.ClaimPages(Caller.Control, d, 0).Errno);
        Assert.Equal(0, Outstanding(host));
    }

    [Theory]
    [AllProfiles]
    public void Set_max_pages_may_go_below_tot_pages_and_the_domain_keeps_its_pages(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile);
        Ok(host.SetMaxPages(Caller.Control, d, 100));
        var info = Info(host, d);
        Assert.Equal(100, info.MaxPages);
        Assert.Equal(512, info.DomainTotPages);
        // assign_pages: from 143501861d (4.16) a domain already above max_pages is "inconsistent" (EPERM); before, E2BIG.
        var expected = profile is "xen-4.21.0" or "xen-4.21.1" or "xen-4.22" or "claim-sets" or "reference" ? Errno.EPERM : Errno.E2BIG;
        AssertFailsUnchanged(host, expected, h => h.Populate(Caller.Control, d, 0));
        AssertFailsUnchanged(host, expected, h => h.Populate(Caller.Guest(d), d, 9));
        Ok(host.SetMaxPages(Caller.Control, d, 512));
        AssertFailsUnchanged(host, Errno.E2BIG, h => h.Populate(Caller.Control, d, 0), "exactly at max is plain E2BIG");
        Ok(host.DecreaseReservation(Caller.Guest(d), d, 9));
        AssertConserved(host);
    }
}
