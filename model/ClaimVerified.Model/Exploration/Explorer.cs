using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;
using ClaimVerified.Model.Monitors;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;
using ClaimVerified.Specification.Properties;

namespace ClaimVerified.Model.Exploration;

/// <summary>Coyote's exploration strategies, by the names the manifest and the tool use.</summary>
public enum Strategy
{
    /// <summary>Coyote's default: a fair portfolio that switches strategy every iteration.</summary>
    Portfolio,
    Random,
    Probabilistic,
    Prioritization,
    DelayBounding,
    QLearning,
}

/// <summary>What to explore and how hard; <paramref name="Only"/>: judge that property alone (null: every property).</summary>
/// <param name="Continue">
/// Whether a schedule goes on past its violations, recording the first of each property, and asserts the first at its
/// end (<see cref="ExplorationResult.Violations"/>); a terminal property still ends it at once. The schedules explored,
/// and each one's first violation and bug message, are those of a run that stops at its first violation: judging adds no
/// scheduling point, and a violating schedule still ends the engine's run. It only adds the later violations that a
/// stopped schedule hides.
/// </param>
public sealed record ExplorationOptions(uint Iterations, Strategy Strategy = Strategy.Portfolio, uint Seed = 17, uint MaxSteps = 2000, string? Only = null,
    bool Continue = false)
{
    /// <summary>A limit on everything: at most ten million iterations in one exploration.</summary>
    public const uint MaxIterations = 10_000_000;
}

/// <summary>The outcome of exploring one scenario for one profile.</summary>
public sealed record ExplorationResult(
    string ProfileName,
    string ScenarioName,
    Strategy Strategy,
    uint Seed,
    int Iterations,
    string? BugMessage,
    string? ReproducibleTrace,
    IReadOnlyList<string> UncontrolledInvocations,
    TimeSpan Elapsed)
{
    public bool BugFound => BugMessage is not null;

    /// <summary>
    /// In a run that went on past its violations (<see cref="ExplorationOptions.Continue"/>), every violation the buggy
    /// schedule recorded, the first of each property in order: the first is <see cref="BugMessage"/>'s. Empty otherwise.
    /// </summary>
    public IReadOnlyList<RecordedViolation> Violations { get; init; } = [];

    /// <summary>The property the bug message names, or null.</summary>
    public string? PropertyId => ViolationMessage.PropertyOf(BugMessage);

    public string Verdict => BugFound ? $"violates {PropertyId ?? "?"}" : "holds";
}

/// <summary>
/// Runs Coyote's testing engine in-process on a scenario: strict (no partially controlled concurrency), no telemetry,
/// and only on rewritten assemblies, so that "no bug" means something.
/// </summary>
public static class Explorer
{
    /// <summary>Throws unless the core and the model are the rewritten, Coyote-controlled builds.</summary>
    public static void EnsureRewritten()
    {
        foreach (var assembly in new[] { typeof(Host).Assembly, typeof(Explorer).Assembly })
        {
            if (!RewritingEngine.IsAssemblyRewritten(assembly))
            {
                throw new InvalidOperationException(
                    $"{assembly.GetName().Name} at {assembly.Location} is not rewritten for Coyote: build with `dotnet build` "
                    + "(the build runs `dotnet coyote rewrite` with coyote.json) instead of copying binaries.");
            }
        }
    }

    /// <summary>
    /// How long, in wall-clock milliseconds, one step may take before Coyote's periodic monitor reports a potential
    /// deadlock or hang. A real deadlock of our (fully controlled) operations is not found by this monitor: Coyote's
    /// scheduler reports it at the scheduling point where every operation is blocked, whatever the clock. The monitor only
    /// catches a step that never returns. At Coyote's default of 1,000 ms a cold first schedule (the JIT compiling the
    /// model) on a loaded machine was reported as a potential deadlock that no replay reproduces: schedule 1 of seed 17 on
    /// xen-4.21.1 in `bench findings`, and the xen-4.13 generated cell of the main job, with two benches and the main job
    /// on the 2 cores (December 6). Thirty seconds still ends a hung run.
    /// </summary>
    public const uint HangTimeoutMs = 30_000;

    public static Configuration Configure(ExplorationOptions options)
    {
        if (options.Iterations is 0 or > ExplorationOptions.MaxIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"iterations must be 1..{ExplorationOptions.MaxIterations}");
        }

