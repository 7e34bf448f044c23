using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using Microsoft.Coyote.Random;
using ClaimVerified.Locks;
using ClaimVerified.Model.Conformance;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Workloads;

/// <summary>
/// Everything the workloads of one execution share: the host, the profile, Coyote's controlled random generator (so
/// that a replay makes the same choices), the history of operations, and a board where builders publish the domains
/// they build so that reapers, sharers and administrators can find them.
/// </summary>
public sealed class World
{
    private readonly object boardGate = new();
    private readonly List<(string Actor, int Domid)> board = [];

    /// <summary>
    /// The heap's (free, outstanding) totals at the end of every heap_lock section so far, the first being the initial
    /// state: the woven lockset runtime calls back at each release (ghost, no scheduling point). The lockset checks
    /// guarantee the totals change nowhere else, so this is every state the heap ever held.
    /// </summary>
    private readonly List<(long FreePages, long OutstandingPages)> heapStates = [];

    public World(Profile profile, string scenarioName, HostConfig config)
    {
        Profile = profile;
        ScenarioName = scenarioName;
        Config = config;
        Host = new Host(profile, config);
        Random = Generator.Create();
        heapStates.Add(Host.PeekHeapUnlocked());
        LockSet.OnRelease(Host.GhostHeapLock, () => heapStates.Add(Host.PeekHeapUnlocked()));
    }

    public Host Host { get; }

    /// <summary>The host's shape in this run (a generated run draws its own): what its history is checked against.</summary>
    public HostConfig Config { get; }

    /// <summary>
    /// The generated configuration this run follows, as JSON (null: a staged scenario), for timelines and meta.json.
    /// Text, not the type: the generated family is built on the workloads, not the other way round.
    /// </summary>
    public string? ConfigurationJson { get; init; }

    public Profile Profile { get; }

    public string ScenarioName { get; }

    public Generator Random { get; }

    public History History { get; } = new();

    /// <summary>Whether the scenario ran to its end (teardown included): only then is the history complete.</summary>
    public bool Completed { get; internal set; }

    /// <summary>
    /// Performs one operation given as data (through <see cref="OperationRunner"/>) and records its call and return,
    /// with the operation itself, so that the history can be replayed through the specification. <paramref name="text"/>
    /// names it in timelines (default: <see cref="Operation.Describe"/>).
    /// </summary>
    public Outcome Do(string actor, Operation operation, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var callStep = History.BeginCall();
        var result = OperationRunner.Apply(Host, operation);
        History.Return(actor, text ?? operation.Describe(), callStep, result, Host.PeekUnlocked(), operation);
        return result;
    }

    /// <summary>
    /// Performs an operation that voids the promise a build of <paramref name="domid"/> was given (a kill, a lower
    /// max_pages, a changed claim): the guarantee monitor is told at its call, so that what follows is the caller's will,
    /// not a broken claim, and at its return, so that a build admitted while it was in flight (its effect may come after
    /// the admission) is not held to a promise the caller's change has taken back.
    /// </summary>
    public Outcome DoVoidingBuild(string actor, int domid, Operation operation, string? text = null)
    {
        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildVoiding(domid, returned: false));
        var outcome = Do(actor, operation, text);
        CoyoteSpecification.Monitor<GuaranteeMonitor>(new BuildVoiding(domid, returned: true));
        return outcome;
    }

    /// <summary>A number in [0, bound): Coyote chooses, and a replay repeats the choice.</summary>
    public int Choose(int bound) => Random.NextInteger(bound);

    public bool Coin() => Random.NextBoolean();

    /// <summary>The consistent audit an observer makes; the invariant monitor judges it.</summary>
    public void Audit(string actor)
    {
        var callStep = History.BeginCall();
        var snapshot = Host.Snapshot();
        History.Return(actor, "audit", callStep, Outcome.Ok(), snapshot);
        CoyoteSpecification.Monitor<InvariantMonitor>(new Audited(snapshot, actor));
    }

    /// <summary>What <c>xl info</c> does: one physinfo; the invariant monitor judges what it shows.</summary>
    public ClaimVerified.PhysInfo ObservePhysInfo(string actor)
    {
        var callStep = History.BeginCall();
        var firstHeld = heapStates.Count - 1;
        var info = Host.PhysInfo();
        var held = heapStates.GetRange(firstHeld, heapStates.Count - firstHeld);
        History.Return(actor, "physinfo", callStep, Outcome.Ok(info.FreePages), Host.PeekUnlocked(), new Specification.PhysInfo());
        CoyoteSpecification.Monitor<InvariantMonitor>(new PhysInfoSeen(info, actor, held));
        return info;
    }

    public void Publish(string actor, int domid)
    {
        lock (boardGate)
        {
            board.Add((actor, domid));
        }
    }

    /// <summary>
    /// Every domain that exists now (running, being built, dying), as a privileged caller sees them: the RCU domain
    /// list, read without a lock (Host.ListDomains).
    /// </summary>
    public IReadOnlyList<int> ExistingDomains() => Host.ListDomains().Select(d => d.Id).ToArray();

    /// <summary>The domids published so far, in order.</summary>
    public IReadOnlyList<int> PublishedDomains()
    {
        lock (boardGate)
        {
            return board.Select(entry => entry.Domid).ToArray();
        }
    }

    /// <summary>
    /// The shape of every workload that acts on a domain someone else builds: wait for one to be published, then
    /// <paramref name="times"/> times yield to the scheduler and perform the operation <paramref name="next"/> makes.
    /// </summary>
    public async Task RepeatOnPublishedDomainAsync(string actor, int times, Func<int, (Operation Operation, string? Text)> next,
        DomainTarget target = DomainTarget.Published)
    {
        var domid = await WaitForDomainAsync(maxYields: 20, target);
        if (domid is null)
        {
            return;
        }

        for (var i = 0; i < times; i++)
        {
            await Task.Yield();
            var (operation, text) = next(domid.Value);
            Do(actor, operation, text);
        }
    }

    /// <summary>
    /// The shape of an administrator's act on a domain someone else builds: wait for one to be published (as
    /// <see cref="WaitForDomainAsync"/> does, at most 20 yields), then <paramref name="act"/> on it; nothing if none is.
    /// </summary>
    public async Task OnPublishedDomainAsync(Func<int, Task> act, DomainTarget target = DomainTarget.Published)
    {
        ArgumentNullException.ThrowIfNull(act);
        if (await WaitForDomainAsync(maxYields: 20, target) is { } domid)
        {
            await act(domid);
        }
    }

    /// <summary>
    /// Waits (yielding to the scheduler, at most <paramref name="maxYields"/> times) until some domain of
    /// <paramref name="target"/> exists, and returns one Coyote chooses, or null.
    /// </summary>
    public async Task<int?> WaitForDomainAsync(int maxYields, DomainTarget target = DomainTarget.Published)
    {
        for (var i = 0; i < maxYields; i++)
        {
            var domains = target == DomainTarget.Published ? PublishedDomains() : ExistingDomains();
            if (domains.Count > 0)
            {
                return domains[Choose(domains.Count)];
            }

            await Task.Yield();
        }

        return null;
    }
}

/// <summary>Which domains a privileged actor may act on.</summary>
public enum DomainTarget
{
    /// <summary>Only domains a builder of the scenario published: the staged stories.</summary>
    Published,

    /// <summary>Any domain that exists when the actor acts: a running one, one another builder is building, a dying one.</summary>
    Any,
}
