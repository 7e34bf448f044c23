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
    public async Task RunAsync(Profile profile)
    {
        Specification.RegisterMonitor<InvariantMonitor>();
        Specification.RegisterMonitor<GuaranteeMonitor>();
        var started = new RunStarted(profile.Name, Name);
        Specification.Monitor<InvariantMonitor>(started);
        Specification.Monitor<GuaranteeMonitor>(started);

        var world = new World(profile, Name, Host);
        World.Last = world;
        await Task.WhenAll(Workloads(world));

        world.Audit("teardown");
        foreach (var domain in world.Host.ListDomains())
        {
            world.Do("teardown", $"destroy d{domain.Id}", () => world.Host.DestroyDomain(Caller.Control, domain.Id));
        }

        var final = world.Host.Snapshot();
        Specification.Monitor<InvariantMonitor>(new AllDomainsGone(final));
    }
}
