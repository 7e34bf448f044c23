namespace ClaimVerified.Specification.Properties;

/// <summary>
/// No leak: when every domain is gone, no claim remains and every page that is not offlined, shared, Xen's own or on
/// tmem's private free list is free again. A claim that outlives its domain is capacity nobody can ever use. Pages on
/// tmem's free list (Profile.TmemPrivateFreeList: the ephemeral pages of destroyed pools wait there) are not lost: they
/// are tmem's, counted as freeable by the claim and allocation checks, served to order-0 requests behind the scarcity
/// gate and returned to the heap by the flush control (docs/xen-notes.md R4), so, like Xen's own pages, they are not
/// expected in the free count.
/// </summary>
public sealed class NoLeak() : AllDomainsGoneProperty(
    PropertyIds.NoLeak,
    "When every domain is gone, no claim remains and every page not offlined, shared, Xen's own or on tmem's free list is free.")
{
    public override PropertyViolation? Check(HostSnapshot snapshot)
    {
        if (snapshot.OutstandingPages != 0)
        {
            return Violated($"every domain is gone but outstanding_claims={snapshot.OutstandingPages}");
        }

        var expectedFreePages = snapshot.TotalPages - snapshot.OfflinedPages - snapshot.SharedPages - snapshot.XenHeapPages
            - snapshot.TmemFreeListPages;
        return snapshot.FreePages == expectedFreePages
            ? null
            : Violated($"every domain is gone but free={snapshot.FreePages}, expected {expectedFreePages}");
    }
}
