using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Scenarios;

/// <summary>
/// Every scenario. Sizes are small on purpose: a window of one page is as real as one of 512, and small hosts keep an
/// execution to a few dozen scheduling decisions, so Coyote explores thousands a second. builders-race and the NUMA
/// scenario use 2 MiB extents to exercise the 1 GiB -> 2 MiB -> 4 KiB fallback.
/// </summary>
public static class ScenarioCatalogue
{
    /// <summary>How a builder claims on this profile: per node where claim sets exist, else the legacy call.</summary>
    private static ClaimStyle NodeStyle(Profile profile) => profile.NodeClaims ? ClaimStyle.PerNode : ClaimStyle.Legacy;

    public static readonly Scenario BuildersRace = new(
        "builders-race", nameof(CoyoteEntryPoints.BuildersRace),
        "two toolstack threads build domains that do not both fit; an administrator watches",
        new HostConfig(1, 2048),
        w =>
        [
            () => Builder.RunAsync(w, "builder1", [1024 + w.Choose(3)], ClaimStyle.Legacy, mayDestroy: false),
            () => Builder.RunAsync(w, "builder2", [1024 + w.Choose(3)], ClaimStyle.Legacy, mayDestroy: false),
            () => Observer.RunAsync(w, "admin", 2),
        ]);

