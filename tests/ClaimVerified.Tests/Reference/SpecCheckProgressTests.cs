using ClaimVerified.Model.Exhaustive;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Cli;

namespace ClaimVerified.Tests.Reference;

/// <summary>
/// A long spec-check says where it is every few seconds, and an interrupted one still reports the shortest
/// counterexamples found so far (issue 15 §3): both engines, and spec-check's progress lines on stderr.
/// </summary>
public sealed class SpecCheckProgressTests
{
    /// <summary>Half a million states and more: far longer than the moments these tests let it run.</summary>
    private static readonly SpecBound Large = SpecBound.Parse("nodes=2 pages=3 domains=2 sizes=3,6", out _)!;

    [Theory]
    [InlineData(SpecEngine.Packed)]
    [InlineData(SpecEngine.Records)]
    public void An_interrupted_search_stops_and_keeps_the_shortest_counterexamples_it_found(SpecEngine engine)
    {
        using var interrupt = new CancellationTokenSource();
        var seen = new List<SpecCheckProgress>();
        var limits = new SpecCheckLimits(MaxStates: 50_000_000, MaxSeconds: 600, Threads: 2, Cancellation: interrupt.Token, ProgressSeconds: 0.02,
            Progress: p =>
            {
                lock (seen)
                {
                    seen.Add(p);
                }

                if (p.Depth >= 4)
                {
                    interrupt.Cancel(); // Past depth 3, where xen-4.22's shortest counterexamples are.
                }
            });
        var result = SpecChecker.Check(Catalogue.Get("xen-4.22"), Large, limits, engine);

        Assert.Equal(SpecCheckLimits.Interrupted, result.IncompleteReason);
        Assert.Contains("incomplete (interrupted)", result.Render(), StringComparison.Ordinal);
        Assert.Equal(["admin-view", "claim-bound", "claims-backed"], result.Violations.Select(v => v.Property).Order(StringComparer.Ordinal));
        Assert.All(result.Violations, v => Assert.Equal(3, v.Length));
        lock (seen)
        {
            Assert.NotEmpty(seen);
            Assert.True(seen.Zip(seen.Skip(1)).All(pair => pair.First.States <= pair.Second.States && pair.First.Depth <= pair.Second.Depth));
            Assert.Contains("spec-check: depth ", seen[^1].Render(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Without_an_interrupt_no_progress_is_asked_and_the_search_completes()
    {
        var result = SpecChecker.Check(Catalogue.Get("reference"), SpecBound.Parse("nodes=1 pages=2 domains=1 sizes=2", out _)!);
        Assert.Null(result.IncompleteReason);
    }

    [Fact]
    public void Spec_check_prints_a_progress_line_on_stderr_every_few_seconds()
    {
        var (exit, output, error) = CliRunner.Run("spec-check", "--profile", "xen-4.22", "--bound", "nodes=2 pages=3 domains=2 sizes=3,6",
            "--max-seconds", "3", "--json");
        Assert.NotEqual(1, exit);
        Assert.Matches(@"spec-check: depth \d+, [\d,]+ states \([\d,]+/s\), [\d,]+ transitions, \d+\.\d s, [\d,]+ MiB", error);
        Assert.DoesNotContain("spec-check: depth", output, StringComparison.Ordinal); // stdout stays the JSON
        Assert.Contains("\"status\"", output, StringComparison.Ordinal);
    }
}
