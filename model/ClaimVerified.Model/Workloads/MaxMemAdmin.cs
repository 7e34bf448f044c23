using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Specification;
using Microsoft.Coyote.Specifications;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator lowering a domain's max_pages (xl mem-max) while it is being built. The build's promise is void
/// from here on: it may now fail with E2BIG, which is the administrator's will, not a broken claim.
/// </summary>
public static class MaxMemAdmin
{
    public static async Task RunAsync(World world, string actor)
    {
        var domid = await world.WaitForDomainAsync(maxYields: 20);
        if (domid is null)
        {
            return;
        }

        await Task.Yield();
        var info = world.Host.GetDomainInfo(domid.Value);
        if (info is null)
        {
            return;
        }

        var newMaxPages = info.MaxPages / 2;
        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildReleased(domid.Value));
        world.Do(actor, new SetMaxPages(Caller.Control, domid.Value, newMaxPages), $"mem-max d{domid} {newMaxPages}");
    }
}
