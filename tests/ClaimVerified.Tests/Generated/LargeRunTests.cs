using System.Text.Json;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Generated;

/// <summary>
/// The committed large runs (tests/ClaimVerified.Benchmarks/large-runs): each says what the command it records found,
/// and the manifest row it stands behind must still expect that. A run too large for CI, kept honest by CI.
/// </summary>
public sealed class LargeRunTests
{
    public static TheoryData<string> Runs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string Folder => Path.Combine(Repository.Root, "tests", "ClaimVerified.Benchmarks", "large-runs");

    [Fact]
    public void The_reference_has_a_run_of_at_least_100000_generated_schedules_that_holds()
    {
        var run = Load("reference-generated-100k.json");
        Assert.Equal(("reference", "generated", "holds"), (run.Profile, run.Scenario, run.Verdict));
        Assert.True(run.Schedules >= 100_000, $"{run.Schedules} schedules");
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_large_run_agrees_with_its_command_and_with_the_manifest(string file)
    {
        var run = Load(file);
        // The chunk size too: it decides every chunk's seed after the first, so the command must say the one the run had.
        Assert.Contains($"--profile {run.Profile} --scenario {run.Scenario} --iterations {run.Schedules} --jobs {run.Jobs} --chunk-size {run.ChunkSize}",
            run.Command, StringComparison.Ordinal);
        var row = ExpectedResults.Load().Find(run.Profile, run.Scenario);
        Assert.NotNull(row);
        if (run.Verdict == "holds")
        {
            Assert.Equal("holds", row.Expect);
            Assert.Empty(run.Findings);
        }
        else
        {
            Assert.All(run.Findings, f => Assert.True((row.Findings ?? []).Contains(f) || (row.InCompounds ?? []).Contains(f), $"{f} is not in the manifest's row"));
        }
    }

    private static LargeRun Load(string file) =>
        JsonSerializer.Deserialize<LargeRun>(File.ReadAllText(Path.Combine(Folder, file)), new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidDataException(file + " is empty");

    private sealed record LargeRun(string Profile, string Scenario, string Command, int Schedules, int Jobs, int ChunkSize, string Verdict, IReadOnlyList<string> Findings);
}
