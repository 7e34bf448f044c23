using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Coyote.SystematicTesting;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Workloads;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Linearizability;

/// <summary>The linearizability verdict of one profile x scenario over the executions Coyote explored.</summary>
/// <param name="FirstBadIteration">The iteration (0-based) whose history had no linearization, or -1.</param>
/// <param name="Evidence">That history's minimised evidence, or the first Unknown's reason.</param>
public sealed record LinearizabilityExploration(
    string Profile,
    string Scenario,
    LinearizabilityStatus Status,
    int Iterations,
    int Linearizable,
    int NotLinearizable,
    int Unknown,
    int FirstBadIteration,
    LinearizabilityResult? Evidence,
    IReadOnlyList<string> UncontrolledInvocations,
    TimeSpan Elapsed)
{
    public bool IsLinearizable => Status == LinearizabilityStatus.Linearizable;

    public string Verdict => Status switch
    {
        LinearizabilityStatus.Linearizable => $"linearizable in {Iterations} executions",
        LinearizabilityStatus.NotLinearizable => $"not linearizable (execution {FirstBadIteration + 1} of {Iterations}; {NotLinearizable} bad)",
        _ => $"unknown in {Unknown} of {Iterations} executions ({Evidence?.Reason})",
    };

    public string Render()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Profile} x {Scenario}: {Verdict}, {Elapsed.TotalSeconds:0.00} s");
        if (Status == LinearizabilityStatus.NotLinearizable && Evidence is not null)
        {
            text.AppendLine().Append("a sub-history with no linearization (rows by call; [call-return] steps):").AppendLine()
                .Append(LinearizabilityChecker.RenderTable(Evidence.Evidence));
        }

        return text.ToString();
    }
}

/// <summary>
/// Explores a scenario with Coyote (unmonitored, so that no property violation cuts the exploration short) and
/// checks every execution's history for linearizability against the specification, at the end of each iteration.
/// </summary>
public static class LinearizabilityExplorer
{
    public static LinearizabilityExploration Explore(Profile profile, Scenario scenario, ExplorationOptions exploration,
        LinearizabilityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(exploration);
        Explorer.EnsureRewritten();
        options ??= LinearizabilityOptions.Default;
        var stopwatch = Stopwatch.StartNew();
        World? world = null;
        var watch = new RunWatch(IsMonitored: false, Started: w => world = w);
        // Disposed, else it stays subscribed to AppDomain.UnhandledException, and so alive (see Explorer.Explore).
        using var engine = TestingEngine.Create(Explorer.Configure(exploration), () => scenario.RunAsync(profile, watch));
        int iterations = 0, good = 0, bad = 0, unknown = 0, firstBad = -1;
        LinearizabilityResult? evidence = null;
        engine.RegisterEndIterationCallBack(_ =>
        {
            var iteration = iterations++;
            var finished = world;
            world = null;
            if (finished is null || !finished.Completed)
            {
                unknown++;
                evidence ??= new LinearizabilityResult(LinearizabilityStatus.Unknown, 0, 0, TimeSpan.Zero, "an execution did not finish", []);
                return;
            }

            var wantEvidence = bad == 0;
            var result = LinearizabilityChecker.Check(profile, finished.Config, finished.History.Entries, options with { Minimise = wantEvidence && options.Minimise });
            switch (result.Status)
            {
                case LinearizabilityStatus.Linearizable:
                    good++;
                    break;
                case LinearizabilityStatus.NotLinearizable:
                    bad++;
                    if (firstBad < 0)
                    {
                        firstBad = iteration;
                        evidence = result;
                    }

                    break;
                default:
                    unknown++;
                    if (bad == 0)
                    {
                        evidence ??= result;
                    }

                    break;
            }
        });
        Explorer.RunQuietly(engine);
        stopwatch.Stop();
        var status = bad > 0 ? LinearizabilityStatus.NotLinearizable
            : unknown > 0 ? LinearizabilityStatus.Unknown
            : LinearizabilityStatus.Linearizable;
        return new LinearizabilityExploration(profile.Name, scenario.Name, status, iterations, good, bad, unknown, firstBad,
            status == LinearizabilityStatus.Linearizable ? null : evidence,
            engine.TestReport.UncontrolledInvocations.ToArray(), stopwatch.Elapsed);
    }
}
