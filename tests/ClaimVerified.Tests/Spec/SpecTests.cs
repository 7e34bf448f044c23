using CsCheck;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Core;
using S = ClaimVerified.Specification;

namespace ClaimVerified.Tests.Spec;

/// <summary>
/// Hand-written facts about the specification, one Xen rule or profile mechanism each. Every scenario also runs on
/// the core, which must agree step by step.
/// </summary>
public class SpecTests
{
    private static readonly Caller Dom0 = Caller.Control;
    private static readonly HostConfig Small = new(1, 4096);

    private static (IReadOnlyList<Outcome> Results, S.SpecState Final) Run(Profile profile, HostConfig config, params S.Operation[] ops)
    {
        var disagreement = Differential.FirstDisagreement(profile, config, ops);
        Assert.True(disagreement is null, disagreement);
        return S.Spec.Run(profile, config, ops);
    }

    private static S.SpecDomain Dom(S.SpecState s, int id) => s.Domains[id];

    [Theory]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.21.0")]
    [InlineData("xen-4.22")]
    [InlineData("claim-sets")]
    [InlineData("reference")]
    public void XensMemClaimTest(string profileName)
    {
        // tools/tests/mem-claim: create, maxmem unlimited, no claim; claim 1024 -> 1024; one order-9 extent -> 512;
        // destroy -> 0.
        var profile = Catalogue.Get(profileName);
        var s = S.Spec.Init(profile, Small);
        (_, s) = S.Spec.Step(profile, s, new S.CreateDomain(Dom0, Small.TotalPages));
        Assert.Equal(0, s.Outstanding);
        var (claimed, afterClaim) = S.Spec.Step(profile, s, new S.ClaimPages(Dom0, 1, 1024));
        Assert.Equal(Outcome.Ok(), claimed);
        Assert.Equal(1024, afterClaim.Outstanding);
        var (populated, afterPopulate) = S.Spec.Step(profile, afterClaim, new S.Populate(Dom0, 1, 9));
        Assert.Equal(Outcome.Ok(512), populated);
        Assert.Equal(512, afterPopulate.Outstanding);
        Assert.Equal(4096 - 512, afterPopulate.TotalFree);
        var (destroyed, final) = S.Spec.Step(profile, afterPopulate, new S.DestroyDomain(Dom0, 1));
        Assert.Equal(Outcome.Ok(), destroyed);
        Assert.Equal(0, final.Outstanding);
        Assert.Equal(4096, final.TotalFree);
        Assert.Equal(DomainState.Destroyed, Dom(final, 1).State);

        Run(profile, Small, new S.CreateDomain(Dom0, Small.TotalPages), new S.ClaimPages(Dom0, 1, 1024),
            new S.Populate(Dom0, 1, 9), new S.DestroyDomain(Dom0, 1));
    }

    [Fact]
    public void ClaimIsAnAbsoluteTargetCheckedAgainstTotAndMax()
    {
        var (r, s) = Run(Catalogue.Xen422, Small,
            new S.CreateDomain(Dom0, 2048), new S.Populate(Dom0, 1, 9),
            new S.ClaimPages(Dom0, 1, 512), // not above tot
            new S.ClaimPages(Dom0, 1, 2049), // above max
            new S.ClaimPages(Dom0, 1, 1536), // ok: 1024 more
            new S.ClaimPages(Dom0, 1, 2048)); // a second claim: EINVAL
        Assert.Equal([Outcome.Ok(1), Outcome.Ok(512), Errno.EINVAL, Errno.EINVAL, Outcome.Ok(), Errno.EINVAL], r);
        Assert.Equal(1024, Dom(s, 1).Claim);
    }

    [Fact]
    public void SeedLetsASecondClaimReplaceTheFirst()
    {
        var (r, s) = Run(Catalogue.Seed2012, Small,
            new S.CreateDomain(Dom0, 4096), new S.ClaimPages(Dom0, 1, 3000), new S.ClaimPages(Dom0, 1, 4000));
        Assert.Equal(Outcome.Ok(), r[2]);
        Assert.Equal(4000, s.Outstanding);
    }

