using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>Xen's own heap allocations (d == NULL): they only ever get unclaimed memory. It frees what it took at the end.</summary>
public static class XenAllocator
{
    public static async Task RunAsync(World world, string actor, int steps)
    {
        long heldPages = 0;
        for (var i = 0; i < steps; i++)
        {
            await Turn.PassAsync();
            var order = world.Coin() ? 9 : 0;
            var taken = world.Do(actor, new AllocXenHeap(Caller.Xen, order), $"xen-alloc order={order}");
            heldPages += taken.IsOk ? taken.Value : 0;
        }

        if (heldPages > 0)
        {
            world.Do(actor, new FreeXenHeap(Caller.Xen, heldPages), $"xen-free {heldPages}");
        }
    }
}
