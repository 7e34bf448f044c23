using ClaimVerified.Model.Workloads;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Generation;

/// <summary>
/// Starts a generated configuration on a world: first the control domain creates the configuration's domains (one
/// after another, before anyone else runs, and publishes them), then names every actor for the scenario to start.
/// </summary>
public static class GeneratedActors
{
    public static Func<Task>[] Start(World world, GeneratedConfig config)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(config);
        var domids = (config.Domains ?? []).Select(max => world.Do("setup", new CreateDomain(Caller.Control, max)))
            .Select(created => created.IsOk ? (int)created.Value : Spec.DomIdLimit).ToArray();
        foreach (var domid in domids.Where(id => id != Spec.DomIdLimit))
        {
            world.Publish("setup", domid);
        }

        var calls = config.Actors.Any(a => a.Kind == ActorKind.Caller) ? CallScript.Parse(config, world.Profile) : null;
        return [.. config.Actors.Select(actor => (Func<Task>)(() => Run(world, actor, calls, domids)))];
    }

    private static Task Run(World world, ActorSpec a, IReadOnlyDictionary<string, IReadOnlyList<CallStep>>? calls, int[] domids) => a.Kind switch
    {
        ActorKind.Builder => Builder.RunAsync(world, a.Name, [.. a.NodePages!], a.Style, a.MayDestroy, a.MaxPages, a.Placed),
        ActorKind.ClaimToolstack => ClaimToolstack.RunAsync(world, a.Name, a.Steps),
        ActorKind.BalloonGuest => BalloonGuest.RunAsync(world, a.Name, a.StartPages, a.MaxPages, a.Steps),
        ActorKind.TmemClient => TmemClient.RunAsync(world, a.Name, a.MaxPages, a.Steps),
        ActorKind.Reaper => Reaper.RunAsync(world, a.Name, DomainTarget.Any),
        ActorKind.Offliner => Offliner.RunAsync(world, a.Name, a.Steps),
        ActorKind.Sharer => Sharer.RunAsync(world, a.Name, a.Steps, DomainTarget.Any),
        ActorKind.XenAllocator => XenAllocator.RunAsync(world, a.Name, a.Steps),
        ActorKind.ExtraPages => ExtraPagesAllocator.RunAsync(world, a.Name, a.Steps, DomainTarget.Any),
        ActorKind.DeviceModel => DeviceModel.RunAsync(world, a.Name, a.Steps),
        ActorKind.MaxMemAdmin => MaxMemAdmin.RunAsync(world, a.Name, DomainTarget.Any, Math.Max(1, a.Steps)),
        ActorKind.Observer => Observer.RunAsync(world, a.Name, a.Steps),
        ActorKind.Caller => CallerThread.RunAsync(world, a.Name,
            [.. calls![a.Name].Select(call => call.Bind(domids))]),
        _ => throw new ArgumentOutOfRangeException(nameof(a), a.Kind, "unknown actor kind"),
    };
}
