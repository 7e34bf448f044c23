using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClaimVerified.Model.Conformance;
using ClaimVerified.Profiles;
using ClaimVerified.Specification;

namespace ClaimVerified.Model.Protocol;

/// <summary>
/// A conformance vector as JSON lines (traces/conformance/**/*.jsonl, beside each .cvs; the schema is
/// traces/conformance/vector.schema.json), so that a runner in any language needs no parser of ours: a header line
/// (the vector, its profile and host), then one line per operation with the protocol request to send (domain names
/// already resolved to the domids the specification gives them), the result, the counters its answer must show and
/// the host counters an audit after it must show.
/// </summary>
public static class VectorJson
{
    public const string Extension = ".jsonl";

    /// <summary>Readable lines: "->" stays "->" (the default encoder escapes it for HTML).</summary>
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The JSON lines of <paramref name="scriptText"/> (a .cvs vector named <paramref name="name"/>); <paramref name="profileOverride"/> replaces its profile line.</summary>
    public static IReadOnlyList<string> Lines(string name, string scriptText, string? profileOverride = null)
    {
        var script = ScriptParser.TryParse(scriptText, out var error) ?? throw new ProtocolException($"{name}: {error?.Render()}");
        var profileName = profileOverride ?? script.Profile ?? throw new ProtocolException($"{name}: no profile line");
        var profile = Catalogue.TryGet(profileName, out var found) ? found : throw new ProtocolException($"{name}: unknown profile '{profileName}'");
        var lines = new List<string>
        {
            new JsonObject
            {
                ["vector"] = name,
                ["profile"] = profile.Name,
                ["host"] = new JsonObject { ["nodes"] = script.Host.NodeCount, ["pages"] = script.Host.PagesPerNode, ["llc"] = script.Host.LlcColouring },
            }.ToJsonString(Compact),
        };
        var state = Spec.Init(profile, script.Host);
        var bound = new Dictionary<string, int?>(StringComparer.Ordinal);
        var id = 0L;
        foreach (var step in script.Steps)
        {
            var call = step.Build(d => d.RawId ?? (bound.GetValueOrDefault(d.Name!) is { } domid ? domid
                : throw new ProtocolException($"{name} line {step.Line}: {d.Name} was never created (its create line failed)")));
            (var result, state) = Spec.Step(profile, state, call);
            if (step.Binds is { } newName)
            {
                bound[newName] = result.IsOk ? (int)result.Value : null;
            }

            lines.Add(Line(step, ProtocolRequest.ForCall(0, ++id, call)).ToJsonString(Compact));
        }

        return lines;
    }

    private static JsonObject Line(ScriptStep step, ProtocolRequest request)
    {
        var line = new JsonObject
        {
            ["line"] = step.Line,
            ["source"] = step.Source.Trim(),
            ["request"] = JsonNode.Parse(ProtocolCodec.FormatRequest(request)),
        };
        if (step.Expect is not { } expect)
        {
            return line;
        }

        var result = expect.Result ?? (expect.Counters.Count > 0 ? Errno.Ok : (Errno?)null);
        if (result is { } errno)
        {
            line["result"] = ProtocolCodec.ResultName(errno);
        }

        // A counter comes from the answer when the query shows it (getdomaininfo's, physinfo's on a physinfo line),
        // else from an audit after the line (every other host counter).
        var shown = new JsonObject();
        var audited = new JsonObject();
        foreach (var counter in expect.Counters)
        {
            var fromAnswer = request.Call is GetDomainInfo ? !ScriptParser.HostCounters.Contains(counter.Name)
                : request.Call is Specification.PhysInfo && Observations.IsPhysInfoCounter(counter.Key);
            (fromAnswer ? shown : audited)[counter.Key] = Value(counter.Value);
        }

        if (shown.Count > 0)
        {
            line["counters"] = shown;
        }

        if (audited.Count > 0)
        {
            line["audit"] = audited;
        }

        return line;
    }

    private static JsonNode Value(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(text);

    /// <summary>Writes the .jsonl of every .cvs under <paramref name="folder"/> (recursively), replacing stale ones; returns how many.</summary>
    public static int WriteAll(string folder)
    {
        foreach (var stale in Directory.GetFiles(folder, "*" + Extension, SearchOption.AllDirectories))
        {
            File.Delete(stale);
        }

        var files = Directory.GetFiles(folder, "*.cvs", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var lines = Lines(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file));
            File.WriteAllText(Path.ChangeExtension(file, Extension), string.Join('\n', lines) + "\n");
        }

        return files.Length;
    }
}