    [Fact]
    public void ClaimsCannotOutgrowFreeMemory()
    {
        var (r, s) = Run(Catalogue.Xen422, Small,
            new S.CreateDomain(Dom0, 4096), new S.CreateDomain(Dom0, 4096),
            new S.ClaimPages(Dom0, 1, 3000), new S.ClaimPages(Dom0, 2, 1097), new S.ClaimPages(Dom0, 2, 1096));
        Assert.Equal([Errno.ENOMEM, Outcome.Ok()], r.Skip(3));
        Assert.Equal(4096, s.Outstanding);
    }

    [Fact]
    public void FailedAssignLosesTheClaimOnlyWhenConsumedInTheHeapSection()
    {
        // max 512 with 512 already populated: the next order-9 allocation is E2BIG in assign_pages.
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 1024), new S.ClaimPages(Dom0, 1, 1024), new S.Populate(Dom0, 1, 9),
            new S.SetMaxPages(Dom0, 1, 512), new S.Populate(Dom0, 1, 9),
        ];
        var (inAssign, assignState) = Run(Catalogue.Xen4210, Small, ops);
        Assert.Equal(Errno.E2BIG, inAssign[4].Errno);
        Assert.Equal(512, Dom(assignState, 1).Claim); // 4.3 .. 4.21.0: assign_pages refused before consuming.

        var (inHeap, heapState) = Run(Catalogue.Xen422, Small, ops);
        Assert.Equal(Errno.E2BIG, inHeap[4].Errno);
        Assert.Equal(0, Dom(heapState, 1).Claim); // 75d29d9b5e: consumed under heap_lock, not given back.
        Assert.Equal(4096 - 512, heapState.TotalFree);
    }

    [Fact]
    public void FreesRegrowTheClaimBefore3472783c26()
    {
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 4096), new S.ClaimPages(Dom0, 1, 1024), new S.Populate(Dom0, 1, 9),
            new S.DecreaseReservation(Dom0, 1, 9), new S.Populate(Dom0, 1, 0), new S.SharePage(Dom0, 1),
        ];
        var (_, old) = Run(Catalogue.Xen43, Small, ops);
        Assert.Equal(1024, Dom(old, 1).Claim); // 512 used, 512 freed back (+512), 1 used, 1 shared (+1).
        Assert.Equal(1024, old.Outstanding);

        var (_, newer) = Run(Catalogue.Xen4210, Small, ops);
        Assert.Equal(511, Dom(newer, 1).Claim);
    }

    [Fact]
    public void AnOrder9ExtentNeedsItsWholeSizeInClaimUnlessTheReferenceCombines()
    {
        // 1024 pages; d1 claims 1000 and uses 512 (488 left); d2 claims the 24 unclaimed pages. Nothing is unclaimed.
        var host = new HostConfig(1, 1024);
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 1024), new S.CreateDomain(Dom0, 1024),
            new S.ClaimPages(Dom0, 1, 1000), new S.Populate(Dom0, 1, 9), new S.ClaimPages(Dom0, 2, 24),
            new S.DecreaseReservation(Dom0, 2, 0), // nothing to give: EINVAL, a no-op
            new S.Populate(Dom0, 1, 9),
        ];
        var (xen, _) = Run(Catalogue.Xen422, host, ops);
        Assert.Equal(Errno.ENOMEM, xen[6].Errno); // 488 < 512 and no unclaimed memory.
        var (reference, _) = Run(Catalogue.Reference, host, ops);
        Assert.Equal(Errno.ENOMEM, reference[6].Errno); // 488 + 0 unclaimed < 512 as well.

        // With 24 pages unclaimed, the reference lets 488 claimed + 24 unclaimed cover 512.
        S.Operation[] withSlack = [.. ops.Take(4), new S.Populate(Dom0, 1, 9)];
        var (xenSlack, _) = Run(Catalogue.Xen422, host, withSlack);
        Assert.Equal(Errno.ENOMEM, xenSlack[4].Errno);
        var (refSlack, refState) = Run(Catalogue.Reference, host, withSlack);
        Assert.Equal(Outcome.Ok(512), refSlack[4]);
        Assert.Equal(0, refState.Outstanding);
    }

    [Fact]
    public void OfflineUnbacksClaimsAndTheUnsignedSubtractionWraps()
    {
        var host = new HostConfig(1, 1024);
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 1024), new S.CreateDomain(Dom0, 1024),
            new S.ClaimPages(Dom0, 1, 1024), new S.OfflinePage(Dom0, 0), new S.ClaimPages(Dom0, 2, 1024),
        ];
        var (xen, xenState) = Run(Catalogue.Xen422, host, ops);
        Assert.Equal([Outcome.Ok(1), Outcome.Ok()], xen.Skip(3));
        Assert.Equal(2048, xenState.Outstanding); // 1023 free pages back 2048 claimed pages.

        var (reference, refState) = Run(Catalogue.Reference, host, ops);
        Assert.Equal([(Outcome)Errno.EBUSY, Errno.ENOMEM], reference.Skip(3));
        Assert.Equal(1024, refState.Outstanding);
    }

    [Fact]
    public void ADeadDomainCanStakeALeakedClaimBeforeTheDyingCheck()
    {
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 4096), new S.DomainKill(Dom0, 1), new S.ClaimPages(Dom0, 1, 1000),
            new S.DestroyDomain(Dom0, 1), new S.ClaimPages(Dom0, 1, 0),
        ];
        var (old, oldState) = Run(Catalogue.Xen4210, Small, ops);
        Assert.Equal([Outcome.Ok(), Outcome.Ok(), Errno.EINVAL], old.Skip(2)); // unknown domid: EINVAL.
        Assert.Equal(1000, oldState.Outstanding); // leaked for ever.

        var (fixedXen, fixedState) = Run(Catalogue.Xen422, Small, ops);
        Assert.Equal(Errno.EINVAL, fixedXen[2].Errno);
        Assert.Equal(0, fixedState.Outstanding);
    }

    [Fact]
    public void ClaimSetsRedeemTheNodeThenGlobalThenOtherNodes()
    {
        var host = new HostConfig(2, 2048);
        var (r, s) = Run(Catalogue.ClaimSets, host,
            new S.CreateDomain(Dom0, 4096),
            new S.ClaimMemory(Dom0, 1, [new ClaimEntry(512, 0), new ClaimEntry(512, ClaimEntry.Global), new ClaimEntry(512, 1)]),
            new S.Populate(Dom0, 1, 9, 0), // node 0's 512
            new S.Populate(Dom0, 1, 9, 0), // then the global 512
            new S.Populate(Dom0, 1, 0, 0)); // then node 1's claim
        Assert.All(r, o => Assert.True(o.IsOk));
        Assert.Equal(S.NodeVector.Of([0, 511]), Dom(s, 1).NodeClaims);
        Assert.Equal(511, s.Outstanding);
        Assert.Equal(S.NodeVector.Of([0, 511]), s.NodeOutstanding);
    }

    [Fact]
    public void ClaimSetsKeepOtherDomainsOffAClaimedNode()
    {
        var host = new HostConfig(2, 1024);
        var (r, _) = Run(Catalogue.ClaimSets, host,
            new S.CreateDomain(Dom0, 2048), new S.CreateDomain(Dom0, 2048),
            new S.ClaimMemory(Dom0, 1, [new ClaimEntry(1024, 0)]),
            new S.Populate(Dom0, 2, 9, 0, Exact: true), // node 0 is fully claimed by d1
            new S.Populate(Dom0, 2, 9), // the round-robin starts on node 1 (last_alloc_node 0); node 0 is claimed anyway
            new S.ClaimMemory(Dom0, 2, [new ClaimEntry(1, 0)]),
            new S.ClaimMemory(Dom0, 2, [new ClaimEntry(0, 0), new ClaimEntry(1, 0)]));
        Assert.Equal([(Outcome)Errno.ENOMEM, Outcome.Ok(512), Errno.ENOMEM, Errno.EINVAL], r.Skip(3));
    }

    [Fact]
    public void NoRefcountAllocationsUseClaimedMemoryOnlyIn43()
    {
        var host = new HostConfig(1, 1024);
        S.Operation[] ops = [new S.CreateDomain(Dom0, 1024), new S.ClaimPages(Dom0, 1, 1024), new S.AllocExtraPages(Dom0, 1, 9)];
        var (old, oldState) = Run(Catalogue.Xen43, host, ops);
        Assert.Equal(Outcome.Ok(512), old[2]);
        Assert.Equal(1024, oldState.Outstanding); // extra pages never consumed the claim: claims now exceed free.
        Assert.Equal(512, oldState.TotalFree);
        var (newer, _) = Run(Catalogue.Xen46, host, ops);
        Assert.Equal(Errno.ENOMEM, newer[2].Errno);
    }

    [Fact]
    public void ExtraPagesFollowTheirProfileMode()
    {
        S.Operation[] ops = [new S.CreateDomain(Dom0, 4096), new S.ClaimPages(Dom0, 1, 1024), new S.AllocExtraPages(Dom0, 1, 0)];
        Assert.Equal(Errno.ENOMEM, Run(Catalogue.Xen413, Small, ops).Results[2].Errno);
        var (_, consumes) = Run(Catalogue.Xen4210, Small, ops);
        Assert.Equal((1, 1, 1023L), (Dom(consumes, 1).Tot, Dom(consumes, 1).Extra, Dom(consumes, 1).Claim));
        var (_, noClaim) = Run(Catalogue.Xen422, Small, ops);
        Assert.Equal((1, 1, 1024L), (Dom(noClaim, 1).Tot, Dom(noClaim, 1).Extra, Dom(noClaim, 1).Claim));
        var (_, notCounted) = Run(Catalogue.Xen46, Small, ops);
        Assert.Equal((0, 1, 1024L), (Dom(notCounted, 1).Tot, Dom(notCounted, 1).Extra, Dom(notCounted, 1).Claim));
    }

    [Fact]
    public void SoftClaimsCountTmemEphemeralPages()
    {
        var host = new HostConfig(1, 1024);
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 1024), new S.CreateDomain(Dom0, 1024),
            new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral), new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral),
            new S.ClaimPages(Dom0, 1, 1023), new S.ClaimPages(Dom0, 1, 1023, Soft: true),
        ];
        var (r, s) = Run(Catalogue.Seed2012, host, ops);
        Assert.Equal([(Outcome)Errno.ENOMEM, Outcome.Ok()], r.Skip(4));
        Assert.True(Dom(s, 1).Soft);
        Assert.Equal(Errno.EINVAL, Run(Catalogue.Xen43, host, ops).Results[5].Errno); // no soft claims outside the seed
    }

    [Fact]
    public void OnASmallHostTheScarcityGateOpensOnlyWhenNoNodeHasAFreePage()
    {
        // 8 pages: midsize_alloc_zone_pages is 8 / 128 = 0.
        var host = new HostConfig(2, 4);
        var (r, s) = Run(Catalogue.Xen43, host,
            new S.CreateDomain(Dom0, 8), new S.CreateDomain(Dom0, 8),
            new S.TmemPut(Dom0, 1, TmemPool.Ephemeral), // node 0
            new S.Populate(Dom0, 2, 0, 1, Exact: true), new S.Populate(Dom0, 2, 0, 1, Exact: true), new S.Populate(Dom0, 2, 0, 1, Exact: true),
            new S.Populate(Dom0, 2, 0, 1, Exact: true), // node 1 now empty
            new S.Populate(Dom0, 2, 0, 1, Exact: true), // node 1 empty but node 0 has 3 free: no relinquish
            new S.Populate(Dom0, 2, 0, 0, Exact: true), new S.Populate(Dom0, 2, 0, 0, Exact: true), new S.Populate(Dom0, 2, 0, 0, Exact: true), // node 0 empty
            new S.Populate(Dom0, 2, 0)); // no free page anywhere: d1's ephemeral page goes to d2
        Assert.Equal(Errno.ENOMEM, r[7].Errno);
        Assert.Equal(Outcome.Ok(1), r[11]);
        Assert.Equal(0, s.TmemFreeable);
        Assert.Equal(8, Dom(s, 2).Tot);
    }

    [Theory]
    [InlineData("no-claims")]
    [InlineData("seed-2012")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void AFlushedEphemeralPageWaitsOnTmemsFreeListAndServesTmemsNextPut(string profileName)
    {
        var profile = Catalogue.Get(profileName);
        var host = new HostConfig(2, 8);
        var (r, s) = Run(profile, host,
            new S.CreateDomain(Dom0, 8), new S.TmemPut(Caller.Guest(1), 1, TmemPool.Ephemeral),
            new S.TmemFlush(Caller.Guest(1), 1, TmemPool.Ephemeral), new S.PhysInfo());
        Assert.Equal(Outcome.Ok(15), r[3]); // physinfo's free count does not grow back
        Assert.Equal((15L, 1L, 1L), (s.TotalFree, s.TmemFreeList.Sum, s.TmemFreeable));
        var (put, afterPut) = S.Spec.Step(profile, s, new S.TmemPut(Caller.Guest(1), 1, TmemPool.Ephemeral));
        Assert.Equal(Outcome.Ok(1), put);
        Assert.Equal((15L, 0L, 1L), (afterPut.TotalFree, afterPut.TmemFreeList.Sum, Dom(afterPut, 1).TmemEphemeral.Sum));

        var withoutList = profile with { TmemPrivateFreeList = false };
        var (_, plain) = Run(withoutList, host,
            new S.CreateDomain(Dom0, 8), new S.TmemPut(Caller.Guest(1), 1, TmemPool.Ephemeral),
            new S.TmemFlush(Caller.Guest(1), 1, TmemPool.Ephemeral));
        Assert.Equal((16L, 0L), (plain.TotalFree, plain.TmemFreeable));
    }

    [Theory]
    [InlineData("no-claims")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void TheFlushControlEvictsUntilTheListHoldsTheCountThenFreesTheWholeList(string profileName)
    {
        var profile = Catalogue.Get(profileName);
        var host = new HostConfig(1, 8);
        S.Operation[] setup =
        [
            new S.CreateDomain(Dom0, 8), new S.CreateDomain(Dom0, 8),
            new S.TmemPut(Caller.Guest(1), 1, TmemPool.Ephemeral), new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral),
            new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral), new S.TmemFlush(Caller.Guest(2), 2, TmemPool.Ephemeral),
        ]; // 1 on the list, d1 and d2 one ephemeral page each, 5 free
        var (r, s) = Run(profile, host, [.. setup, new S.TmemFlushAll(Dom0, 0), new S.TmemFlushAll(Dom0, 1), new S.TmemFlushAll(Dom0, 5)]);
        Assert.Equal([Outcome.Ok(1), Outcome.Ok(1), Outcome.Ok(1)], r.Skip(6));
        Assert.Equal((8L, 0L), (s.TotalFree, s.TmemFreeable)); // d1's page was evicted first (lowest domid), then d2's
        var (_, kept) = Run(profile, host, [.. setup, new S.TmemFlushAll(Dom0, 1)]);
        Assert.Equal((6L, 1L, 1L), (kept.TotalFree, Dom(kept, 1).TmemEphemeral.Sum, Dom(kept, 2).TmemEphemeral.Sum));

        var (bad, same) = Run(profile, host,
            [.. setup, new S.TmemFlushAll(Caller.Guest(1), 1), new S.TmemFlushAll(Dom0, -1), new S.TmemFlushAll(Dom0, Host.MaxTmemFlushPages + 1)]);
        Assert.Equal([(Outcome)Errno.EPERM, Errno.EINVAL, Errno.EINVAL], bad.Skip(6));
        Assert.Equal((5L, 3L), (same.TotalFree, same.TmemFreeable));
        Assert.Equal(Errno.EOPNOTSUPP, Run(Catalogue.Xen413, host, new S.TmemFlushAll(Dom0, 1)).Results[0].Errno);
    }

    [Theory]
    [InlineData("no-claims")]
    [InlineData("seed-2012")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void TheScarcityGateServesOrder0FromTmemBeforeTheBuddySearch(string profileName)
    {
        // 1024 pages: midsize_alloc_zone_pages is 8. d2 holds one ephemeral page and one on tmem's free list.
        var profile = Catalogue.Get(profileName);
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 1024), new S.CreateDomain(Dom0, 8),
            new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral), new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral),
            new S.TmemFlush(Caller.Guest(2), 2, TmemPool.Ephemeral), new S.Populate(Dom0, 1, 9), // 510 free
            .. Enumerable.Range(0, 502).Select(_ => new S.Populate(Dom0, 1, 0)), // 8 free: the gate opens
            new S.Populate(Dom0, 1, 0), new S.Populate(Dom0, 1, 0), new S.AllocXenHeap(Caller.Xen, 0),
        ];
        var (r, s) = Run(profile, new HostConfig(1, 1024), ops);
        Assert.All(r, result => Assert.True(result.IsOk));
        Assert.Equal((7L, 0L), (s.TotalFree, s.TmemFreeable)); // the list's page, then the evicted one, then the heap's
    }

    [Theory]
    [InlineData("no-claims")]
    [InlineData("xen-4.3")]
    [InlineData("xen-4.6")]
    public void BehindTheScarcityGateALargerOrderGetsNothingThoughTheHeapHasIt(string profileName)
    {
        // 2^16 pages: midsize_alloc_zone_pages is 512, one order-9 extent.
        var profile = Catalogue.Get(profileName);
        S.Operation[] ops =
        [
            new S.CreateDomain(Dom0, 1 << 16), new S.CreateDomain(Dom0, 8), new S.TmemPut(Caller.Guest(2), 2, TmemPool.Ephemeral),
            .. Enumerable.Range(0, 127).Select(_ => new S.Populate(Dom0, 1, 9)), new S.DecreaseReservation(Dom0, 1, 0), // 512 free
            new S.Populate(Dom0, 1, 9), new S.Populate(Dom0, 1, 0), new S.Populate(Dom0, 1, 9),
        ];
        var (r, s) = Run(profile, new HostConfig(1, 1 << 16), ops);
        Assert.Equal([(Outcome)Errno.ENOMEM, Outcome.Ok(1), Outcome.Ok(512)], r.TakeLast(3));
        Assert.Equal((0L, 0L), (s.TotalFree, s.TmemFreeable));
    }

    [Fact]
    public void LoweringMaxPagesTrimsTheClaimOnlyInTheReference()
    {
        S.Operation[] ops = [new S.CreateDomain(Dom0, 4096), new S.ClaimPages(Dom0, 1, 2048), new S.Populate(Dom0, 1, 9), new S.SetMaxPages(Dom0, 1, 1024)];
        Assert.Equal(1536, Run(Catalogue.Xen422, Small, ops).Final.Outstanding);
        Assert.Equal(512, Run(Catalogue.Reference, Small, ops).Final.Outstanding);
    }

    [Fact]
    public void ResultCodesForUnknownDomainsLlcColouringAndPrivilege()
    {
        var llc = new HostConfig(1, 1024, LlcColouring: true);
        var (r, _) = Run(Catalogue.Xen422, llc,
            new S.ClaimPages(Dom0, 7, 10), new S.CreateDomain(Caller.Guest(1), 10));
        Assert.Equal([(Outcome)Errno.EOPNOTSUPP, Errno.EPERM], r);
        var (r2, _) = Run(Catalogue.Xen4210, llc,
            new S.ClaimPages(Dom0, 7, 10), new S.Populate(Dom0, 7, 0), new S.CreateDomain(Dom0, 10),
            new S.ClaimPages(Caller.Guest(1), 1, 5), new S.Populate(Caller.Guest(2), 1, 0), new S.AllocXenHeap(Dom0, 0));
        Assert.Equal([(Outcome)Errno.EINVAL, Errno.ESRCH, Outcome.Ok(1), Errno.EPERM, Errno.EPERM, Errno.EPERM], r2);
        Assert.Equal(Errno.ENOSYS, Run(Catalogue.NoClaims, Small, new S.ClaimPages(Dom0, 1, 1)).Results[0].Errno);
    }

    /// <summary>
    /// The specification's own bookkeeping: every page is somewhere (free, a domain's, Xen's, offlined, shared, or in
    /// a tmem ephemeral pool), a domain's per-node pages add up to what it owns, and the host's outstanding claims
    /// (global and per node) are the sums of the domains' claims, destroyed domains included.
    /// </summary>
    [Theory]
    [MemberData(nameof(DifferentialTests.ProfileNames), MemberType = typeof(DifferentialTests))]
    public void SpecKeepsItsBooks(string profileName)
    {
        var profile = Catalogue.Get(profileName);
        SpecGen.Scenario.Sample((config, ops) =>
        {
            var s = S.Spec.Init(profile, config);
            foreach (var op in ops)
            {
                (_, s) = S.Spec.Step(profile, s, op);
                var owned = s.Domains.Values.Sum(d => d.Pages.Sum);
                Assert.Equal(config.TotalPages, s.TotalFree + owned + s.XenHeap.Sum + s.Offlined + s.Shared + s.TmemFreeable);
                Assert.Equal(s.Outstanding, s.Domains.Values.Sum(d => d.Claim));
                for (var node = 0; node < config.NodeCount; node++)
                {
                    Assert.Equal(s.NodeOutstanding[node], s.Domains.Values.Sum(d => d.NodeClaims[node]));
                    Assert.True(s.Free[node] >= 0);
                }

                foreach (var d in s.Domains.Values)
                {
                    Assert.Equal(profile.TotIncludesExtraPages ? d.Tot : d.Tot + d.Extra, d.Pages.Sum);
                    Assert.True(d.Claim >= d.NodeClaims.Sum && d.NodeClaims.Values.All(c => c >= 0));
                    Assert.True(d.TmemPersistent <= S.Spec.DomainTot(profile, d));
                }
            }
        }, iter: 400, print: sample => Differential.Print(sample.Item1, sample.Item2));
    }

    [Fact]
    public void StatesCompareByValue()
    {
        var a = S.Spec.Run(Catalogue.Xen43, Small, [new S.CreateDomain(Dom0, 100), new S.Populate(Dom0, 1, 0)]).Final;
        var b = S.Spec.Run(Catalogue.Xen43, Small, [new S.CreateDomain(Dom0, 100), new S.Populate(Dom0, 1, 0)]).Final;
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, S.Spec.Init(Catalogue.Xen43, Small));
        Assert.Equal(new S.ClaimMemory(Dom0, 1, [new ClaimEntry(1, 0)]), new S.ClaimMemory(Dom0, 1, [new ClaimEntry(1, 0)]));
        Assert.Equal("claim d1 1024", new S.ClaimPages(Dom0, 1, 1024).Describe());
        Assert.Equal("populate d1 order=9", new S.Populate(Dom0, 1, 9).Describe());
    }
}
