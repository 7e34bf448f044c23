using System.Text.Json;
using System.Text.Json.Serialization;
using ClaimVerified.Model.Generation;
using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Model.Traces;

/// <summary>
/// meta.json of a trace folder: what the counterexample is, how it was found, and on which code. A reader checks
/// <see cref="FormatVersion"/> and <see cref="CodeFingerprint"/> before trusting the rest. <see cref="Configuration"/>
/// is the generated configuration the execution followed (absent for a staged scenario); <see cref="ShrunkFrom"/>, the
/// family whose drawn configuration was shrunk to it (absent unless <c>explore --shrink</c> wrote the folder: then
/// <see cref="Scenario"/> is the given configuration's name and the replay does not draw); <see cref="Budget"/>, the
/// schedules a cell was given when the run that wrote the folder chose them (<c>explore --iterations</c>; absent: the
/// manifest's budget), so that the folder's regenerate command explores as far; <see cref="Calibration"/>, the
/// schedules its attributions gave their calibration when the run chose them (<c>explore --calibration</c>; absent: the
/// default), so that the regenerate command attributes alike.
/// </summary>
public sealed record TraceMeta(
    int FormatVersion,
    string Profile,
    string Scenario,
    string Property,
    string? Finding,
    string Message,
    string Strategy,
    uint Seed,
    int IterationsToBug,
    int Operations,
    string CoyoteVersion,
    string CodeFingerprint,
    GeneratedConfig? Configuration = null,
    string? ShrunkFrom = null,
    uint? Budget = null,
    uint? Calibration = null)
{
    /// <summary>Bumped whenever the folder layout or meta.json changes meaning.</summary>
    public const int CurrentFormatVersion = 1;

    public const string FileName = "meta.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { GeneratedConfig.SerializerOptions.Converters[0] },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    /// <summary>Parses meta.json; a malformed file is a <see cref="TraceException"/> that says what is wrong.</summary>
    public static TraceMeta Parse(string json, string path)
    {
        TraceMeta? meta;
        try
        {
            meta = JsonSerializer.Deserialize<TraceMeta>(json, Options);
        }
        catch (JsonException e)
        {
            throw new TraceException($"{path} is not a valid trace meta.json: {e.Message}",
                "regenerate the trace folder (see its README.md)");
        }

        if (meta is null || string.IsNullOrWhiteSpace(meta.Profile) || string.IsNullOrWhiteSpace(meta.Scenario))
        {
            throw new TraceException($"{path} lacks a profile or a scenario", "regenerate the trace folder (see its README.md)");
        }

        return meta;
    }
}

/// <summary>A trace that cannot be used, with what to do about it. The tool prints both lines, never a stack trace.</summary>
public sealed class TraceException(string problem, string remedy) : Exception(problem)
{
    public string Remedy { get; } = remedy;
}
