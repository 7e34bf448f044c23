using ClaimVerified.Model.Spec;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// Page sharing: the dedup daemon nominates pages of a domain under construction and moves them to the shared owner.
/// tot_pages drops without a page reaching the heap.
/// </summary>
public static class Sharer
{
    public static async Task RunAsync(World world, string actor, int pages)
    {
        var domid = await world.WaitForDomainAsync(maxYields: 20);
        if (domid is null)
        {
            return;
        }

        for (var i = 0; i < pages; i++)
        {
            await Task.Yield();
            world.Do(actor, new SharePage(Caller.Control, domid.Value));
        }
    }
}
