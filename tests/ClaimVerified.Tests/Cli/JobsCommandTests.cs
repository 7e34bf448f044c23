using System.Text.Json;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;

namespace ClaimVerified.Tests.Cli;

/// <summary>
/// explore --shard, --queue, --cpu and --jobs: slices of the cells, units taken from a queue, child processes each on a
/// CPU of its own, one merged matrix whatever the count.
/// </summary>
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
    public void Two_jobs_record_the_attributions_one_job_records_and_a_run_given_them_makes_none()
    {
        var files = new[] { 1, 2 }.Select(jobs =>
        {
            var file = Path.Combine(Scratch, $"cache{jobs}.jsonl");
            var (exit, output, error) = Run(["explore", .. DrawnCell, "--jobs", $"{jobs}", "--out", Path.Combine(Scratch, $"record{jobs}"),
                "--attribution-cache", "none", "--record-attributions", file]);
            Assert.True(exit != ExitCode.Usage, output + error);
            Assert.Contains(" made, 0 taken from the cache of this code's earlier ones (none, model fingerprint ", output, StringComparison.Ordinal);
            return File.ReadAllText(file);
        }).ToArray();
        Assert.NotEmpty(files[0]);
        Assert.Equal(files[0], files[1]);

        var (_, again, problem) = Run(["explore", .. DrawnCell, "--jobs", "2", "--out", Path.Combine(Scratch, "again"),
            "--attribution-cache", Path.Combine(Scratch, "cache1.jsonl")]);
        Assert.Contains("Attributions: 0 made, ", again + problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cache_that_is_not_there_or_not_a_cache_is_refused_before_anything_is_explored()
    {
        var missing = Path.Combine(Scratch, "missing.jsonl");
        var (exit, output, error) = Run(["explore", .. DrawnCell, "--out", Scratch, "--attribution-cache", missing]);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains($"no attribution cache at {missing}", output + error, StringComparison.Ordinal);
        var bad = Path.Combine(Scratch, "bad.jsonl");
        File.WriteAllText(bad, "[1, 2]\n");
        (exit, output, error) = Run(["explore", .. DrawnCell, "--out", Scratch, "--attribution-cache", bad]);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains($"cannot read the attribution cache: {bad}, line 1: not an attribution", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
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

    [Fact]
    public void A_process_given_a_queue_explores_only_the_units_no_other_took_and_leaves_none_untaken()
    {
        var queue = Path.Combine(Scratch, "queue");
        Directory.CreateDirectory(queue);
        // Another process took the first unit offered (Cells are four staged cells, offered in matrix order).
        File.WriteAllText(Path.Combine(queue, "0"), "");
        Assert.Equal(["reference x offline", "xen-4.22 x kill-during-claim", "reference x kill-during-claim"], Taken(queue, "q1"));
        Assert.Equal(["0", "1", "2", "3"], Directory.GetFiles(queue).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // A process that comes to the same queue later finds every unit taken, and explores nothing.
        Assert.Empty(Taken(queue, "q2"));
    }

    private string[] Taken(string queue, string name)
    {
        var (exit, output, error) = Run(["explore", .. Cells, "--queue", queue, "--out", Path.Combine(Scratch, name), "--json"]);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.GetProperty("cells").EnumerateArray().Select(c => $"{c.GetProperty("profile").GetString()} x {c.GetProperty("scenario").GetString()}")];
    }

    [Fact]
    public void A_queue_offers_the_drawn_chunks_first_then_the_staged_cells_in_matrix_order()
    {
        var generated = ClaimVerified.Model.Scenarios.ScenarioCatalogue.Get("generated");
        var offline = ClaimVerified.Model.Scenarios.ScenarioCatalogue.Get("offline");
        var chunks = SeedChunk.Of(20, 10, 17);
        var profile = ClaimVerified.Profiles.Catalogue.Reference;
        WorkUnit[] units = [new(profile, offline, null), new(profile, generated, chunks[0]), new(profile, offline, null), new(profile, generated, chunks[1])];
        Assert.Equal([1, 3, 0, 2], UnitQueue.Order(units));
    }

    [SkippableFact]
    public void A_process_pinned_to_a_cpu_explores_with_every_thread_on_it()
    {
        Skip.IfNot(ClaimVerified.Cli.Commands.CorePinning.Supported, "pinning to a CPU is Linux only");
        // In a child: pinning this test host would hold every other test to one CPU. The child checks each of its
        // threads as the kernel reports it after pinning, and fails otherwise.
        var cpu = ClaimVerified.Cli.Commands.CorePinning.Allowed()[^1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        var child = ChildProcess.Run("dotnet", [typeof(ClaimVerified.Cli.Commands.ExploreJobs).Assembly.Location, "explore", .. Cells, "--cpu", cpu,
            "--out", Path.Combine(Scratch, "pinned"), "--json"], TimeSpan.FromMinutes(5));
        Assert.True(child.ExitCode == ExitCode.AsExpected, child.Output);
        Assert.Equal(4, JsonDocument.Parse(child.Stdout).RootElement.GetProperty("cells").GetArrayLength());
    }

    [Theory]
    [InlineData("--queue", "--shard", "0/2")]
    [InlineData("--queue", "--jobs", "2")]
    [InlineData("--cpu", "--jobs", "2")]
    public void A_queue_or_a_cpu_is_for_one_process(string option, string other, string value)
    {
        Directory.CreateDirectory(Scratch);
        var (exit, output, error) = Run(["explore", .. Cells, option, option == "--queue" ? Scratch : "0", other, value, "--out", Scratch]);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains(option, output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--shard", "2/2")]
    [InlineData("--shard", "a/b")]
    [InlineData("--shard", "-1/2")]
    [InlineData("--shard", "0/65")]
    [InlineData("--jobs", "0")]
    [InlineData("--jobs", "65")]
    [InlineData("--chunk-size", "0")]
    [InlineData("--cpu", "4096")] // a CPU this process may not use
    [InlineData("--queue", "/nonexistent/queue")] // a queue folder that is not there
    public void Bad_shards_job_counts_cpus_and_queues_are_usage_errors(string option, string value)
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
