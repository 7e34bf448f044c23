using System.Text.Json;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Tests.Traces;
using YamlDotNet.RepresentationModel;

namespace ClaimVerified.Tests.Cli;

/// <summary>
/// Past one machine (issue 15 §4): the GitHub Actions workflow (.github/workflows/explore-shards.yml) and the
/// Kubernetes Indexed Job (deploy/kubernetes/explore-shards.yaml) are parsed, their shard and merge commands are run
/// here with the same variables (the shard index of the matrix or of JOB_COMPLETION_INDEX, the shard count; EXPLORE
/// made small), each shard in the folder its runner would use, and the merge must give what one run over the same
/// seeds gives: the same cells, the same traces, the same exit code.
/// </summary>
public sealed class ShardManifestsTests() : CliTestBase("shard-manifests")
{
    /// <summary>A staged cell and a drawn one in chunks, small enough for a test: both kinds of unit a shard takes.</summary>
    private const string SmallExplore = "--profile xen-4.22 --scenario offline --scenario random-ops --iterations 30 --chunk-size 10 --attempts 1";

    [Fact]
    public void The_workflow_s_shards_merged_give_what_one_run_gives()
    {
        var workflow = Load(".github/workflows/explore-shards.yml").Single();
        var env = (YamlMappingNode)workflow["env"];
        var shards = int.Parse(Text(env["SHARDS"]), System.Globalization.CultureInfo.InvariantCulture);
        var jobs = (YamlMappingNode)workflow["jobs"];
        var matrix = ((YamlSequenceNode)jobs["shard"]["strategy"]["matrix"]["shard"]).Children.Select(Text).ToArray();
        Assert.Equal(Enumerable.Range(0, shards).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), matrix);
        Assert.Contains("shard", Text(jobs["merge"]["needs"]), StringComparison.Ordinal);

        var root = Path.Combine(Scratch, "gh");
        var artifacts = Path.Combine(root, "shards"); // download-artifact with merge-multiple: every shard's files in one folder
        foreach (var index in matrix)
        {
            var run = Step(jobs["shard"], "explore one shard");
            Shell(Substitute(run, ("${{ matrix.shard }}", index), ("$SHARDS", shards.ToString(System.Globalization.CultureInfo.InvariantCulture))), artifacts);
        }

