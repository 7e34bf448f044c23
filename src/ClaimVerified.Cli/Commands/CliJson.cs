using System.Text.Json;
using System.Text.Json.Serialization;
using ClaimVerified.Model.Manifest;

namespace ClaimVerified.Cli.Commands;

/// <summary>The one JSON style of every --json output: camelCase, indented, enums as strings.</summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static void Write(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>An error: to stderr in words, or as JSON on stdout with --json; never a stack trace.</summary>
    public static int Fail(TextWriter output, TextWriter error, bool json, string problem, string remedy, int exitCode = ExitCode.Usage)
    {
        if (json)
        {
            Write(output, new { error = problem, remedy });
        }
        else
        {
            error.WriteLine($"claimverify: {problem}");
            error.WriteLine($"  what to do: {remedy}");
        }

        return exitCode;
    }
}
