namespace ClaimVerified.Specification.Properties;

/// <summary>What a property's check returns when the property does not hold: which property, and what is wrong.</summary>
/// <param name="Property">The property's id (<see cref="Properties.Property.Id"/>).</param>
/// <param name="Detail">What is wrong, with the numbers.</param>
public sealed record PropertyViolation(string Property, string Detail)
{
    /// <summary><c>[property] detail</c>, for diagnostics.</summary>
    public override string ToString() => $"{ViolationMessage.Tag(Property)} {Detail}";
}

/// <summary>
/// The one text of a violation, <c>[property] profile P, scenario S: detail (where)</c>: what the monitors assert, so
/// what Coyote reports and a trace's meta.json keeps. Coyote hands a bug back as text only, so this is also the one place
/// that reads the property back out of such a message.
/// </summary>
public static class ViolationMessage
{
    /// <summary><c>[property]</c>: how every text about a violation names its property.</summary>
    public static string Tag(string property) => $"[{property}]";

    /// <summary>The message a monitor asserts for <paramref name="violation"/>.</summary>
    public static string Format(PropertyViolation violation, string profileName, string scenarioName, string where)
    {
        ArgumentNullException.ThrowIfNull(violation);
        return $"{Tag(violation.Property)} profile {profileName}, scenario {scenarioName}: {violation.Detail} ({where})";
    }

    /// <summary>
    /// The property a message (a Coyote bug report, a trace's message) names in its first brackets, or null when it
    /// has none or they name no property of the catalogue.
    /// </summary>
    public static string? PropertyOf(string? message)
    {
        var open = message?.IndexOf('[', StringComparison.Ordinal) ?? -1;
        var close = open < 0 ? -1 : message!.IndexOf(']', open + 1);
        if (close < 0)
        {
            return null;
        }

        var id = message![(open + 1)..close];
        return PropertyCatalogue.Contains(id) ? id : null;
    }
}
