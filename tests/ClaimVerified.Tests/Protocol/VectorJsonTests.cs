using System.Text.Json;
using ClaimVerified.Model.Protocol;
using ClaimVerified.Tests.Traces;
using Json.Schema;

namespace ClaimVerified.Tests.Protocol;

/// <summary>
/// The conformance vectors as JSON lines: each committed .cvs has its .jsonl, equal to what the converter makes of
/// it; every line validates against traces/conformance/vector.schema.json (and lines that break it do not); and a
/// runner that reads nothing but the JSON passes every vector on the core behind the protocol.
/// </summary>
public sealed class VectorJsonTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "traces", "conformance");

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(Path.Combine(Folder, "vector.schema.json"))));

    public static TheoryData<string> Vectors() =>
        [.. Directory.GetFiles(Folder, "*.cvs", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Folder, f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Each_vector_s_json_lines_are_committed_as_the_converter_makes_them(string vector)
    {
        var cvs = Path.Combine(Folder, vector);
        var jsonl = Path.ChangeExtension(cvs, VectorJson.Extension);
        var expected = string.Join('\n', VectorJson.Lines(Path.GetFileNameWithoutExtension(cvs), File.ReadAllText(cvs))) + "\n";
        Assert.True(File.Exists(jsonl) && File.ReadAllText(jsonl) == expected,
            $"{jsonl} is missing or stale: run `claimverify vectors --json-lines traces/conformance`");
    }

    [Fact]
    public void No_json_lines_without_their_vector()
    {
        var orphans = Directory.GetFiles(Folder, "*" + VectorJson.Extension, SearchOption.AllDirectories)
            .Where(f => !File.Exists(Path.ChangeExtension(f, ".cvs"))).ToArray();
        Assert.Empty(orphans);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Every_line_validates_against_the_schema(string vector)
    {
        var lines = File.ReadAllLines(Path.ChangeExtension(Path.Combine(Folder, vector), VectorJson.Extension));
        Assert.True(lines.Length > 1);
        foreach (var line in lines)
        {
            Assert.True(Valid(line), $"{vector}: {line}");
        }
    }

    [Theory]
    [InlineData("""{"line":3,"source":"claim d1 8","request":{"client":0,"id":1,"op":"claim","domain":1}}""")]
    [InlineData("""{"line":3,"source":"claim d1 8","request":{"client":0,"id":1,"op":"claim","domain":1,"pages":8,"colour":1}}""")]
    [InlineData("""{"line":3,"source":"claim d1 8","request":{"client":0,"id":1,"op":"claim","domain":1,"pages":8},"result":"EAGAIN"}""")]
    [InlineData("""{"line":3,"source":"physinfo","request":{"client":0,"id":1,"op":"physinfo"},"counters":{"colour":1}}""")]
    [InlineData("""{"line":3,"source":"domaininfo d1","request":{"client":0,"id":1,"op":"domaininfo","domain":1},"counters":{"state":"asleep"}}""")]
    [InlineData("""{"vector":"x","profile":"xen-9","host":{"nodes":1,"pages":4,"llc":false}}""")]
    [InlineData("""{"vector":"x","profile":"reference","host":{"nodes":0,"pages":4,"llc":false}}""")]
    public void A_line_that_breaks_the_format_does_not_validate(string line) => Assert.False(Valid(line));

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_runner_that_reads_only_the_json_passes_every_vector_on_the_core(string vector)
    {
        var lines = File.ReadAllLines(Path.ChangeExtension(Path.Combine(Folder, vector), VectorJson.Extension)).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var header = lines[0];
        var host = header.GetProperty("host");
        var requests = new List<string>
        {
            $$"""{"client":0,"id":100000,"op":"hello","protocol":1,"profile":"{{header.GetProperty("profile").GetString()}}","nodes":{{host.GetProperty("nodes")}},"pages":{{host.GetProperty("pages")}},"llc":{{(host.GetProperty("llc").GetBoolean() ? "true" : "false")}}}""",
        };
        foreach (var step in lines.Skip(1))
        {
            requests.Add(step.GetProperty("request").GetRawText());
            requests.Add($$"""{"client":0,"id":{{200000 + step.GetProperty("request").GetProperty("id").GetInt64()}},"op":"audit"}""");
        }

        var output = new StringWriter();
        Assert.Equal(0, new ProtocolServer(ServeFault.None).Serve(new StringReader(string.Join('\n', requests)), output, new StringWriter()));
        var answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ProtocolCodec.ParseResponse).ToDictionary(r => r.Id);
        foreach (var step in lines.Skip(1))
        {
            var id = step.GetProperty("request").GetProperty("id").GetInt64();
            var source = step.GetProperty("source").GetString();
            if (step.TryGetProperty("result", out var result))
            {
                Assert.True(result.GetString() == answers[id].Result, $"{vector}: {source}: answered {answers[id].Result}");
            }

            AssertCounters(step, "counters", answers[id], source);
            AssertCounters(step, "audit", answers[200000 + id], source);
        }
    }

    private static void AssertCounters(JsonElement step, string field, ProtocolResponse answer, string? source)
    {
        if (!step.TryGetProperty(field, out var wanted))
        {
            return;
        }

        foreach (var counter in wanted.EnumerateObject())
        {
            var value = counter.Value.ValueKind == JsonValueKind.String ? counter.Value.GetString() : counter.Value.GetRawText();
            Assert.True(answer.Counters.GetValueOrDefault(counter.Name) == value, $"{source}: {field} {counter.Name}={answer.Counters.GetValueOrDefault(counter.Name)}, not {value}");
        }
    }

    private static bool Valid(string line)
    {
        using var document = JsonDocument.Parse(line);
        return Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
    }
}
