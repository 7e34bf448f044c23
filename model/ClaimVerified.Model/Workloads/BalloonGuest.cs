using ClaimVerified.Model.Spec;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A self-ballooning Linux guest (drivers/xen/xen-selfballoon.c): every few seconds it sets a target from its
/// committed memory and its balloon driver moves toward it, growing with populate_physmap on itself and shrinking with
/// decrease_reservation, always within max_pages. It holds no claim: its allocations compete with claims through the
/// allocation check.
/// </summary>
public static class BalloonGuest
{
    /// <summary>Creates the guest with <paramref name="startPages"/> and runs <paramref name="steps"/> balloon moves.</summary>
    public static async Task RunAsync(World world, string actor, long startPages, long maxPages, int steps)
    {
        var host = world.Host;
        var created = world.Do(actor, new CreateDomain(Caller.Control, maxPages));
        if (!created.IsOk)
        {
            return;
        }

        var domid = (int)created.Value;
        var self = Caller.Guest(domid);
        for (long pages = 0; pages + 512 <= startPages;)
        {
            var grown = world.Do(actor, new Populate(Caller.Control, domid, 9));
            if (!grown.IsOk)
            {
                break;
            }

            pages += grown.Value;
        }

        for (var step = 0; step < steps; step++)
        {
            await Task.Yield();
            var order = world.Coin() ? 9 : 0;
            if (world.Coin())
            {
                world.Do(actor, new Populate(self, domid, order), $"balloon-up d{domid} order={order}");
            }
            else
            {
                world.Do(actor, new DecreaseReservation(self, domid, order), $"balloon-down d{domid} order={order}");
            }
        }
    }
}
