using System.Text.Json;
using ClaimVerified.Cli;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Profiles;
using ClaimVerified.Tests.Traces;

namespace ClaimVerified.Tests.Cli;

/// <summary>Runs claimverify in-process with captured output: exit code, stdout, stderr.</summary>
internal static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = Program.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}

/// <summary>A test class that runs claimverify and may give it a scratch folder of its own, deleted after each test.</summary>
public abstract class CliTestBase(string name) : IDisposable
{
    protected string Scratch { get; } = Path.Combine(Path.GetTempPath(), $"claimverify-{name}-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Scratch))
        {
            Directory.Delete(Scratch, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    protected static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>Writes <paramref name="text"/> to a file of that name in the scratch folder, and returns its path.</summary>
    protected string ScratchFile(string name, string text)
    {
        Directory.CreateDirectory(Scratch);
        var path = Path.Combine(Scratch, name);
        File.WriteAllText(path, text);
        return path;
    }
}

/// <summary>claimverify as a user meets it: commands, --json, exit codes, and errors without stack traces.</summary>
public sealed class CliTests() : CliTestBase("cli")
{
    [Fact]
    public void Profiles_and_scenarios_list_one_line_each_and_as_json()
    {
        var (exit, text, _) = Run("profiles");
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.Equal(Profiles.Catalogue.All.Count, text.Trim().Split('\n').Length);
        Assert.Contains("xen-4.22", text, StringComparison.Ordinal);

        (exit, text, _) = Run("scenarios", "--json");
        Assert.Equal(ExitCode.AsExpected, exit);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(ClaimVerified.Model.Scenarios.ScenarioCatalogue.All.Count, json.RootElement.GetArrayLength());
    }

    [Fact]
    public void Usage_errors_exit_1_with_a_message_and_no_stack_trace()
    {
        foreach (var args in new[]
                 {
                     new[] { "explore", "--profile", "xen-9.9" },
                     ["explore", "--scenario", "nope"],
                     ["explore", "--iterations", "-3"],
                     ["frobnicate"],
                     ["replay", Path.Combine(Path.GetTempPath(), "no-such-trace-folder")],
                     ["explain", "traces", "--format", "pdf"],
                 })
        {
            var (exit, output, error) = Run(args);
            Assert.True(exit == ExitCode.Usage, $"{string.Join(' ', args)} exited {exit}: {output}{error}");
            Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(error));
        }
    }

    [Fact]
    public void A_json_error_is_json()
    {
        var (exit, output, _) = Run("explore", "--profile", "xen-9.9", "--json");
        Assert.Equal(ExitCode.Usage, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Contains("xen-9.9", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Explore_one_cell_writes_the_table_the_traces_and_a_self_contained_report()
    {
        var (exit, output, error) = Run("explore", "--profile", "xen-4.22", "--scenario", "kill-during-claim", "--out", Scratch, "--attempts", "1");
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("violates release", output, StringComparison.Ordinal);
        var html = File.ReadAllText(Path.Combine(Scratch, "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("```mermaid", File.ReadAllText(Path.Combine(Scratch, "report.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Scratch, "traces", "xen-4.22", "kill-during-claim--release", "meta.json")));
    }

    [Fact]
    public void Explore_exits_2_when_a_cell_violates_what_the_manifest_says_holds_and_3_when_a_violation_is_missed()
    {
        // With one schedule per cell, the reference still holds and xen-4.3's sharing bug is not reached: exit 3.
        var (exit, output, error) = Run("explore", "--profile", "xen-4.3", "--scenario", "sharing", "--iterations", "1", "--out", Scratch, "--json");
        Assert.True(exit == ExitCode.ExpectedViolationMissing, output + error);
        using var json = JsonDocument.Parse(output);
        Assert.False(json.RootElement.GetProperty("cells")[0].GetProperty("asExpected").GetBoolean());
    }

    [Fact]
    public void Replay_and_explain_a_committed_trace()
    {
        var folder = Repository.TraceFolders().First(f => f.Replace('\\', '/').Contains("/xen-4.22/kill-during-claim--", StringComparison.Ordinal));
        var (exit, output, error) = Run("replay", folder);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.StartsWith("reproduced: [release] profile xen-4.22", output, StringComparison.Ordinal);

        (exit, output, _) = Run("explain", folder, "--format", "mermaid");
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.StartsWith("sequenceDiagram", output, StringComparison.Ordinal);

        (exit, output, _) = Run("explain", folder, "--format", "html");
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.Contains("<svg", output, StringComparison.Ordinal);

        (exit, output, _) = Run("explain", Directory.GetFiles(folder, "*.trace").Single(), "--json");
        Assert.Equal(ExitCode.AsExpected, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("release", json.RootElement.GetProperty("property").GetString());
    }
}

/// <summary>The reference commands from the command line: spec-check, run, vectors.</summary>
public sealed class ReferenceCommandTests() : CliTestBase("ref")
{
    [Fact]
    public void Spec_check_reports_states_and_a_shortest_counterexample()
    {
        var (exit, output, _) = Run("spec-check", "--profile", "reference", "--bound", "nodes=1 pages=2 domains=1 sizes=2", "--json");
        Assert.Equal(ExitCode.AsExpected, exit);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal("holds", json.RootElement.GetProperty("verdict").GetString());
            Assert.True(json.RootElement.GetProperty("states").GetInt64() > 10);
            Assert.Equal("as-expected", json.RootElement.GetProperty("judgement").GetString()); // reference holds on every bound
        }

        // A bound the manifest does not list, on a profile that promises nothing for it: reported, not judged.
        (exit, output, _) = Run("spec-check", "--profile", "xen-4.22", "--bound", "nodes=1 pages=2 domains=1 sizes=2");
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.Contains("violates", output, StringComparison.Ordinal);
        Assert.Contains("no expectation", output, StringComparison.Ordinal);

        // A listed bound is judged by its row, as explore judges a cell.
        var row = SpecCheckResults.Load().Results.First(r => r.Ci && r.Profile == "xen-4.22");
        (exit, output, _) = Run("spec-check", "--profile", "xen-4.22", "--bound", row.Bound);
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.Contains("as the manifest expects", output, StringComparison.Ordinal);

        (exit, _, var error) = Run("spec-check", "--profile", "xen-4.22", "--bound", "nodes=banana");
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("bad --bound", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_folder_that_cannot_be_written_is_a_usage_error()
    {
        // A file where the folder should be: no permission trick needed, and it fails the same way as root.
        var blocker = ScratchFile("not-a-folder", "x");
        foreach (var args in new[]
                 {
                     new[] { "explore", "--profile", "reference", "--scenario", "sharing", "--iterations", "2", "--out", Path.Combine(blocker, "out") },
                     ["vectors", "--profile", "reference", "--out", Path.Combine(blocker, "vectors")],
                     ["bench", "speed", "--profile", "reference", "--scenario", "sharing", "--iterations", "2", "--out", Path.Combine(blocker, "x.md")],
                 })
        {
            var (exit, output, error) = Run(args);
            Assert.Equal(ExitCode.Usage, exit);
            Assert.Contains(blocker, error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error + output, StringComparison.Ordinal);
        }

        Assert.Equal("x", File.ReadAllText(blocker)); // and nothing was changed
    }

    [Fact]
    public void Spec_check_engines_and_threads_agree_and_bad_values_are_refused()
    {
        var bound = "nodes=1 pages=3 domains=1 sizes=3";
        var counts = new[] { ("packed", "1"), ("packed", "2"), ("records", "1") }.Select(choice =>
        {
            var (exit, output, _) = Run("spec-check", "--profile", "xen-4.6", "--bound", bound, "--engine", choice.Item1, "--threads", choice.Item2, "--json");
            Assert.Equal(ExitCode.AsExpected, exit);
            using var json = JsonDocument.Parse(output);
            Assert.Equal(choice.Item1, json.RootElement.GetProperty("engine").GetString());
            Assert.True(json.RootElement.GetProperty("transitionsPerSecond").GetDouble() > 0);
            return (json.RootElement.GetProperty("states").GetInt64(), json.RootElement.GetProperty("transitions").GetInt64(),
                json.RootElement.GetProperty("verdict").GetString());
        }).Distinct().ToArray();
        Assert.Single(counts);

        var (badExit, _, error) = Run("spec-check", "--profile", "xen-4.6", "--engine", "turbo");
        Assert.Equal(ExitCode.Usage, badExit);
        Assert.Contains("unknown --engine 'turbo'", error, StringComparison.Ordinal);
        (badExit, _, error) = Run("spec-check", "--profile", "xen-4.6", "--threads", "0");
        Assert.Equal(ExitCode.Usage, badExit);
        Assert.Contains("--threads must be 1..64", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_passes_a_good_script_and_points_at_the_line_of_a_bad_one()
    {
        var good = ScratchFile("good.cvs", "host nodes=1 pages=16\nprofile xen-4.22\ncreate d1 max=8 -> ok\nclaim d1 8 -> ok\nphysinfo -> free=16 outstanding=8\n");
        var (exit, output, _) = Run("run", good);
        Assert.True(exit == ExitCode.AsExpected, output);

        var wrong = ScratchFile("wrong.cvs", "host nodes=1 pages=16\nprofile xen-4.22\ncreate d1 max=8 -> ok\nclaim d1 8 -> ENOMEM\n");
        (exit, output, _) = Run("run", wrong, "--json");
        Assert.Equal(ExitCode.UnexpectedViolation, exit);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal(4, json.RootElement.GetProperty("firstDifference").GetProperty("line").GetInt32());
        }

        var bad = Path.Combine(Scratch, "bad.cvs");
        File.WriteAllText(bad, "host nodes=1 pages=16\nfrobnicate d1\n");
        (exit, output, _) = Run("run", bad);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("line 2, column 1: unknown keyword 'frobnicate'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Vectors_writes_scripts_that_run_clean()
    {
        var (exit, output, _) = Run("vectors", "--profile", "xen-4.22", "--out", Scratch);
        Assert.True(exit == ExitCode.AsExpected, output);
        Assert.Contains("rules covered", output, StringComparison.Ordinal);
        var first = Directory.GetFiles(Scratch, "*.cvs").Order(StringComparer.Ordinal).First();
        (exit, output, _) = Run("run", first);
        Assert.True(exit == ExitCode.AsExpected, output);
    }
}

/// <summary>claimverify bench: the checker's power as a Markdown table (counts only: no timed assertions).</summary>
[Collection(MeteredCollection.Name)]
public sealed class BenchCommandTests
{
    [Fact]
    public void Ttfb_renders_a_table_for_one_cell_and_rejects_unknown_names()
    {
        var (exit, output, _) = CliRunner.Run("bench", "ttfb", "--profile", "xen-4.22", "--scenario", "kill-during-claim", "--strategy", "random", "--seeds", "2");
        Assert.Equal(ExitCode.AsExpected, exit);
        Assert.Contains("| xen-4.22 | kill-during-claim |", output, StringComparison.Ordinal);

        (exit, _, var error) = CliRunner.Run("bench", "ttfb", "--profile", "xen-9.9", "--seeds", "1");
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("xen-9.9", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_measures_each_expected_finding_of_a_drawn_row_and_refuses_a_staged_scenario()
    {
        // claim-sets x random-ops expects max-pages-ignores-claim and unlocked-dying-check alone, the in-flight claim in a
        // compound; one seed, a small cap.
        var (exit, output, error) = CliRunner.Run("bench", "findings", "--profile", "claim-sets", "--scenario", "random-ops", "--seeds", "1", "--cap", "300");
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("| claim-sets | random-ops | max-pages-ignores-claim | ", output, StringComparison.Ordinal);
        Assert.Contains("| claim-sets | random-ops | unlocked-dying-check | ", output, StringComparison.Ordinal);
        Assert.Contains("| claim-sets | random-ops | claim-ignores-inflight-pages (in a compound) | ", output, StringComparison.Ordinal);

        (exit, _, error) = CliRunner.Run("bench", "findings", "--scenario", "offline", "--seeds", "1");
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("offline is a staged scenario", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);

        (exit, output, error) = CliRunner.Run("bench", "findings", "--profile", "xen-4.22", "--finding", "claim-ignores-inflight-page", "--seeds", "1");
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("unknown finding 'claim-ignores-inflight-page'", error, StringComparison.Ordinal);
        Assert.Contains("claim-ignores-inflight-pages", error, StringComparison.Ordinal); // the list of known ones
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Empty(output);

        foreach (var limit in new[] { "0", "10001", "-3" })
        {
            (exit, output, error) = CliRunner.Run("bench", "findings", "--profile", "xen-4.22", "--attribution-limit", limit, "--seeds", "1");
            Assert.Equal(ExitCode.Usage, exit);
            Assert.Contains("--attribution-limit must be 1..10000", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            Assert.Empty(output);
        }

        // A ledger that is not one, or cannot be written: a usage error before any seed is measured, the file untouched.
        using var folder = new ScratchFolder("ledger");
        var ledger = Path.Combine(folder.FullName, "seeds.jsonl");
        File.WriteAllText(ledger, "{\"profile\": \"xen-4.22\"\n");
        (exit, output, error) = CliRunner.Run("bench", "findings", "--profile", "xen-4.22", "--seeds", "1", "--ledger", ledger);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("line 1 is not a seed of bench findings", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("seed 17", error, StringComparison.Ordinal);
        Assert.Equal("{\"profile\": \"xen-4.22\"\n", File.ReadAllText(ledger));

        (exit, _, error) = CliRunner.Run("bench", "findings", "--profile", "xen-4.22", "--seeds", "1", "--ledger", Path.Combine(folder.FullName, "gone", "seeds.jsonl"));
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("check the path", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Meetings_counts_each_expected_findings_meetings_and_refuses_bad_input()
    {
        var (exit, output, error) = CliRunner.Run("bench", "meetings", "--profile", "xen-4.13", "--seeds", "1", "--schedules", "60", "--attribution-limit", "3");
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Matches(@"\| xen-4\.13 \| claim-on-dying-domain-leaks \| [1-3] \| \d+ \| \d+\.\d \| \d+ \| \d+ \| [1-3]/\d+ \|", output);
        Assert.Contains("| xen-4.13 | claim-regrows-unbacked (named by any attribution) |", output, StringComparison.Ordinal);
        Assert.Contains("1 seed(s) stopped at the attribution limit", output, StringComparison.Ordinal);

        foreach (var bad in new[]
        {
            new[] { "--scenario", "offline" }, ["--seeds", "0"], ["--schedules", "0"], ["--attribution-limit", "0"], ["--attribution-limit", "10001"],
            ["--profile", "xen-9.9"], ["--profile", "reference"],
        })
        {
            (exit, output, error) = CliRunner.Run(["bench", "meetings", .. bad]);
            Assert.Equal(ExitCode.Usage, exit);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            Assert.Empty(output);
        }
    }

    [Fact]
    public void Rates_counts_each_propertys_violations_without_attributing_and_refuses_bad_input()
    {
        // xen-4.3's split consumption window and its claim bound break in a few schedules in a hundred; reference holds.
        var (exit, output, error) = CliRunner.Run("bench", "rates", "--profile", "xen-4.3", "--profile", "reference", "--seeds", "2", "--schedules", "100");
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("2 seeds of 100 schedules, strategy portfolio", output, StringComparison.Ordinal);
        Assert.Matches(@"\| xen-4\.3 \| [a-z-]+ \| \d+\.\d \| \d+ \d+ \|", output);
        Assert.DoesNotContain("| reference |", output, StringComparison.Ordinal);
        Assert.Contains("reference x generated seed 17: 0 violations in 100 schedules", error, StringComparison.Ordinal);

        // Another strategy is another exploration: named in the output, and measured with it.
        (exit, output, error) = CliRunner.Run("bench", "rates", "--profile", "xen-4.3", "--seeds", "1", "--schedules", "100", "--strategy", "random");
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("1 seeds of 100 schedules, strategy random", output, StringComparison.Ordinal);
        Assert.Matches(@"\| xen-4\.3 \| [a-z-]+ \| \d+\.\d \| \d+ \|", output);

        foreach (var bad in new[] { new[] { "--scenario", "offline" }, ["--seeds", "0"], ["--schedules", "0"], ["--profile", "xen-9.9"], ["--strategy", "fastest"] })
        {
            (exit, output, error) = CliRunner.Run(["bench", "rates", .. bad]);
            Assert.Equal(ExitCode.Usage, exit);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
            Assert.Empty(output);
        }
    }
}
