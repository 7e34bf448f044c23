using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator changing a domain's max_pages (xl mem-max) while it is being built. The build's promise is void
/// from here on: it may now fail with E2BIG, which is the administrator's will, not a broken claim.
/// </summary>
public static class MaxMemAdmin
{
    /// <summary>
    /// Halves max_pages of a published domain (the staged story), or, with <see cref="DomainTarget.Any"/>, sets any
    /// domain's max_pages to a value Coyote chooses between 0 and twice the current one (lowered or raised), once or
    /// <paramref name="acts"/> times, each on a domain chosen when it acts.
    /// </summary>
    public static async Task RunAsync(World world, string actor, DomainTarget target = DomainTarget.Published, int acts = 1)
    {
        for (var i = 0; i < acts; i++)
        {
            await ActAsync(world, actor, target);
        }
    }

    private static Task ActAsync(World world, string actor, DomainTarget target) => world.OnPublishedDomainAsync(async domid =>
    {
        await Turn.PassAsync();
        if (world.Host.GetDomainInfo(domid) is { } info)
        {
            var newMaxPages = target == DomainTarget.Published ? info.MaxPages / 2
                : world.Choose((int)Math.Min(2 * info.MaxPages, int.MaxValue - 1) + 1);
            world.DoVoidingBuild(actor, domid, new SetMaxPages(Caller.Control, domid, newMaxPages), $"mem-max d{domid} {newMaxPages}");
        }
    }, target);
}
