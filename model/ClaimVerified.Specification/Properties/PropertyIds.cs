namespace ClaimVerified.Specification.Properties;

/// <summary>
/// The properties' ids, for code that names one property (a property's own declaration, a switch, a test). The set of
/// properties is <see cref="PropertyCatalogue.All"/>; a test checks that every id here names one of them and the reverse.
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
    public const string KillFinal = "kill-final";
    public const string PhysInfoAtomic = "physinfo-atomic";
}
