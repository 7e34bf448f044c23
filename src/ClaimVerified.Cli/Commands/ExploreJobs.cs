using System.Diagnostics;
using System.Text.Json;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// explore --jobs N: the matrix's units of work (staged cells, chunks of drawn cells) split into N shards
/// (<see cref="Shard"/>), each explored by a child claimverify process (explore --shard i/N --json), merged back in cell
/// and chunk order. A unit's result depends only on its own options, so the merged matrix, its traces and its exit code
/// are the same whatever N; only the time differs.
/// </summary>
public static class ExploreJobs
{
    /// <summary>A limit on everything: at most this many child processes.</summary>
    public const int MaxJobs = Shard.MaxCount;

    /// <summary>The default number of jobs: the machine's cores when this process is claimverify itself, else 1.</summary>
    public static int DefaultJobs() =>
        System.Reflection.Assembly.GetEntryAssembly() == typeof(ExploreJobs).Assembly ? Math.Min(Environment.ProcessorCount, MaxJobs) : 1;

    /// <summary>Runs the shards as child processes with <paramref name="childArguments"/> plus each one's --shard and --out.</summary>
    public static MatrixResult Run(MatrixOptions options, int jobs, IReadOnlyList<string> childArguments, string outDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        var stopwatch = Stopwatch.StartNew();
        var children = Enumerable.Range(0, jobs).Select(index => Start(childArguments, new Shard(index, jobs), outDir)).ToArray();
        var staged = new List<CellReport>();
        var chunks = new List<ChunkReport>();
        foreach (var (process, shard) in children)
        {
            var text = process.StandardOutput.ReadToEnd();
            var problem = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var (cells, chunkReports) = Parse(text, problem, shard, process.ExitCode);
            staged.AddRange(cells);
            chunks.AddRange(chunkReports);
            process.Dispose();
        }

        var manifest = ExpectedResults.Load();
        var merged = new List<CellReport>();
        foreach (var (profile, scenario) in options.AllCells())
        {
            // A drawn cell is merged from its chunks (a shard's own report of it is partial); a staged one is as reported.
            merged.AddRange(scenario.Configure is not null
                ? [GeneratedCell.Merge(manifest, profile, scenario, options, [.. chunks.Where(c => c.Profile == profile.Name && c.Scenario == scenario.Name)]).Cell]
                : staged.Where(c => c.Profile == profile.Name && c.Scenario == scenario.Name));
        }

        var timelines = merged.Where(c => c.TraceFolder is not null).Select(c => TraceFolder.Replay(c.TraceFolder!).Timeline).ToArray();
        return new MatrixResult(merged, timelines, stopwatch.Elapsed);
    }

    private static (Process Process, Shard Shard) Start(IReadOnlyList<string> arguments, Shard shard, string outDir)
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

        foreach (var argument in new[] { "--shard", shard.ToString(), "--jobs", "1", "--json", "--out", Path.Combine(outDir, $"shard-{shard.Index}") })
        {
            start.ArgumentList.Add(argument);
        }

        return (Process.Start(start) ?? throw new UsageException($"cannot start {host} for shard {shard}", "run claimverify from its build output"), shard);
    }

    private static (IReadOnlyList<CellReport> Cells, IReadOnlyList<ChunkReport> Chunks) Parse(string text, string problem, Shard shard, int exitCode)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
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

        throw new UsageException($"shard {shard} failed (exit {exitCode}): {(problem + " " + text).Trim()}", "run that shard alone with --shard to see why");
    }
}
