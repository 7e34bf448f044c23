using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using ClaimVerified.Cli.Reports;
using ClaimVerified.Model.Exploration;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Model.Traces;
using ClaimVerified.Profiles;
using Profile = ClaimVerified.Profiles.Profile;

namespace ClaimVerified.Cli.Commands;

/// <summary>One explored cell of the matrix, judged against the manifest.</summary>
public sealed record CellReport(
    string Profile,
    string Scenario,
    string Verdict,
    string Expected,
    bool AsExpected,
    string? Deviation,
    int Schedules,
    int? IterationsToFirstBug,
    double Seconds,
    string? Message,
    string? TraceFolder,
    string? Finding);

/// <summary>
/// claimverify explore: runs the profile x scenario matrix under Coyote, prints a table, writes every
/// counterexample as a trace folder and a report (Markdown and a self-contained HTML page).
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
        var attempts = new Option<int>("--attempts") { Description = "Explorations per violating cell; the shortest counterexample is kept", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string>("--out") { Description = "Where the report goes", DefaultValueFactory = _ => "claimverify-out" };
        var traces = new Option<string?>("--traces") { Description = "Where trace folders go (default: OUT/traces)" };
        var json = ListCommands.JsonOption();
        var command = new Command("explore", "Explore the claim designs: profile x scenario, with counterexamples and a report")
        {
            profiles, scenarios, iterations, strategy, seed, attempts, outDir, traces, json,
        };
        command.SetAction(parsed => Run(
            parsed.GetValue(profiles) ?? [], parsed.GetValue(scenarios) ?? [], parsed.GetValue(iterations), parsed.GetValue(strategy),
            parsed.GetValue(seed), parsed.GetValue(attempts), parsed.GetValue(outDir)!, parsed.GetValue(traces), parsed.GetValue(json),
            output, error));
        return command;
    }

    private static int Run(
        string[] profileNames, string[] scenarioNames, uint? iterations, Strategy strategy, uint seed, int attempts,
        string outDir, string? tracesDir, bool json, TextWriter output, TextWriter error)
    {
        var unknownProfile = profileNames.FirstOrDefault(n => !Catalogue.TryGet(n, out _));
        if (unknownProfile is not null)
        {
            return CliJson.Fail(output, error, json, $"unknown profile '{unknownProfile}'", "run `claimverify profiles` for the names");
        }

        var unknownScenario = scenarioNames.FirstOrDefault(n => !ScenarioCatalogue.TryGet(n, out _));
        if (unknownScenario is not null)
        {
            return CliJson.Fail(output, error, json, $"unknown scenario '{unknownScenario}'", "run `claimverify scenarios` for the names");
        }

        if (iterations is 0 or > ExplorationOptions.MaxIterations || attempts is < 1 or > 100)
        {
            return CliJson.Fail(output, error, json, "--iterations must be 1..10000000 and --attempts 1..100", "give smaller numbers");
        }

        try
        {
            Explorer.EnsureRewritten();
        }
        catch (InvalidOperationException e)
        {
            return CliJson.Fail(output, error, json, e.Message, "run claimverify from its build output (dotnet run --project src/ClaimVerified.Cli)");
        }

        var selectedProfiles = profileNames.Length == 0 ? Catalogue.All : profileNames.Select(Catalogue.Get).Distinct().ToArray();
        var selectedScenarios = scenarioNames.Length == 0 ? ScenarioCatalogue.All : scenarioNames.Select(ScenarioCatalogue.Get).Distinct().ToArray();
        var manifest = ExpectedResults.Load();
        var cells = selectedScenarios.SelectMany(s => selectedProfiles.Select(p => (Profile: p, Scenario: s))).ToArray();
        var tracesRoot = tracesDir ?? Path.Combine(outDir, "traces");
        var reports = new List<CellReport>();
        var counterexamples = new List<(CellReport Cell, Counterexample Example)>();
        var stopwatch = Stopwatch.StartNew();

        void ExploreCell((Profile Profile, Scenario Scenario) cell)
        {
            var row = manifest.For(cell.Profile.Name, cell.Scenario.Name);
            var budget = iterations ?? row.Budget;
            var cellWatch = Stopwatch.StartNew();
            var result = Explorer.Explore(cell.Profile, cell.Scenario, new ExplorationOptions(budget, strategy, seed));
            Counterexample? example = null;
            if (result.BugFound)
            {
                example = attempts > 1
                    ? Counterexample.FindShortest(cell.Profile, cell.Scenario, budget, attempts, strategy)
                    : new Counterexample(result, Counterexample.ReplayHistory(cell.Profile, cell.Scenario, result.ReproducibleTrace!));
            }

            cellWatch.Stop();
            var deviation = row.Judge(result);
            var folder = example is null ? null : TraceFolder.Write(tracesRoot, example, manifest);
            var report = new CellReport(cell.Profile.Name, cell.Scenario.Name, result.Verdict,
                row.ExpectsViolation ? $"violates {string.Join("|", row.Properties ?? [])}" : "holds",
                deviation is null, deviation, result.Iterations, result.BugFound ? result.Iterations : null,
                Math.Round(cellWatch.Elapsed.TotalSeconds, 2), result.BugMessage, folder, row.Finding);
            reports.Add(report);
            if (example is not null)
            {
                counterexamples.Add((report, example));
            }
        }

        if (json || Console.IsOutputRedirected || output != Console.Out)
        {
            foreach (var cell in cells)
            {
                ExploreCell(cell);
                if (!json)
                {
                    var last = reports[^1];
                    output.WriteLine($"{last.Profile,-12} {last.Scenario,-18} {last.Verdict,-24} {(last.AsExpected ? "as expected" : "NOT AS EXPECTED")}");
                }
            }
        }
        else
        {
            AnsiConsole.Progress().AutoClear(true).Columns(
                    new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("exploring", maxValue: cells.Length);
                    foreach (var cell in cells)
                    {
                        task.Description = $"{cell.Profile.Name} x {cell.Scenario.Name}";
                        ExploreCell(cell);
                        task.Increment(1);
                    }
                });
        }

        stopwatch.Stop();
        Directory.CreateDirectory(outDir);
        var markdownPath = Path.Combine(outDir, "report.md");
        var htmlPath = Path.Combine(outDir, "report.html");
        File.WriteAllText(markdownPath, MarkdownReport.Render(reports, counterexamples.Select(c => c.Example.Timeline).ToArray(), manifest));
        File.WriteAllText(htmlPath, HtmlReport.Render(reports, counterexamples.Select(c => c.Example.Timeline).ToArray(), manifest));

        var exit = reports.Any(r => !r.AsExpected && r.Verdict != "holds") ? ExitCodes.UnexpectedViolation
            : reports.Any(r => !r.AsExpected) ? ExitCodes.ExpectedViolationMissing
            : ExitCodes.AsExpected;
        if (json)
        {
            CliJson.Write(output, new { cells = reports, report = new { markdown = markdownPath, html = htmlPath }, seconds = stopwatch.Elapsed.TotalSeconds, exitCode = exit });
            return exit;
        }

        WriteTable(output, reports);
        output.WriteLine($"{reports.Count} cells in {stopwatch.Elapsed.TotalSeconds:F1} s: {reports.Count(r => r.Verdict == "holds")} hold, "
            + $"{reports.Count(r => r.Verdict != "holds")} violate, {reports.Count(r => !r.AsExpected)} differ from the manifest.");
        output.WriteLine($"Report: {markdownPath} and {htmlPath}; traces under {tracesRoot}");
        return exit;
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<CellReport> reports)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("profile", "scenario", "verdict", "expected", "schedules", "to 1st bug", "time");
        foreach (var r in reports)
        {
            var verdict = r.Verdict == "holds" ? "[green]holds[/]" : $"[red]{Markup.Escape(r.Verdict)}[/]";
            var expected = r.AsExpected ? "[green]✓[/]" : $"[yellow]✗ {Markup.Escape(r.Expected)}[/]";
            table.AddRow(r.Profile, r.Scenario, verdict, expected, r.Schedules.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.IterationsToFirstBug?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", $"{r.Seconds:F2}s");
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
