using System.Text.Json.Nodes;
using ClaimVerified.Model.Traces;

namespace ClaimVerified.Tests.Traces;

/// <summary>A trace that cannot be used says what is wrong and what to do, and never replays something else.</summary>
public sealed class TraceErrorTests : IDisposable
{
    private readonly ScratchFolder folder = new("trace-tests");

    private string Scratch => folder.FullName;

    public void Dispose() => folder.Dispose();

    /// <summary>A private copy of one committed trace folder, to break.</summary>
    private string CopyOfATrace()
    {
        var source = Repository.TraceFolders().First(f => f.Replace('\\', '/').Contains("/xen-4.22/kill-during-claim--", StringComparison.Ordinal));
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(Scratch, Path.GetFileName(file)));
        }

        return Scratch;
    }

    /// <summary>Replays a copy of a committed trace whose meta.json <paramref name="edit"/> has changed (see <see cref="Refused"/>).</summary>
    private TraceException RefusedWithMeta(Action<JsonObject> edit, string says)
    {
        var folder = CopyOfATrace();
        var path = Path.Combine(folder, TraceMeta.FileName);
        var meta = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(meta);
        File.WriteAllText(path, meta.ToJsonString());
        return Refused(folder, says);
    }

    /// <summary>Replays <paramref name="folder"/>, which must be refused with a message that says <paramref name="says"/>.</summary>
    private static TraceException Refused(string folder, string says)
    {
        var e = Assert.Throws<TraceException>(() => TraceFolder.Replay(folder));
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void A_folder_written_again_keeps_only_its_own_coyote_trace()
    {
        var folder = CopyOfATrace();
        var outcome = TraceFolder.Replay(folder);
        var (_, _, profile, scenario) = TraceFolder.Load(folder);
        var root = Path.Combine(Scratch, "again");
        var example = Counterexample.Replay(profile, scenario, outcome.Result);
        var written = TraceFolder.Write(root, example);
        var own = Directory.GetFiles(written, "*.trace").Single();
        File.WriteAllText(Path.Combine(written, "AnotherScenarioAsync.trace"), "{}");
        File.WriteAllText(Path.Combine(written, "notes.txt"), "kept");

        Assert.Equal(written, TraceFolder.Write(root, example));
        Assert.Equal([own], Directory.GetFiles(written, "*.trace"));
        Assert.True(File.Exists(Path.Combine(written, "notes.txt")));
        Assert.Equal(outcome.Result.BugMessage, TraceFolder.Replay(written).Result.BugMessage);
    }

    [Fact]
    public void A_missing_folder_is_refused_with_what_to_do()
    {
        var e = Refused(Path.Combine(Scratch, "nowhere"), "no trace folder");
        Assert.False(string.IsNullOrWhiteSpace(e.Remedy));
    }

    [Fact]
    public void A_corrupt_meta_json_is_refused()
    {
        var folder = CopyOfATrace();
        File.WriteAllText(Path.Combine(folder, TraceMeta.FileName), "{ not json");
        Refused(folder, "is not a valid trace meta.json");
    }

    [Fact]
    public void A_missing_or_corrupt_coyote_trace_is_refused_with_the_regenerate_command()
    {
        var folder = CopyOfATrace();
        var traceFile = Directory.GetFiles(folder, "*.trace").Single();
        File.WriteAllText(traceFile, "garbage");
        var e = Refused(folder, "is not a Coyote trace");
        Assert.Contains("explore --profile xen-4.22 --scenario kill-during-claim", e.Remedy, StringComparison.Ordinal);

        File.Delete(traceFile);
        Refused(folder, "has no KillDuringClaim.trace");
    }

    [Fact]
    public void Another_format_version_is_refused()
    {
        RefusedWithMeta(meta => meta["formatVersion"] = 99, "trace format 99");
    }

    [Fact]
    public void An_unknown_profile_or_scenario_is_refused_with_the_names()
    {
        var e = RefusedWithMeta(meta => meta["profile"] = "xen-9.9", "unknown profile 'xen-9.9'");
        Assert.Contains("xen-4.22", e.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_that_no_longer_reproduces_on_other_code_says_so_and_how_to_regenerate()
    {
        var e = RefusedWithMeta(
            meta =>
            {
                meta["codeFingerprint"] = "0000000000000000";
                meta["message"] = "[release] a violation this code does not show";
            },
            "recorded by a different version of the code (0000000000000000");
        Assert.Contains(Fingerprint.Current, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("regenerate it: dotnet run --project src/ClaimVerified.Cli -- explore --profile xen-4.22", e.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_replayed_as_another_profile_does_not_pass_for_evidence()
    {
        var e = RefusedWithMeta(meta => meta["profile"] = "reference", "reproduce");
        Assert.StartsWith("regenerate it: ", e.Remedy, StringComparison.Ordinal);
    }
}
