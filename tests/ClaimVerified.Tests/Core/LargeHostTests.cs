using ClaimVerified.Specification;
namespace ClaimVerified.Tests.Core;

/// <summary>
/// Page counts are 64-bit and hosts up to 2^40 pages a node (64 nodes: 2^46 pages) work: every operation's cost is
/// independent of the sizes (nothing loops over pages), and the largest values do not overflow.
/// </summary>
public sealed class LargeHostTests
{
    [Theory]
    [ClaimProfiles]
    public void The_largest_host_claims_allocates_and_frees_without_overflow(string profile)
    {
        var host = new Host(Profiles.Catalogue.Get(profile), new HostConfig(64, 1L << 40));
        var total = host.TotalPages;
        Assert.Equal(1L << 46, total);
        // max_pages is 32 bits wide in Xen: "unlimited" is its maximum, whether a too-large request is truncated (before
        // 017e667c43) or saturated. (The host's own 2^46 pages would truncate to 0 on 4.3: XenMemClaimTestTests.)
        var d = (int)host.CreateDomain(Caller.Control, Domain.UnlimitedRequestPages).Value;
        Assert.Equal(Domain.MaxPagesLimit, host.GetDomainInfo(d)!.MaxPages);
        const long claimPages = Domain.MaxPagesLimit;
        Assert.Equal(Errno.Ok, host.ClaimPages(Caller.Control, d, claimPages).Errno);
        Assert.Equal(claimPages, host.PhysInfo().OutstandingPages);
        Assert.Equal(1L << 18, host.Populate(Caller.Control, d, 18).Value);
        Assert.Equal(claimPages - (1L << 18), host.PhysInfo().OutstandingPages);
        Assert.Equal(Errno.EINVAL, host.ClaimPages(Caller.Control, d, long.MaxValue).Errno);
        Assert.Equal(Errno.Ok, host.SetMaxPages(Caller.Control, d, long.MaxValue).Errno);
        Assert.Equal(Domain.MaxPagesLimit, host.GetDomainInfo(d)!.MaxPages);
        Assert.Equal(Errno.EINVAL, host.SetMaxPages(Caller.Control, d, long.MinValue).Errno);
        Assert.Equal(Errno.EINVAL, host.CreateDomain(Caller.Control, -1).Errno);
        Assert.Equal(1L << 18, host.DecreaseReservation(Caller.Control, d, 18).Value);
        Assert.Equal(Errno.Ok, host.DestroyDomain(Caller.Control, d).Errno);
        var after = host.Snapshot();
        Assert.Equal(total, after.FreePages);
        Assert.Equal(0, after.OutstandingPages);
        Assert.Equal(total, after.AccountedPages);
    }
}
