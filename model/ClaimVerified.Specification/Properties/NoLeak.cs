namespace ClaimVerified.Specification.Properties;

/// <summary>
/// No leak: when every domain is gone, no claim remains and every page that is not offlined, shared or Xen's own is
/// free again. A claim that outlives its domain is capacity nobody can ever use.
/// </summary>
public sealed class NoLeak() : AllDomainsGoneProperty(
    PropertyIds.NoLeak,
    "When every domain is gone, no claim remains and every page not offlined, shared or Xen's own is free.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot)
    {
        if (snapshot.OutstandingPages != 0)
        {
            return Violated($"every domain is gone but outstanding_claims={snapshot.OutstandingPages}");
        }

        var expectedFreePages = snapshot.TotalPages - snapshot.OfflinedPages - snapshot.SharedPages - snapshot.XenHeapPages;
        return snapshot.FreePages == expectedFreePages
            ? null
            : Violated($"every domain is gone but free={snapshot.FreePages}, expected {expectedFreePages}");
    }
}
