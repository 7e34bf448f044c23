using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A toolstack or device-model thread giving a domain under construction its special pages (ioreq servers, grant
/// frames) as no-refcount "extra" allocations while the builder populates it.
/// </summary>
public static class ExtraPagesAllocator
{
    public static Task RunAsync(World world, string actor, int extents, DomainTarget target = DomainTarget.Published) =>
        world.RepeatOnPublishedDomainAsync(actor, extents, domid =>
        {
            var order = world.Coin() ? 9 : 0;
            return (new AllocExtraPages(Caller.Control, domid, order), $"alloc-extra d{domid} order={order}");
        }, target);
}
