namespace ClaimVerified.Specification.Properties;

/// <summary>
/// The names of the properties the model checks. Every violation message starts with the name in brackets, so that
/// the manifest, the traces and the tests can match on it.
/// </summary>
public static class PropertyIds
{
    public const string ClaimsSum = "claims-sum";
    public const string ClaimsBacked = "claims-backed";
    public const string ClaimBound = "claim-bound";
    public const string Conservation = "conservation";
    public const string Expiry = "expiry";
    public const string Release = "release";
    public const string Guarantee = "guarantee";
    public const string AdminView = "admin-view";
    public const string NoLeak = "no-leak";

    public static IReadOnlyList<string> All { get; } =
        [ClaimsSum, ClaimsBacked, ClaimBound, Conservation, Expiry, Release, Guarantee, AdminView, NoLeak];

    /// <summary>The property named at the start of a violation message ("[claims-backed] ..."), or null.</summary>
    public static string? FromMessage(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var start = message.IndexOf('[', StringComparison.Ordinal);
        var end = message.IndexOf(']', StringComparison.Ordinal);
        if (start < 0 || end <= start)
        {
            return null;
        }

        var id = message[(start + 1)..end];
        return All.Contains(id) ? id : null;
    }
}
