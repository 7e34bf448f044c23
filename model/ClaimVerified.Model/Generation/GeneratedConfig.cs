using System.Text.Json;
using System.Text.Json.Serialization;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Generation;

/// <summary>
/// One actor of a generated configuration. Which fields mean something depends on <see cref="Kind"/>:
/// <list type="bullet">
/// <item>Builder: <see cref="NodePages"/> (one entry: anywhere; one per node: a vNUMA build), <see cref="MaxPages"/>
/// (may be below the size: a build past max_pages), <see cref="Style"/>, <see cref="MayDestroy"/>, <see cref="Placed"/>
/// (libxl's NUMA placement first: a build of one size on a host of several nodes, where the profile's Xen has
/// XEN_DOMCTL_setnodeaffinity);</item>
/// <item>BalloonGuest: <see cref="StartPages"/>, <see cref="MaxPages"/>, <see cref="Steps"/> adjustments;</item>
/// <item>TmemClient: <see cref="MaxPages"/>, <see cref="Steps"/> puts and flushes;</item>
/// <item>ClaimToolstack, Offliner, Sharer, XenAllocator, ExtraPages, Observer: <see cref="Steps"/> calls;</item>
/// <item>DeviceModel: <see cref="Steps"/> pages of video RAM, then the unpause;</item>
/// <item>Reaper: one act, on a domain chosen when it acts;</item>
/// <item>MaxMemAdmin: <see cref="Steps"/> acts (0: one, as recorded before acts were drawn), each on a domain chosen when it acts;</item>
/// <item>Caller: <see cref="Calls"/>, script lines on the configuration's domains (<see cref="CallScript"/>).</item>
/// </list>
/// </summary>
public sealed record ActorSpec(
    ActorKind Kind,
    string Name,
    IReadOnlyList<long>? NodePages = null,
    long MaxPages = 0,
    ClaimStyle Style = ClaimStyle.Legacy,
    bool MayDestroy = false,
    long StartPages = 0,
    int Steps = 0,
    IReadOnlyList<string>? Calls = null,
    bool Placed = false)
{
    /// <summary>A limit on everything: at most this many calls for one actor.</summary>
    public const int MaxSteps = 16;

    [JsonIgnore]
    public long TargetPages => NodePages?.Sum() ?? 0;

    /// <summary>One line for the top of a timeline.</summary>
    public string Describe() => Kind switch
    {
        ActorKind.Builder => $"{Name}: builder of {string.Join("+", NodePages ?? [])} pages, max_pages {MaxPages}, "
            + $"{Style.ToString().ToLowerInvariant()} claim{(Placed ? ", NUMA-placed" : "")}{(MayDestroy ? ", may destroy" : "")}",
        ActorKind.BalloonGuest => $"{Name}: self-ballooning guest from {StartPages} pages, max_pages {MaxPages}, {Steps} adjustments",
        ActorKind.TmemClient => $"{Name}: tmem guest, max_pages {MaxPages}, {Steps} puts/flushes",
        ActorKind.Reaper => $"{Name}: {KindName(Kind)}, once, on any domain",
        ActorKind.DeviceModel => $"{Name}: {KindName(Kind)}, {Steps} page(s) of video RAM then unpause, on a domain a builder created",
        ActorKind.MaxMemAdmin => $"{Name}: {KindName(Kind)}, {Math.Max(1, Steps)} act(s), each on any domain",
        ActorKind.Caller => $"{Name}: {string.Join("; ", Calls ?? [])}",
        _ => $"{Name}: {KindName(Kind)}, {Steps} calls" + (ActorKinds.ActsOnOthers(Kind) ? ", on any domain" : ""),
    };

    public static string KindName(ActorKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());
}

