using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;

namespace ClaimVerified.Tests.Traces;

/// <summary>
/// Every committed counterexample under traces/ is evidence only while it replays: the same property breaks with the
/// same message, and the rendered timeline is identical across 20 replays and equal to the committed timeline.txt
/// (the one pin of each timeline: a deliberate change regenerates the trace folder, as its README says).
/// </summary>
public sealed class TraceTests
{
    public static TheoryData<string> TraceFolders()
    {
        var data = new TheoryData<string>();
        foreach (var folder in Repository.TraceFolders())
        {
            data.Add(Path.GetRelativePath(Repository.Root, folder).Replace('\\', '/'));
        }

        return data;
    }

    [Fact]
    public void Every_expected_violation_of_the_manifest_has_a_committed_trace()
    {
        var manifest = ClaimVerified.Model.Manifest.ExpectedResults.Load();
        var missing = manifest.Results.Where(r => r.ExpectsViolation)
            .Where(r => !Repository.TraceFolders().Any(f => f.Replace('\\', '/').Contains($"/{r.Profile}/{r.Scenario}--", StringComparison.Ordinal)))
            .Select(r => $"{r.Profile} x {r.Scenario}").ToArray();
        Assert.True(missing.Length == 0, "no trace for: " + string.Join(", ", missing)
            + ". Regenerate with: dotnet run --project src/ClaimVerified.Cli -- explore --traces traces");
    }

    [Fact]
    public void Every_finding_a_generated_row_expects_has_a_committed_trace_that_opens_with_its_configuration()
    {
        var manifest = ClaimVerified.Model.Manifest.ExpectedResults.Load();
        var folders = Repository.TraceFolders().Select(f => f.Replace('\\', '/')).ToArray();
        foreach (var row in manifest.Results.Where(r => r.ExpectsFindings))
        {
            foreach (var finding in row.Findings!)
            {
                var folder = folders.FirstOrDefault(f => f.Contains($"/{row.Profile}/{row.Scenario}--", StringComparison.Ordinal)
                    && f.EndsWith($"--{finding}", StringComparison.Ordinal));
                Assert.True(folder is not null, $"no trace for {row.Profile} x {row.Scenario}: {finding}. Regenerate with: "
                    + $"dotnet run --project src/ClaimVerified.Cli -- explore --scenario {row.Scenario} --traces traces");
                var timeline = File.ReadAllLines(Path.Combine(folder!, TraceFolder.TimelineFile));
                Assert.StartsWith("  host: ", timeline[1], StringComparison.Ordinal);
                Assert.NotNull(TraceMeta.Parse(File.ReadAllText(Path.Combine(folder!, TraceMeta.FileName)), folder!).Configuration);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TraceFolders))]
    public void The_trace_replays_with_the_same_violation_and_an_identical_timeline(string relativeFolder)
    {
        var folder = Path.Combine(Repository.Root, relativeFolder);
        var first = TraceFolder.Replay(folder);
        Assert.Equal(first.Meta.Message, first.Result.BugMessage);
        Assert.StartsWith($"[{first.Meta.Property}]", first.Result.BugMessage, StringComparison.Ordinal);
        var rendered = TimelineText.Render(first.Timeline);
        for (var replay = 1; replay < 20; replay++)
        {
            Assert.Equal(rendered, TimelineText.Render(TraceFolder.Replay(folder).Timeline));
        }

        Assert.Equal(File.ReadAllText(Path.Combine(folder, TraceFolder.TimelineFile)), rendered);
        Assert.Equal(File.ReadAllText(Path.Combine(folder, TraceFolder.MermaidFile)), TimelineMermaid.Render(first.Timeline));
    }

    [Theory]
    [MemberData(nameof(TraceFolders))]
    public void The_readme_regenerates_the_folder_with_what_its_meta_records(string relativeFolder)
    {
        // The README is written from meta.json: a command edited by hand (or a run's budget not recorded) fails here.
        var folder = Path.Combine(Repository.Root, relativeFolder);
        var meta = TraceMeta.Parse(File.ReadAllText(Path.Combine(folder, TraceMeta.FileName)), folder);
        Assert.Contains($"Regenerate (after the code changed): `{TraceFolder.RegenerateCommand(meta)}`",
            File.ReadAllText(Path.Combine(folder, TraceFolder.ReadmeFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_budget_the_run_chose_is_in_the_regenerate_command_and_the_manifest_s_is_not()
    {
        var meta = new TraceMeta(TraceMeta.CurrentFormatVersion, "xen-4.22", "random-ops", "expiry", null, "m", "portfolio", 17, 11, 4,
            "1.7.11", "f", Budget: 2000);
        Assert.EndsWith("--profile xen-4.22 --scenario random-ops --traces traces --iterations 2000", TraceFolder.RegenerateCommand(meta), StringComparison.Ordinal);
        Assert.DoesNotContain("--iterations", TraceFolder.RegenerateCommand(meta with { Budget = null }), StringComparison.Ordinal);
    }
}
