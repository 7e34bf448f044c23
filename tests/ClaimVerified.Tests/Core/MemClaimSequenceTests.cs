using static ClaimVerified.Tests.Core.CoreKit;

namespace ClaimVerified.Tests.Core;

/// <summary>
/// The sequence of Xen's own test, tools/tests/mem-claim (f34c965281), on a quiet host: create a domain, set maxmem
/// unlimited, check there is no claim; claim 4 MiB (1024 pages) and see the host's outstanding claims at 1024; populate
/// one order-9 extent and see 512; destroy the domain and see 0.
/// </summary>
public sealed class MemClaimSequenceTests
{
    public static TheoryData<string, int, long> QuietHosts()
    {
        var data = new TheoryData<string, int, long>();
        foreach (var profile in ClaimNames)
        {
            data.Add(profile, 1, 1L << 20); // 4 GiB, one node
            data.Add(profile, 2, 1L << 19); // 4 GiB over two nodes
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(QuietHosts))]
    public void Mem_claim_test_sequence(string profile, int nodes, long pagesPerNode)
    {
        var host = NewHost(profile, nodes, pagesPerNode);
        var total = host.TotalPages;

        var d = Create(host, 0);
        Ok(host.SetMaxPages(Caller.Control, d, Domain.UnlimitedRequestPages), "set maxmem unlimited");
        Assert.Equal(0, Outstanding(host));
        Assert.Equal(0, Claim(host, d));

        Ok(host.ClaimPages(Caller.Control, d, 1024), "claim 4 MiB");
        var physinfo = host.PhysInfo();
        Assert.Equal(1024, physinfo.OutstandingPages);
        Assert.Equal(total, physinfo.FreePages);
        Assert.Equal((ulong)(total - 1024), physinfo.XlFreeMemoryPages);
        Assert.Equal(1024, Claim(host, d));

        Assert.Equal(512, Ok(host.Populate(Caller.Control, d, 9), "populate one 2 MiB extent").Value);
        physinfo = host.PhysInfo();
        Assert.Equal(512, physinfo.OutstandingPages);
        Assert.Equal(total - 512, physinfo.FreePages);
        Assert.Equal(512, Claim(host, d));
        Assert.Equal(512, Info(host, d).DomainTotPages);

        Ok(host.DestroyDomain(Caller.Control, d), "destroy");
        physinfo = host.PhysInfo();
        Assert.Equal(0, physinfo.OutstandingPages);
        Assert.Equal(total, physinfo.FreePages);
        Assert.Null(host.GetDomainInfo(d));
        AssertConserved(host);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Mem_claim_test_sequence_with_a_claim_set(int nodes)
    {
        // The same sequence with XEN_DOMCTL_claim_memory and one global entry (what the legacy call becomes).
        var host = NewHost("claim-sets", nodes, (1L << 20) / nodes);
        var d = Create(host, 0);
        Ok(host.SetMaxPages(Caller.Control, d, Domain.UnlimitedRequestPages));
        Ok(host.ClaimMemory(Caller.Control, d, [new ClaimEntry(1024, ClaimEntry.Global)]));
        Assert.Equal(1024, Outstanding(host));
        Ok(host.Populate(Caller.Control, d, 9));
        Assert.Equal(512, Outstanding(host));
        Ok(host.DestroyDomain(Caller.Control, d));
        Assert.Equal(0, Outstanding(host));
        AssertConserved(host);
    }

    [Fact]
    public void Mem_claim_test_sequence_without_claims_fails_at_the_claim()
    {
        var host = NewHost("no-claims");
        var d = Create(host, 0);
        Ok(host.SetMaxPages(Caller.Control, d, Domain.UnlimitedRequestPages));
        AssertFailsUnchanged(host, Errno.ENOSYS, h => h.ClaimPages(Caller.Control, d, 1024));
    }
}
