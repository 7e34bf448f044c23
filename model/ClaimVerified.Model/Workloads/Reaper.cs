using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Specification;
using Microsoft.Coyote.Specifications;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator (or a crashing guest) killing a domain that a builder is building, at any point the scheduler
/// chooses: before, during or after its claim. It announces first that the build's promise no longer binds.
/// </summary>
public static class Reaper
{
    public static async Task RunAsync(World world, string actor)
    {
        var domid = await world.WaitForDomainAsync(maxYields: 20);
        if (domid is null)
        {
            return;
        }

        var steps = world.Choose(4);
        for (var i = 0; i < steps; i++)
        {
            await Task.Yield();
        }

        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildReleased(domid.Value));
        world.Do(actor, new DomainKill(Caller.Control, domid.Value));
    }
}
