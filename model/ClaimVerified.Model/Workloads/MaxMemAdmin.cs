using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator lowering a domain's max_pages (xl mem-max) while it is being built. The build's promise is void
/// from here on: it may now fail with E2BIG, which is the administrator's will, not a broken claim.
/// </summary>
public static class MaxMemAdmin
{
    public static Task RunAsync(World world, string actor) => world.OnPublishedDomainAsync(async domid =>
    {
        await Task.Yield();
        if (world.Host.GetDomainInfo(domid) is { } info)
        {
            var newMaxPages = info.MaxPages / 2;
            world.DoVoidingBuild(actor, domid, new SetMaxPages(Caller.Control, domid, newMaxPages), $"mem-max d{domid} {newMaxPages}");
        }
    });
}
