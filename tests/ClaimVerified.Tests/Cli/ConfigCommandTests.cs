using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Tests.Cli;

/// <summary>explore --config: a user's own situation as data, explored and attributed; bad files refused in words.</summary>
public sealed class ConfigCommandTests() : CliTestBase("config")
{
    private const string Offlining = Generated.SampleConfigs.BuilderAndOffliner;

    [Fact]
    public void A_given_configuration_is_explored_attributed_and_replayable_with_its_configuration_on_top()
    {
        var config = ScratchFile("offlining.json", Offlining);
        var (exit, output, error) = Run("explore", "--config", config, "--profile", "xen-4.22", "--iterations", "100", "--out", Scratch);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("offline-unbacks-claims", output, StringComparison.Ordinal);
        var folder = Directory.GetDirectories(Path.Combine(Scratch, "traces", "xen-4.22")).Order(StringComparer.Ordinal)
            .First(d => d.EndsWith("--offline-unbacks-claims", StringComparison.Ordinal));
        Assert.Contains("offliner1: offliner, 2 calls", File.ReadAllText(Path.Combine(folder, TraceFolder.TimelineFile)), StringComparison.Ordinal);
        Assert.Contains("Attribution.", File.ReadAllText(Path.Combine(folder, TraceFolder.ReadmeFile)), StringComparison.Ordinal);
        var replayed = TraceFolder.Replay(folder);
        Assert.NotNull(replayed.Meta.Configuration);
        Assert.Equal("generated-config", replayed.Meta.Scenario);

        (exit, output, error) = Run("explore", "--config", config, "--profile", "reference", "--iterations", "100", "--out", Scratch);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("holds", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "cannot read the configuration")]
    [InlineData("{ nodes: ", "not a generated configuration")]
    [InlineData("""{"nodes":1,"pagesPerNode":8,"actors":[{"kind":"tmem-client","name":"t","maxPages":2,"steps":1}]}""", "cannot run on xen-4.22")]
    [InlineData("""{"nodes":1,"pagesPerNode":-8,"actors":[{"kind":"observer","name":"o","steps":1}]}""", "1..2 nodes of 1..64 pages")]
    public void A_bad_configuration_file_is_a_usage_error_that_says_what_is_wrong(string? text, string expected)
    {
        var path = text is null ? Path.Combine(Scratch, "missing.json") : ScratchFile("bad.json", text);
        var (exit, output, error) = Run("explore", "--config", path, "--profile", "xen-4.22", "--out", Scratch);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains(expected, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_calibration_the_user_chooses_is_recorded_so_the_regenerate_command_attributes_alike()
    {
        var config = ScratchFile("calibrated.json", Offlining);
        var (exit, output, error) = Run("explore", "--config", config, "--profile", "xen-4.22", "--iterations", "100", "--calibration", "3000",
            "--out", Scratch);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        var folder = Directory.GetDirectories(Path.Combine(Scratch, "traces", "xen-4.22"))
            .First(d => d.EndsWith("--offline-unbacks-claims", StringComparison.Ordinal));
        var replayed = TraceFolder.Replay(folder);
        Assert.Equal(3000u, replayed.Meta.Calibration);
        Assert.Contains("--calibration 3000", File.ReadAllText(Path.Combine(folder, TraceFolder.ReadmeFile)), StringComparison.Ordinal);

        // The default is not recorded: a folder written without the option regenerates without it.
        (exit, output, error) = Run("explore", "--config", config, "--profile", "xen-4.22", "--iterations", "100", "--out", Scratch);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Null(TraceFolder.Replay(folder).Meta.Calibration);
        Assert.DoesNotContain("--calibration", File.ReadAllText(Path.Combine(folder, TraceFolder.ReadmeFile)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100001")]
    [InlineData("-5")]
    public void A_calibration_out_of_range_is_a_usage_error(string value)
    {
        var (exit, output, error) = Run("explore", "--config", ScratchFile("c.json", Offlining), "--profile", "xen-4.22", "--calibration", value,
            "--out", Scratch);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("--calibration", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_and_scenario_together_are_refused()
    {
        var (exit, output, error) = Run("explore", "--config", ScratchFile("c.json", Offlining), "--scenario", "offline", "--out", Scratch);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("cannot be combined", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scenarios_command_lists_the_generated_family_and_the_random_operations_mode()
    {
        var (exit, output, _) = Run("scenarios");
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.Contains("generated", output, StringComparison.Ordinal);
        Assert.Contains("random-ops", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shrunk_counterexample_is_written_in_its_family_folder_says_what_it_was_shrunk_from_and_replays()
    {
        // Two callers race a claim and a destroy on xen-4.22 (the unlocked dying check), with a physinfo and a page to spare.
        var config = ScratchFile("callers.json", """
            {"nodes":2,"pagesPerNode":2,"domains":[1],"actors":[
              {"kind":"caller","name":"caller1","calls":["physinfo","claim d1 1"]},
              {"kind":"caller","name":"caller2","calls":["destroy d1"]}]}
            """);
        var (exit, output, error) = Run("explore", "--config", config, "--profile", "xen-4.22", "--shrink", "--out", Scratch);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        var folder = Directory.GetDirectories(Path.Combine(Scratch, "traces", "xen-4.22"))
            .Single(d => d.EndsWith("generated-config--release--unlocked-dying-check", StringComparison.Ordinal));
        var readme = File.ReadAllText(Path.Combine(folder, TraceFolder.ReadmeFile));
        Assert.Contains("Given as data, then shrunk from 2 actors, 3 calls, 2x2 pages", readme, StringComparison.Ordinal);
        Assert.Contains("--shrink", readme, StringComparison.Ordinal);
        var replayed = TraceFolder.Replay(folder);
        Assert.Equal("generated-config", replayed.Meta.ShrunkFrom);
        Assert.Equal("release", replayed.Meta.Property);
        Assert.True(File.Exists(Path.Combine(Scratch, "report.html")));
    }
}
