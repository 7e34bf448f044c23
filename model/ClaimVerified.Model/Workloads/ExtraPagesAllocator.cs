using ClaimVerified.Model.Spec;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A toolstack or device-model thread giving a domain under construction its special pages (ioreq servers, grant
/// frames) as no-refcount "extra" allocations while the builder populates it.
/// </summary>
public static class ExtraPagesAllocator
{
    public static async Task RunAsync(World world, string actor, int extents)
    {
        var domid = await world.WaitForDomainAsync(maxYields: 20);
        if (domid is null)
        {
            return;
        }

        for (var i = 0; i < extents; i++)
        {
            await Task.Yield();
            var order = world.Coin() ? 9 : 0;
            world.Do(actor, new AllocExtraPages(Caller.Control, domid.Value, order), $"alloc-extra d{domid} order={order}");
        }
    }
}
