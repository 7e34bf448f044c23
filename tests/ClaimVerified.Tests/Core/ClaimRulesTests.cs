using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>
/// XENMEM_claim_pages / domain_set_outstanding_pages, rule by rule (docs/xen-notes.md Q1), per
/// profile where the profiles differ.
/// </summary>
public sealed class ClaimRulesTests
{
    [Theory]
    [ClaimProfiles]
    public void Claim_is_an_absolute_target_not_an_increment(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile);

        Ok(host.ClaimPages(Caller.Control, d, 1024));

        AssertSoleClaim(host, d, 512);
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Claim_of_zero_releases_and_always_succeeds(string profile)
    {
        var (host, d) = WithDomain(profile);
        Ok(host.ClaimPages(Caller.Control, d, 0), "release with no claim");
        Ok(host.ClaimPages(Caller.Control, d, 1000));
        Assert.Equal(1000, Outstanding(host));

        Ok(host.ClaimPages(Caller.Control, d, 0));

        AssertSoleClaim(host, d, 0);
        Assert.Equal(4096, Free(host));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Second_claim_is_EINVAL_except_seed_where_it_replaces(string profile)
    {
        var (host, d) = WithClaim(profile, 1000);

        if (profile == "seed-2012")
        {
            Ok(host.ClaimPages(Caller.Control, d, 2000));
            AssertSoleClaim(host, d, 2000);
            Ok(host.ClaimPages(Caller.Control, d, 300), "a smaller target replaces too");
            Assert.Equal(300, Outstanding(host));
        }
        else
        {
            AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 2000), "second claim");
            AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 999_999),
                "second claim above max: the one-claim check comes first");
        }

        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void A_fully_consumed_claim_is_zero_so_a_new_claim_is_allowed(string profile)
    {
        var (host, d) = WithClaim(profile, 512);
        Ok(host.Populate(Caller.Control, d, 9));
        Assert.Equal(0, Claim(host, d));

        Ok(host.ClaimPages(Caller.Control, d, 1024));

        AssertSoleClaim(host, d, 512);
    }

    [Theory]
    [ClaimProfiles]
    public void Target_at_or_below_tot_pages_or_above_max_pages_is_EINVAL(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile, 2048);

        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 512), "pages == tot");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 100), "pages < tot");
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 2049), "pages > max");
        Ok(host.ClaimPages(Caller.Control, d, 2048), "pages == max");
        Assert.Equal(1536, Claim(host, d));
    }

    [Theory]
    [ClaimProfiles]
    public void Claim_larger_than_unclaimed_free_memory_is_ENOMEM(string profile)
    {
        var (host, d1, d2) = WithRivals(profile, 4096, d1Claim: 3000);

        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d2, 1097), "one page too many");
        Ok(host.ClaimPages(Caller.Control, d2, 1096), "exactly the unclaimed rest");
        Assert.Equal(4096, Outstanding(host));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Claim_counts_allocated_pages_of_other_domains_as_unavailable(string profile)
    {
        var (host, d1, d2) = WithRivals(profile, 2048);
        Ok(host.Populate(Caller.Control, d1, 9));
        Ok(host.Populate(Caller.Control, d1, 9));

        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d2, 1025));
        Ok(host.ClaimPages(Caller.Control, d2, 1024));
    }

    [Theory]
    [InlineData("seed-2012", false)]
    [InlineData("xen-4.3", true)]
    [InlineData("xen-4.6", true)]
    public void Tmem_ephemeral_pages_count_as_available_in_xen_4_3_claims(string profile, bool hardClaimCountsTmem)
    {
        var (host, d1, d2) = WithRivals(profile, 1024);
        for (var i = 0; i < 24; i++)
        {
            Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral), "tmem put");
        }

        Assert.Equal(1000, Free(host));
        Assert.Equal(24, host.PhysInfo().TmemFreeablePages);

        if (hardClaimCountsTmem)
        {
            Ok(host.ClaimPages(Caller.Control, d1, 1024), "free + tmem freeable covers it");
            Assert.Equal(1024, Outstanding(host));
        }
        else
        {
            // The seed's hard claim counts only truly free pages; its soft claim counts tmem's freeable pages.
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d1, 1024), "hard claim");
            Ok(host.ClaimPages(Caller.Control, d1, 1024, soft: true), "soft claim");
            Assert.Equal(1024, Outstanding(host));
        }

        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles(Except = "seed-2012")]
    public void Soft_claims_exist_only_in_the_seed(string profile)
    {
        var (host, d) = WithDomain(profile);
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.ClaimPages(Caller.Control, d, 100, soft: true));
    }

    [Theory]
    [AllProfiles]
    public void Tmem_exists_up_to_4_12_only(string profile)
    {
        var (host, d) = WithDomain(profile);
        var expectTmem = profile is "no-claims" or "seed-2012" or "xen-4.3" or "xen-4.6";
        if (expectTmem)
        {
            Ok(host.TmemPut(Caller.Guest(d), d, TmemPool.Ephemeral));
            Ok(host.TmemPut(Caller.Guest(d), d, TmemPool.Persistent));
            Assert.Equal(1, Info(host, d).TmemEphemeralPages);
            Assert.Equal(1, Info(host, d).TmemPersistentPages);
            Assert.Equal(1, Info(host, d).DomainTotPages);
            Ok(host.TmemFlush(Caller.Guest(d), d, TmemPool.Ephemeral));
            Ok(host.TmemFlush(Caller.Guest(d), d, TmemPool.Persistent));
            Assert.Equal(4095, Free(host)); // The ephemeral page waits on tmem's free list...
            Assert.Equal(1, host.PhysInfo().TmemFreeablePages);
            Assert.Equal(Outcome.Ok(1), host.TmemFlushControl(Caller.Control, 0)); // ...until the toolstack flushes tmem.
            Assert.Equal(4096, Free(host));
        }
        else
        {
            foreach (var pool in new[] { TmemPool.Ephemeral, TmemPool.Persistent })
            {
                AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.TmemPut(Caller.Guest(d), d, pool), $"put {pool}");
                AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.TmemFlush(Caller.Guest(d), d, pool), $"flush {pool}");
            }

            AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.TmemFlushControl(Caller.Control, 1), "flush control");

            Assert.Equal(0, host.PhysInfo().TmemFreeablePages);
        }

        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void LLC_colouring_refuses_claims_from_4_22(string profile)
    {
        var (host, d) = WithDomain(profile, llc: true);
        if (profile is "xen-4.21.1" or "xen-4.22" or "claim-sets" or "reference")
        {
            AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.ClaimPages(Caller.Control, d, 100));
            AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.ClaimPages(Caller.Control, d, 0), "even a release");
            AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.ClaimPages(Caller.Control, 999, -5),
                "LLC is the first check, before the argument and the domid");
        }
        else
        {
            Ok(host.ClaimPages(Caller.Control, d, 100));
            Assert.Equal(100, Outstanding(host));
        }

        // Allocation itself is not affected by colouring in the model.
        Ok(host.Populate(Caller.Control, d, 0));
    }

    [Fact]
    public void No_claims_profile_has_no_claim_call_and_claim_pages_is_an_unknown_hypercall()
    {
        var (host, d) = WithDomain("no-claims");
        AssertFailsUnchanged(host, Errno.ENOSYS, h => h.ClaimPages(Caller.Control, d, 100));
        AssertFailsUnchanged(host, Errno.ENOSYS, h => h.ClaimPages(Caller.Control, d, 0));
        AssertFailsUnchanged(host, Errno.ENOSYS, h => h.ClaimPages(Caller.Guest(d), 999, -1));
        AssertFailsUnchanged(host, Errno.ENOSYS, h => h.ClaimMemory(Caller.Control, d, [new ClaimEntry(1, 0)]));

        // Without claims nothing reserves capacity: whoever populates first gets the memory.
        Ok(host.Populate(Caller.Control, d, 9));
        Assert.Equal(0, Outstanding(host));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles(Except = "claim-sets")]
    public void Claim_check_wraps_once_outstanding_exceeds_free_in_xen_profiles(string profile)
    {
        var (host, d1, d2) = WithRivals(profile, 1024, d1Claim: 1024);

        if (profile == "reference")
        {
            // The reference refuses to unback a claim, so outstanding never exceeds free and nothing can wrap.
            AssertFailsUnchanged(host, Errno.EBUSY, h => h.OfflinePage(Caller.Control, 0));
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d2, 1024));
            return;
        }

        // Every Xen version lets the page go (offline_page has no claim logic): claims now exceed free memory.
        Ok(host.OfflinePage(Caller.Control, 0));
        var info = host.PhysInfo();
        Assert.Equal(1023, info.FreePages);
        Assert.Equal(1024, info.OutstandingPages);
        Assert.Equal(ulong.MaxValue, info.XlFreeMemoryPages); // xl info's unsigned free_memory wraps too.

        if (profile == "seed-2012")
        {
            // The seed profile computes the difference without wrapping: nothing is available.
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d2, 1024));
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.ClaimPages(Caller.Control, d2, 1));
        }
        else
        {
            // total_avail_pages - outstanding_claims in unsigned arithmetic: a huge number, so any claim up to max passes.
            Ok(host.ClaimPages(Caller.Control, d2, 1024), "wrapped claim check");
            Assert.Equal(2048, Outstanding(host));
        }

        AssertConserved(host);
    }

    [Fact]
    public void In_xen_4_3_no_refcount_borrowing_also_makes_the_claim_check_wrap()
    {
        var (host, d1, d2) = WithRivals("xen-4.3", 1024, d1Claim: 1024);
        Ok(host.AllocExtraPages(Caller.Control, d1, 0), "no-refcount allocation uses claimed memory in 4.3");
        Assert.Equal(1023, Free(host));
        Assert.Equal(1024, Outstanding(host));

        Ok(host.ClaimPages(Caller.Control, d2, 1024), "wrapped claim check");
        Assert.Equal(2048, Outstanding(host));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles(Except = "reference,claim-sets")]
    public void Xen_profiles_let_offlining_unback_a_claim(string profile)
    {
        var (host, d) = WithClaim(profile, 1024, maxPages: 1024, nodes: 2, pagesPerNode: 512);

        Ok(host.OfflinePage(Caller.Control, 1));

        var s = host.Snapshot();
        Assert.Equal(1, s.OfflinedPages);
        Assert.Equal(1023, s.FreePages);
        Assert.Equal(1024, s.OutstandingPages);
        AssertConserved(host);
    }

    [Fact]
    public void Reference_refuses_offlining_a_page_that_backs_a_claim_but_not_an_unclaimed_one()
    {
        var (host, d) = WithClaim("reference", 1000, maxPages: 1024, nodes: 2, pagesPerNode: 512);

        for (var i = 0; i < 24; i++)
        {
            Ok(host.OfflinePage(Caller.Control, i % 2), $"unclaimed page {i}");
        }

        Assert.Equal(1000, Free(host));
        AssertFailsUnchanged(host, Errno.EBUSY, h => h.OfflinePage(Caller.Control, 0));
        AssertFailsUnchanged(host, Errno.EBUSY, h => h.OfflinePage(Caller.Control, 1));

        Ok(host.ClaimPages(Caller.Control, d, 0));
        Ok(host.OfflinePage(Caller.Control, 0), "once released the page may go");
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Lowering_max_pages_trims_the_claim_only_in_reference(string profile)
    {
        var trims = profile == "reference";
        var (host, d) = WithClaim(profile, 2048, maxPages: 2048);
        Ok(host.Populate(Caller.Control, d, 9));
        Assert.Equal(1536, Claim(host, d));

        Ok(host.SetMaxPages(Caller.Control, d, 1024));

        Assert.Equal(1024, Info(host, d).MaxPages);
        AssertSoleClaim(host, d, trims ? 512 : 1536);

        // Below tot_pages: the reference drops the claim entirely; Xen still keeps it.
        Ok(host.SetMaxPages(Caller.Control, d, 100));
        Assert.Equal(trims ? 0 : 1536, Claim(host, d));
        Assert.Equal(512, Info(host, d).DomainTotPages);

        // Raising max_pages never grows a claim back.
        Ok(host.SetMaxPages(Caller.Control, d, 4096));
        Assert.Equal(trims ? 0 : 1536, Claim(host, d));
        AssertConserved(host);
    }
}
