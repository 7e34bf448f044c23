namespace ClaimVerified.Model.Generation;

/// <summary>
/// The one weight table of the generated family, the same for every profile and agnostic of any finding: change it
/// and re-run the whole time-to-finding table (RESULTS.md). Each number is a "one in N" chance or a range drawn
/// uniformly. Swarm testing (Groce et al., ISSTA 2012): each kind is left out of some configurations, because leaving
/// features out finds bugs that all-features-on hides.
/// </summary>
public static class GenerationWeights
{
    /// <summary>
    /// Each applicable kind is left out with probability 1 / this (in with 3/4). Not 1/2, Groce's default: most findings
    /// here need two or three kinds together (a reaper and something that stakes a claim; a tmem guest, a soft claim and
    /// an observer), and a combination of three kinds is drawn 27 times in 64 at 3/4 against 8 at 1/2. Measured
    /// (RESULTS.md, December 5, third session): violations a thousand schedules summed over every profile 884 against
    /// 481, and the median schedules to most findings halved or better; every kind is still out of a quarter of them.
    /// </summary>
    public const int AbsentOneIn = 4;

    /// <summary>At least this many actors that change state; a draw with fewer is drawn again.</summary>
    public const int MinStateChangers = 2;

    /// <summary>A limit on redraws: after this many, the missing state changers are builders.</summary>
    public const int MaxRedraws = 8;

    /// <summary>Pages a node: one of these (a window of one page is as real as one of 512).</summary>
    public static readonly long[] PagesPerNode = [4, 8, 12, 16];

    /// <summary>
    /// A host holds 2 MiB extents (512 pages each) on every node, besides its few pages, with probability 1 / this:
    /// what a build of whole extents needs, and what 4.22's stash needs (only a preempted scrub of an extent of order 9
    /// or more is stashed, PopulateDuringBuild.SmallestStashPages). Not more often: an extent host's builds are
    /// hundreds of pages, and a 2 MiB extent that finds no 512 pages falls back to hundreds of 4 KiB calls, as
    /// libxenguest does; the few pages are still where most findings are met soonest.
    /// </summary>
    public const int ExtentHostOneIn = 4;

    /// <summary>
    /// 2 MiB extents a node of an extent host draws: 1 .. this. What is drawn, below what a configuration may hold
    /// (<see cref="GeneratedConfig.MaxExtentsPerNode"/>, the limit a user's configuration is validated against).
    /// </summary>
    public const int MaxDrawnExtentsPerNode = 2;

    /// <summary>Two nodes with probability 1 / this.</summary>
    public const int TwoNodesOneIn = 2;

    /// <summary>Builders when present: 1 .. this.</summary>
    public const int MaxBuilders = 2;

    /// <summary>A builder asks for more than the host with probability 1 / this (its claim or its build must fail cleanly).</summary>
    public const int BuilderPastHostOneIn = 8;

    /// <summary>A builder's max_pages is below its size with probability 1 / this, above it with the same chance.</summary>
    public const int MaxPagesOffOneIn = 4;

    /// <summary>On a two-node host, a builder places its guest's pages on given nodes (vNUMA) with probability 1 / this.</summary>
    public const int VnumaOneIn = 2;

    /// <summary>A builder makes a soft claim (where soft claims exist) with probability 1 / this.</summary>
    public const int SoftOneIn = 2;

    /// <summary>A builder that is not vNUMA, on two nodes, is NUMA-placed by libxl first (its default, numa_placement).</summary>
    public const int PlacedOneIn = 2;

    /// <summary>A builder may destroy its domain at the end with probability 1 / this.</summary>
    public const int MayDestroyOneIn = 2;

    /// <summary>Calls of an actor with steps: 1 .. this.</summary>
    public const int MaxActorSteps = 3;

    /// <summary>A device model's video RAM, populated one page at a time before it unpauses the domain: 1 .. this pages.</summary>
    public const int MaxVideoPages = 3;

    /// <summary>A tmem guest's max_pages: 1 .. this.</summary>
    public const long MaxTmemPages = 8;

    // The random-operations mode (scenario random-ops): threads of public calls on a few domains, Lincheck-style.

    /// <summary>Pages a node of a random-operations host: one of these (a few, so that calls compete for them).</summary>
    public static readonly long[] CallHostPagesPerNode = [2, 4, 6];

    /// <summary>Domains created before the threads start: 1 .. this.</summary>
    public const int MaxCallDomains = 3;

    /// <summary>Threads: 2 .. this.</summary>
    public const int MaxCallThreads = 3;

    /// <summary>Calls a thread: 1 .. this.</summary>
    public const int MaxCallsPerThread = 6;

    /// <summary>
    /// How often each call is drawn (where the profile's Xen has it): allocations and claims most, the calls that end
    /// a domain least, so that most threads still find their domains alive.
    /// </summary>
    public static readonly (string Keyword, int Weight)[] CallWeights =
    [
        ("populate", 4), ("claim", 4), ("claimset", 3), ("decrease", 2), ("maxmem", 2), ("tmem-put", 2), ("tmem-flush", 1),
        ("share", 1), ("physinfo", 2), ("domaininfo", 1), ("kill", 1), ("destroy", 1),
    ];
}
