using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("ClaimVerified.Tests.LongestFirstOrderer", "ClaimVerified.Tests")]

namespace ClaimVerified.Tests;

/// <summary>A test class whose tests take minutes in all: its collection is started first (<see cref="LongestFirstOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TakesMinutesAttribute : Attribute;

/// <summary>
/// Starts the collections of the classes marked <see cref="TakesMinutesAttribute"/> first, the others after them in
/// xUnit's own order (by unique ID). A class's tests run one after another, and as many tests run at once as there are
/// cores: a class of minutes started late runs alone at the end (the odd half of the swarm's rows started 7 minutes into
/// a 14-minute run, and one core was idle for the last 1.5). Longest first is what keeps a greedy schedule short.
/// </summary>
public sealed class LongestFirstOrderer : ITestCollectionOrderer
{
    /// <summary>The display name xUnit gives a test class's own collection, before the class's full name.</summary>
    private const string ClassCollection = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => TakesMinutes(c) ? 0 : 1).ThenBy(c => c.UniqueID);

    /// <summary>Whether the collection is a marked class's own (a named collection, such as the metered one, never is).</summary>
    public static bool TakesMinutes(ITestCollection collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        var name = collection.DisplayName;
        return name.StartsWith(ClassCollection, StringComparison.Ordinal)
            && typeof(LongestFirstOrderer).Assembly.GetType(name[ClassCollection.Length..]) is { } type
            && type.IsDefined(typeof(TakesMinutesAttribute), inherit: false);
    }
}
