using ClaimVerified.Profiles;
using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>The catalogue of profiles, each profile's mechanism choices against the version history in docs/xen-notes.md, and HostConfig.</summary>
public sealed class ProfileTests
{
    [Fact]
    public void Catalogue_lists_every_profile_once_in_history_order()
    {
        Assert.Equal(
            "no-claims,seed-2012,xen-4.3,xen-4.6,xen-4.13,xen-4.21.0,xen-4.21.1,xen-4.22,claim-sets,reference",
            string.Join(",", Catalogue.All.Select(p => p.Name)));
        Assert.Equal(Catalogue.All.Count, Catalogue.All.Select(p => p.Name).Distinct().Count());
        Assert.All(Catalogue.All, p => Assert.False(string.IsNullOrWhiteSpace(p.Summary)));
    }

    [Theory]
    [AllProfiles]
    public void Get_finds_a_profile_by_name_ignoring_case(string name)
    {
        Assert.Same(Catalogue.Get(name), Catalogue.Get(name.ToUpperInvariant()));
        Assert.True(Catalogue.TryGet(name, out var profile));
        Assert.Equal(name, profile!.Name);
        Assert.Equal(name, profile.ToString());
    }

    [Fact]
    public void Get_of_an_unknown_name_lists_the_names_that_exist()
    {
        var error = Assert.Throws<ArgumentException>(() => Catalogue.Get("xen-9.9"));
        Assert.Contains("xen-9.9", error.Message);
        Assert.All(Catalogue.All, p => Assert.Contains(p.Name, error.Message));
        Assert.False(Catalogue.TryGet("", out _));
    }

    /// <summary>One row per profile: the mechanisms Xen's history gives it (docs/xen-notes.md).</summary>
    public static TheoryData<string, bool, bool, bool, bool, string, bool, string, bool, bool> Mechanisms() => new()
    {
        // name, claims, tmem, claim counts tmem, no-refcount may use claims, consume at, frees regrow, extra pages, LLC refuses, node claims
        { "no-claims", false, true, false, false, "None", false, "NotCounted", false, false },
        { "seed-2012", true, true, false, false, "InHeapAllocation", true, "NotCounted", false, false },
        { "xen-4.3", true, true, true, true, "InAssignPages", true, "NotCounted", false, false },
        { "xen-4.6", true, true, true, false, "InAssignPages", true, "NotCounted", false, false },
        { "xen-4.13", true, false, false, false, "InAssignPages", true, "Refused", false, false },
        { "xen-4.21.0", true, false, false, false, "InAssignPages", false, "CountedConsumesClaim", false, false },
        { "xen-4.21.1", true, false, false, false, "InHeapAllocation", false, "CountedNoClaim", true, false },
        { "xen-4.22", true, false, false, false, "InHeapAllocation", false, "CountedNoClaim", true, false },
        { "claim-sets", true, false, false, false, "InHeapAllocation", false, "CountedNoClaim", true, true },
        { "reference", true, false, false, false, "InHeapAllocation", false, "CountedNoClaim", true, true },
    };

    [Theory]
    [MemberData(nameof(Mechanisms))]
    public void Profile_mechanisms_match_the_version_table(string name, bool claims, bool tmem, bool claimCountsTmem,
        bool noRefcountMayUseClaims, string consumeAt, bool freesRegrow, string extraPages, bool llcRefuses, bool nodeClaims)
    {
        var p = Catalogue.Get(name);
        Assert.Equal(claims, p.ClaimsSupported);
        Assert.Equal(tmem, p.Tmem);
        Assert.Equal(claimCountsTmem, p.ClaimCountsTmemFreeable);
        Assert.Equal(noRefcountMayUseClaims, p.NoRefcountMayUseClaims);
        Assert.Equal(consumeAt, p.ConsumeClaimAt.ToString());
        Assert.Equal(freesRegrow, p.FreesRegrowClaim);
        Assert.Equal(extraPages, p.ExtraPages.ToString());
        Assert.Equal(llcRefuses, p.ClaimsRefusedWithLlcColouring);
        Assert.Equal(nodeClaims, p.NodeClaims);
        Assert.Equal(p.ExtraPages is ExtraPagesMode.CountedConsumesClaim or ExtraPagesMode.CountedNoClaim, p.TotIncludesExtraPages);
        Assert.Equal(Errno.EINVAL, p.ClaimUnknownDomainErrno);
        Assert.Equal(name is "xen-4.21.0" or "xen-4.21.1" or "xen-4.22" or "claim-sets" or "reference", p.AssignPagesRefusesTotAboveMax);
    }

