using System.Diagnostics;
using CoyoteSpecification = Microsoft.Coyote.Specifications.Specification;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;

namespace ClaimVerified.Tests.Model;

/// <summary>
/// The checker checks something: the assemblies are rewritten, Coyote controls our locks (a deliberately racy
/// counter is caught), the manifest's judge rejects wrong results, and `dotnet coyote test` runs a scenario from the
/// command line as the README shows.
/// </summary>
public sealed class CoyoteControlTests
{
    [Fact]
    public void The_core_the_model_and_the_tests_are_rewritten()
    {
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(Host).Assembly), "ClaimVerified.dll is not rewritten");
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(Explorer).Assembly), "ClaimVerified.Model.dll is not rewritten");
        Assert.True(RewritingEngine.IsAssemblyRewritten(typeof(CoyoteControlTests).Assembly), "ClaimVerified.Tests.dll is not rewritten");
        Explorer.EnsureRewritten();
    }

    private sealed class RacyCounter
    {
        private readonly object gate = new();
        private long valuePages;

        /// <summary>Reads under the lock, writes under another acquisition: a check and its update split.</summary>
        public void Increment()
        {
            long seen;
            lock (gate)
            {
                seen = valuePages;
            }

            lock (gate)
            {
                valuePages = seen + 1;
            }
        }

        public long ValuePages => valuePages;
    }

    [Fact]
    public void Coyote_controls_lock_object_and_finds_a_split_update()
    {
        var configuration = Explorer.Configure(new ExplorationOptions(200));
        using var engine = TestingEngine.Create(configuration, async () =>
        {
            var counter = new RacyCounter();
            await Task.WhenAll(new[] { Task.Run(counter.Increment), Task.Run(counter.Increment) });
            CoyoteSpecification.Assert(counter.ValuePages == 2, $"lost update: counter is {counter.ValuePages}");
        });
        engine.Run();
        Assert.Empty(engine.TestReport.UncontrolledInvocations);
        Assert.Equal(1, engine.TestReport.NumOfFoundBugs);
        Assert.Contains("lost update: counter is 1", engine.TestReport.BugReports.Single(), StringComparison.Ordinal);
    }

    /// <summary>One step of 2.5 s of wall clock: what a cold first schedule (the JIT) takes on a loaded machine.</summary>
    private static Task SlowStepAsync() => SpinAsync(2_500);

    /// <summary>
    /// One step of 6 s: Coyote's monitor reports a hang only after two of its periods without a step (its Task.Delay
    /// loop; CoyoteRuntime.CheckIfExecutionHasDeadlockedAsync), 2 s at its default, and on a loaded machine its timer
    /// can fire late: 2.5 s left it unreported once in a CI run (December 6).
    /// </summary>
    private static Task HangingStepAsync() => SpinAsync(6_000);

    private static async Task SpinAsync(int durationMs)
    {
        await Task.Run(() =>
        {
            var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * durationMs / 1000);
            while (Stopwatch.GetTimestamp() < until)
            {
                // Spins without a scheduling point, as a method being compiled does.
            }
        });
    }

    [Fact]
    public void A_slow_step_is_not_reported_as_a_deadlock()
    {
        using var engine = TestingEngine.Create(Explorer.Configure(new ExplorationOptions(1)), SlowStepAsync);
        engine.Run();
        Assert.Equal(0, engine.TestReport.NumOfFoundBugs);

        // Coyote's default of 1,000 ms, which the main job and bench findings ran with until December 6, reports a step
        // as slow (two of its periods, with room for a late timer).
        using var coyoteDefault = TestingEngine.Create(Explorer.Configure(new ExplorationOptions(1)).WithDeadlockTimeout(1000), HangingStepAsync);
        coyoteDefault.Run();
        Assert.Contains("Potential deadlock or hang detected", coyoteDefault.TestReport.BugReports.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_judge_rejects_results_that_differ_from_the_manifest()
    {
        var manifest = ExpectedResults.Load();
        var holds = manifest.For("reference", "sharing");
        var violates = manifest.For("xen-4.3", "sharing");
        ExplorationResult Result(string? bug, params string[] uncontrolled) =>
            new("xen-4.3", "sharing", Strategy.Portfolio, 17, 5, bug, null, uncontrolled, TimeSpan.Zero);

        Assert.Equal(Judgement.UnexpectedViolation, holds.Judge(Result("[claims-sum] profile reference, scenario sharing: x (y)")).Judgement);
        Assert.Equal(Judged.AsExpected, holds.Judge(Result(null)));
        Assert.Equal(Judgement.ExpectedViolationMissing, holds.Judge(Result(null, "System.Threading.Thread.Start")).Judgement);
        Assert.Equal(Judgement.ExpectedViolationMissing, violates.Judge(Result(null)).Judgement);
        Assert.Equal(Judgement.UnexpectedViolation, violates.Judge(Result("[release] profile xen-4.3, scenario sharing: d1 (z)")).Judgement);
        Assert.NotNull(violates.Judge(Result("[claims-backed] profile xen-4.6, scenario sharing: wrong profile (z)")).Deviation);
        Assert.Equal(Judged.AsExpected, violates.Judge(Result("[claims-backed] profile xen-4.3, scenario sharing: outstanding 13 > free 12 (z)")));
    }

    [Fact]
    public void Dotnet_coyote_test_runs_a_scenario_from_the_command_line()
    {
        // The model's own output folder, as the README's command uses it (this test folder's deps.json is the test
        // host's, which the coyote tool cannot load the model with).
        var modelDll = CoyoteCli.ModelAssembly;
        var (output, exit) = RunCoyote(modelDll, "xen-4.22", nameof(CoyoteEntryPoints.KillDuringClaim), 200);
        Assert.True(exit != 0, "coyote test exits non-zero when it finds a bug:\n" + output);
        Assert.Contains("Found 1 bug", output, StringComparison.Ordinal);
        Assert.Contains("[release] profile xen-4.22, scenario kill-during-claim", output, StringComparison.Ordinal);

        (output, exit) = RunCoyote(modelDll, "reference", nameof(CoyoteEntryPoints.KillDuringClaim), 100);
        Assert.True(exit == 0, output);
        Assert.Contains("Found 0 bugs", output, StringComparison.Ordinal);
    }

    private static (string Output, int ExitCode) RunCoyote(string assembly, string profile, string method, int iterations) =>
        CoyoteCli.Run(profile, "test", assembly, "-m", $"ClaimVerified.Model.Scenarios.CoyoteEntryPoints.{method}",
            "-i", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--deadlock-timeout", Explorer.HangTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
