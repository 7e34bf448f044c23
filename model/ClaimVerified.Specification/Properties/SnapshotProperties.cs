using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>The snapshot properties, checked together on every audit.</summary>
public static class SnapshotProperties
{
    public static IReadOnlyList<ISnapshotProperty> All { get; } =
        [new ClaimsSum(), new ClaimsBacked(), new ClaimBound(), new Conservation(), new Expiry(), new Release()];

    /// <summary>The first violated property as "[id] detail", or null.</summary>
    public static string? FirstViolation(HostSnapshot snapshot, Profile profile)
    {
        foreach (var property in All)
        {
            var detail = property.Check(snapshot, profile);
            if (detail is not null)
            {
                return $"[{property.Id}] {detail}";
            }
        }

        return null;
    }
}
