namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator watching the host: <c>xl info</c> (physinfo) and a full audit, at points the scheduler chooses.
/// This is how properties that only hold outside critical sections are checked faithfully: exactly where a real
/// observer could look.
/// </summary>
public static class Observer
{
    public static async Task RunAsync(World world, string actor, int looks)
    {
        for (var i = 0; i < looks; i++)
        {
            await Task.Yield();
            world.ObservePhysInfo(actor);
            world.Audit(actor);
        }
    }
}
