namespace ClaimVerified.Specification.Properties;

/// <summary>
/// Admin view: what an administrator sees is consistent. physinfo (free and outstanding read together under
/// heap_lock) never reports more outstanding than free, so <c>xl info</c>'s free_memory, computed as
/// free_pages - outstanding_pages in unsigned 64-bit arithmetic, never wraps to a huge number.
/// </summary>
public sealed class AdminView() : PhysInfoProperty(
    PropertyIds.AdminView,
    "physinfo never reports more outstanding than free pages, so xl info's free_memory never wraps.")
{
    public override PropertyViolation? Check(ClaimVerified.PhysInfo info)
    {
        return info.OutstandingPages <= info.FreePages
            ? null
            : Violated($"physinfo free_pages={info.FreePages} outstanding_pages={info.OutstandingPages}: "
                + $"xl info prints free_memory={info.XlFreeMemoryPages} pages");
    }
}
