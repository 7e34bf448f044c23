namespace ClaimVerified.Specification.Properties;

/// <summary>
/// physinfo atomic: physinfo returns free pages and outstanding claims as the host held them together at one instant
/// during the call. Xen reads both under one heap_lock section (get_outstanding_claims, 65c9792df6; physinfo,
/// bec8f17e48), so an administrator comparing them compares numbers that belong together. A physinfo that read them in
/// two sections could pair free pages from before an allocation with claims from after it. No single state shows this:
/// the model records the heap's two totals at the end of every heap_lock section (the only place they change) and judges
/// each physinfo against the states held while it ran.
/// </summary>
public sealed class PhysInfoAtomic() : Property(
    PropertyIds.PhysInfoAtomic,
    "physinfo returns free pages and outstanding claims that the host held together at one instant during the call.",
    PropertyKind.Run)
{
    /// <summary>
    /// Judges a physinfo result against <paramref name="heldDuringCall"/>: the (free, outstanding) pairs the host held
    /// from the call's start to its return, in order.
    /// </summary>
    public PropertyViolation? Check(long freePages, long outstandingPages, IReadOnlyList<(long FreePages, long OutstandingPages)> heldDuringCall)
    {
        ArgumentNullException.ThrowIfNull(heldDuringCall);
        return heldDuringCall.Contains((freePages, outstandingPages))
            ? null
            : Violated($"physinfo returned free={freePages} outstanding={outstandingPages}, a pair the host never held during the call "
                + $"(it held {string.Join(", ", heldDuringCall.Select(p => $"free={p.FreePages} outstanding={p.OutstandingPages}"))})");
    }
}
