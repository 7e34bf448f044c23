using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>Page offlining: a machine check or an administrator retires free pages, one at a time, on any node.</summary>
public static class Offliner
{
    public static async Task RunAsync(World world, string actor, int pages)
    {
        for (var i = 0; i < pages; i++)
        {
            await Turn.PassAsync();
            var node = world.Choose(world.Host.NodeCount);
            world.Do(actor, new OfflinePage(Caller.Xen, node), $"offline node={node}");
        }
    }
}