        AssertLikeOneRun(Shell(Substitute(Step(jobs["merge"], "merge the shards")) + " --json", root), Path.Combine(artifacts, "traces-out"));
    }

    [Fact]
    public void The_indexed_job_s_shards_merged_give_what_one_run_gives()
    {
        var documents = Load("deploy/kubernetes/explore-shards.yaml");
        var shardJob = documents.Single(d => Text(d["kind"]) == "Job" && d["spec"] is YamlMappingNode spec && spec.Children.ContainsKey("completionMode"));
        Assert.Equal("Indexed", Text(shardJob["spec"]["completionMode"]));
        var completions = int.Parse(Text(shardJob["spec"]["completions"]), System.Globalization.CultureInfo.InvariantCulture);
        var container = ((YamlSequenceNode)shardJob["spec"]["template"]["spec"]["containers"]).Children[0];
        Assert.Equal(completions.ToString(System.Globalization.CultureInfo.InvariantCulture), Env(container, "SHARDS"));

        var results = Path.Combine(Scratch, "k8s"); // the shared volume, mounted at /results
        for (var index = 0; index < completions; index++)
        {
            Shell(Substitute(DotnetRun(container), ("$JOB_COMPLETION_INDEX", index.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("$SHARDS", Env(container, "SHARDS"))), results);
        }

        var mergeJob = documents.Single(d => Text(d["kind"]) == "Job" && Text(d["metadata"]["name"]).EndsWith("merge", StringComparison.Ordinal));
        AssertLikeOneRun(Shell(Substitute(DotnetRun(((YamlSequenceNode)mergeJob["spec"]["template"]["spec"]["containers"]).Children[0])) + " --json", results),
            Path.Combine(results, "traces-out"));
    }

    [Fact]
    public void A_merge_with_a_shard_missing_twice_or_not_a_report_is_a_usage_error()
    {
        var folder = Path.Combine(Scratch, "bad");
        Shell($"dotnet run -- explore {SmallExplore} --shard 0/3 --jobs 1 --json --out o0 --traces t > s0.json", folder);
        Shell($"dotnet run -- explore {SmallExplore} --shard 2/3 --jobs 1 --json --out o2 --traces t > s2.json", folder);
        var (exit, _, error) = Run(["explore", .. SmallExplore.Split(' '), "--merge", Path.Combine(folder, "s0.json"), Path.Combine(folder, "s2.json"), Path.Combine(folder, "s0.json"),
            "--out", Path.Combine(folder, "m"), "--traces", Path.Combine(folder, "t")]);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("missing 1/3", error, StringComparison.Ordinal);
        Assert.Contains("given twice 0/3", error, StringComparison.Ordinal);
        var notReport = ScratchFile("note.json", "{\"cells\": []}");
        (exit, _, error) = Run(["explore", .. SmallExplore.Split(' '), "--merge", notReport, "--out", Path.Combine(folder, "m")]);
        Assert.Equal(ExitCode.Usage, exit);
        Assert.Contains("is not the report of a shard (explore --shard i/n --json)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_merge_whose_trace_does_not_replay_says_which_and_reports_the_rest()
    {
        var folder = Path.Combine(Scratch, "unreplayed");
        Shell($"dotnet run -- explore {SmallExplore} --shard 0/2 --jobs 1 --json --out o0 --traces t > s0.json", folder);
        Shell($"dotnet run -- explore {SmallExplore} --shard 1/2 --jobs 1 --json --out o1 --traces t > s1.json", folder);
        string[] merge = ["explore", .. SmallExplore.Split(' '), "--merge", Path.Combine(folder, "s0.json"), Path.Combine(folder, "s1.json"),
            "--out", Path.Combine(folder, "m"), "--traces", Path.Combine(folder, "t")];

        // The staged cell's trace now says another message broke: what a run that depended on the clock leaves behind.
        var meta = Directory.GetFiles(Path.Combine(folder, "t"), "meta.json", SearchOption.AllDirectories)
            .Single(f => f.Contains("offline--", StringComparison.Ordinal));
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"message\": \"", "\"message\": \"not what broke: ", StringComparison.Ordinal));
        var (exit, output, error) = Run(merge);
        Assert.True(exit == ExitCode.AsExpected, output + error);
        Assert.Contains("2 cells in", output, StringComparison.Ordinal);
        Assert.Contains($"A trace this run wrote does not replay, so the report has no timeline of it: {Path.GetDirectoryName(meta)}", output, StringComparison.Ordinal);
        Assert.Contains("the replay found a different violation", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "m", "report.md")));
    }

    /// <summary>The merge against one run over the same seeds: the same exit code, cells and trace files.</summary>
    private void AssertLikeOneRun((int Exit, string Cells) merged, string mergedTraces)
    {
        var single = Shell($"dotnet run -- explore {SmallExplore} --jobs 1 --json --out single --traces single/traces", Scratch);
        Assert.Equal(single.Exit, merged.Exit);
        Assert.Equal(single.Cells, merged.Cells);
        Assert.Equal(TraceFiles(Path.Combine(Scratch, "single", "traces")), TraceFiles(mergedTraces));
    }

    private static List<YamlMappingNode> Load(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Repository.Root, relative));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static string Text(YamlNode node) => node switch
    {
        YamlScalarNode scalar => scalar.Value ?? "",
        YamlSequenceNode sequence => string.Join(",", sequence.Children.Select(Text)),
        _ => node.ToString(),
    };

    private static string Step(YamlNode job, string name) =>
        Text(((YamlSequenceNode)job["steps"]).Children.Single(s => s is YamlMappingNode m && m.Children.TryGetValue("name", out var n) && Text(n) == name)["run"]);

    private static string Env(YamlNode container, string name) =>
        Text(((YamlSequenceNode)container["env"]).Children.Single(e => Text(e["name"]) == name)["value"]);

    /// <summary>The `dotnet run ...` part of a container's shell command (after the clone and the cd).</summary>
    private static string DotnetRun(YamlNode container) =>
        Text(((YamlSequenceNode)container["args"]).Children[0]).Split("&&").Select(p => p.Trim()).Single(p => p.StartsWith("dotnet run", StringComparison.Ordinal));

    private static string Substitute(string command, params (string Variable, string Value)[] values)
    {
        var text = command.Replace("$EXPLORE", SmallExplore, StringComparison.Ordinal);
        foreach (var (variable, value) in values)
        {
            text = text.Replace(variable, value, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("$", text, StringComparison.Ordinal);
        return text;
    }

    /// <summary>
    /// Runs `dotnet run ... -- explore ARGS [> FILE] [|| true]` in-process as if from <paramref name="folder"/>: relative
    /// paths and globs after --out, --traces and --merge are taken there, and stdout goes to FILE.
    /// </summary>
    private static (int Exit, string Cells) Shell(string command, string folder)
    {
        Directory.CreateDirectory(folder);
        var tokens = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = Array.IndexOf(tokens, "--") + 1;
        var redirect = Array.IndexOf(tokens, ">");
        var orElse = Array.IndexOf(tokens, "||");
        var end = redirect >= 0 ? redirect : orElse >= 0 ? orElse : tokens.Length;
        var arguments = new List<string>();
        var pathsFollow = false;
        foreach (var token in tokens[start..end])
        {
            if (token.StartsWith("--", StringComparison.Ordinal))
            {
                pathsFollow = token is "--out" or "--traces" or "--merge";
                arguments.Add(token);
            }
            else if (pathsFollow && token.Contains('*', StringComparison.Ordinal))
            {
                var directory = Path.Combine(folder, Path.GetDirectoryName(token) ?? "");
                arguments.AddRange(Directory.GetFiles(directory, Path.GetFileName(token)).Order(StringComparer.Ordinal));
            }
            else
            {
                arguments.Add(pathsFollow ? Path.Combine(folder, token) : token);
            }
        }

        var (exit, output, error) = Run([.. arguments]);
        Assert.True(exit != ExitCode.Usage, $"{command}: {output}{error}");
        if (end < tokens.Length && tokens[end] == ">")
        {
            File.WriteAllText(Path.Combine(folder, tokens[end + 1]), output);
        }

        using var json = JsonDocument.Parse(output);
        var cells = json.RootElement.GetProperty("cells").EnumerateArray()
            .Select(c => string.Join(" ", new[] { "profile", "scenario", "verdict", "schedules", "iterationsToFirstBug", "judgement", "message" }
                .Select(field => c.GetProperty(field).ToString())));
        return (exit, string.Join("\n", cells));
    }

    /// <summary>The trace files under <paramref name="root"/> with their sizes; never empty here (both kinds of cell violate on xen-4.22).</summary>
    private static string TraceFiles(string root)
    {
        var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains(files, f => f.Contains("random-ops--", StringComparison.Ordinal) && !f.Contains(ClaimVerified.Model.Matrix.SeedChunk.StagingFolder, StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("offline--", StringComparison.Ordinal));
        return string.Join("\n", files.Select(f => Path.GetRelativePath(root, f) + " " + File.ReadAllText(f).Length));
    }
}
