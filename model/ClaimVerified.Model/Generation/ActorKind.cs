using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Generation;

/// <summary>The kinds of actor a generated configuration may contain (issue "Generated exploration", item 1).</summary>
public enum ActorKind
{
    /// <summary>A toolstack thread building a domain as libxenguest does (create, claim, populate, cancel the claim).</summary>
    Builder,

    /// <summary>A toolstack thread that stakes, changes and releases claims on any domain (xl claim-mode callers, or any other toolstack).</summary>
    ClaimToolstack,

    /// <summary>A self-ballooning guest: populate and decrease_reservation on itself.</summary>
    BalloonGuest,

    /// <summary>A guest putting pages into tmem pools and flushing them.</summary>
    TmemClient,

    /// <summary>An administrator killing any domain (domain_kill).</summary>
    Reaper,

    /// <summary>Page offlining (machine checks, xen-hptool): free pages leave the heap.</summary>
    Offliner,

    /// <summary>The dedup daemon sharing pages of any domain.</summary>
    Sharer,

    /// <summary>Xen's own heap allocations (d == NULL).</summary>
    XenAllocator,

    /// <summary>A device model giving any domain no-refcount "extra" pages.</summary>
    ExtraPages,

    /// <summary>
    /// A device model and the toolstack thread that started it: populates a few pages of video RAM in a domain a builder
    /// created (while it is built, or after), then unpauses it (xen_ram_alloc, XEN_DOMCTL_unpausedomain; every Xen has
    /// both calls).
    /// </summary>
    DeviceModel,

    /// <summary>An administrator lowering (or raising) any domain's max_pages (xl mem-max).</summary>
    MaxMemAdmin,

    /// <summary>An administrator reading physinfo and auditing: changes nothing.</summary>
    Observer,

    /// <summary>
    /// A thread making a fixed sequence of public hypercalls (as the control domain, or as=dN as a guest), written
    /// as conformance-script lines, on the configuration's domains, auditing after each (the random-operations mode,
    /// in the spirit of Lincheck). Never drawn into the swarm of <c>generated</c>: the <c>random-ops</c> scenario draws
    /// callers alone.
    /// </summary>
    Caller,
}

/// <summary>
/// The one table of actor kinds x profiles: which kinds a profile's Xen has a caller for. Public hypercalls (claims,
/// populate, decrease, max_mem, kill, destroy, physinfo, getdomaininfo, sharing) may be made by any privileged caller at
/// any time: that is the hypervisor's contract, so those kinds apply everywhere. Xen's internal allocation paths, and
/// interfaces a version lacks, run only where some code of that version makes the call. The staged scenarios take
/// their reasons from here too, so the two cannot disagree.
/// </summary>
public static class ActorKinds
{
    public static IReadOnlyList<ActorKind> All { get; } = Enum.GetValues<ActorKind>();

    /// <summary>Whether an actor of this kind changes the host's state (the generator wants at least two that do).</summary>
    public static bool ChangesState(ActorKind kind) => kind != ActorKind.Observer;

    /// <summary>Whether the actor is a privileged caller acting on a domain someone else owns.</summary>
    public static bool ActsOnOthers(ActorKind kind) =>
        kind is ActorKind.ClaimToolstack or ActorKind.Reaper or ActorKind.Sharer or ActorKind.ExtraPages or ActorKind.DeviceModel
            or ActorKind.MaxMemAdmin;

    /// <summary>Why no code of <paramref name="profile"/>'s Xen makes this kind's calls; null when some code does.</summary>
    public static string? NotApplicable(ActorKind kind, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return kind switch
        {
            ActorKind.ExtraPages when !profile.ExtraPagesHaveACaller =>
                "no code of this Xen allocates owned no-refcount pages for a guest (the first callers, ioreq and vLAPIC "
                + "pages, came in 4.14: 0a393d881f, ea3daabff5)",
            ActorKind.TmemClient when !profile.Tmem =>
                "tmem was removed from the hypervisor in 4.13 (c492e19fdd): its hypercalls only return an error",
            ActorKind.ClaimToolstack when !profile.ClaimsSupported =>
                "this Xen has no claim hypercall (claims came in 4.3: 65c9792df6)",
            _ => null,
        };
    }

    /// <summary>The kinds a generated configuration may contain on <paramref name="profile"/>.</summary>
    public static IReadOnlyList<ActorKind> ApplicableTo(Profile profile) =>
        All.Where(kind => NotApplicable(kind, profile) is null).ToArray();

    /// <summary>The kinds the swarm of the <c>generated</c> scenario draws from: the applicable ones but callers.</summary>
    public static IReadOnlyList<ActorKind> Swarm(Profile profile) =>
        ApplicableTo(profile).Where(kind => kind != ActorKind.Caller).ToArray();
}
