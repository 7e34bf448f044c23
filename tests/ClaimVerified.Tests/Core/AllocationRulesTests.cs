using ClaimVerified.Profiles;
using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>
/// alloc_domheap_pages / alloc_heap_pages / assign_pages and the frees, as they touch claims (docs/xen-notes.md Q2 and Q3), per
/// profile.
/// </summary>
public sealed class AllocationRulesTests
{
    [Theory]
    [ClaimProfiles]
    public void Allocation_consumes_min_of_claim_and_request_and_a_claim_reaching_zero_expires(string profile)
    {
        var (host, d) = WithClaim(profile, 600);

        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal(599, Claim(host, d));

        Ok(host.Populate(Caller.Control, d, 9));
        AssertSoleClaim(host, d, 87);

        Ok(host.Populate(Caller.Control, d, 9));
        AssertSoleClaim(host, d, 0);
        Assert.Equal(1025, Info(host, d).DomainTotPages);

        // Expired: further allocations leave the (zero) claim alone, and a new claim may be staked.
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal(0, Outstanding(host));
        Ok(host.ClaimPages(Caller.Control, d, 2000));
        Assert.Equal(2000 - 1026, Claim(host, d));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Claimed_memory_is_kept_for_its_claimant(string profile)
    {
        var (host, d1, d2) = WithRivals(profile, 1024, d1Claim: 1024);

        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d2, 0), "another domain");
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Guest(d2), d2, 9), "another domain's balloon");
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.AllocXenHeap(Caller.Xen, 0), "Xen's own heap");

        Ok(host.Populate(Caller.Guest(d1), d1, 9), "the claimant's own balloon driver");
        Assert.Equal(512, Claim(host, d1));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Order_9_with_a_small_remaining_claim_needs_unclaimed_memory_to_cover_it_except_in_reference(string profile)
    {
        var (host, d1, d2) = WithRivals(profile, 2048, d1Claim: 600);
        Ok(host.Populate(Caller.Control, d1, 9));
        Ok(host.ClaimPages(Caller.Control, d2, 1024));

        // free 1536, outstanding 88 + 1024: unclaimed 424; d1's claim 88. 424 + 88 = 512 would cover an order-9 extent.
        Assert.Equal(1536, Free(host));
        Assert.Equal(1112, Outstanding(host));

        if (profile == "reference")
        {
            Ok(host.Populate(Caller.Control, d1, 9));
            Assert.Equal(0, Claim(host, d1));
            Assert.Equal(1024, Outstanding(host));
            Assert.Equal(1024, Free(host));
        }
        else
        {
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d1, 9));
            Ok(host.Populate(Caller.Control, d1, 0), "order 0 is covered by the claim");
        }

        AssertConserved(host);
    }

    [Theory]
    [InlineData("no-claims", "ok-unclaimed")]
    [InlineData("seed-2012", "ENOMEM")]
    [InlineData("xen-4.3", "ok-borrows-claim")]
    [InlineData("xen-4.6", "ENOMEM")]
    [InlineData("xen-4.13", "ENOMEM")]
    [InlineData("xen-4.21.0", "ENOMEM")]
    [InlineData("xen-4.22", "ENOMEM")]
    [InlineData("claim-sets", "ENOMEM")]
    [InlineData("reference", "ENOMEM")]
    public void No_refcount_allocations_may_use_claimed_memory_only_in_xen_4_3(string profile, string expected)
    {
        var (host, d) = WithDomain(profile, 1024, pagesPerNode: 1024);
        if (profile == "no-claims")
        {
            // Nothing to borrow: just check the plain extra allocation works in this profile.
            Ok(host.AllocExtraPages(Caller.Control, d, 0));
            Assert.Equal(1, Info(host, d).ExtraPages);
            AssertConserved(host);
            return;
        }

        Ok(host.ClaimPages(Caller.Control, d, 1024));
        if (expected == "ENOMEM")
        {
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.AllocExtraPages(Caller.Control, d, 0));
        }
        else
        {
            Ok(host.AllocExtraPages(Caller.Control, d, 0));
            var info = Info(host, d);
            Assert.Equal(1, info.ExtraPages);
            Assert.Equal(0, info.TotPages); // 4.3..4.11: extra pages never enter tot_pages ...
            Assert.Equal(1024, info.OutstandingPages); // ... so the claim is not reduced: claims now exceed free.
            Assert.Equal(1023, Free(host));
        }

        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Owned_no_refcount_allocations_are_refused_outright_in_xen_4_13(string profile)
    {
        var (host, d) = WithDomain(profile);
        if (profile == "xen-4.13")
        {
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.AllocExtraPages(Caller.Control, d, 0), "no claim anywhere");
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.AllocExtraPages(Caller.Control, d, 9));
        }
        else
        {
            Ok(host.AllocExtraPages(Caller.Control, d, 0));
            Ok(host.AllocExtraPages(Caller.Control, d, 9));
            var info = Info(host, d);
            Assert.Equal(513, info.ExtraPages);
            Assert.Equal(0, info.DomainTotPages);
        }

        AssertConserved(host);
    }

    [Theory]
    [InlineData("seed-2012", 1024, 0)]
    [InlineData("xen-4.3", 1024, 0)]
    [InlineData("xen-4.6", 1024, 0)]
    [InlineData("xen-4.21.0", 1023, 1)]
    [InlineData("xen-4.22", 1024, 1)]
    [InlineData("claim-sets", 1024, 1)]
    [InlineData("reference", 1024, 1)]
    public void Extra_pages_consume_the_claim_only_in_xen_4_21_0(string profile, long claimAfter, long totPagesAfter)
    {
        var (host, d) = WithClaim(profile, 1024);

        Ok(host.AllocExtraPages(Caller.Control, d, 0));

        AssertSoleClaim(host, d, claimAfter);
        var info = Info(host, d);
        Assert.Equal(1, info.ExtraPages);
        Assert.Equal(totPagesAfter, info.TotPages); // 4.14+: tot_pages includes extra pages ...
        Assert.Equal(0, info.DomainTotPages); // ... and domain_tot_pages excludes them.
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Extra_pages_are_not_bound_by_max_pages(string profile)
    {
        if (profile == "xen-4.13")
        {
            return; // refused outright there
        }

        var (host, d) = WithDomain(profile, 0);
        Ok(host.AllocExtraPages(Caller.Control, d, 9));
        Assert.Equal(512, Info(host, d).ExtraPages);
        AssertFailsUnchanged(host, Errno.E2BIG, h => h.Populate(Caller.Control, d, 0), "refcounted pages are");
    }

    [Theory]
    [ClaimProfiles]
    public void Frees_regrow_a_non_zero_claim_before_xen_4_21_0(string profile)
    {
        var regrows = RegrowsBeforeXen4210(profile);
        var (host, d) = WithClaim(profile, 2048);
        Ok(host.Populate(Caller.Control, d, 9));
        Ok(host.Populate(Caller.Control, d, 9));
        Assert.Equal(1024, Claim(host, d));

        Ok(host.DecreaseReservation(Caller.Guest(d), d, 0));
        Assert.Equal(regrows ? 1025 : 1024, Claim(host, d));

        Ok(host.DecreaseReservation(Caller.Control, d, 9));
        AssertSoleClaim(host, d, regrows ? 1537 : 1024);
        Assert.Equal(511, Info(host, d).DomainTotPages);
        Assert.Equal(4096 - 511, Free(host));
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Page_sharing_regrows_a_non_zero_claim_before_xen_4_21_0_without_freeing_a_page(string profile)
    {
        var regrows = RegrowsBeforeXen4210(profile);
        var (host, d) = WithClaim(profile, 1024);
        Ok(host.Populate(Caller.Control, d, 9));
        var freeBefore = Free(host);

        Ok(host.SharePage(Caller.Control, d));

        Assert.Equal(regrows ? 513 : 512, Claim(host, d));
        Assert.Equal(freeBefore, Free(host)); // the page went to dom_cow, not to the heap
        Assert.Equal(511, Info(host, d).DomainTotPages);
        Assert.Equal(1, host.Snapshot().SharedPages);
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Frees_never_regrow_a_zero_claim(string profile)
    {
        var (host, d) = WithClaim(profile, 512);
        Ok(host.Populate(Caller.Control, d, 9));
        Ok(host.Populate(Caller.Control, d, 0));
        Assert.Equal(0, Claim(host, d));

        Ok(host.DecreaseReservation(Caller.Control, d, 9));
        Ok(host.SharePage(Caller.Control, d));

        AssertSoleClaim(host, d, 0);
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Assign_pages_over_max_pages_is_E2BIG_and_the_pages_go_back(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile, 600);

        AssertFailsUnchanged(host, Errno.E2BIG, h => h.Populate(Caller.Control, d, 9));
        AssertFailsUnchanged(host, Errno.E2BIG, h => h.Populate(Caller.Guest(d), d, 9), "the guest's own balloon");
        for (var i = 0; i < 88; i++)
        {
            Ok(host.Populate(Caller.Control, d, 0));
        }

        AssertFailsUnchanged(host, Errno.E2BIG, h => h.Populate(Caller.Control, d, 0), "exactly at max");
        Assert.Equal(600, Info(host, d).DomainTotPages);
        AssertConserved(host);
    }

    [Theory]
    [ClaimProfiles]
    public void Claim_consumed_before_an_E2BIG_is_not_given_back_from_xen_4_22(string profile)
    {
        // Not in the reference: one critical section, assign_pages' checks run first, nothing is consumed.
        var lost = profile is "seed-2012" or "xen-4.21.1" or "xen-4.22" or "claim-sets";
        var (host, d) = WithClaim(profile, 600, maxPages: 600);
        Ok(host.Populate(Caller.Control, d, 9));
        Assert.Equal(88, Claim(host, d));
        var freeBefore = Free(host);

        Assert.Equal(Errno.E2BIG, host.Populate(Caller.Control, d, 9).Errno);

        // The pages always go back to the heap. From 75d29d9b5e the claim was consumed in alloc_heap_pages, before
        // assign_pages refused, and is not restored (the commit accepts this); before, assign_pages consumed nothing.
        Assert.Equal(freeBefore, Free(host));
        Assert.Equal(512, Info(host, d).DomainTotPages);
        AssertSoleClaim(host, d, lost ? 0 : 88);
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Assign_pages_on_a_dying_domain_is_EINVAL_and_the_pages_go_back(string profile)
    {
        var (host, d) = WithPopulatedDomain(profile);
        Ok(host.DomainKill(Caller.Control, d));
        Assert.Equal(DomainState.Dead, Info(host, d).State);

        AssertFailsUnchanged(host, Errno.EINVAL, h => h.Populate(Caller.Control, d, 9));
        AssertFailsUnchanged(host, Errno.EINVAL, h => h.Populate(Caller.Control, d, 0));
        if (profile != "xen-4.13")
        {
            AssertFailsUnchanged(host, Errno.EINVAL, h => h.AllocExtraPages(Caller.Control, d, 0), "extra pages too");
        }

        Assert.Equal(4096, Free(host));
        AssertConserved(host);
    }

    [Theory]
    [InlineData("seed-2012")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void Tmem_freeable_pages_count_in_the_allocation_check_up_to_4_12(string profile)
    {
        var (host, d1, d2) = WithRivals(profile, 1024);
        var d3 = Create(host, 1024);
        for (var i = 0; i < 24; i++)
        {
            Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        }

        Ok(host.ClaimPages(Caller.Control, d1, 1000));
        Assert.Equal(1000, Free(host));
        Assert.Equal(1000, Outstanding(host));

        // outstanding + 1 > free, but not > free + tmem freeable: an unclaiming domain's allocation passes the check.
        Ok(host.Populate(Caller.Control, d3, 0));
        Assert.Equal(1000, Outstanding(host));
        AssertConserved(host);
    }

    [Fact]
    public void Xen_4_13_has_no_tmem_so_the_allocation_check_is_free_pages_only()
    {
        var (host, d1, d2) = WithRivals("xen-4.13", 1024, d1Claim: 1024);
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d2, 0));
    }

    [Theory]
    [InlineData("no-claims")]
    [InlineData("seed-2012")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void Tmem_serves_order_0_behind_the_scarcity_gate_before_the_buddy_search(string profile)
    {
        // 512 pages: midsize_alloc_zone_pages is 512 / 128 = 4, so the gate opens at 4 free pages while tmem has some.
        var (host, d1, d2) = WithRivals(profile, 512);
        Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        Ok(host.TmemFlush(Caller.Guest(d2), d2, TmemPool.Ephemeral)); // one page on tmem's free list, one in the pool
        for (var i = 0; i < 506; i++)
        {
            Ok(host.Populate(Caller.Control, d1, 0));
        }

        Assert.Equal(4, Free(host));
        Ok(host.Populate(Caller.Control, d1, 0), "served from tmem's free list, not the 4 free pages");
        Assert.Equal((4L, 0L, 1L), (Free(host), host.Snapshot().TmemFreeListPages, Info(host, d2).TmemEphemeralPages));
        Ok(host.Populate(Caller.Control, d1, 0), "served by evicting the ephemeral page");
        Assert.Equal((4L, 0L), (Free(host), host.PhysInfo().TmemFreeablePages));
        Ok(host.Populate(Caller.Control, d1, 0), "tmem has nothing: the gate is shut, the buddy search serves it");
        Assert.Equal(3, Free(host));
        AssertConserved(host);
    }

    [Theory]
    [InlineData("no-claims")]
    [InlineData("seed-2012")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void Behind_the_scarcity_gate_an_order_9_request_gets_nothing_though_the_heap_has_it(string profile)
    {
        // 2^16 pages: the gate opens at 512 free pages, exactly one order-9 extent.
        var (host, d1, d2) = WithRivals(profile, 1 << 16);
        Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        for (var i = 0; i < 127; i++)
        {
            Ok(host.Populate(Caller.Control, d1, 9));
        }

        Ok(host.DecreaseReservation(Caller.Control, d1, 0));
        Assert.Equal(512, Free(host));
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d1, 9), "tmem_relinquish_pages serves order 0 only");
        Assert.Equal(Outcome.Ok(1), host.TmemFlushControl(Caller.Control, 1)); // the evicted page goes to the heap: 513 free
        Ok(host.Populate(Caller.Control, d1, 9), "tmem is empty: the gate is shut");
        AssertConserved(host);
    }

    [Fact]
    public void Without_the_private_list_tmem_frees_to_the_heap_and_gives_pages_only_when_none_is_free()
    {
        var host = new Host(Catalogue.Xen43 with { TmemPrivateFreeList = false }, new HostConfig(1, 512));
        var d1 = Create(host, 512);
        var d2 = Create(host, 512);
        Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        Ok(host.TmemPut(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        Ok(host.TmemFlush(Caller.Guest(d2), d2, TmemPool.Ephemeral));
        Assert.Equal((511L, 0L), (Free(host), host.Snapshot().TmemFreeListPages));
        AssertFailsUnchanged(host, Errno.EOPNOTSUPP, h => h.TmemFlushControl(Caller.Control, 1));
        for (var i = 0; i < 511; i++)
        {
            Ok(host.Populate(Caller.Control, d1, 0));
        }

        Ok(host.Populate(Caller.Control, d1, 0), "no free page: the pool's page is taken");
        Assert.Equal(0, host.PhysInfo().TmemFreeablePages);
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Xen_heap_allocations_only_get_unclaimed_memory_and_free_back(string profile)
    {
        var host = NewHost(profile, pagesPerNode: 1024);
        Ok(host.AllocXenHeap(Caller.Xen, 9));
        Assert.Equal(512, host.Snapshot().XenHeapPages);
        if (profile != "no-claims")
        {
            var d = Create(host, 1024);
            Ok(host.ClaimPages(Caller.Control, d, 512));
            AssertFailsUnchanged(host, Errno.ENOMEM, h => h.AllocXenHeap(Caller.Xen, 0));
            Ok(host.ClaimPages(Caller.Control, d, 0));
        }

        Ok(host.FreeXenHeap(Caller.Xen, 100));
        Assert.Equal(412, host.Snapshot().XenHeapPages);
        Assert.Equal(612, Free(host));
        AssertConserved(host);
    }

    [Theory]
    [AllProfiles]
    public void Order_18_extents_are_one_GiB(string profile)
    {
        var (host, d) = WithDomain(profile, 1 << 18, pagesPerNode: 1 << 18);
        Assert.Equal(1L << 18, Ok(host.Populate(Caller.Control, d, 18)).Value);
        Assert.Equal(0, Free(host));
        Assert.Equal(1L << 18, Ok(host.DecreaseReservation(Caller.Control, d, 18)).Value);
        Assert.Equal(1L << 18, Free(host));
    }

    [Theory]
    [AllProfiles]
    public void Allocation_on_a_named_node_takes_that_nodes_pages(string profile)
    {
        var (host, d) = WithDomain(profile, 2048, nodes: 2, pagesPerNode: 1024);
        Ok(host.Populate(Caller.Control, d, 9, node: 1));
        Ok(host.Populate(Caller.Control, d, 9, node: 1, exact: true));
        AssertFailsUnchanged(host, Errno.ENOMEM, h => h.Populate(Caller.Control, d, 0, node: 1, exact: true), "node 1 is full");
        Ok(host.Populate(Caller.Control, d, 0, node: 1)); // not exact: node 1 is full, so the next node serves it
        Assert.Equal("1023,0", Csv(host.PhysInfo().NodeFreePages));
        AssertConserved(host);
    }

    /// <summary>Before 3472783c26 (Xen 4.21.0) a drop of tot_pages grows a non-zero claim back, as the seed's absolute target does.</summary>
    private static bool RegrowsBeforeXen4210(string profile) => profile is "seed-2012" or "xen-4.3" or "xen-4.6" or "xen-4.13";
}
