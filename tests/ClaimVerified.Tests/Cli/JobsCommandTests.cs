using System.Text.Json;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;

namespace ClaimVerified.Tests.Cli;

/// <summary>explore --shard and --jobs: slices of the cells, child processes, one merged matrix whatever the count.</summary>
public sealed class JobsCommandTests() : CliTestBase("jobs")
{
    private static readonly string[] Cells = ["--profile", "xen-4.22", "--profile", "reference", "--scenario", "offline", "--scenario", "kill-during-claim", "--attempts", "1"];

    [Fact]
    public void Two_jobs_give_the_matrix_one_job_gives_with_the_same_traces()
    {
        var one = Explore(1);
        var two = Explore(2);
        Assert.Equal(one.Cells, two.Cells);
        Assert.Equal(ExitCode.AsExpected, two.Exit);
        Assert.Equal(Files(Path.Combine(Scratch, "jobs1", "traces")), Files(Path.Combine(Scratch, "jobs2", "traces")));
    }

    /// <summary>One drawn cell cut into chunks of its seed space: the unit a job takes when there is one cell.</summary>
    private static readonly string[] DrawnCell = ["--profile", "xen-4.22", "--scenario", "random-ops", "--iterations", "30", "--chunk-size", "10"];

    [Fact]
    public void Two_jobs_give_a_chunked_drawn_cell_what_one_job_gives_with_the_same_traces()
    {
        var one = Explore(1, DrawnCell, "drawn");
        var two = Explore(2, DrawnCell, "drawn");
        Assert.Equal(one, two);
        Assert.Contains("30", one.Cells, StringComparison.Ordinal);
        var traces = Path.Combine(Scratch, "drawn1", "traces");
        Assert.NotEmpty(Directory.GetDirectories(traces, "random-ops--*", SearchOption.AllDirectories));
        Assert.Equal(Files(traces), Files(Path.Combine(Scratch, "drawn2", "traces")));
        Assert.False(Directory.Exists(Path.Combine(traces, SeedChunk.StagingFolder)), "the merge deletes the chunks' staging folder");
        // The report shows a timeline per distinct finding of the cell, however many processes explored it.
        var diagrams = Diagrams(Path.Combine(Scratch, "drawn1"));
        Assert.Equal(Directory.GetDirectories(traces, "random-ops--*", SearchOption.AllDirectories).Length, diagrams);
        Assert.Equal(diagrams, Diagrams(Path.Combine(Scratch, "drawn2")));
    }

    [Fact]
    public void A_whole_run_starts_without_the_chunk_staging_an_interrupted_one_left()
    {
        var stale = Path.Combine(Scratch, "stale", "traces", SeedChunk.StagingFolder, "random-ops", "xen-4.22", "7");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "left-over"), "from a run that was stopped");
        var (exit, output, error) = Run(["explore", .. DrawnCell, "--jobs", "1", "--out", Path.Combine(Scratch, "stale"), "--json"]);
        Assert.True(exit != ExitCode.Usage, output + error);
        Assert.False(Directory.Exists(Path.Combine(Scratch, "stale", "traces", SeedChunk.StagingFolder)));
    }

    private static int Diagrams(string outDir) =>
        System.Text.RegularExpressions.Regex.Count(File.ReadAllText(Path.Combine(outDir, "report.md")), "```mermaid");

    [Fact]
    public void A_shard_of_a_drawn_cell_reports_its_chunks_for_the_merge()
    {
        var (exit, output, error) = Run(["explore", .. DrawnCell, "--shard", "1/2", "--out", Scratch, "--json"]);
        Assert.True(exit != ExitCode.Usage, output + error);
        using var json = JsonDocument.Parse(output);
        var chunks = json.RootElement.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("chunk").GetInt32());
        Assert.Equal([1], chunks);
    }

    [Fact]
    public void A_shard_explores_every_nth_cell()
    {
        var (exit, output, error) = Run(["explore", .. Cells, "--shard", "1/2", "--out", Scratch, "--json"]);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        using var json = JsonDocument.Parse(output);
        var cells = json.RootElement.GetProperty("cells").EnumerateArray().Select(c => $"{c.GetProperty("profile").GetString()} x {c.GetProperty("scenario").GetString()}");
        Assert.Equal(["reference x offline", "reference x kill-during-claim"], cells);
    }

    [Theory]
    [InlineData("--shard", "2/2")]
    [InlineData("--shard", "a/b")]
    [InlineData("--shard", "-1/2")]
    [InlineData("--shard", "0/65")]
    [InlineData("--jobs", "0")]
    [InlineData("--jobs", "65")]
    [InlineData("--chunk-size", "0")]
    public void Bad_shards_and_job_counts_are_usage_errors(string option, string value)
    {
        var (exit, output, error) = Run(["explore", .. Cells, option, value, "--out", Scratch]);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains(option, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_is_read_back_as_written()
    {
        Assert.Equal(new Shard(3, 8), Shard.Parse("3/8", out var problem));
        Assert.Null(problem);
        Assert.Null(Shard.Parse("8/8", out problem));
        Assert.Contains("0 <= i < n", problem, StringComparison.Ordinal);
    }

    private (int Exit, string Cells) Explore(int jobs) => Explore(jobs, Cells, "jobs");

    private (int Exit, string Cells) Explore(int jobs, string[] cells, string name)
    {
        var (exit, output, error) = Run(["explore", .. cells, "--jobs", jobs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", Path.Combine(Scratch, $"{name}{jobs}"), "--json"]);
        Assert.True(exit != ExitCode.Usage, output + error);
        using var json = JsonDocument.Parse(output);
        var reports = json.RootElement.GetProperty("cells").EnumerateArray()
            .Select(c => $"{c.GetProperty("profile").GetString()} {c.GetProperty("scenario").GetString()} {c.GetProperty("verdict").GetString()} "
                + $"{c.GetProperty("schedules").GetInt32()} {c.GetProperty("iterationsToFirstBug")}");
        return (exit, string.Join("\n", reports));
    }

    private static string Files(string root) =>
        string.Join("\n", Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(root, f) + " " + File.ReadAllText(f).Length));
}
