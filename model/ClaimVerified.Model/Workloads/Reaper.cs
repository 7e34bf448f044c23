using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator (or a crashing guest) killing a domain that a builder is building, at any point the scheduler
/// chooses: before, during or after its claim. It announces first that the build's promise no longer binds.
/// </summary>
public static class Reaper
{
    public static Task RunAsync(World world, string actor, DomainTarget target = DomainTarget.Published) => world.OnPublishedDomainAsync(async domid =>
    {
        var steps = world.Choose(4);
        for (var i = 0; i < steps; i++)
        {
            await Turn.PassAsync();
        }

        world.DoVoidingBuild(actor, domid, new DomainKill(Caller.Control, domid));
    }, target);
}
