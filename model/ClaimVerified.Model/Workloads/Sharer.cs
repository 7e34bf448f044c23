using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// Page sharing: the dedup daemon nominates pages of a domain under construction and moves them to the shared owner.
/// tot_pages drops without a page reaching the heap.
/// </summary>
public static class Sharer
{
    public static Task RunAsync(World world, string actor, int pages, DomainTarget target = DomainTarget.Published) =>
        world.RepeatOnPublishedDomainAsync(actor, pages, domid => (new SharePage(Caller.Control, domid), null), target);
}
