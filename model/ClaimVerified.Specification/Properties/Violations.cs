namespace ClaimVerified.Specification.Properties;

/// <summary>The one format of a violation message: "[property] profile P, scenario S: detail (where)".</summary>
public static class Violations
{
    public static string Format(string? violation, string profileName, string scenarioName, string where)
    {
        if (violation is null)
        {
            return "";
        }

        var close = violation.IndexOf(']', StringComparison.Ordinal);
        var id = violation[..(close + 1)];
        var detail = violation[(close + 1)..].Trim();
        return $"{id} profile {profileName}, scenario {scenarioName}: {detail} ({where})";
    }
}
