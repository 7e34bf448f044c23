namespace ClaimVerified.Model.Workloads;

/// <summary>
/// An administrator watching the host: <c>xl info</c> (physinfo) and a full audit, at points the scheduler chooses.
/// This is how properties that only hold outside critical sections are checked faithfully: exactly where a real
/// observer could look. The world also judges the state at every point no core lock is held (<see cref="World"/>'s
/// quiescent audit), so what an observer adds is physinfo (the admin view) and its looks while another thread holds a
/// lock (an audit that waited for it).
/// </summary>
public static class Observer
{
    public static async Task RunAsync(World world, string actor, int looks)
    {
        for (var i = 0; i < looks; i++)
        {
            await Turn.PassAsync();
            world.ObservePhysInfo(actor);
            world.Audit(actor);
        }
    }

    /// <summary>
    /// An administrator who only audits (no physinfo): beside a domain_kill, whose continuations Xen lets others
    /// observe (the claim released, the pages not yet relinquished) while the specification's kill is one step, a
    /// physinfo there would be judged non-linearizable for a reason every design shares. The audit still sees each
    /// state between the kill's continuations, which is where kill-final is judged.
    /// </summary>
    public static async Task AuditAsync(World world, string actor, int looks)
    {
        for (var i = 0; i < looks; i++)
        {
            await Turn.PassAsync();
            world.Audit(actor);
        }
    }
}
