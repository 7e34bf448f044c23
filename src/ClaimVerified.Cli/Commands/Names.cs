using ClaimVerified.Model.Manifest;
using ClaimVerified.Model.Scenarios;
using ClaimVerified.Profiles;

namespace ClaimVerified.Cli.Commands;

/// <summary>A usage or input error, in words, with what to do about it: exit code 1, never a stack trace.</summary>
public sealed class UsageException(string problem, string remedy) : Exception(problem)
{
    public string Remedy { get; } = remedy;
}

/// <summary>The one place that turns the names a user types into profiles, scenarios and findings, or says which names exist.</summary>
public static class Names
{
    public static Profile Profile(string? name) =>
        name is not null && Catalogue.TryGet(name, out var profile) ? profile
        : throw new UsageException($"unknown profile '{name}'", "run `claimverify profiles` for the names");

    public static Scenario Scenario(string? name) =>
        name is not null && ScenarioCatalogue.TryGet(name, out var scenario) ? scenario
        : throw new UsageException($"unknown scenario '{name}'", "run `claimverify scenarios` for the names");

    /// <summary>The named profiles, each once, in the order given; none named: every profile.</summary>
    public static IReadOnlyList<Profile> Profiles(IReadOnlyList<string>? names) =>
        names is not { Count: > 0 } ? Catalogue.All : names.Select(Profile).Distinct().ToArray();

    /// <summary>The named scenarios, each once, in the order given; none named: every scenario.</summary>
    public static IReadOnlyList<Scenario> Scenarios(IReadOnlyList<string>? names) =>
        names is not { Count: > 0 } ? ScenarioCatalogue.All : names.Select(Scenario).Distinct().ToArray();

    /// <summary>The named findings of the manifest, each once, in the order given; none named: none.</summary>
    public static IReadOnlyList<string> Findings(IReadOnlyList<string>? names)
    {
        var known = ExpectedResults.Load().Findings;
        return (names ?? []).Select(name => known.ContainsKey(name) ? name
            : throw new UsageException($"unknown finding '{name}'", $"the findings are: {string.Join(", ", known.Keys.Order(StringComparer.Ordinal))}"))
            .Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Runs a command's action; a <see cref="UsageException"/> or an unreadable or unwritable path becomes the usage
    /// error (JSON with --json).
    /// </summary>
    public static int Guard(TextWriter output, TextWriter error, bool json, Func<int> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return action();
        }
        catch (UsageException e)
        {
            return CliJson.Fail(output, error, json, e.Message, e.Remedy, ExitCode.Usage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file or folder the command reads or writes is not there or not writable: an input error, not a crash.
            return CliJson.Fail(output, error, json, e.Message, "check the path and that you may read and write there", ExitCode.Usage);
        }
    }
}
