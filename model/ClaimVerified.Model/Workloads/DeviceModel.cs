using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// A device model started for a domain under construction, and the toolstack thread that started it: QEMU populates the
/// guest's video RAM (xen_ram_alloc -> xc_domain_populate_physmap_exact, 4 KiB extents), then the domain is unpaused
/// (XEN_DOMCTL_unpausedomain). libxl does both after the build, in that order (domcreate_launch_dm, then xl's
/// libxl_domain_unpause); this thread does them while the builder may still be populating, which is what a toolstack of
/// two threads, or an administrator's <c>xl unpause</c>, does, and what 4.22's stash does not support
/// (83a784a15b: "designed to be used with a single threaded domain builder").
/// </summary>
public static class DeviceModel
{
    public static Task RunAsync(World world, string actor, int videoPages) =>
        world.OnPublishedDomainAsync(async domid =>
        {
            for (var page = 0; page < videoPages; page++)
            {
                await Turn.PassAsync();
                world.DoOthersPopulate(actor, domid, new Populate(Caller.Control, domid, 0), $"video-ram d{domid} order=0");
            }

            await Turn.PassAsync();
            world.Do(actor, new Unpause(Caller.Control, domid));
        });
}