        var configuration = Configuration.Create()
            .WithTestingIterations(options.Iterations)
            .WithRandomGeneratorSeed(options.Seed)
            .WithMaxSchedulingSteps(options.MaxSteps)
            .WithDeadlockTimeout(HangTimeoutMs)
            .WithPartiallyControlledConcurrencyAllowed(false)
            .WithTelemetryEnabled(false)
            .WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None)
            .WithConsoleLoggingEnabled(false);
        return options.Strategy switch
        {
            Strategy.Random => configuration.WithRandomStrategy(),
            Strategy.Probabilistic => configuration.WithProbabilisticStrategy(3),
            Strategy.Prioritization => configuration.WithPrioritizationStrategy(false, 10),
            Strategy.DelayBounding => configuration.WithDelayBoundingStrategy(false, 10),
            Strategy.QLearning => configuration.WithQLearningStrategy(),
            _ => configuration,
        };
    }

    /// <param name="watch">How each run is watched (default: monitored); <see cref="ExplorationOptions.Only"/> sets its judge.</param>
    public static ExplorationResult Explore(Profile profile, Scenario scenario, ExplorationOptions options, RunWatch? watch = null)
    {
        EnsureRewritten();
        var stopwatch = Stopwatch.StartNew();
        watch ??= RunWatch.Monitored;
        watch = options.Only is { } only ? watch with { Judge = PropertyJudge.Only(only) } : watch;
        World? lastWorld = null;
        var lost = new List<int>();
        if (options.Continue)
        {
            var started = watch.Started;
            watch = watch with { ContinuesPastViolations = true, Started = w => { lastWorld = w; started?.Invoke(w); } };
        }

        // Disposed: a TestingEngine subscribes to AppDomain.UnhandledException when created and unsubscribes only in
        // Dispose, so an undisposed one stays rooted for the life of the process with its scheduler, strategies, last
        // runtime, execution graph and report. A long in-process run creates thousands (every whole-budget violation
        // and every attribution try is an engine): 17 GB in 1 h 45 min of `bench findings`.
        using var engine = TestingEngine.Create(Configure(options), () => scenario.RunAsync(profile, watch));
        var iterations = 0;
        engine.RegisterEndIterationCallBack(_ =>
        {
            iterations++;
            // A schedule that recorded violations ends in its final assertion, so in a bug; one that did not (Coyote's step
            // bound ends a schedule without a bug, before its end) would lose them and go on to the next schedule, which a
            // run that stops at its first violation would not: the two modes would explore different schedules.
            // (The buggy schedule, the engine's last, ends in a bug whatever ended it: the model failing after them too.)
            if (lastWorld?.Violations is { Entries.Count: > 0, Asserted: false })
            {
                lost.Add(iterations);
            }
        });
        RunQuietly(engine);
        stopwatch.Stop();
        var report = engine.TestReport;
        var bug = report.NumOfFoundBugs > 0 ? report.BugReports.First() : null;
        if (lost.Count(schedule => bug is null || schedule != iterations) is > 0 and var count)
        {
            throw new InvalidOperationException($"{profile.Name} x {scenario.Name} seed {options.Seed}: {count} schedule(s) recorded violations "
                + $"but ended before their end (the step bound of {options.MaxSteps}?): a run that goes on past violations needs every schedule to end");
        }

        return new ExplorationResult(profile.Name, scenario.Name, options.Strategy, options.Seed, iterations, bug,
            bug is null ? null : engine.ReproducibleTrace, report.UncontrolledInvocations.ToArray(), stopwatch.Elapsed)
        {
            Violations = bug is not null && lastWorld?.Violations is { } log ? [.. log.Entries] : [],
        };
    }

    private static readonly object QuietGate = new();

    private static int quietEngines;

    private static TextWriter? loudOutput;

    /// <summary>
    /// Runs the engine with the console silenced: Coyote 1.7.11 prints its progress ("... Setting up the test") even at
    /// verbosity None, and our callers print their own results (and --json output must stay clean). The console is
    /// the process's: engines running side by side (parallel tests, --jobs) silence it once, and the last to finish
    /// gives it back.
    /// </summary>
    internal static void RunQuietly(TestingEngine engine)
    {
        lock (QuietGate)
        {
            if (quietEngines++ == 0)
            {
                loudOutput = Console.Out;
                Console.SetOut(TextWriter.Null);
            }
        }

        try
        {
            engine.Run();
        }
        finally
        {
            lock (QuietGate)
            {
                if (--quietEngines == 0)
                {
                    Console.SetOut(loudOutput!);
                }
            }

            // Every iteration of this engine is over: what Coyote still caches of its locks can only leak.
            CoyoteLockCache.ReleaseStale();
        }
    }

    /// <summary>
    /// Replays a reproducible trace of <paramref name="scenario"/> for <paramref name="profile"/>, and returns the
    /// replayed execution's world with the result (null if the run never started), for whoever renders it.
    /// </summary>
    /// <param name="only">
    /// Judge that property alone (null: every property), so the replay stops, and its history freezes, at that property's
    /// first violation and at nothing else. What a replay of one violation needs wherever another property could break
    /// first in the same schedule: a violation met by a run judged by that property alone, or one recorded after
    /// another by a run that went on past it (<see cref="ExplorationOptions.Continue"/>). Judged by every property, the
    /// replay would end at the other one, and every fix leaving that one in place would seem to remove this one.
    /// </param>
    public static (ExplorationResult Result, World? World) Replay(Profile profile, Scenario scenario, string trace, string? only = null)
    {
        EnsureRewritten();
        var stopwatch = Stopwatch.StartNew();
        var configuration = Configure(new ExplorationOptions(1)).WithReproducibleTrace(trace);
        World? world = null;
        var watch = RunWatch.Monitored with { Started = w => world = w, Judge = only is null ? null : PropertyJudge.Only(only) };
        using var engine = TestingEngine.Create(configuration, () => scenario.RunAsync(profile, watch)); // Disposed: see Explore.
        RunQuietly(engine);
        var report = engine.TestReport;
        var bug = report.NumOfFoundBugs > 0 ? report.BugReports.First() : null;
        var result = new ExplorationResult(profile.Name, scenario.Name, Strategy.Portfolio, 0, 1, bug, trace,
            report.UncontrolledInvocations.ToArray(), stopwatch.Elapsed);
        return (result, world);
    }
}
