using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using ClaimVerified.Profiles;

namespace ClaimVerified.Benchmarks;

/// <summary>
/// The seed's argument: a claim reserves capacity in O(1), whatever its size; the pre-claim way reserves it by
/// populating it, extent by extent. Each benchmark reserves <see cref="Pages"/> and gives them back (claim then
/// release; populate every extent then decrease_reservation every extent), so that it can be repeated on one host.
/// The host has 2^31 pages (8 TiB), the domain max_pages 2^30, profile xen-4.22.
/// </summary>
[MemoryDiagnoser]
public class ClaimCostBenchmarks
{
    public const long HostPages = 1L << 31;
    public const long DomainMaxPages = 1L << 30;

    /// <summary>4 KiB extents for 2^30 pages (2^30 hypercalls each way) take minutes an invocation: not measured.</summary>
    public const long MaxPagesIn4KiBExtents = 1L << 18;

    private Host host = null!;
    private int domid;

    [Params(1L, 512L, 1L << 18, 1L << 30)]
    public long Pages { get; set; }

    /// <summary>The combinations that run: an extent must divide the size, and 4 KiB extents stop at 2^18 pages.</summary>
    public static bool IsMeasured(BenchmarkCase benchmark)
    {
        if (benchmark.Descriptor.Type != typeof(ClaimCostBenchmarks))
        {
            return true;
        }

        var pages = (long)benchmark.Parameters["Pages"];
        return benchmark.Descriptor.WorkloadMethod.Name switch
        {
            nameof(Populate4KiB) => pages <= MaxPagesIn4KiBExtents,
            nameof(Populate2MiB) => pages % (1L << 9) == 0,
            nameof(Populate1GiB) => pages % (1L << 18) == 0,
            _ => true,
        };
    }

    [GlobalSetup]
    public void Setup()
    {
        host = new Host(Catalogue.Xen422, new HostConfig(1, HostPages));
        domid = checked((int)host.CreateDomain(Caller.Control, DomainMaxPages).Value);

        // One checked round of each way, so that a benchmark never measures a refused call.
        Check(host.ClaimPages(Caller.Control, domid, Pages), "claim");
        Check(host.ClaimPages(Caller.Control, domid, 0), "release");
        if (Pages >= 1L << 18)
        {
            Check(host.Populate(Caller.Control, domid, 18), "populate 1 GiB");
            Check(host.DecreaseReservation(Caller.Control, domid, 18), "decrease 1 GiB");
        }

        if (host.PhysInfo().FreePages != HostPages)
        {
            throw new InvalidOperationException("the set-up round did not give every page back");
        }
    }

    private static void Check(Outcome outcome, string what)
    {
        if (!outcome.IsOk)
        {
            throw new InvalidOperationException($"{what} failed: {outcome}");
        }
    }

    [Benchmark(Baseline = true, Description = "claim + release")]
    public Outcome Claim()
    {
        host.ClaimPages(Caller.Control, domid, Pages);
        return host.ClaimPages(Caller.Control, domid, 0);
    }

    [Benchmark(Description = "populate + free, 4 KiB extents")]
    public long Populate4KiB() => PopulateAndFree(0);

    [Benchmark(Description = "populate + free, 2 MiB extents")]
    public long Populate2MiB() => PopulateAndFree(9);

    [Benchmark(Description = "populate + free, 1 GiB extents")]
    public long Populate1GiB() => PopulateAndFree(18);

    private long PopulateAndFree(int order)
    {
        var extents = Pages >> order;
        long pages = 0;
        for (long i = 0; i < extents; i++)
        {
            pages += host.Populate(Caller.Control, domid, order).Value;
        }

        for (long i = 0; i < extents; i++)
        {
            pages -= host.DecreaseReservation(Caller.Control, domid, order).Value;
        }

        return pages;
    }
}
