namespace ClaimVerified.Tests;

/// <summary>
/// The tests that switch on the lockset meter (LocksetMeter, one set of counters for the process) or time the checker:
/// they run alone, after the other collections, which run in parallel (xunit.runner.json). A check made by a test
/// running beside them would be counted in their measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeteredCollection
{
    public const string Name = "metered, alone";
}
