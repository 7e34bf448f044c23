using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A self-ballooning Linux guest (drivers/xen/xen-selfballoon.c): every few seconds it reads its committed memory and
/// sets a target from it, moving all the way up at once (up-hysteresis 1) but only an eighth of the way down
/// (down-hysteresis 8), never below a floor; its balloon driver then moves toward the target, growing with
/// populate_physmap on itself and shrinking with decrease_reservation, within max_pages. It holds no claim: its
/// allocations compete with claims through the allocation check. Committed memory is Coyote's choice, so the
/// checker explores every demand pattern.
/// </summary>
public static class BalloonGuest
{
    /// <summary>selfballoon_uphysteresis: grow by the whole gap divided by this.</summary>
    public const long UpHysteresis = 1;

    /// <summary>selfballoon_downhysteresis: shrink by an eighth of the gap.</summary>
    public const long DownHysteresis = 8;

    /// <summary>A limit on everything: the balloon driver makes at most this many calls per adjustment.</summary>
    public const int MaxCallsPerStep = 2;

    /// <summary>
    /// Creates the guest with <paramref name="startPages"/> (in 2 MiB extents) and runs <paramref name="steps"/>
    /// self-balloon adjustments.
    /// </summary>
    public static async Task RunAsync(World world, string actor, long startPages, long maxPages, int steps)
    {
        var created = world.Do(actor, new CreateDomain(Caller.Control, maxPages));
        if (!created.IsOk)
        {
            return;
        }

        var domid = (int)created.Value;
        var self = Caller.Guest(domid);
        long currentPages = 0;
        while (currentPages + 512 <= startPages)
        {
            var grown = world.Do(actor, new Populate(Caller.Control, domid, 9));
            if (!grown.IsOk)
            {
                break;
            }

            currentPages += grown.Value;
        }

        var floorPages = Math.Min(1, maxPages);
        for (var step = 0; step < steps; step++)
        {
            await Turn.PassAsync();
            var committedPages = world.Choose((int)Math.Min(maxPages, int.MaxValue - 1) + 1);
            var targetPages = Math.Max(floorPages, Target(currentPages, committedPages));
            for (var call = 0; call < MaxCallsPerStep && targetPages != currentPages; call++)
            {
                var gapPages = Math.Abs(targetPages - currentPages);
                var order = gapPages >= 512 ? 9 : 0;
                var result = targetPages > currentPages
                    ? world.Do(actor, new Populate(self, domid, order), $"balloon-up d{domid} order={order}")
                    : world.Do(actor, new DecreaseReservation(self, domid, order), $"balloon-down d{domid} order={order}");
                if (!result.IsOk)
                {
                    break;
                }

                currentPages += targetPages > currentPages ? result.Value : -result.Value;
            }
        }
    }

    /// <summary>selfballoon_process: the new target from the current size and the committed memory.</summary>
    public static long Target(long currentPages, long committedPages) =>
        currentPages > committedPages ? currentPages - DivRoundUp(currentPages - committedPages, DownHysteresis)
        : currentPages < committedPages ? currentPages + DivRoundUp(committedPages - currentPages, UpHysteresis)
        : currentPages;

    private static long DivRoundUp(long value, long divisor) => (value + divisor - 1) / divisor;
}