    public static readonly Scenario ClaimWindow = new(
        "claim-window", nameof(CoyoteEntryPoints.ClaimWindow),
        "a builder claims nearly all memory and populates while Xen allocates for itself and an administrator watches",
        new HostConfig(1, 10),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [8], ClaimStyle.Legacy, mayDestroy: false),
            () => XenAllocator.RunAsync(w, "xen", 2),
            () => Observer.RunAsync(w, "admin", 2),
        ]);

    public static readonly Scenario ExtraPages = new(
        "extra-pages", nameof(CoyoteEntryPoints.ExtraPages),
        "a device-model thread gives the domain under construction no-refcount pages while a balloon guest competes"
        + " (no observer: the audit at every point no lock is held judges its states, and claim-window covers what an observer's physinfo adds)",
        new HostConfig(1, 1536 + 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [1024], ClaimStyle.Legacy, mayDestroy: false),
            () => ExtraPagesAllocator.RunAsync(w, "devmodel", 2),
            () => BalloonGuest.RunAsync(w, "balloon", 0, 520, 3),
        ])
    {
        NotApplicable = profile => ActorKinds.NotApplicable(ActorKind.ExtraPages, profile),
    };

    /// <summary>
    /// 4.22's populate during the build (83a784a15b): 2 MiB extents that may be preempted mid-scrub and wait in the
    /// domain's stash, while a device model populates the same domain and unpauses it. The host has room for the build
    /// (claimed), the video RAM and everything the guest can take while the claim holds (514 pages in two
    /// self-balloon steps), so a build can fail only if the claim does not hold.
    /// </summary>
    public static readonly Scenario PopulateDuringBuild = new(
        "populate-during-build", nameof(CoyoteEntryPoints.PopulateDuringBuild),
        "a device model populates the domain under construction and unpauses it while the builder's 2 MiB extents may"
        + " wait half-scrubbed for their continuation; a balloon guest takes what is free",
        new HostConfig(1, 1024 + 516),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [1024], ClaimStyle.Legacy, mayDestroy: false, maxPages: 1024 + 1),
            () => DeviceModel.RunAsync(w, "devmodel", 1),
            () => BalloonGuest.RunAsync(w, "balloon", 0, 1024, 2),
        ]);

    public static readonly Scenario Sharing = new(
        "sharing", nameof(CoyoteEntryPoints.Sharing),
        "the dedup daemon shares pages of a domain while it is built under a claim",
        new HostConfig(1, 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [12], ClaimStyle.Legacy, mayDestroy: false),
            () => Sharer.RunAsync(w, "sharer", 5),
            () => Observer.RunAsync(w, "admin", 2),
        ]);

    public static readonly Scenario KillDuringClaim = new(
        "kill-during-claim", nameof(CoyoteEntryPoints.KillDuringClaim),
        "a domain is killed at any point of its build: before, during or after its claim",
        new HostConfig(1, 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [8], ClaimStyle.Legacy, mayDestroy: false),
            () => Reaper.RunAsync(w, "reaper"),
            () => Observer.AuditAsync(w, "admin", 2),
        ]);

    public static readonly Scenario Offline = new(
        "offline", nameof(CoyoteEntryPoints.Offline),
        "pages are offlined while two builders claim and populate",
        new HostConfig(1, 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder1", [10], ClaimStyle.Legacy, mayDestroy: false),
            () => Builder.RunAsync(w, "builder2", [6], ClaimStyle.Legacy, mayDestroy: false),
            () => Offliner.RunAsync(w, "offliner", 3),
            () => Observer.RunAsync(w, "admin", 2),
        ]);

    public static readonly Scenario MaxMemLowered = new(
        "max-mem-lowered", nameof(CoyoteEntryPoints.MaxMemLowered),
        "an administrator halves max_pages of a domain while it is built under a claim",
        new HostConfig(1, 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [8], ClaimStyle.Legacy, mayDestroy: false),
            () => MaxMemAdmin.RunAsync(w, "admin"),
            () => Observer.RunAsync(w, "observer", 2),
        ]);

    public static readonly Scenario TmemBalloon = new(
        "tmem-balloon", nameof(CoyoteEntryPoints.TmemBalloon),
        "a build under a claim while a tmem guest puts and flushes and a self-ballooning guest moves",
        new HostConfig(1, 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder", [10], w.Coin() ? ClaimStyle.Soft : ClaimStyle.Legacy, mayDestroy: true),
            () => TmemClient.RunAsync(w, "tmem", 8, 6),
            () => BalloonGuest.RunAsync(w, "balloon", 0, 8, 4),
            () => Observer.RunAsync(w, "admin", 2),
        ]);

    public static readonly Scenario NumaPlacement = new(
        "numa-placement", nameof(CoyoteEntryPoints.NumaPlacement),
        "two vNUMA builders need pages on the same node; their claims fit the host but not the node",
        new HostConfig(2, 16),
        w =>
        [
            () => Builder.RunAsync(w, "builder1", [10, 2], NodeStyle(w.Profile), mayDestroy: false),
            () => Builder.RunAsync(w, "builder2", [8, 4], NodeStyle(w.Profile), mayDestroy: false),
        ]);

    /// <summary>
    /// The generated family: at the start of each run Coyote's controlled generator draws a configuration (host, which
    /// actor kinds are in, how many, their parameters, from the one weight table), so the checker explores how the claim
    /// API can be used, not only the stories above. A replay draws the same configuration.
    /// </summary>
    public static readonly Scenario Generated = new(
        "generated", nameof(CoyoteEntryPoints.Generated),
        "a configuration drawn at the start of the run: 1 or 2 nodes of a few pages (one host in four with 2 MiB extents "
        + "besides), and a swarm of actors (builders, claim toolstacks, ballooning and tmem guests, reapers, the offliner, "
        + "the sharer, Xen's own allocations, the device model's extra pages and its video RAM, the max-mem administrator, "
        + "observers) acting on any domain",
        new HostConfig(1, 16),
        _ => [])
    {
        Configure = profile => ConfigDraw.Draw(profile, Microsoft.Coyote.Random.Generator.Create().NextInteger),
    };

    /// <summary>
    /// The random-operations mode, in the spirit of Lincheck: at the start of each run Coyote's controlled generator
    /// draws a small host, a few domains and 2-3 threads of up to 6 public calls each (claims, claim sets, populate,
    /// decrease, max_mem, kill, destroy, sharing, tmem, physinfo, getdomaininfo, with any sizes); Coyote explores how
    /// they interleave. Every history is judged by the invariants (an audit after every call) and, by
    /// <c>linearize</c>, against the specification.
    /// </summary>
    public static readonly Scenario RandomOperations = new(
        "random-ops", nameof(CoyoteEntryPoints.RandomOperations),
        "a host of a few pages, a few domains, and 2-3 threads each making up to 6 public calls drawn at random "
        + "(claims, populate, decrease, max_mem, kill, destroy, sharing, tmem, queries), auditing after each",
        new HostConfig(1, 4),
        _ => [])
    {
        Configure = profile => CallDraw.Draw(profile, Microsoft.Coyote.Random.Generator.Create().NextInteger),
    };

    /// <summary>The generated family run on one given configuration (<c>explore --config FILE</c>): no manifest entry.</summary>
    public static Scenario Given(GeneratedConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Generated with
        {
            Name = GivenName,
            MethodName = nameof(CoyoteEntryPoints.GivenConfiguration),
            Summary = "a configuration given as data: " + string.Join("; ", config.Describe()),
            Host = config.Host,
            Configure = _ => config,
            Given = config,
        };
    }

    /// <summary>The name runs of a given configuration go by (traces, reports).</summary>
    public const string GivenName = "generated-config";

    public static IReadOnlyList<Scenario> All { get; } =
        [BuildersRace, ClaimWindow, ExtraPages, Sharing, KillDuringClaim, Offline, MaxMemLowered, TmemBalloon, NumaPlacement, PopulateDuringBuild,
         Generated,
         RandomOperations];

    public static Scenario Get(string name) =>
        TryGet(name, out var scenario)
            ? scenario
            : throw new ArgumentException(
                $"unknown scenario '{name}'; the scenarios are: {string.Join(", ", All.Select(s => s.Name))}", nameof(name));

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Scenario? scenario)
    {
        scenario = All.FirstOrDefault(s =>
            string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(s.MethodName, name, StringComparison.OrdinalIgnoreCase));
        return scenario is not null;
    }
}
