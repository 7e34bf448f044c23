using ClaimVerified.Tests.Generated;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ClaimVerified.Tests;

/// <summary>The classes of minutes start first; a named collection or an unmarked class never jumps the queue.</summary>
public sealed class LongestFirstOrdererTests
{
    private static readonly TestAssembly Assembly = new(new ReflectionAssemblyInfo(typeof(LongestFirstOrderer).Assembly));

    private static TestCollection ClassCollection(Type type) => new(Assembly, null, $"Test collection for {type.FullName}");

    [Fact]
    public void The_swarms_rows_start_before_the_short_classes_and_a_named_collection()
    {
        ITestCollection[] collections =
        [
            ClassCollection(typeof(LongestFirstOrdererTests)),
            new TestCollection(Assembly, null, MeteredCollection.Name),
            ClassCollection(typeof(GeneratedManifestTests.SwarmRowsOdd)),
            ClassCollection(typeof(GeneratedManifestTests.RandomOperationsRows)),
            ClassCollection(typeof(GeneratedManifestTests)),
        ];
        var ordered = new LongestFirstOrderer().OrderTestCollections(collections).ToArray();
        Assert.Equal(collections.Length, ordered.Length);
        Assert.Equal(
            [ClassCollection(typeof(GeneratedManifestTests)).DisplayName, ClassCollection(typeof(GeneratedManifestTests.SwarmRowsOdd)).DisplayName],
            ordered.Take(2).Select(c => c.DisplayName).Order(StringComparer.Ordinal));
        // Negative space: the random-operations rows (a minute in all) and a named collection are not marked.
        Assert.False(LongestFirstOrderer.TakesMinutes(ClassCollection(typeof(GeneratedManifestTests.RandomOperationsRows))));
        Assert.False(LongestFirstOrderer.TakesMinutes(new TestCollection(Assembly, null, MeteredCollection.Name)));
    }
}
