using ClaimVerified.Profiles;

namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Conservation: no page is lost or invented. Free pages, every domain's pages, Xen's own, offlined, shared, tmem's
/// ephemeral pages and its private free list, and pages on their way from the heap to a domain add up to the host's
/// total at every point.
/// </summary>
public sealed class Conservation() : SnapshotProperty(PropertyIds.Conservation, "free + every domain's pages + Xen's own + offlined + shared + tmem (pools and free list) + in flight = the host's total pages.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot, Profile profile) =>
        snapshot.AccountedPages == snapshot.TotalPages
            ? null
            : Violated($"{snapshot.AccountedPages} pages accounted for, host has {snapshot.TotalPages} ({snapshot.Describe()})");
}
