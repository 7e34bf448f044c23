using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using W = ClaimVerified.Model.Generation.GenerationWeights;

namespace ClaimVerified.Model.Generation;

/// <summary>
/// Draws a generated configuration for a profile from a source of choices (Coyote's controlled generator in a run, so
/// that a replay draws the same one): the host, then each applicable actor kind in or out, then how many of each and
/// their parameters, all from <see cref="GenerationWeights"/>.
/// </summary>
public static class ConfigDraw
{
    /// <summary><paramref name="choose"/>(n) returns a number in [0, n).</summary>
    public static GeneratedConfig Draw(Profile profile, Func<int, int> choose)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(choose);
        var nodes = OneIn(choose, W.TwoNodesOneIn) ? 2 : 1;
        var pagesPerNode = W.PagesPerNode[choose(W.PagesPerNode.Length)];
        var host = new GeneratedConfig(nodes, pagesPerNode, []);
        var kinds = ActorKinds.Swarm(profile);
        for (var draw = 0; draw < W.MaxRedraws; draw++)
        {
            var present = kinds.Where(_ => !OneIn(choose, W.AbsentOneIn)).ToArray();
            if (present.Count(ActorKinds.ChangesState) >= W.MinStateChangers)
            {
                return host with { Actors = Actors(profile, host, present, choose) };
            }
        }

        return host with { Actors = Actors(profile, host, [ActorKind.Builder, ActorKind.Builder], choose) };
    }

    private static ActorSpec[] Actors(Profile profile, GeneratedConfig host, IReadOnlyList<ActorKind> present, Func<int, int> choose)
    {
        var actors = new List<ActorSpec>();
        foreach (var kind in present)
        {
            var count = kind == ActorKind.Builder && !actors.Any(a => a.Kind == ActorKind.Builder) ? 1 + choose(W.MaxBuilders) : 1;
            for (var i = 0; i < count; i++)
            {
                var name = $"{ActorSpec.KindName(kind)}{actors.Count(a => a.Kind == kind) + 1}";
                actors.Add(Actor(profile, host, kind, name, choose));
            }
        }

        return [.. actors];
    }

    private static ActorSpec Actor(Profile profile, GeneratedConfig host, ActorKind kind, string name, Func<int, int> choose)
    {
        var total = host.TotalPages;
        var steps = 1 + choose(W.MaxActorSteps);
        return kind switch
        {
            ActorKind.Builder => Builder(profile, host, name, choose),
            ActorKind.BalloonGuest => new ActorSpec(kind, name, MaxPages: 1 + choose((int)total), Steps: steps),
            ActorKind.TmemClient => new ActorSpec(kind, name, MaxPages: 1 + choose((int)W.MaxTmemPages), Steps: steps),
            ActorKind.Reaper => new ActorSpec(kind, name),
            _ => new ActorSpec(kind, name, Steps: steps),
        };
    }

    private static ActorSpec Builder(Profile profile, GeneratedConfig host, string name, Func<int, int> choose)
    {
        var total = host.TotalPages;
        var size = OneIn(choose, W.BuilderPastHostOneIn) ? total + 1 + choose(2) : 1 + choose((int)total);
        var style = ClaimStyle.Legacy;
        IReadOnlyList<long> nodePages = [size];
        if (host.Nodes > 1 && size <= host.TotalPages && OneIn(choose, W.VnumaOneIn))
        {
            // A vNUMA guest: its pages go to given nodes, each virtual node within the node it is placed on (libxl
            // places vnodes on pnodes that can hold them; a vnode larger than its pnode can never be built, whatever
            // the claim). Its toolstack claims per node where Xen has claim sets (a global claim promises no
            // placement), else it can only make the global claim (the staged numa-placement).
            var low = Math.Max(0, size - host.PagesPerNode);
            var first = low + choose((int)(Math.Min(size, host.PagesPerNode) - low + 1));
            nodePages = [first, size - first];
            style = profile.NodeClaims ? ClaimStyle.PerNode : ClaimStyle.Legacy;
        }
        else if (profile.SoftClaims && OneIn(choose, W.SoftOneIn))
        {
            style = ClaimStyle.Soft;
        }

        var placed = host.Nodes > 1 && nodePages.Count == 1 && profile.NodeAffinity != NodeAffinityDomctl.None && OneIn(choose, W.PlacedOneIn);
        var maxPages = choose(W.MaxPagesOffOneIn) switch
        {
            0 => Math.Max(0, size - 1 - choose((int)size)),
            1 => size + 1 + choose((int)total),
            _ => size,
        };
        return new ActorSpec(ActorKind.Builder, name, nodePages, maxPages, style, OneIn(choose, W.MayDestroyOneIn), Placed: placed);
    }

    private static bool OneIn(Func<int, int> choose, int n) => choose(n) == 0;
}
