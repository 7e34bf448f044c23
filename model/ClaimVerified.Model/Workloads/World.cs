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
    /// Guards <see cref="waiters"/> and a waiter's look at <see cref="active"/> before it joins them. The counters are
    /// moved with Interlocked, outside any lock where no one waits, so that runs without waiters take no extra
    /// scheduling step (a lock is one under Coyote).
    /// </summary>
    private readonly object waitGate = new();

    /// <summary>
    /// Actors running and not waiting for a domain, plus one for the scenario until it has started them all: while it is
    /// above zero a domain may still appear; at zero, nobody is left to make one and every waiter gives up.
    /// </summary>
    private int active = 1;

    /// <summary>How often a domain appeared (or everyone stopped): a waiter that saw none re-checks if this moved meanwhile.</summary>
    private long changes;
    private readonly List<SemaphoreSlim> waiters = [];

    /// <summary>How many wait (written under the gate, read without it for the common case of none).</summary>
    private int waiting;

    /// <summary>
    /// The heap's (free, outstanding) totals at the end of every heap_lock section so far, the first being the initial
    /// state: the woven lockset runtime calls back at each release (ghost, no scheduling point). The lockset checks
    /// guarantee the totals change nowhere else, so this is every state the heap ever held.
    /// </summary>
    private readonly List<(long FreePages, long OutstandingPages)> heapStates = [];

    /// <summary>Who the invariant monitor names for a state judged where no core lock is held (<see cref="Quiescence"/>).</summary>
    public const string QuiescentAuditor = "an audit at a point no lock is held";

    /// <param name="auditWhenQuiescent">
    /// Whether the invariant monitor judges, at every point no core lock is held, the state an audit started there
    /// would see (<see cref="Quiescence"/>): what the model does; false only for the variant that shows what observers
    /// alone miss.
    /// </param>
    public World(Profile profile, string scenarioName, HostConfig config, bool auditWhenQuiescent = true)
    {
        Profile = profile;
        ScenarioName = scenarioName;
        Config = config;
        Host = new Host(profile, config);
        Random = Generator.Create();
        heapStates.Add(Host.PeekHeapUnlocked());
        // The hook captures the host and the list, not the world: LockSet keeps it in a ConditionalWeakTable keyed by the
        // heap_lock object, and Coyote 1.7.11 keeps that object forever in its static Monitor cache when an iteration
        // ends with the lock held (its SynchronizedBlock is never released). Through `this` that kept the whole world,
        // whose Generator holds the iteration's CoyoteRuntime and so the engine's scheduler, execution graph and
        // strategies: about 1 MB a second of a long in-process `bench findings`.
        var (host, states) = (Host, heapStates);
        LockSet.OnRelease(host.GhostHeapLock, () => states.Add(host.PeekHeapUnlocked()));
        LockSet.BeginRun(auditWhenQuiescent
            ? new Quiescence(() => CoyoteSpecification.Monitor<InvariantMonitor>(new Audited(host.PeekUnlocked(), QuiescentAuditor)))
            : null);
    }

    public Host Host { get; }

    /// <summary>The host's shape in this run (a generated run draws its own): what its history is checked against.</summary>
    public HostConfig Config { get; }

    /// <summary>
    /// The generated configuration this run follows, as JSON (null: a staged scenario), for timelines and meta.json.
    /// Text, not the type: the generated family is built on the workloads, not the other way round.
    /// </summary>
    public string? ConfigurationJson { get; init; }

    /// <summary>The violations this run recorded and went on past (null: it stops at its first, or is not monitored).</summary>
    public ViolationLog? Violations { get; init; }

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
        var described = text ?? operation.Describe();
        var callStep = History.BeginCall(actor, described);
        var result = OperationRunner.Apply(Host, operation);
        History.Return(actor, described, callStep, result, Host.PeekUnlocked(), operation);
        if (operation is CreateDomain && result.IsOk)
        {
            WakeWaiters();
        }

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

    /// <summary>
    /// Populates a domain someone else builds (a device model's video RAM): the guarantee monitor counts its pages as the
    /// domain's from the call (they may spend the build's claim at any point until it returns) and, at the return, only
    /// those it did populate.
    /// </summary>
    public Outcome DoOthersPopulate(string actor, int domid, Populate populate, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(populate);
        var pages = 1L << populate.Order;
        CoyoteSpecification.Monitor<GuaranteeMonitor>(new OtherPopulate(domid, pages, donePages: null));
        var outcome = Do(actor, populate, text);
        CoyoteSpecification.Monitor<GuaranteeMonitor>(new OtherPopulate(domid, pages, outcome.IsOk ? pages : 0));
        return outcome;
    }

    /// <summary>A number in [0, bound): Coyote chooses, and a replay repeats the choice.</summary>
    public int Choose(int bound) => Random.NextInteger(bound);

    public bool Coin() => Random.NextBoolean();

    /// <summary>The consistent audit an observer makes; the invariant monitor judges it.</summary>
    public void Audit(string actor)
    {
        var callStep = History.BeginCall(actor, "audit");
        var snapshot = Host.Snapshot();
        History.Return(actor, "audit", callStep, Outcome.Ok(), snapshot);
        CoyoteSpecification.Monitor<InvariantMonitor>(new Audited(snapshot, actor));
    }

    /// <summary>What <c>xl info</c> does: one physinfo; the invariant monitor judges what it shows.</summary>
    public ClaimVerified.PhysInfo ObservePhysInfo(string actor)
    {
        var callStep = History.BeginCall(actor, "physinfo");
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

        WakeWaiters();
    }

    /// <summary>
    /// Starts an actor as a task Coyote controls, counted among those who may still make a domain appear until it ends.
    /// Start every actor of a run this way, then call <see cref="ActorsStarted"/>.
    /// </summary>
    public Task StartActor(Func<Task> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Interlocked.Increment(ref active);
        return Task.Run(async () =>
        {
            try
            {
                await run();
            }
            finally
            {
                Deactivate();
            }
        });
    }

    /// <summary>Every actor of the run has been started: from now on only they can make a domain appear.</summary>
    public void ActorsStarted() => Deactivate();

    private void Deactivate()
    {
        if (Interlocked.Decrement(ref active) == 0)
        {
            WakeWaiters();
        }
    }

    private void WakeWaiters()
    {
        // Nobody waits in most runs: then this takes no lock, so creating a domain adds no scheduling step. The count of
        // changes moves first, so that an actor between its look and its wait sees it and looks again.
        Interlocked.Increment(ref changes);
        if (Volatile.Read(ref waiting) == 0)
        {
            return;
        }

        SemaphoreSlim[] woken;
        lock (waitGate)
        {
            woken = [.. waiters];
            waiters.Clear();
            Volatile.Write(ref waiting, 0);
        }

        foreach (var waiter in woken)
        {
            waiter.Release();
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
        var domid = await WaitForDomainAsync(target);
        if (domid is null)
        {
            return;
        }

        for (var i = 0; i < times; i++)
        {
            await Turn.PassAsync();
            var (operation, text) = next(domid.Value);
            Do(actor, operation, text);
        }
    }

    /// <summary>
    /// The shape of an administrator's act on a domain someone else builds: wait for one to be published (as
    /// <see cref="WaitForDomainAsync"/> does), then <paramref name="act"/> on it; nothing if none ever is.
    /// </summary>
    public async Task OnPublishedDomainAsync(Func<int, Task> act, DomainTarget target = DomainTarget.Published)
    {
        ArgumentNullException.ThrowIfNull(act);
        if (await WaitForDomainAsync(target) is { } domid)
        {
            await act(domid);
        }
    }

    /// <summary>
    /// Waits until some domain of <paramref name="target"/> exists, and returns one Coyote chooses; null when none does
    /// and no other actor is left that could make one (all have ended or wait too). It blocks instead of polling: a
    /// waiter takes no scheduling step until a domain is created or published, so the scheduler's choices go to actors
    /// that do something (polling took 44% of a generated run's CPU, RESULTS.md).
    /// </summary>
    public async Task<int?> WaitForDomainAsync(DomainTarget target = DomainTarget.Published)
    {
        while (true)
        {
            // Read without the gate, so that an actor finding a domain takes no extra scheduling step.
            var seen = Volatile.Read(ref changes);
            var domains = target == DomainTarget.Published ? PublishedDomains() : ExistingDomains();
            if (domains.Count > 0)
            {
                return domains[Choose(domains.Count)];
            }

            if (!TryStopBeingActive())
            {
                // Nobody else is left, but the last of them may have made a domain after the look above and ended
                // since: look again rather than give up on a domain that exists (WaitingActorsTests).
                if (Volatile.Read(ref changes) != seen)
                {
                    continue;
                }

                return null;
            }

            await WaitForChangeSinceAsync(seen);
            Interlocked.Increment(ref active);
        }
    }

    /// <summary>
    /// Stops counting this actor as active, unless nobody else is (then no domain can appear any more: false). A
    /// compare-and-swap, so that an actor ending meanwhile cannot leave the count above the truth.
    /// </summary>
    private bool TryStopBeingActive()
    {
        int seenActive;
        do
        {
            seenActive = Volatile.Read(ref active);
            if (seenActive <= 1)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref active, seenActive - 1, seenActive) != seenActive);
        return true;
    }

    /// <summary>Returns once a domain was created or published after the count <paramref name="seen"/> was read.</summary>
    private async Task WaitForChangeSinceAsync(long seen)
    {
        var signal = new SemaphoreSlim(0);
        bool moved;
        lock (waitGate)
        {
            waiters.Add(signal);
            Interlocked.Exchange(ref waiting, waiters.Count); // a full fence: the look below cannot move before it
            // Joined first, looked second: a change made before this look is seen here, one made after it finds
            // this waiter in the list.
            moved = Volatile.Read(ref changes) != seen;
            if (moved)
            {
                waiters.Remove(signal);
                Volatile.Write(ref waiting, waiters.Count);
            }
        }

        if (!moved)
        {
            await signal.WaitAsync();
        }
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
