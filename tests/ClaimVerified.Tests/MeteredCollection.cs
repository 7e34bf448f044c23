namespace ClaimVerified.Tests;

/// <summary>
/// The tests that switch on the lockset meter (LocksetMeter, one set of counters for the process), time the checker, or
/// watch Coyote's process-wide lock cache (CoyoteLockCacheTests): they run alone, after the other collections, which run
/// in parallel (xunit.runner.json). A check made by a test running beside them would be counted in their measurement,
/// or an exploration beside them would release the cache entry they watch.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeteredCollection
{
    public const string Name = "metered, alone";
}
