using ClaimVerified.Model.Monitors;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using Microsoft.Coyote.Specifications;

namespace ClaimVerified.Model.Scenarios;

/// <summary>
/// A scenario: which workloads race, on which host. <see cref="Workloads"/> starts them (as tasks Coyote controls) on
/// a fresh world; <see cref="RunAsync"/> waits for them, audits, destroys every domain and makes the final audit.
/// </summary>
public sealed record Scenario(
    string Name,
    string MethodName,
    string Summary,
    HostConfig Host,
    Func<World, Task[]> Workloads)
{
    /// <summary>Runs the scenario once, for <paramref name="profile"/>, under Coyote's control.</summary>
    public Task RunAsync(Profile profile) => RunAsync(profile, monitored: true);

    /// <summary>
    /// Runs the scenario once. Unmonitored runs register no monitor, so no property violation ends the exploration:
    /// what the linearizability check uses, since it judges every execution's history itself.
    /// </summary>
    public async Task RunAsync(Profile profile, bool monitored)
    {
        if (monitored)
        {
            Specification.RegisterMonitor<InvariantMonitor>();
            Specification.RegisterMonitor<GuaranteeMonitor>();
            var started = new RunStarted(profile.Name, Name);
            Specification.Monitor<InvariantMonitor>(started);
            Specification.Monitor<GuaranteeMonitor>(started);
        }

        var world = new World(profile, Name, Host);
        World.Last = world;
        await Task.WhenAll(Workloads(world));

        world.Audit("teardown");
        foreach (var domain in world.Host.ListDomains())
        {
            world.Do("teardown", new Spec.DestroyDomain(Caller.Control, domain.Id));
        }

        world.Completed = true;
        var final = world.Host.Snapshot();
        Specification.Monitor<InvariantMonitor>(new AllDomainsGone(final));
    }
}
