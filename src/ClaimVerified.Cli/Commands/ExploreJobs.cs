using System.Diagnostics;
using System.Text.Json;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// explore --jobs N: the matrix's units of work (staged cells, chunks of drawn cells) explored by N child claimverify
/// processes (explore --queue FOLDER --json), each taking the next unit none has taken (<see cref="UnitQueue"/>), each
/// on a CPU of its own where there are enough (<see cref="CorePinning"/>), merged back in cell and chunk order. A unit's
/// result depends only on its own options, so the merged matrix, its traces and its exit code are the same whatever N
/// and whichever child took which unit; only the time differs. Fixed slices of the units (explore --shard i/n) are for
/// runs spread over machines and merged with explore --merge.
/// </summary>
public static class ExploreJobs
{
    /// <summary>A limit on everything: at most this many child processes.</summary>
    public const int MaxJobs = Shard.MaxCount;

    /// <summary>The default number of jobs: the machine's cores when this process is claimverify itself, else 1.</summary>
    public static int DefaultJobs() =>
        System.Reflection.Assembly.GetEntryAssembly() == typeof(ExploreJobs).Assembly ? Math.Min(Environment.ProcessorCount, MaxJobs) : 1;

    /// <summary>Runs the children with <paramref name="childArguments"/> plus the queue and each one's --out and --cpu.</summary>
    public static MatrixResult Run(MatrixOptions options, int jobs, IReadOnlyList<string> childArguments, string outDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        var stopwatch = Stopwatch.StartNew();
        // Each child on a CPU of its own where there are enough (CorePinning says why); else the kernel places them.
        var cpus = CorePinning.Allowed();
        var queue = Path.Combine(outDir, QueueFolder);
        if (Directory.Exists(queue))
        {
            Directory.Delete(queue, recursive: true);
        }

        Directory.CreateDirectory(queue);
        var children = Enumerable.Range(0, jobs)
            .Select(index => Start(childArguments, index, queue, outDir, cpus.Count >= jobs ? cpus[index] : null)).ToArray();
        var outputs = new List<ShardOutput>();
        foreach (var (process, index) in children)
        {
            var text = process.StandardOutput.ReadToEnd();
            var problem = process.StandardError.ReadToEnd();
            process.WaitForExit();
            outputs.Add(new ShardOutput($"job {index}", text, problem, process.ExitCode));
            process.Dispose();
            // The child's own report is of the units it happened to take; the merged one is the run's. (A child that
            // failed before it wrote one has no folder; its output says why, below.)
            var childOut = Path.Combine(outDir, $"job-{index}");
            if (Directory.Exists(childOut))
            {
                Directory.Delete(childOut, recursive: true);
            }
        }

        Directory.Delete(queue, recursive: true);

        return Merge(options, outputs, stopwatch);
    }

    /// <summary>
    /// explore --merge: the reports of shards run elsewhere (explore --shard i/n --json, e.g. a CI matrix or a
    /// Kubernetes Indexed Job), merged as --jobs merges its children. Every shard of one split must be there, once.
    /// </summary>
    public static MatrixResult MergeFiles(MatrixOptions options, IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        var stopwatch = Stopwatch.StartNew();
        var outputs = files.Select(f => new ShardOutput(f, File.ReadAllText(f), "", 0)).ToArray();
        var shards = outputs.Select(o => (o.Label, Shard: ShardOf(o))).ToArray();
        var count = shards[0].Shard.Count;
        var missing = Enumerable.Range(0, count).Where(i => !shards.Any(s => s.Shard.Index == i)).Select(i => $"{i}/{count}").ToArray();
        var twice = shards.GroupBy(s => s.Shard).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({string.Join(", ", g.Select(s => s.Label))})").ToArray();
        if (shards.Any(s => s.Shard.Count != count) || missing.Length > 0 || twice.Length > 0)
        {
            throw new UsageException(
                $"the shard reports do not make one split: {(shards.Any(s => s.Shard.Count != count) ? "they split into different counts; " : "")}"
                + $"{(missing.Length > 0 ? $"missing {string.Join(", ", missing)}; " : "")}{(twice.Length > 0 ? $"given twice {string.Join(", ", twice)}" : "")}".TrimEnd(' ', ';'),
                "give the report of every shard i/n of one run, each once");
        }

        return Merge(options, outputs, stopwatch);
    }