/// <summary>
/// A generated configuration: the host and the actors of one run. It is data: drawn by <see cref="ConfigDraw"/> at the
/// start of an iteration (so a replay of the Coyote trace reproduces it), printed at the top of a generated trace's
/// timeline, recorded in its meta.json, and what <c>explore --config FILE</c> reads. <see cref="Domains"/> (optional) are
/// the max_pages of domains the control domain creates before the actors start, named d1, d2, ...: what callers act on.
/// A node has <see cref="PagesPerNode"/> pages and, on a host of 2 MiB extents, <see cref="ExtentsPerNode"/> x 512 more
/// (recorded only when there are some, so a configuration written before extents existed reads as it did).
/// </summary>
public sealed record GeneratedConfig(
    int Nodes,
    long PagesPerNode,
    IReadOnlyList<ActorSpec> Actors,
    IReadOnlyList<long>? Domains = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int ExtentsPerNode = 0)
{
    /// <summary>A limit on everything: at most this many actors, nodes, pages a node, extents a node.</summary>
    public const int MaxActors = 12;

    public const int MaxNodes = 2;

    public const long MaxPagesPerNode = 64;

    public const int MaxExtentsPerNode = 4;

    /// <summary>Pages of a 2 MiB extent (order 9), the unit of an extent host and of its builds.</summary>
    public const long ExtentPages = 1L << 9;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
    };

    [JsonIgnore]
    public HostConfig Host => new(Nodes, NodePages);

    /// <summary>Pages a node has in all: its few pages and its extents.</summary>
    [JsonIgnore]
    public long NodePages => PagesPerNode + (ExtentsPerNode * ExtentPages);

    /// <summary>Pages the host has in all.</summary>
    [JsonIgnore]
    public long TotalPages => Nodes * NodePages;

    /// <summary>The host's few pages, outside its extents: what actors other than builders size themselves against.</summary>
    [JsonIgnore]
    public long FewPages => Nodes * PagesPerNode;

    /// <summary>The lines printed at the top of a generated timeline.</summary>
    public IReadOnlyList<string> Describe() =>
    [
        $"host: {Nodes} node(s) x {PagesPerNode} pages"
            + (ExtentsPerNode > 0 ? $" + {ExtentsPerNode} extent(s) of {ExtentPages} pages ({NodePages} pages a node)" : ""),
        .. Domains is { Count: > 0 } domains
            ? [$"domains: {string.Join(", ", domains.Select((max, i) => $"{CallScript.DomainName(i)} max_pages {max}"))}"]
            : Array.Empty<string>(),
        .. Actors.Select(a => a.Describe()),
    ];

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Null when the configuration can run on <paramref name="profile"/>, else what is wrong with it.</summary>
    public string? Validate(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (Nodes is < 1 or > MaxNodes || PagesPerNode is < 1 or > MaxPagesPerNode)
        {
            return $"the host must have 1..{MaxNodes} nodes of 1..{MaxPagesPerNode} pages, not {Nodes} x {PagesPerNode}";
        }

        if (ExtentsPerNode is < 0 or > MaxExtentsPerNode)
        {
            return $"a node has 0..{MaxExtentsPerNode} extents of {ExtentPages} pages besides its pages, not {ExtentsPerNode}";
        }

        if (Actors is null || Actors.Count is 0 or > MaxActors)
        {
            return $"a configuration has 1..{MaxActors} actors, not {Actors?.Count ?? 0}";
        }

        if (Domains is { } domains && (domains.Count > CallScript.MaxDomains || domains.Any(max => max < 0 || max > 4 * TotalPages)))
        {
            return $"a configuration creates at most {CallScript.MaxDomains} domains, each with max_pages 0..{4 * TotalPages} (four times the host)";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var actor in Actors)
        {
            if (actor is null || string.IsNullOrWhiteSpace(actor.Name) || !names.Add(actor.Name))
            {
                return $"every actor needs a name of its own ({actor?.Name ?? "null"})";
            }

            if (ValidateActor(actor, profile) is { } problem)
            {
                return $"actor {actor.Name}: {problem}";
            }
        }

        return Actors.Any(a => a.Kind == ActorKind.Caller) ? CallsProblem(profile) : null;
    }

    private string? CallsProblem(Profile profile)
    {
        try
        {
            CallScript.Parse(this, profile);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private string? ValidateActor(ActorSpec actor, Profile profile)
    {
        if (!Enum.IsDefined(actor.Kind))
        {
            return $"unknown kind {actor.Kind}";
        }

        if (ActorKinds.NotApplicable(actor.Kind, profile) is { } reason)
        {
            return $"{ActorSpec.KindName(actor.Kind)} does not apply to {profile.Name}: {reason}";
        }

        var limitPages = 4 * TotalPages;
        if (actor.Steps is < 0 or > ActorSpec.MaxSteps || actor.MaxPages < 0 || actor.MaxPages > limitPages
            || actor.StartPages < 0 || actor.StartPages > limitPages)
        {
            return $"steps must be 0..{ActorSpec.MaxSteps} and page counts 0..{limitPages} (four times the host)";
        }

        if (actor.Kind == ActorKind.Caller)
        {
            return actor.NodePages is null && actor.Calls is { Count: > 0 and <= CallScript.MaxCalls } ? null
                : $"a caller has 1..{CallScript.MaxCalls} calls and no node pages";
        }

        if (actor.Calls is not null)
        {
            return "only a caller has calls";
        }

        if (actor.Kind != ActorKind.Builder)
        {
            return actor.NodePages is null && !actor.Placed ? null : "only a builder has node pages or is NUMA-placed";
        }

        if (actor.Placed && (Nodes < 2 || actor.NodePages is not { Count: 1 } || profile.NodeAffinity == NodeAffinityDomctl.None))
        {
            return $"only a builder of one size on a host of several nodes is NUMA-placed, where Xen has XEN_DOMCTL_setnodeaffinity (not {profile.Name}'s before 4.3)";
        }

        if (actor.NodePages is not { Count: > 0 } pages || (pages.Count != 1 && pages.Count != Nodes)
            || pages.Any(p => p < 0 || p > limitPages))
        {
            return $"a builder needs nodePages: one size (anywhere) or one per node ({Nodes}), each 0..{limitPages}";
        }

        return actor.Style switch
        {
            ClaimStyle.Soft when !profile.SoftClaims => $"{profile.Name} has no soft claims",
            ClaimStyle.PerNode when !profile.NodeClaims => $"{profile.Name} has no per-node claims",
            _ => null,
        };
    }

    /// <summary>
    /// Reads back a configuration this code recorded (a run's world, a trace's meta.json), without checking it against
    /// a profile: it was drawn or checked when the run began. Malformed text is an <see cref="ArgumentException"/>.
    /// </summary>
    public static GeneratedConfig FromRecord(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<GeneratedConfig>(json, Options)
                ?? throw new ArgumentException("a recorded generated configuration is null");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"a recorded generated configuration is malformed: {e.Message}");
        }
    }

    /// <summary>The JSON options of configurations, for records that embed one (meta.json).</summary>
    public static JsonSerializerOptions SerializerOptions => Options;

    /// <summary>
    /// Reads a configuration (what <c>explore --config FILE</c> takes) and checks it for <paramref name="profile"/>;
    /// anything wrong is an <see cref="ArgumentException"/> that says what, never a stack trace.
    /// </summary>
    public static GeneratedConfig Parse(string json, Profile profile)
    {
        GeneratedConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<GeneratedConfig>(json, Options);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"not a generated configuration: {e.Message}");
        }

        if (config is null)
        {
            throw new ArgumentException("not a generated configuration: the file is empty or null");
        }

        return config.Validate(profile) is { } problem ? throw new ArgumentException(problem) : config;
    }
}
