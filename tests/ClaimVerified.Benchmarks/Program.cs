using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ClaimVerified.Benchmarks;

/// <summary>
/// The seed's argument, measured on the production build: staking a claim costs the same whatever its size, unlike
/// reserving capacity by populating it; claims, allocations, frees and queries against a plain lock and an
/// Interlocked counter; and the memory a host and a domain take. Every figure is a ratio within one run.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Refuse to measure a Coyote-rewritten or mutant core, and say which build the figures come from.
        Console.WriteLine(BuildCheck.DescribeProductionBuild());
        Console.WriteLine(Footprint.Describe());
        if (args.Contains("--footprint-only"))
        {
            return 0;
        }

        // The short job (3 warm-ups, 3 iterations, 1 launch), in this process, so that the ClaimVerified.dll measured
        // is the one checked above. A --job on the command line replaces it.
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).AsDefault())
            .AddFilter(new BenchmarkDotNet.Filters.SimpleFilter(ClaimCostBenchmarks.IsMeasured));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }
}
