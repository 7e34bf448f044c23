using System.Reflection;
using System.Text.RegularExpressions;
using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Specification;

namespace ClaimVerified.Tests.Spec;

/// <summary>
/// Rule ids are names declared once: each is unique and reads <c>operation.name-result</c>, and the packed engine
/// names every one of them (through its Follows attributes) on exactly one of its methods.
/// </summary>
public sealed partial class RulesTests
{
    [Fact]
    public void Every_rule_id_is_unique_and_reads_operation_name_result()
    {
        Assert.Equal(Rules.All.Count, Rules.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(Rules.All, id => Assert.Matches(IdShape(), id));
        Assert.Equal(Rules.CreateNotPrivileged, Rules.All[0]);
        Assert.Equal(Rules.DomainInfoUnknownDomain, Rules.All[^1]);
    }

    [Fact]
    public void The_packed_engine_follows_every_rule_on_exactly_one_method()
    {
        var followed = typeof(PackedSpec)
            .GetMethods(BindingFlags.Instance | BindingFlags.NonPublic)
            .SelectMany(m => m.GetCustomAttributes())
            .Where(a => a.GetType().Name == "FollowsAttribute")
            .SelectMany(a => (IReadOnlyList<string>)a.GetType().GetProperty("Rules")!.GetValue(a)!)
            .ToArray();
        Assert.Equal(Rules.All.Order(StringComparer.Ordinal), followed.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*-(ok|rc|E[A-Z0-9]+)$")]
    private static partial Regex IdShape();
}
