using BenchmarkDotNet.Attributes;
using ClaimVerified.Profiles;

namespace ClaimVerified.Benchmarks;

/// <summary>
/// Memory per host and per domain, as bytes allocated ([MemoryDiagnoser]'s Allocated column): an empty host, a host
/// with one domain, with 64 domains, and with 64 domains that each hold a claim. Per domain = (64 - 1 domain) / 63.
/// Program prints the retained (live) size too.
/// </summary>
[MemoryDiagnoser]
public class FootprintBenchmarks
{
    private static readonly HostConfig Machine = new(1, 1L << 31);

    [Benchmark(Baseline = true, Description = "new host (1 node)")]
    public Host NewHost() => new(Catalogue.Xen422, Machine);

    [Benchmark(Description = "new host + 1 domain")]
    public Host OneDomain() => WithDomains(1, claim: false);

    [Benchmark(Description = "new host + 64 domains")]
    public Host SixtyFourDomains() => WithDomains(64, claim: false);

    [Benchmark(Description = "new host + 64 claimed domains")]
    public Host SixtyFourClaimedDomains() => WithDomains(64, claim: true);

    private static Host WithDomains(int count, bool claim)
    {
        var host = new Host(Catalogue.Xen422, Machine);
        for (var i = 0; i < count; i++)
        {
            var domid = checked((int)host.CreateDomain(Caller.Control, 1L << 20).Value);
            if (claim)
            {
                host.ClaimPages(Caller.Control, domid, 1024);
            }
        }

        return host;
    }
}