    private static MatrixResult Merge(MatrixOptions options, IReadOnlyList<ShardOutput> outputs, Stopwatch stopwatch)
    {
        var staged = new List<CellReport>();
        var chunks = new List<ChunkReport>();
        foreach (var output in outputs)
        {
            var (cells, chunkReports) = Parse(output);
            staged.AddRange(cells);
            chunks.AddRange(chunkReports);
        }

        var manifest = ExpectedResults.Load();
        var merged = new List<CellReport>();
        var folders = new List<string>();
        foreach (var (profile, scenario) in options.AllCells())
        {
            // A drawn cell is merged from its chunks (a shard's own report of it is partial), with a trace per distinct
            // finding; a staged one is as reported, with its one trace.
            if (scenario.Configure is not null)
            {
                var (cell, winners) = GeneratedCell.Merge(manifest, profile, scenario, options, [.. chunks.Where(c => c.Profile == profile.Name && c.Scenario == scenario.Name)]);
                merged.Add(cell);
                folders.AddRange(winners.Select(w => w.Folder));
            }
            else
            {
                var cells = staged.Where(c => c.Profile == profile.Name && c.Scenario == scenario.Name).ToArray();
                merged.AddRange(cells);
                folders.AddRange(cells.Where(c => c.TraceFolder is not null).Select(c => c.TraceFolder!));
            }
        }

        // The timelines come from replaying the folders the children wrote. One that does not replay ran on something
        // Coyote does not control (a potential deadlock reported by the wall clock did, before December 6): the run says
        // which, and reports the rest, instead of ending in an exception.
        var timelines = new List<Timeline>();
        var unreplayed = new List<string>();
        foreach (var folder in folders)
        {
            try
            {
                timelines.Add(TraceFolder.Replay(folder).Timeline);
            }
            catch (TraceException e)
            {
                unreplayed.Add($"{folder}: {e.Message}");
            }
        }

        return new MatrixResult(merged, timelines, stopwatch.Elapsed, chunks) { Unreplayed = unreplayed };
    }

    /// <summary>One child's or shard's report: where it came from (for messages), its stdout and stderr, and its exit code.</summary>
    private sealed record ShardOutput(string Label, string Text, string Problem, int ExitCode);

    private static Shard ShardOf(ShardOutput output)
    {
        try
        {
            using var json = JsonDocument.Parse(output.Text);
            if (json.RootElement.TryGetProperty("shard", out var field) && field.ValueKind == JsonValueKind.String
                && Shard.Parse(field.GetString()!, out _) is { } shard)
            {
                return shard;
            }
        }
        catch (JsonException)
        {
            // Falls through to the error below.
        }

        throw new UsageException($"{output.Label} is not the report of a shard (explore --shard i/n --json)", "give the JSON each shard printed");
    }

    /// <summary>The folder under the output folder where the children of one run take their units (<see cref="UnitQueue"/>).</summary>
    public const string QueueFolder = ".queue";

    private static (Process Process, int Index) Start(IReadOnlyList<string> arguments, int index, string queue, string outDir, int? cpu)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ExploreJobs).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in new[] { "--queue", queue, "--jobs", "1", "--json", "--out", Path.Combine(outDir, $"job-{index}") })
        {
            start.ArgumentList.Add(argument);
        }

        if (cpu is { } core)
        {
            start.ArgumentList.Add("--cpu");
            start.ArgumentList.Add(core.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return (Process.Start(start) ?? throw new UsageException($"cannot start {host} for job {index}", "run claimverify from its build output"), index);
    }

    private static (IReadOnlyList<CellReport> Cells, IReadOnlyList<ChunkReport> Chunks) Parse(ShardOutput output)
    {
        try
        {
            using var json = JsonDocument.Parse(output.Text);
            if (json.RootElement.TryGetProperty("cells", out var cells))
            {
                var chunks = json.RootElement.TryGetProperty("chunks", out var c) && c.ValueKind == JsonValueKind.Array
                    ? c.Deserialize<ChunkReport[]>(CliJson.Options) ?? []
                    : [];
                return (cells.Deserialize<CellReport[]>(CliJson.Options) ?? [], chunks);
            }
        }
        catch (JsonException)
        {
            // Falls through to the error below: a child that printed no report failed before it could explore.
        }

        throw new UsageException($"{output.Label} failed (exit {output.ExitCode}): {(output.Problem + " " + output.Text).Trim()}", "run that part alone (explore --shard i/n --jobs 1) to see why");
    }
}
