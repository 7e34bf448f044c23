using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using W = ClaimVerified.Model.Generation.GenerationWeights;

namespace ClaimVerified.Model.Generation;

/// <summary>
/// Draws a generated configuration for a profile from a source of choices (Coyote's controlled generator in a run, so
/// that a replay draws the same one): the host (its nodes, their few pages, and on some hosts 2 MiB extents), then each
/// applicable actor kind in or out, then how many of each and their parameters, all from <see cref="GenerationWeights"/>.
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
        var extents = OneIn(choose, W.ExtentHostOneIn) ? 1 + choose(W.MaxDrawnExtentsPerNode) : 0;
        var host = new GeneratedConfig(nodes, pagesPerNode, [], ExtentsPerNode: extents);
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

        return WithVideoRamInMaxPages(actors);
    }

    /// <summary>
    /// A builder whose max_pages fits its build also has room for the video RAM of the configuration's device model:
    /// libxl sets a guest's max_pages to all its memory, video RAM included (libxl__build_pre: xc_domain_setmaxmem of
    /// target_memkb plus the arch's constant), and the build populates that memory less the video RAM
    /// (libxl__build_hvm: target_pages of target_memkb - video_memkb; tools/libs/light/libxl_dom.c, RELEASE-4.22.0),
    /// which QEMU populates (xen_ram_alloc). Without the room, every domain a device model served ran out of max_pages, the
    /// build or the video RAM failing there: a second "max_pages below the build" the draw did not mean, beside the one
    /// it draws on purpose. Made after every choice, so the draw is the same choice for choice; a builder drawn below or
    /// above its size keeps what it drew.
    /// </summary>
    private static ActorSpec[] WithVideoRamInMaxPages(List<ActorSpec> actors)
    {
        var videoPages = actors.Where(a => a.Kind == ActorKind.DeviceModel).Sum(a => (long)a.Steps);
        return [.. actors.Select(a => a.Kind == ActorKind.Builder && a.MaxPages == a.TargetPages ? a with { MaxPages = a.MaxPages + videoPages } : a)];
    }

    private static ActorSpec Actor(Profile profile, GeneratedConfig host, ActorKind kind, string name, Func<int, int> choose)
    {
        var steps = 1 + choose(W.MaxActorSteps);
        return kind switch
        {
            ActorKind.Builder => Builder(profile, host, name, choose),
            // A guest sizes itself against the few pages: on an extent host they are what it competes for with builds.
            ActorKind.BalloonGuest => new ActorSpec(kind, name, MaxPages: 1 + choose((int)host.FewPages), Steps: steps),
            ActorKind.DeviceModel => new ActorSpec(kind, name, Steps: 1 + choose(W.MaxVideoPages)),
            ActorKind.TmemClient => new ActorSpec(kind, name, MaxPages: 1 + choose((int)W.MaxTmemPages), Steps: steps),
            ActorKind.Reaper => new ActorSpec(kind, name),
            _ => new ActorSpec(kind, name, Steps: steps),
        };
    }

    private static ActorSpec Builder(Profile profile, GeneratedConfig host, string name, Func<int, int> choose)
    {
        var total = host.TotalPages;
        // On an extent host a build is of whole 2 MiB extents (a guest's RAM is, but for the few pages a device model
        // adds), so that it populates one extent a call and its scrub may be preempted; elsewhere of pages.
        var unit = host.ExtentsPerNode > 0 ? GeneratedConfig.ExtentPages : 1;
        var nodeUnits = host.ExtentsPerNode > 0 ? host.ExtentsPerNode : host.PagesPerNode;
        var size = OneIn(choose, W.BuilderPastHostOneIn) ? total + 1 + choose(2) : unit * (1 + choose((int)(host.Nodes * nodeUnits)));
        var style = ClaimStyle.Legacy;
        IReadOnlyList<long> nodePages = [size];
        if (host.Nodes > 1 && size <= host.TotalPages && OneIn(choose, W.VnumaOneIn))
        {
            // A vNUMA guest: its pages go to given nodes, each virtual node within the node it is placed on (libxl
            // places vnodes on pnodes that can hold them; a vnode larger than its pnode can never be built, whatever
            // the claim). Its toolstack claims per node where Xen has claim sets (a global claim promises no
            // placement), else it can only make the global claim (the staged numa-placement). On an extent host each
            // virtual node is whole extents too.
            var sizeUnits = size / unit;
            var low = Math.Max(0, sizeUnits - nodeUnits);
            var first = unit * (low + choose((int)(Math.Min(sizeUnits, nodeUnits) - low + 1)));
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
