using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ClaimVerified.Cli.Reports;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Matrix;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Cli.Commands;

/// <summary>
/// claimverify explore: the profile x scenario matrix (<see cref="MatrixRun"/>, in the model), shown as a table, with
/// every counterexample as a trace folder and a report (Markdown and a self-contained HTML page).
/// </summary>
public static class ExploreCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var profiles = new Option<string[]>("--profile") { Description = "A profile to explore (repeatable; default: all)", AllowMultipleArgumentsPerToken = false };
        var scenarios = new Option<string[]>("--scenario") { Description = "A scenario to explore (repeatable; default: all)" };
        var iterations = new Option<uint?>("--iterations") { Description = "Schedules per cell (default: the manifest's budget for the cell)" };
        var strategy = new Option<Strategy>("--strategy") { Description = "Coyote's strategy", DefaultValueFactory = _ => Strategy.Portfolio };
        var seed = new Option<uint>("--seed") { Description = "The first seed", DefaultValueFactory = _ => 17 };
        var attempts = new Option<int>("--attempts") { Description = "Explorations per violating cell; the shortest counterexample is kept (each after the first explores at most the schedules the first needed, and at least 200)", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string>("--out") { Description = "Where the report goes", DefaultValueFactory = _ => "claimverify-out" };
        var traces = new Option<string?>("--traces") { Description = "Where trace folders go (default: OUT/traces)" };
        var config = new Option<string?>("--config")
        {
            Description = "Explore one generated configuration given as a JSON file (see docs/generated.md) instead of the scenarios",
        };
        var shard = new Option<string?>("--shard") { Description = "Explore one slice of the cells: i/n takes every n-th cell from the i-th" };
        var jobs = new Option<int?>("--jobs")
        {
            Description = "Explore the cells in N child processes, merged in cell order (default: the machine's cores)",
        };
        var queue = new Option<string?>("--queue")
        {
            Description = "Take units (staged cells, chunks of drawn ones) from a queue folder shared with other explore processes, "
                + "each the next none has taken (what --jobs gives its children); report them as a shard does",
        };
        var cpu = new Option<int?>("--cpu")
        {
            Description = "Run this process on one CPU only (Linux; one process: what --jobs gives each child where there are as many CPUs as jobs)",
        };
        var chunkSize = new Option<uint>("--chunk-size")
        {
            Description = "Schedules per chunk of a drawn cell's seed space, the unit a shard or job takes (the same chunks give the same result)",
            DefaultValueFactory = _ => Model.Matrix.SeedChunk.DefaultSize,
        };
        var shrink = new Option<bool>("--shrink")
        {
            Description = "Minimise each counterexample of a drawn or given configuration (generated, random-ops, --config) before it is written",
        };
        var calibration = new Option<uint>("--calibration")
        {
            Description = "Schedules an attribution gives the unfixed configuration to meet a property again before it explores a fix; "
                + "raise it to attribute a violation reported inconclusive",
            DefaultValueFactory = _ => Model.Attribution.Attributor.CalibrationBudget,
        };
        var attributionCache = new Option<string?>("--attribution-cache")
        {
            Description = "Attributions this code made before, taken instead of made again: a cache file (explore --record-attributions), "
                + "or none to make every one (default: the cache committed with the model, model/ClaimVerified.Model/Manifest/attributions.jsonl)",
        };
        var recordAttributions = new Option<string?>("--record-attributions")
        {
            Description = "Write the cache's entries of this code, with every attribution this run made, to FILE (to commit: the path above)",
        };
        var merge = new Option<string[]>("--merge")
        {
            Description = "Merge the reports of shards run elsewhere (explore --shard i/n --json > FILE), given the same options, instead of exploring",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = ListCommands.JsonOption();
        var command = new Command("explore", "Explore the claim designs: profile x scenario, with counterexamples and a report")
        {
            profiles, scenarios, iterations, strategy, seed, attempts, outDir, traces, config, shard, queue, jobs, cpu, chunkSize, shrink, calibration,
            attributionCache, recordAttributions, merge, json,
        };
        command.SetAction(parsed => Names.Guard(output, error, parsed.GetValue(json), () =>
        {
            var options = Options(
                parsed.GetValue(profiles), parsed.GetValue(scenarios), parsed.GetValue(iterations), parsed.GetValue(strategy),
                parsed.GetValue(seed), parsed.GetValue(attempts), parsed.GetValue(outDir)!, parsed.GetValue(traces));
            if (parsed.GetValue(chunkSize) is 0 or > ExplorationOptions.MaxIterations)
            {
                throw new UsageException($"--chunk-size must be 1..{ExplorationOptions.MaxIterations}", $"give a smaller number (default {Model.Matrix.SeedChunk.DefaultSize})");
            }

            if (parsed.GetValue(calibration) is 0 or > Model.Attribution.Attributor.MaxCalibrationBudget)
            {
                throw new UsageException($"--calibration must be 1..{Model.Attribution.Attributor.MaxCalibrationBudget}",
                    $"give a number of schedules (default {Model.Attribution.Attributor.CalibrationBudget})");
            }

            options = options with
            {
                Shrink = parsed.GetValue(shrink), ChunkSize = parsed.GetValue(chunkSize), CalibrationBudget = parsed.GetValue(calibration),
                Attributions = Attributions(parsed.GetValue(attributionCache)),
            };
            var record = parsed.GetValue(recordAttributions);
            if (record is not null)
            {
                Files.EnsureFolder(Path.GetDirectoryName(Path.GetFullPath(record))!);
            }
            if (parsed.GetValue(scenarios) is not { Length: > 0 } && parsed.GetValue(iterations) is null && parsed.GetValue(config) is null)
            {
                // The main job: the staged cells at their budgets, the drawn families at a smaller one (README).
                options = options with { DrawnBudget = MatrixOptions.MainJobDrawnBudget };
            }

            if (parsed.GetValue(config) is { } configPath)
            {
                options = options with { Scenarios = [GivenConfiguration(configPath, options.Profiles, parsed.GetValue(scenarios))] };
            }

            if (parsed.GetValue(shard) is { } shardText)
            {
                options = options with { Shard = Shard.Parse(shardText, out var problem) ?? throw new UsageException(problem!, "for example --shard 0/2") };
            }

            if (parsed.GetValue(queue) is { } queueFolder)
            {
                if (options.Shard is not null || !Directory.Exists(queueFolder))
                {
                    throw new UsageException($"--queue takes a folder that exists and no --shard: '{queueFolder}'", "give the queue folder the other processes use");
                }

                options = options with { Queue = new UnitQueue(queueFolder) };
            }

            if (parsed.GetValue(merge) is { Length: > 0 } files)
            {
                if (options.IsPart || parsed.GetValue(jobs) is > 1)
                {
                    throw new UsageException("--merge explores nothing: it takes no --shard, --queue or --jobs", "give the shard reports and the options the shards ran with");
                }

                return Report(ExploreJobs.MergeFiles(options, files), options, parsed.GetValue(outDir)!, parsed.GetValue(json), output, record);
            }

            if (!options.IsPart)
            {
                // An interrupted run leaves its drawn cells' chunk staging behind; a whole run (not a shard or a queue's
                // process, whose siblings may be writing there, and not a merge, which reads it) starts without it.
                var staging = Path.Combine(options.TracesRoot, Model.Matrix.SeedChunk.StagingFolder);
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }

            var jobCount = parsed.GetValue(jobs) ?? (!options.IsPart && parsed.GetValue(cpu) is null ? ExploreJobs.DefaultJobs() : 1);
            if (jobCount is < 1 or > ExploreJobs.MaxJobs || (jobCount > 1 && (options.IsPart || parsed.GetValue(cpu) is not null)))
            {
                throw new UsageException($"--jobs takes 1..{ExploreJobs.MaxJobs}, and a --shard, a --queue or a --cpu runs in one process",
                    "give --jobs 1 with --shard, --queue or --cpu");
            }

            if (parsed.GetValue(cpu) is { } core)
            {
                CorePinning.PinSelf(core);
            }

            var units = options.Units(ExpectedResults.Load()).Count;
            if (jobCount > 1 && units > 1)
            {
                var childArguments = ChildArguments(parsed.Tokens.Select(t => t.Value).ToArray(), options.TracesRoot);
                if (!parsed.GetValue(json))
                {
                    output.WriteLine($"exploring {units} units (staged cells, chunks of drawn ones) in {Math.Min(jobCount, units)} processes (--jobs) ...");
                }

                var merged = ExploreJobs.Run(options, Math.Min(jobCount, units), childArguments, parsed.GetValue(outDir)!);
                return Report(merged, options, parsed.GetValue(outDir)!, parsed.GetValue(json), output, record);
            }

            return Run(options, parsed.GetValue(outDir)!, parsed.GetValue(json), output, record);
        }));
        return command;
    }

    private static MatrixOptions Options(
        string[]? profileNames, string[]? scenarioNames, uint? iterations, Strategy strategy, uint seed, int attempts,
        string outDir, string? tracesDir)
    {
        var selectedProfiles = Names.Profiles(profileNames);
        var selectedScenarios = Names.Scenarios(scenarioNames);
        if (iterations is 0 or > ExplorationOptions.MaxIterations || attempts is < 1 or > MatrixOptions.MaxAttempts)
        {
            throw new UsageException($"--iterations must be 1..{ExplorationOptions.MaxIterations} and --attempts 1..{MatrixOptions.MaxAttempts}", "give smaller numbers");
        }

        try
        {
            Explorer.EnsureRewritten();
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message, "run claimverify from its build output (dotnet run --project src/ClaimVerified.Cli)");
        }

        var tracesRoot = tracesDir ?? Path.Combine(outDir, "traces");
        Files.EnsureFolder(outDir);
        Files.EnsureFolder(tracesRoot);
        return new MatrixOptions(selectedProfiles, selectedScenarios, iterations, strategy, seed, attempts, tracesRoot);
    }

    /// <summary>The attribution cache a run takes: the committed one, none (empty), or a file's; a file that is not one is a usage error.</summary>
    private static AttributionCache Attributions(string? choice)
    {
        try
        {
            return choice switch
            {
                null => AttributionCache.Committed(),
                "none" => AttributionCache.Empty(),
                _ when File.Exists(choice) => AttributionCache.Load(choice),
                _ => throw new UsageException($"no attribution cache at {choice}", "give a file explore --record-attributions wrote, or none"),
            };
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the attribution cache: {e.Message}", "give a file explore --record-attributions wrote, or none");
        }
    }

    /// <summary>
    /// The generated family on the configuration in <paramref name="path"/>, checked against every selected profile;
    /// anything wrong (no file, not JSON, a kind a profile's Xen has no caller for) is a usage error saying what.
    /// </summary>
    private static Scenario GivenConfiguration(string path, IReadOnlyList<ClaimVerified.Profiles.Profile> profiles, string[]? scenarioNames)
    {
        if (scenarioNames is { Length: > 0 })
        {
            throw new UsageException("--config and --scenario cannot be combined", "a configuration is its own scenario: drop --scenario");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UsageException($"cannot read the configuration {path}: {e.Message}", "give the path of a JSON file (see docs/generated.md)");
        }

        GeneratedConfig? config = null;
        foreach (var profile in profiles)
        {
            try
            {
                config = GeneratedConfig.Parse(text, profile);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"{path} cannot run on {profile.Name}: {e.Message}",
                    "fix the configuration, or choose the profiles it fits with --profile (see docs/generated.md)");
            }
        }

        return ScenarioCatalogue.Given(config!);
    }

    /// <summary>
    /// What a child of --jobs is given: this command's own arguments without --jobs, --json, --out and --traces (each
    /// child gets its own --out, and every child writes its traces where this run writes them), and without
    /// --record-attributions (the children report what they made with their chunks; this process writes the file).
    /// </summary>
    private static List<string> ChildArguments(IReadOnlyList<string> tokens, string tracesRoot)
    {
        var arguments = new List<string> { "explore" };
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] is "--jobs" or "--out" or "--traces" or "--cpu" or "--queue" or "--record-attributions")
            {
                i++;
            }
            else if (tokens[i] is not ("--json" or "explore"))
            {
                arguments.Add(tokens[i]);
            }
        }

        arguments.AddRange(["--traces", Path.GetFullPath(tracesRoot)]);
        return arguments;
    }

    private static int Run(MatrixOptions options, string outDir, bool json, TextWriter output, string? record)
    {
        var result = json || Console.IsOutputRedirected || output != Console.Out
            ? MatrixRun.Run(options, done: cell => WriteLine(output, json, cell))
            : RunWithProgressBar(options);
        return Report(result, options, outDir, json, output, record);
    }

    /// <summary>Writes the reports and prints the table (or the JSON) of a matrix run, merged or not; returns the exit code.</summary>
    private static int Report(MatrixResult result, MatrixOptions options, string outDir, bool json, TextWriter output, string? record = null)
    {
        var manifest = ExpectedResults.Load();
        var chunks = result.Chunks ?? [];
        var (reused, made) = (chunks.Sum(c => c.Reused), chunks.Sum(c => c.Made?.Count ?? 0));
        if (record is not null)
        {
            var cache = options.Attributions ?? AttributionCache.Empty();
            cache.Add(chunks.SelectMany(c => c.Made ?? []));
            cache.Save(record);
        }

        var markdownPath = Path.Combine(outDir, "report.md");
        var htmlPath = Path.Combine(outDir, "report.html");
        Files.Write(markdownPath, MarkdownReport.Render(result.Cells, result.Timelines, manifest));
        Files.Write(htmlPath, HtmlReport.Render(result.Cells, result.Timelines, manifest));
        if (json)
        {
            CliJson.Write(output, new
            {
                cells = result.Cells,
                shard = options.Shard?.ToString(),
                chunks = options.IsPart ? result.Chunks : null,
                report = new { markdown = markdownPath, html = htmlPath },
                seconds = result.Elapsed.TotalSeconds,
                unreplayed = result.Unreplayed,
                attributions = new { reused, made, recorded = record },
                exitCode = result.ExitCode,
            });
            return result.ExitCode;
        }

        WriteTable(output, result.Cells);
        var cells = result.Cells;
        output.WriteLine($"{cells.Count} cells in {result.Elapsed.TotalSeconds:F1} s: {cells.Count(r => r.Verdict == "holds")} hold, "
            + $"{cells.Count(r => r.Verdict != "holds")} violate, {cells.Count(r => !r.AsExpected)} differ from the manifest"
            + (cells.Any(r => r.Judgement == Judgement.NoExpectation) ? $", {cells.Count(r => r.Judgement == Judgement.NoExpectation)} have no expectation." : "."));
        if (options.DrawnBudget is { } drawn)
        {
            output.WriteLine($"The drawn scenarios (generated, random-ops) ran at {drawn} schedules a cell, below the manifest's: a finding "
                + "they have not met yet, or could not attribute without calibrating again (inconclusive), is not counted against them. "
                + "Their full budget: explore --scenario generated --scenario random-ops.");
        }
        if (reused + made > 0)
        {
            output.WriteLine($"Attributions: {made} made, {reused} taken from the cache of this code's earlier ones ({options.Attributions?.Source ?? "none"}, "
                + $"model fingerprint {Model.Traces.Fingerprint.Current}; --attribution-cache none makes every one)"
                + (record is null ? "." : $"; the cache is written to {record}."));
        }

        foreach (var folder in result.Unreplayed)
        {
            output.WriteLine($"A trace this run wrote does not replay, so the report has no timeline of it: {folder}");
        }

        output.WriteLine($"Report: {markdownPath} and {htmlPath}; traces under {options.TracesRoot}");
        return result.ExitCode;
    }

    private static void WriteLine(TextWriter output, bool json, CellReport cell)
    {
        if (!json)
        {
            var judged = cell.Judgement switch
            {
                Judgement.AsExpected => "as expected",
                Judgement.NoExpectation => "no expectation",
                _ => "NOT AS EXPECTED",
            };
            output.WriteLine($"{cell.Profile,-12} {cell.Scenario,-18} {cell.Verdict,-24} {judged}");
        }
    }

    private static MatrixResult RunWithProgressBar(MatrixOptions options)
    {
        MatrixResult? result = null;
        AnsiConsole.Progress().AutoClear(true).Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var cells = options.Units(ExpectedResults.Load()).Select(unit => (unit.Profile, unit.Scenario)).Distinct().Count();
                var task = context.AddTask("exploring", maxValue: cells);
                result = MatrixRun.Run(options, starting: cell => task.Description = cell, done: _ => task.Increment(1));
            });
        return result!;
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<CellReport> reports)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("profile", "scenario", "verdict", "expected", "schedules", "to 1st bug", "time");
        foreach (var r in reports)
        {
            var verdict = r.Verdict == "holds" ? "[green]holds[/]" : $"[red]{Markup.Escape(r.Verdict)}[/]";
            var expected = r.Judgement switch
            {
                Judgement.AsExpected => "[green]✓[/]",
                Judgement.NoExpectation => "[grey]no expectation[/]",
                _ => $"[yellow]✗ {Markup.Escape(r.Expected)}[/]",
            };
            table.AddRow(r.Profile, r.Scenario, verdict, expected, r.Schedules.ToString(CultureInfo.InvariantCulture),
                r.IterationsToFirstBug?.ToString(CultureInfo.InvariantCulture) ?? "-", $"{r.Seconds:F2}s");
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = output == Console.Out && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
        });
        console.Profile.Width = Math.Max(console.Profile.Width, 120);
        console.Write(table);
    }
}