    [Theory]
    [InlineData("seed-2012", "UnderLocks", false, false, false)]
    [InlineData("xen-4.3", "None", true, false, false)]
    [InlineData("xen-4.21.0", "None", true, false, false)]
    [InlineData("xen-4.22", "UnlockedWrapper", true, false, false)]
    [InlineData("claim-sets", "UnlockedWrapper", true, false, false)]
    [InlineData("reference", "UnderLocks", false, true, true)]
    public void Dying_check_wrap_and_reference_fixes(string name, string dying, bool wraps, bool offlineKeepsBacked, bool maxTrims)
    {
        var p = Catalogue.Get(name);
        Assert.Equal(dying, p.RefuseClaimOnDying.ToString());
        Assert.Equal(wraps, p.ClaimAvailWraps);
        Assert.Equal(offlineKeepsBacked, p.OfflineKeepsClaimsBacked);
        Assert.Equal(maxTrims, p.MaxPagesTrimsClaim);
        Assert.Equal(name == "reference", p.AllocMayCombineClaimAndUnclaimed);
        Assert.Equal(name == "seed-2012", p.SecondClaimReplaces);
        Assert.Equal(name == "seed-2012", p.SoftClaims);
    }

    [Theory]
    [InlineData(0, 1024L)]
    [InlineData(65, 1024L)]
    [InlineData(-1, 1024L)]
    [InlineData(1, -1L)]
    [InlineData(1, (1L << 40) + 1)]
    public void Host_rejects_an_unsound_configuration(int nodes, long pagesPerNode)
    {
        var config = new HostConfig(nodes, pagesPerNode);
        Assert.NotNull(config.Validate());
        Assert.Throws<ArgumentException>(() => new Host(Catalogue.Xen422, config));
    }

    [Theory]
    [InlineData(1, 0L)]
    [InlineData(64, 1L << 40)]
    [InlineData(2, 2048L)]
    public void Host_accepts_the_configuration_limits(int nodes, long pagesPerNode)
    {
        var host = new Host(Catalogue.Xen422, new HostConfig(nodes, pagesPerNode));
        Assert.Equal(nodes * pagesPerNode, host.TotalPages);
        Assert.Equal(nodes * pagesPerNode, host.PhysInfo().FreePages);
        Assert.Equal(nodes, host.PhysInfo().NodeFreePages.Count);
        AssertConserved(host);
    }

    [Fact]
    public void Host_requires_a_profile_and_a_config()
    {
        Assert.Throws<ArgumentNullException>(() => new Host(null!, new HostConfig(1, 1)));
        Assert.Throws<ArgumentNullException>(() => new Host(Catalogue.Xen422, null!));
    }

    [Theory]
    [InlineData(0, 1L)]
    [InlineData(9, 512L)]
    [InlineData(18, 262144L)]
    [InlineData(1, 0L)]
    [InlineData(-1, 0L)]
    [InlineData(63, 0L)]
    public void Only_orders_0_9_and_18_exist(int order, long pages)
    {
        Assert.Equal(pages != 0, Host.TryPagesForOrder(order, out var actual));
        Assert.Equal(pages, actual);
    }

    [Fact]
    public void Outcome_and_caller_render_for_humans()
    {
        Assert.Equal("ok", Outcome.Ok().ToString());
        Assert.Equal("ok 512", Outcome.Ok(512).ToString());
        Assert.Equal("ENOMEM", ((Outcome)Errno.ENOMEM).ToString());
        Assert.Equal("dom0", Caller.Control.ToString());
        Assert.Equal("xen", Caller.Xen.ToString());
        Assert.Equal("d7", Caller.Guest(7).ToString());
        Assert.True(Caller.Guest(7).MayActOn(7));
        Assert.False(Caller.Guest(7).MayActOn(8));
        Assert.True(Caller.Control.MayActOn(8));
    }
}
