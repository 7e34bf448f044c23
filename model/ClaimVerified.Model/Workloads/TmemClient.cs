using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A guest using tmem (Xen &lt;= 4.12): it puts clean page-cache pages into an ephemeral pool and swap pages into a
/// persistent pool, and flushes them again. Ephemeral pages are freeable: the hypervisor may take them back on demand.
/// </summary>
public static class TmemClient
{
    public static async Task RunAsync(World world, string actor, long maxPages, int steps)
    {
        var host = world.Host;
        var created = world.Do(actor, new CreateDomain(Caller.Control, maxPages));
        if (!created.IsOk)
        {
            return;
        }

        var domid = (int)created.Value;
        var self = Caller.Guest(domid);
        for (var step = 0; step < steps; step++)
        {
            await Turn.PassAsync();
            var pool = world.Choose(4) == 0 ? TmemPool.Persistent : TmemPool.Ephemeral;
            var name = pool.ToString().ToLowerInvariant();
            if (world.Choose(3) > 0)
            {
                world.Do(actor, new TmemPut(self, domid, pool), $"tmem-put d{domid} {name}");
            }
            else
            {
                world.Do(actor, new TmemFlush(self, domid, pool), $"tmem-flush d{domid} {name}");
            }
        }
    }
}
