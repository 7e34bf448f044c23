using ClaimVerified.Model.Workloads;

namespace ClaimVerified.Model.Generation;

/// <summary>Starts the actors of a generated configuration on a world, each as a task Coyote controls.</summary>
public static class GeneratedActors
{
    public static Task[] Start(World world, GeneratedConfig config)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(config);
        return config.Actors.Select(actor => Task.Run(() => Run(world, actor))).ToArray();
    }

    private static Task Run(World world, ActorSpec a) => a.Kind switch
    {
        ActorKind.Builder => Builder.RunAsync(world, a.Name, [.. a.NodePages!], a.Style, a.MayDestroy, a.MaxPages),
        ActorKind.ClaimToolstack => ClaimToolstack.RunAsync(world, a.Name, a.Steps),
        ActorKind.BalloonGuest => BalloonGuest.RunAsync(world, a.Name, a.StartPages, a.MaxPages, a.Steps),
        ActorKind.TmemClient => TmemClient.RunAsync(world, a.Name, a.MaxPages, a.Steps),
        ActorKind.Reaper => Reaper.RunAsync(world, a.Name, DomainTarget.Any),
        ActorKind.Offliner => Offliner.RunAsync(world, a.Name, a.Steps),
        ActorKind.Sharer => Sharer.RunAsync(world, a.Name, a.Steps, DomainTarget.Any),
        ActorKind.XenAllocator => XenAllocator.RunAsync(world, a.Name, a.Steps),
        ActorKind.ExtraPages => ExtraPagesAllocator.RunAsync(world, a.Name, a.Steps, DomainTarget.Any),
        ActorKind.MaxMemAdmin => MaxMemAdmin.RunAsync(world, a.Name, DomainTarget.Any),
        ActorKind.Observer => Observer.RunAsync(world, a.Name, a.Steps),
        _ => throw new ArgumentOutOfRangeException(nameof(a), a.Kind, "unknown actor kind"),
    };
}
