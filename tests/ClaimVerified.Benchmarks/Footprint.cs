using ClaimVerified.Profiles;

namespace ClaimVerified.Benchmarks;

/// <summary>
/// Retained memory (what stays live, not what was allocated on the way): a host, and each domain added to it, measured
/// with full collections before and after. BenchmarkDotNet's MemoryDiagnoser reports the allocations instead.
/// </summary>
public static class Footprint
{
    public const int Domains = 4096;

    public static string Describe()
    {
        var profile = Catalogue.Xen422;
        var domidsBytes = Domains * sizeof(int) + 24; // the domid array below, allocated before the domains
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var hosts = Enumerable.Range(0, 64).Select(_ => new Host(profile, new HostConfig(1, 1L << 31))).ToArray();
        var afterHosts = GC.GetTotalMemory(forceFullCollection: true);
        var host = hosts[0];
        var domids = new int[Domains];
        for (var i = 0; i < Domains; i++)
        {
            domids[i] = checked((int)host.CreateDomain(Caller.Control, 1L << 20).Value);
        }

        var afterDomains = GC.GetTotalMemory(forceFullCollection: true);
        var claimed = 0;
        foreach (var domid in domids)
        {
            claimed += host.ClaimPages(Caller.Control, domid, 1024).IsOk ? 1 : 0;
        }

        var afterClaims = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(hosts);
        return $"retained memory: {(afterHosts - before) / 64.0:F0} bytes per host (1 node), "
            + $"{(afterDomains - afterHosts - domidsBytes) / (double)Domains:F0} bytes per domain ({Domains} domains on one host), "
            + $"{(afterClaims - afterDomains) / (double)Math.Max(claimed, 1):F0} more bytes per domain once claimed ({claimed} claims)";
    }
}
