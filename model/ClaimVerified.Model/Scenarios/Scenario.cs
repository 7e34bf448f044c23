using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Scenarios;

/// <summary>
/// A scenario: which workloads race, on which host. <see cref="Workloads"/> names them on a fresh world;
/// <see cref="RunAsync"/> starts each as an actor (a task Coyote controls, <see cref="World.StartActor"/>), waits for
/// them, audits, destroys every domain and makes the final audit.
/// </summary>
public sealed record Scenario(
    string Name,
    string MethodName,
    string Summary,
    HostConfig Host,
    Func<World, Func<Task>[]> Workloads)
{
    /// <summary>
    /// Why the scenario does not apply to a profile (null: it does). A workload may only make calls that some code of
    /// the profile's Xen makes: a scenario built on an internal path that version never takes is not applicable there.
    /// </summary>
    public Func<Profile, string?> NotApplicable { get; init; } = _ => null;

    /// <summary>
    /// For the generated family: the configuration of a run, drawn at its start from Coyote's controlled generator
    /// (so a replay draws the same), or given. Null: a staged scenario, whose <see cref="Host"/> and
    /// <see cref="Workloads"/> are fixed.
    /// </summary>
    public Func<Profile, GeneratedConfig>? Configure { get; init; }

    /// <summary>The configuration given to <c>explore --config</c> (null: drawn, or a staged scenario).</summary>
    public GeneratedConfig? Given { get; init; }

    /// <summary>What <c>dotnet coyote test|replay -m</c> takes for this scenario: its entry point's full name.</summary>
    public string EntryPoint => $"{typeof(CoyoteEntryPoints).FullName}.{MethodName}";

    /// <summary>Runs the scenario once, for <paramref name="profile"/>, under Coyote's control, monitored.</summary>
    public Task RunAsync(Profile profile) => RunAsync(profile, RunWatch.Monitored);

    /// <summary>
    /// Runs the scenario once, watched as <paramref name="watch"/> says. Unmonitored runs register no monitor, so no
    /// property violation ends the exploration: what the linearizability check uses, since it judges every
    /// execution's history itself. The world of the run goes to <see cref="RunWatch.Started"/>: a caller that renders
    /// or judges the execution takes it from there (there is no "last world" to read afterwards).
    /// </summary>
    public async Task RunAsync(Profile profile, RunWatch watch)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(watch);
        if (NotApplicable(profile) is { } reason)
        {
            throw new InvalidOperationException($"{Name} does not apply to {profile.Name}: {reason}");
        }

        World? world = null;
        var log = watch.IsMonitored && watch.ContinuesPastViolations ? new ViolationLog() : null;
        if (watch.IsMonitored)
        {
            CoyoteSpecification.RegisterMonitor<InvariantMonitor>();
            CoyoteSpecification.RegisterMonitor<GuaranteeMonitor>();
            var judge = watch.Judge ?? PropertyJudge.Default;
            var started = new RunStarted(new WatchedRun(profile, Name, log is null ? judge : judge.ContinuingWith(log), () => world?.History.Freeze(), log));
            CoyoteSpecification.Monitor<InvariantMonitor>(started);
            CoyoteSpecification.Monitor<GuaranteeMonitor>(started);
        }

        var config = Configure?.Invoke(profile);
        world = new World(profile, Name, config?.Host ?? Host, watch.IsMonitored && watch.AuditsWhenQuiescent)
        {
            ConfigurationJson = config?.ToJson(),
            Violations = log,
        };
        watch.Started?.Invoke(world);
        var actors = (config is null ? Workloads(world) : GeneratedActors.Start(world, config)).Select(world.StartActor).ToArray();
        world.ActorsStarted();
        await Task.WhenAll(actors);

        world.Audit("teardown");
        foreach (var domain in world.Host.ListDomains())
        {
            world.Do("teardown", new Specification.DestroyDomain(Caller.Control, domain.Id));
        }

        world.Completed = true;
        var final = world.Host.Snapshot();
        CoyoteSpecification.Monitor<InvariantMonitor>(new AllDomainsGone(final));
        if (log is not null)
        {
            CoyoteSpecification.Monitor<InvariantMonitor>(new RunEnded());
        }
    }
}

/// <summary>
/// How one run of a scenario is watched: whether the monitors judge it, with which judge, and who is handed the run's
/// world when it starts (a replay that renders the execution, the linearizability check that judges its history).
/// </summary>
/// <param name="AuditsWhenQuiescent">
/// Whether the invariant monitor also judges the state at every point no core lock is held (<see cref="ClaimVerified.Locks.Quiescence"/>).
/// Always, but in the test that keeps the model without it, to show a violation that only this audit sees.
/// </param>
/// <param name="ContinuesPastViolations">
/// Whether a monitored run records its violations in <see cref="World.Violations"/> and goes on to its end, asserting
/// the first there (<see cref="Exploration.ExplorationOptions.Continue"/>); else it stops at its first.
/// </param>
public sealed record RunWatch(bool IsMonitored = true, PropertyJudge? Judge = null, Action<World>? Started = null, bool AuditsWhenQuiescent = true,
    bool ContinuesPastViolations = false)
{
    /// <summary>The ordinary run: monitored by the default judge.</summary>
    public static RunWatch Monitored { get; } = new();
}
